import type { TestProject } from 'vitest/node'
import { startBoardingPass, type TestInstance } from '../../../test/src/support/boarding-pass.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Boarding Pass with the development provider, started in Node outside the happy-dom environment. */
    boardingPassUrl: string
  }
}

let bp: TestInstance | undefined

export async function setup(project: TestProject): Promise<void> {
  bp = await startBoardingPass({ LOG_LEVEL: 'silent' })
  project.provide('boardingPassUrl', bp.url)
}

export async function teardown(): Promise<void> {
  await bp?.close()
}
