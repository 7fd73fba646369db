/**
 * @module lib/storage/sqlite
 * The embedded backend: a revision-numbered log in one SQLite file (better-sqlite3 12.x).
 */
import type { StorageFactory } from '../interface.js'

export interface SqliteStorageOptions {
  /** Path of the database file; its folder is created on first start. */
  path: string
  /** PRAGMA synchronous: FULL (default) survives power loss; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL'
}

/**
 * A StorageFactory handing out one shared storage over one database file, so every resource of a
 * server shares one revision counter.
 * @public
 */
export function sqliteStorageFactory(opts: SqliteStorageOptions): StorageFactory {
  throw new Error(`sqlite storage is not implemented yet (${opts.path})`)
}
