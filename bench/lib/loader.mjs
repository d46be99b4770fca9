// The parent's side of a load: forks lib/load.mjs for one autocannon run and returns its answer.
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const LOAD = join(dirname(fileURLToPath(import.meta.url)), 'load.mjs')

/** Runs one load from a separate process (see load.mjs for the job's fields). */
export function runLoad(job) {
  return new Promise((resolve, reject) => {
    const child = fork(LOAD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    let answered = false
    child.once('message', (message) => {
      answered = true
      if (message.error) reject(new Error(`load: ${message.error}`))
      else resolve(message.result)
    })
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`load process exited (${code}) without an answer`))
    })
    child.send(job)
  })
}
