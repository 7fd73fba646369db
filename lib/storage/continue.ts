/**
 * @module lib/storage/continue
 * Continue tokens in the format every Kubernetes storage issues (storage/continue.go): base64url
 * JSON {"v":"meta.k8s.io/v1","rv":N,"start":"<key below the prefix>"}, and the messages etcd3's
 * GetList uses when a token's revision has been compacted. Shared by every backend.
 */
import { posix } from 'node:path'
import { invalidContinue } from './errors.js'

/** The message etcd3's GetList uses for a continue token whose revision has been compacted. */
export const continueExpiredMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue parameter from the response of the latest list.'

/** The message etcd3's GetList uses for an exact list at a compacted revision. */
export const listExpiredMessage = 'The resourceVersion for the provided list is too old.'

/** The only continue token version Kubernetes has ever issued (storage/continue.go). */
const continueTokenVersion = 'meta.k8s.io/v1'

export function encodeContinue(start: string, revision: number): string {
  return Buffer.from(JSON.stringify({ v: continueTokenVersion, rv: revision, start })).toString('base64url')
}

/** storage.DecodeContinue: the token's start key, re-rooted under `prefix` and guarded against "..". */
export function decodeContinue(token: string, prefix: string): { startKey: string; revision: number } {
  let parsed: unknown
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('illegal base64 data')
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch (err) {
    throw invalidContinue(prefix, `continue key is not valid: ${(err as Error).message}`)
  }
  const { v, rv, start } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>
  if (v !== continueTokenVersion) {
    throw invalidContinue(prefix, `continue key is not valid: server does not recognize this encoded version ${String(v)}`)
  }
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv <= 0) {
    throw invalidContinue(prefix, 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)')
  }
  if (typeof start !== 'string' || start === '') {
    throw invalidContinue(prefix, 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)')
  }
  const key = start.startsWith('/') ? start : '/' + start
  if (cleanPath(key) !== key) throw invalidContinue(prefix, `continue key is not valid: ${start}`)
  return { startKey: prefix + key.slice(1), revision: rv }
}

/** Go's path.Clean for a rooted path: no "." or ".." segments, no "//", no trailing '/'. */
function cleanPath(p: string): string {
  const cleaned = posix.normalize(p)
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned
}
