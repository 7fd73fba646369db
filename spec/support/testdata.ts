/**
 * @module spec/support/testdata
 * Where the team's shared test data lives: ../shared/testdata beside the repository (real CRDs and
 * resources from public projects, read in place, never copied). A user's clone has no ../shared, so
 * the specs that read it skip with a message instead of failing or passing silently.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** ../shared/testdata relative to the repository root (this file is spec/support/testdata.ts). */
export const sharedTestdata = fileURLToPath(new URL('../../../shared/testdata', import.meta.url))

export const haveSharedTestdata = existsSync(`${sharedTestdata}/crds`)

/** Call in a mocha before(): skips the suite, saying why, when ../shared/testdata is absent. */
export function skipWithoutSharedTestdata(ctx: Mocha.Context): void {
  if (haveSharedTestdata) return
  console.log(`    skipped: ${sharedTestdata} is absent (it sits beside the repository on the team's machines)`)
  ctx.skip()
}
