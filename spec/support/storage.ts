/**
 * @module spec/support/storage
 * What the backend specs (memory, SQLite, etcd) check beyond the shared conformance suite with:
 * asserting that a storage call fails with a given StorageError code.
 */
import { expect } from 'chai'
import { isStorageError } from '../../lib/storage/errors.js'
import type { StorageError, StorageErrorCode } from '../../lib/storage/errors.js'

/** Awaits promise and expects it to fail with a StorageError of code; returns that error. */
export async function expectStorageError(promise: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await promise
  } catch (err) {
    expect(isStorageError(err, code), String(err)).to.equal(true)
    return err as StorageError
  }
  expect.fail(`expected StorageError ${code}`)
}
