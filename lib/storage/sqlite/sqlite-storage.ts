/**
 * @module lib/storage/sqlite/sqlite-storage
 * The embedded backend: the memory backend's state, watches and history, made durable by a
 * revision-numbered log in one SQLite file, in the way kine keeps etcd's data model in SQL.
 *
 * Every write is one row (id = revision = resourceVersion, key, the object as JSON, the key's
 * create revision, the revision it replaces, a deleted marker), committed (WAL, synchronous=FULL
 * by default) before the in-memory state changes, so anything a client has seen acknowledged
 * survives kill -9 and power loss. Commits are grouped: the rows of every write of one event-loop
 * turn go into one transaction, committed (one fsync) when the turn's I/O callbacks are done; the
 * writes are applied, seen by readers and watchers, and answered only after that commit. Reads,
 * lists and watches are served from memory without polling; at start-up the live rows are loaded
 * and the newest `historySize` revisions of the log become the watch history again, so clients
 * resume watches across a restart.
 *
 * Compaction, like kine's, removes rows superseded by a newer row of the same key and deletion
 * markers, below the history window, in small transactions that yield to the event loop between
 * them; freed pages go back to the file system with incremental_vacuum.
 *
 * One process owns the file: the connection runs in exclusive locking mode and takes the lock at
 * open, so a second server on the same file fails at start-up instead of corrupting the log.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3'
import type { KubeObject } from '../../api/types.js'
import { StorageError } from '../errors.js'
import { MemoryStorage } from '../memory/memory-storage.js'
import type { StorageChange } from '../memory/memory-storage.js'

export interface SqliteStorageOptions {
  /** Path of the database file; its folder is created on first start. */
  path: string
  /** PRAGMA synchronous: FULL (default) survives power loss; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL'
  /**
   * The window of revisions kept for watches, exact lists and continue pages, in memory and in the
   * log (older superseded rows are compacted away). Default 10000.
   */
  historySize?: number
  /** Live events a watcher may fall behind before it is ended (see MemoryStorageOptions). Default 10000. */
  watchBufferLimit?: number
  /** Revisions one compaction transaction covers. Default 500. */
  compactBatchSize?: number
  /**
   * Compact in the background as revisions leave the window (default true); when false, only
   * compact() does (benchmarks measure the log before and after).
   */
  autoCompact?: boolean
}

/** What the background compaction has done so far, for tests and benchmarks. */
export interface CompactionStats {
  /** Rows at or below this revision have been compacted. */
  compactedRevision: number
  batches: number
  rowsDeleted: number
  /** The longest single compaction transaction or incremental_vacuum step, in milliseconds. */
  longestBatchMs: number
  /** The longest WAL checkpoint after a compaction, in milliseconds. */
  longestCheckpointMs: number
}

const schemaVersion = 1
const defaultHistorySize = 10000
const defaultCompactBatchSize = 500
/** Pages one incremental_vacuum step gives back (4 KiB each). */
const vacuumPagesPerStep = 256
/** Free pages (4 KiB each) below which the file is not shrunk: 16 MiB. */
const vacuumMinFreePages = 4096
/** Bytes the WAL file is truncated to after a checkpoint. */
const walSizeLimit = 16 * 1024 * 1024

/** The writes of one event-loop turn, in one transaction until commitGroup. */
interface CommitGroup {
  committed: Promise<void>
  resolve(): void
  reject(err: unknown): void
  /** The create revision each written key has once the group is committed (undefined: deleted). */
  createRevisions: [string, number | undefined][]
}

interface LogRow {
  id: number
  key: string
  value: string
  create_revision: number
  prev_revision: number
  deleted: number
}

/**
 * A Storage over one SQLite file, opened (and locked) by the constructor.
 * @public
 */
export class SqliteStorage extends MemoryStorage {
  readonly path: string
  private readonly db: SqliteDatabase
  private readonly insertRow: Statement<[number, string, string, number, number, number]>
  private readonly compactBatchSize: number
  private readonly autoCompact: boolean
  /** The create revision of every live key, for the log's create_revision column. */
  private readonly createRevisions = new Map<string, number>()
  /** Rows at or below this revision are compacted. */
  private compactCursor = 0
  private compacting = false
  private closed = false
  private readonly stats: CompactionStats = { compactedRevision: 0, batches: 0, rowsDeleted: 0, longestBatchMs: 0, longestCheckpointMs: 0 }
  private idle: Promise<void> = Promise.resolve()
  /** The group commit being gathered in an open transaction (see persist). */
  private group: CommitGroup | undefined

  constructor(opts: SqliteStorageOptions) {
    const historySize = opts.historySize ?? defaultHistorySize
    super({ historySize, watchBufferLimit: opts.watchBufferLimit })
    this.path = opts.path
    this.compactBatchSize = opts.compactBatchSize ?? defaultCompactBatchSize
    this.autoCompact = opts.autoCompact ?? true
    if (!Number.isInteger(this.compactBatchSize) || this.compactBatchSize < 1) {
      throw new RangeError(`compactBatchSize must be a positive integer, got ${opts.compactBatchSize}`)
    }
    const synchronous = opts.synchronous ?? 'FULL'
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new RangeError(`synchronous must be FULL or NORMAL, got ${String(synchronous)}`)

    this.db = openLocked(opts.path)
    try {
      this.db.pragma(`synchronous = ${synchronous}`)
      // Checkpoints keep the WAL from growing without bound; this also gives its space back.
      this.db.pragma(`journal_size_limit = ${walSizeLimit}`)
      createSchema(this.db)
      this.insertRow = this.db.prepare(
        'INSERT INTO log (id, key, value, create_revision, prev_revision, deleted) VALUES (?, ?, ?, ?, ?, ?)',
      )
      this.load(historySize)
    } catch (err) {
      this.db.close()
      throw err
    }
    // A compaction that a crash interrupted, or one the loaded history already allows.
    if (this.autoCompact) this.startCompaction()
  }

  /**
   * Forgets the history up to `revision` in memory at once, and compacts the log up to it in the
   * background (compactionIdle() tells when that is done).
   */
  override compact(revision: number): void {
    super.compact(revision)
    this.startCompaction()
  }

  /** Resolves when no background compaction is running. */
  compactionIdle(): Promise<void> {
    return this.idle
  }

  compactionStats(): CompactionStats {
    return { ...this.stats, compactedRevision: this.compactCursor }
  }

  override async readinessCheck(): Promise<void> {
    if (this.closed || !this.db.open) throw new StorageError('Unreachable', '', `sqlite storage ${this.path} is closed`)
  }

  /**
   * Ends every watch, stops compaction after its current batch, folds the WAL into the database
   * file and releases the file lock. Idempotent.
   */
  override async close(): Promise<void> {
    await super.close()
    if (this.closed) return
    this.commitGroup()
    this.closed = true
    await this.idle
    if (this.db.open) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)')
      } finally {
        this.db.close()
      }
    }
  }

  /**
   * Inserts the change's row into the transaction of the current group, begun by the first change
   * of an event-loop turn and committed by commitGroup in the turn's check phase (setImmediate),
   * after the poll phase has run every I/O callback that was ready: the writes of all the requests
   * that arrived together share one fsync. The storage applies and acknowledges them when the
   * returned promise resolves, and never lets a second change of one key into a group.
   */
  protected override persist(change: StorageChange): Promise<void> {
    if (this.closed) throw new StorageError('Unreachable', change.key, `sqlite storage ${this.path} is closed`)
    const prevRevision = change.prev === undefined ? 0 : Number(change.prev.metadata.resourceVersion)
    const createRevision = change.type === 'ADDED' ? change.revision : (this.createRevisions.get(change.key) ?? change.revision)
    const group = this.group ?? this.beginGroup()
    try {
      this.insertRow.run(
        change.revision,
        change.key,
        JSON.stringify(change.object),
        createRevision,
        prevRevision,
        change.type === 'DELETED' ? 1 : 0,
      )
    } catch (err) {
      // A failed statement leaves the transaction and the group's other rows as they were.
      throw new StorageError('Unreachable', change.key, `sqlite storage ${this.path}: ${(err as Error).message}`)
    }
    group.createRevisions.push([change.key, change.type === 'DELETED' ? undefined : createRevision])
    // Schedules a background compaction once a batch's worth of revisions has left the window.
    if (this.autoCompact && this.historyStart() - this.compactCursor >= this.compactBatchSize) this.startCompaction()
    return group.committed
  }

  private beginGroup(): CommitGroup {
    let resolve!: () => void
    let reject!: (err: unknown) => void
    const committed = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    try {
      this.db.exec('BEGIN')
    } catch (err) {
      throw new StorageError('Unreachable', '', `sqlite storage ${this.path}: ${(err as Error).message}`)
    }
    const group: CommitGroup = { committed, resolve, reject, createRevisions: [] }
    this.group = group
    setImmediate(() => this.commitGroup())
    return group
  }

  /** Commits the open group (one fsync) and settles its writes; a failed commit fails them all. */
  private commitGroup(): void {
    const group = this.group
    if (group === undefined) return
    this.group = undefined
    try {
      this.db.exec('COMMIT')
    } catch (err) {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
      } catch {
        // The connection is unusable: every later write fails at BEGIN with its own message.
      }
      group.reject(new StorageError('Unreachable', '', `sqlite storage ${this.path}: ${(err as Error).message}`))
      return
    }
    for (const [key, revision] of group.createRevisions) {
      if (revision === undefined) this.createRevisions.delete(key)
      else this.createRevisions.set(key, revision)
    }
    group.resolve()
  }

  /** Rebuilds the in-memory state from the log: live rows, and the window of newest revisions as history. */
  private load(historySize: number): void {
    const meta = (name: string): number =>
      (this.db.prepare('SELECT value FROM meta WHERE name = ?').pluck().get(name) as number | undefined) ?? 0
    const compactRevision = meta('compact_revision')
    this.compactCursor = compactRevision
    const maxId = (this.db.prepare('SELECT max(id) FROM log').pluck().get() as number | null) ?? 0
    // A deletion marker at the newest revision may have been compacted: the counter never goes back.
    const revision = Math.max(maxId, compactRevision)
    const historyStart = Math.max(compactRevision, revision - historySize, 0)

    const byRevision = new Map<number, KubeObject>()
    const changes: StorageChange[] = []
    const prevRow = this.db.prepare('SELECT value FROM log WHERE id = ?').pluck()
    let expected = historyStart + 1
    for (const row of this.db.prepare('SELECT id, key, value, prev_revision, deleted FROM log WHERE id > ? ORDER BY id').iterate(historyStart) as Iterable<LogRow>) {
      if (row.id !== expected) throw corrupt(this.path, `revision ${expected} is missing from the log`)
      expected++
      const object = parseRow(this.path, row.id, row.value)
      byRevision.set(row.id, object)
      let prev: KubeObject | undefined
      if (row.prev_revision !== 0) {
        prev = byRevision.get(row.prev_revision)
        if (prev === undefined) {
          const value = prevRow.get(row.prev_revision) as string | undefined
          if (value === undefined) throw corrupt(this.path, `revision ${row.prev_revision}, replaced at ${row.id}, is missing from the log`)
          prev = parseRow(this.path, row.prev_revision, value)
        }
      }
      const type = row.deleted ? 'DELETED' : row.prev_revision === 0 ? 'ADDED' : 'MODIFIED'
      changes.push({ type, key: row.key, revision: row.id, object, prev })
    }
    if (expected !== revision + 1 && maxId > historyStart) throw corrupt(this.path, `the log ends at ${expected - 1}, expected ${revision}`)

    // Live rows: not deleted and not replaced by a later row (each later row names the one it replaces).
    const live: [string, KubeObject][] = []
    const liveRows = this.db.prepare(
      'SELECT id, key, value, create_revision FROM log r WHERE deleted = 0 AND NOT EXISTS (SELECT 1 FROM log s WHERE s.prev_revision = r.id) ORDER BY key',
    )
    for (const row of liveRows.iterate() as Iterable<LogRow>) {
      live.push([row.key, byRevision.get(row.id) ?? parseRow(this.path, row.id, row.value)])
      this.createRevisions.set(row.key, row.create_revision)
    }
    this.restore(live, revision, changes)
  }

  /** Starts the background compaction up to the history window unless it is running already. */
  private startCompaction(): void {
    if (this.compacting || this.closed || this.historyStart() <= this.compactCursor) return
    this.compacting = true
    this.idle = this.runCompaction().finally(() => {
      this.compacting = false
    })
  }

  /**
   * Walks the log below the window's start in batches of revisions: each row there deletes the row
   * it replaced, and deletion markers go too. A row replaced only inside the window stays, as the
   * window still needs it as the "before" state of a change. Each batch is one short transaction,
   * and the event loop runs between batches, so writes and reads never wait long.
   */
  private async runCompaction(): Promise<void> {
    const deleteBatch = this.db.prepare(
      'DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id BETWEEN @lo AND @hi AND prev_revision > 0) ' +
        'OR (id BETWEEN @lo AND @hi AND deleted = 1)',
    )
    const setMeta = this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value')
    const batch = this.db.transaction((lo: number, hi: number): number => {
      const { changes } = deleteBatch.run({ lo, hi })
      // In the same transaction as the deletions: after a restart the history is never loaded
      // from below `hi`, where "before" states may be gone.
      setMeta.run('compact_revision', hi)
      return changes
    })
    try {
      let freed = false
      for (;;) {
        // First of all: a compaction started by a write must not run inside that write.
        await yieldToEventLoop()
        if (this.closed) break
        const target = this.historyStart()
        if (target <= this.compactCursor) break
        const lo = this.compactCursor + 1
        const hi = Math.min(target, this.compactCursor + this.compactBatchSize)
        // Compaction runs in transactions of its own, never inside a group of writes.
        this.commitGroup()
        const t0 = performance.now()
        const deleted = batch(lo, hi)
        const ms = performance.now() - t0
        this.compactCursor = hi
        this.stats.batches++
        this.stats.rowsDeleted += deleted
        if (ms > this.stats.longestBatchMs) this.stats.longestBatchMs = ms
        if (deleted > 0) freed = true
      }
      // Hands freed pages back to the file system, a few at a time, once there are many: a few
      // free pages are better reused by the next writes than given back and grown again.
      const free = this.db.pragma('freelist_count', { simple: true }) as number
      const pages = this.db.pragma('page_count', { simple: true }) as number
      if (free < Math.max(vacuumMinFreePages, pages / 4)) freed = false
      while (freed && !this.closed) {
        if ((this.db.pragma('freelist_count', { simple: true }) as number) === 0) break
        this.commitGroup()
        const t0 = performance.now()
        this.db.pragma(`incremental_vacuum(${vacuumPagesPerStep})`)
        const ms = performance.now() - t0
        if (ms > this.stats.longestBatchMs) this.stats.longestBatchMs = ms
        await yieldToEventLoop()
      }
      // The file only shrinks when the WAL, which holds the vacuumed pages, is folded into it.
      if (freed && !this.closed) {
        // A checkpoint cannot run inside a transaction.
        this.commitGroup()
        const t0 = performance.now()
        this.db.pragma('wal_checkpoint(TRUNCATE)')
        this.stats.longestCheckpointMs = Math.max(this.stats.longestCheckpointMs, performance.now() - t0)
      }
    } catch (err) {
      // A failed compaction loses nothing: the rows stay and the next trigger tries again.
      if (!this.closed) process.emitWarning(`sqlite storage ${this.path}: compaction failed: ${(err as Error).message}`)
    }
  }
}

/**
 * Opens the file in WAL mode with an exclusive lock held for the connection's lifetime, failing at
 * once (no busy wait) when another process holds it.
 */
function openLocked(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path, { timeout: 0 })
  try {
    db.pragma('locking_mode = EXCLUSIVE')
    // Before any table exists, so freed pages can be handed back without a full VACUUM.
    db.pragma('auto_vacuum = INCREMENTAL')
    db.pragma('journal_mode = WAL')
    // Takes the exclusive lock now; locking_mode EXCLUSIVE keeps it until close().
    db.exec('BEGIN EXCLUSIVE; COMMIT')
  } catch (err) {
    db.close()
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(
        `sqlite storage ${path} is in use by another process (another kube-express server?): ` +
          'only one server can use a database file at a time',
        { cause: err },
      )
    }
    throw err
  }
  return db
}

function createSchema(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS log (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision INTEGER NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS log_prev_revision ON log (prev_revision);
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `)
  const version = db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").pluck().get() as number | undefined
  if (version === undefined) db.prepare("INSERT INTO meta (name, value) VALUES ('schema_version', ?)").run(schemaVersion)
  else if (version !== schemaVersion) throw new Error(`sqlite storage: unsupported schema version ${version} (this server knows ${schemaVersion})`)
}

function parseRow(path: string, id: number, value: string): KubeObject {
  try {
    return JSON.parse(value) as KubeObject
  } catch (err) {
    throw corrupt(path, `revision ${id} is not valid JSON: ${(err as Error).message}`)
  }
}

function corrupt(path: string, message: string): StorageError {
  return new StorageError('CorruptObj', '', `sqlite storage ${path}: ${message}`)
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
