/**
 * @module lib/storage/etcd/etcd-errors
 * Turns what the etcd3 client throws into StorageErrors, like the error interpretation in
 * k8s.io/apiserver pkg/storage/etcd3: compaction -> Expired, future revision -> too large, and any
 * transport failure (etcd down, no leader, broken circuit, closed client) -> Unreachable or Timeout,
 * which the registry answers with 503 instead of crashing.
 */
import { StorageError } from '../errors.js'

/** etcd's text for a read or watch at a compacted revision (mvcc.ErrCompacted). */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted')
}

/** etcd's text for a read at a revision it has not reached (mvcc.ErrFutureRev). */
export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision is a future revision')
}

/**
 * Whether a failed call surely never reached etcd (nothing to connect to, circuit open, no leader
 * to propose to), so repeating it cannot apply a write twice.
 */
export function isNeverSentError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  return (
    err.constructor.name === 'BrokenCircuitError' ||
    /ECONNREFUSED|No connection established|circuit breaker is open|etcdserver: no leader|etcdserver: not capable/i.test(err.message)
  )
}

/**
 * A failure of an etcd call as a StorageError. Callers handle compaction and future revisions
 * themselves (their messages depend on the operation); everything else means etcd could not
 * answer, so it is reported as unavailable rather than as a bug of ours.
 */
export function etcdCallError(err: unknown, key: string): StorageError {
  if (err instanceof StorageError) return err
  const message = err instanceof Error ? err.message : String(err)
  const name = err instanceof Error ? err.constructor.name : ''
  if (name === 'GRPCDeadlineExceededError' || /deadline exceeded|request timed out/i.test(message)) {
    return new StorageError('Timeout', key, `etcd request timed out: ${message}`)
  }
  return new StorageError('Unreachable', key, `etcd is unavailable: ${message}`)
}
