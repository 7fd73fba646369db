/**
 * @module lib/storage/backend-common
 * What every backend does the same way: prefixes of lists and watches, resourceVersion parsing,
 * preconditions (with etcd3's messages) and the private copy of an object to store.
 */
import type { KubeObject } from '../api/types.js'
import { cloneJSON } from '../api/clone.js'
import { StorageError, conflict } from './errors.js'
import type { Preconditions } from './interface.js'

/** A list or watch covers every key below the prefix, so it ends in '/' as in etcd3's GetList. */
export function asPrefix(prefix: string): string {
  return prefix.endsWith('/') ? prefix : prefix + '/'
}

/** The smallest string greater than every key under the prefix ('/' + 1 is '0'). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

export function parseResourceVersion(key: string, rv: string): number {
  const n = /^\d+$/.test(rv) ? Number(rv) : NaN
  if (!Number.isSafeInteger(n)) {
    // The endpoints validate query parameters first; this is the last line of defence.
    throw new StorageError('InvalidObj', key, `invalid resource version: ${JSON.stringify(rv)}`)
  }
  return n
}

export function checkPreconditions(key: string, preconditions: Preconditions | undefined, obj: KubeObject | undefined): void {
  if (preconditions === undefined) return
  // A missing object (ignoreNotFound) is checked as an empty one, like etcd3's GuaranteedUpdate.
  const uid = typeof obj?.metadata.uid === 'string' ? obj.metadata.uid : ''
  const rv = typeof obj?.metadata.resourceVersion === 'string' ? obj.metadata.resourceVersion : ''
  if (preconditions.uid !== undefined && preconditions.uid !== uid) {
    throw conflict(key, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${uid}`)
  }
  if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== rv) {
    throw conflict(
      key,
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${rv}`,
    )
  }
}

/** A private, JSON-normalised copy of what the caller wants stored. */
export function toStorable(key: string, obj: KubeObject): KubeObject {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new StorageError('InvalidObj', key, 'the object to store must be a JSON object')
  }
  const copy = cloneJSON(obj)
  if (typeof copy.metadata !== 'object' || copy.metadata === null || Array.isArray(copy.metadata)) {
    throw new StorageError('InvalidObj', key, 'the object to store has no metadata')
  }
  return copy
}
