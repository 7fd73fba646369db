/**
 * @module lib/storage/sqlite
 * The embedded backend: a revision-numbered log in one SQLite file (better-sqlite3 12.x); see
 * ./sqlite-storage.ts for how it works.
 */
import type { StorageFactory } from '../interface.js'
import { SqliteStorage } from './sqlite-storage.js'
import type { SqliteStorageOptions } from './sqlite-storage.js'

export { SqliteStorage }
export type { CompactionStats, SqliteStorageOptions } from './sqlite-storage.js'

/**
 * A StorageFactory handing out one shared storage over one database file, so every resource of a
 * server shares one revision counter. The file is opened and locked here, at once, so a file that
 * another server holds, or that cannot be created, fails start-up with a clear message.
 * @public
 */
export function sqliteStorageFactory(opts: SqliteStorageOptions): StorageFactory {
  const shared = new SqliteStorage(opts)
  return function sqliteStorage(): SqliteStorage {
    return shared
  }
}
