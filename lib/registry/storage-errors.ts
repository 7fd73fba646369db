/**
 * @module lib/registry/storage-errors
 * The one place where storage error codes become API errors, like k8s.io/apiserver
 * pkg/storage/errors/storage.go (InterpretCreateError, InterpretGetError, ...).
 */
import * as errors from '../api/errors.js'
import type { StatusError } from '../api/errors.js'
import type { GroupResource } from '../api/types.js'
import { isStorageError } from '../storage/errors.js'

/** Maps a storage failure on the object `name` of `gr` to a StatusError; anything else is returned as is. */
export function interpretStorageError(err: unknown, gr: GroupResource, name: string): unknown {
  if (!isStorageError(err)) return err
  switch (err.code) {
    case 'KeyNotFound':
      return errors.notFound(gr, name)
    case 'KeyExists':
      return errors.alreadyExists(gr, name)
    case 'ResourceVersionConflicts':
      return errors.conflict(gr, name, err.message)
    case 'Expired':
      return errors.resourceExpired(err.message)
    case 'InvalidContinue':
      return errors.badRequest(err.message)
    case 'TooLargeResourceVersion':
      return errors.timeout(err.message, 1, { reason: 'ResourceVersionTooLarge', message: 'Too large resource version' })
    case 'Unreachable':
    case 'Timeout':
      return errors.serviceUnavailable(err.message, 1)
    default:
      return errors.internalError(err)
  }
}

/** Throws the interpreted form of err. */
export function rethrowStorageError(err: unknown, gr: GroupResource, name: string): never {
  throw interpretStorageError(err, gr, name) as StatusError
}
