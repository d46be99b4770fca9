// The parent's side of a load and of the floor's micro-measurements: each forks its script
// (lib/load.mjs, lib/floor.mjs) for one job and returns its answer.
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

/** Runs one load from a separate process (see load.mjs for the job's fields). */
export function runLoad(job) {
  return forkJob(join(HERE, 'load.mjs'), job, 'load')
}

/** Measures the CPU floor's parts in a separate process (see floor.mjs for the job's fields). */
export function measureFloorParts(job) {
  return forkJob(join(HERE, 'floor.mjs'), job, 'floor')
}

function forkJob(script, job, name) {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    let answered = false
    child.once('message', (message) => {
      answered = true
      if (message.error) reject(new Error(`${name}: ${message.error}`))
      else resolve(message.result)
    })
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`${name} process exited (${code}) without an answer`))
    })
    child.send(job)
  })
}
