import { Agent, setGlobalDispatcher } from 'undici'
import { afterAll, expect, inject } from 'vitest'
import { instanceProcesses } from './boarding-pass-process.js'

// Every request on a connection of its own (no keep-alive): the primary hands each new connection to the
// next worker, so the requests of one flow (start, callback, complete, refresh) land on either worker
// instead of all riding one kept-alive connection to the same one.
setGlobalDispatcher(new Agent({ pipelining: 0 }))

// After every test file (this hook runs after the file's own): it ran against child processes with
// WEB_CONCURRENCY workers each, and every worker of every instance served requests, so the file did test them.
afterAll(async () => {
  const instances = instanceProcesses()
  const left = instances.filter((instance) => !instance.closed)
  await Promise.allSettled(left.map((instance) => instance.close()))
  expect(
    left.map((instance) => instance.pid),
    'instances the file did not close',
  ).toEqual([])
  expect(instances.length, 'this file started no Boarding Pass: it does not belong in this project').toBeGreaterThan(0)
  for (const instance of instances) {
    expect(instance.workers, `the workers of ${instance.pid}`).toHaveLength(inject('webConcurrency')!)
    const served = [...instance.served!.values()]
    // One request reaches one worker; an instance asked at least once per worker must have used them all.
    if (served.reduce((sum, count) => sum + count, 0) >= served.length) {
      expect(
        served.every((count) => count > 0),
        `requests per worker of ${instance.pid}: ${served.join(', ')}`,
      ).toBe(true)
    }
  }
})
