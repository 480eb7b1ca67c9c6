// Vitest globalSetup of the browser tests: finds Chromium once per run (test/helpers/chromium.ts),
// unpacking the bundled one if it comes to that, and says which.
import type { TestProject } from 'vitest/node'
import { type FoundChromium, findChromium } from './chromium.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: FoundChromium
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const found = await findChromium()
  project.provide('chromium', found)
  console.log(`Chromium for the browser tests: ${found.description}`)
}
