/**
 * @module lib/storage/errors
 * Storage errors with codes, like k8s.io/apiserver pkg/storage/errors.go; they know nothing of HTTP.
 * lib/registry/storage-errors.ts turns them into API errors in one place.
 */

export type StorageErrorCode =
  | 'KeyNotFound'
  | 'KeyExists'
  | 'ResourceVersionConflicts'
  | 'InvalidObj'
  | 'Unreachable'
  | 'Timeout'
  | 'CorruptObj'
  /** The requested revision is older than the backend keeps (watch, exact list). */
  | 'Expired'
  /** The requested revision is newer than the backend has reached. */
  | 'TooLargeResourceVersion'
  /** A continue token that cannot be decoded. */
  | 'InvalidContinue'

export class StorageError extends Error {
  readonly code: StorageErrorCode
  readonly key: string
  readonly resourceVersion: number

  constructor(code: StorageErrorCode, key: string, message: string, resourceVersion = 0) {
    super(message)
    this.name = 'StorageError'
    this.code = code
    this.key = key
    this.resourceVersion = resourceVersion
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code)
}

export function keyNotFound(key: string, rv = 0): StorageError {
  return new StorageError('KeyNotFound', key, `key not found: ${key}`, rv)
}

export function keyExists(key: string, rv = 0): StorageError {
  return new StorageError('KeyExists', key, `key exists: ${key}`, rv)
}

export function conflict(key: string, message: string, rv = 0): StorageError {
  return new StorageError('ResourceVersionConflicts', key, message, rv)
}

/** "too old resource version: 5 (20)", the exact text clients see in the 410 watch event. */
export function expired(key: string, requested: number, oldest: number): StorageError {
  return new StorageError('Expired', key, `too old resource version: ${requested} (${oldest})`, requested)
}

export function tooLargeResourceVersion(key: string, requested: number, current: number): StorageError {
  return new StorageError('TooLargeResourceVersion', key, `Too large resource version: ${requested}, current: ${current}`, requested)
}

export function invalidContinue(key: string, message: string): StorageError {
  return new StorageError('InvalidContinue', key, message)
}
