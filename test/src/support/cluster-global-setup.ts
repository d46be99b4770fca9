import type {} from 'vitest'
import type { TestProject } from 'vitest/node'
import { startRedisCluster, type RedisCluster } from './redis-cluster.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * REDIS_CLUSTER_NODES of a real 6-node Redis Cluster the `cluster` project
     * started; set, every test service runs on it instead of REDIS_URL.
     */
    redisClusterNodes: string
  }
}

let cluster: RedisCluster | undefined

/** Starts a real Redis Cluster (3 masters, 3 replicas) for the whole `cluster` project. */
export async function setup(project: TestProject): Promise<void> {
  cluster = await startRedisCluster()
  project.provide('redisClusterNodes', cluster.seeds)
  // Tests that also need a single Redis (none yet) would read it here.
  project.provide('redisUrl', '')
}

export async function teardown(): Promise<void> {
  await cluster?.stop()
}
