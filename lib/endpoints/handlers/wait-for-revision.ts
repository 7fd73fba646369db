/**
 * @module lib/endpoints/handlers/wait-for-revision
 * A GET or LIST at a resourceVersion the storage has not reached yet (the cacher's
 * waitUntilFreshAndBlock): the request waits up to 3 s for that revision, then fails with
 * NewTooLargeResourceVersionError (504 Timeout, cause ResourceVersionTooLarge, Retry-After: 1).
 * Written against Storage.currentRevision(), so every backend behaves the same.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import * as errors from '../../api/errors.js'
import type { Storage } from '../../storage/interface.js'

/** cacher.go blockTimeout */
const blockTimeoutMs = 3000
/** How often the revision is read while waiting. */
const pollIntervalMs = 25

/**
 * Resolves once the storage's revision is at least `resourceVersion`. "" and "0" (any version) and
 * values that are not revisions (the list-options parser answers for those) pass at once.
 */
export async function waitForRevision(
  storage: Storage,
  resourceVersion: string | null | undefined,
  abortSignal?: () => AbortSignal,
): Promise<void> {
  if (!resourceVersion || !/^[0-9]+$/.test(resourceVersion)) return
  const wanted = Number(resourceVersion)
  let current = await storage.currentRevision()
  if (wanted <= current) return
  // Made only when the request has to wait: a signal aborted on every response's close costs a
  // DOMException per request.
  const signal = abortSignal?.()
  const deadline = Date.now() + blockTimeoutMs
  while (Date.now() < deadline && !signal?.aborted) {
    await sleep(pollIntervalMs)
    current = await storage.currentRevision()
    if (wanted <= current) return
  }
  throw errors.timeout(`Too large resource version: ${wanted}, current: ${current}`, 1, { reason: 'ResourceVersionTooLarge', message: 'Too large resource version' })
}

/**
 * An AbortSignal that fires when the client goes away, so a waiting request stops polling. The
 * response's "close" is used: before anything is written it means the connection ended (the
 * request's own "close" only says its body was read).
 */
export function clientGone(res: { once(event: 'close', fn: () => void): unknown }): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => controller.abort())
  return controller.signal
}
