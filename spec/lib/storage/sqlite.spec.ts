/**
 * SqliteStorage: the shared conformance suite (on a fresh file per test, and on one file reopened
 * for every test so the state and history are loaded from the log each time), plus what only the
 * SQLite backend promises: durability across close and reopen with the same resourceVersions,
 * compaction that keeps the history window, the file lock against a second process, and the
 * folder created on first start.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'mocha'
import { expect } from 'chai'
import Database from 'better-sqlite3'
import type { KubeObject } from '../../../lib/api/types.js'
import { isStorageError } from '../../../lib/storage/errors.js'
import { expectStorageError } from '../../support/storage.js'
import type { Storage, Watcher, WatchEvent } from '../../../lib/storage/interface.js'
import { SqliteStorage, sqliteStorageFactory } from '../../../lib/storage/sqlite/index.js'
import { runStorageConformance } from '../../../lib/storage/testing/conformance.js'
import { repoRoot } from '../../support/kubectl.js'

const root = mkdtempSync(join(tmpdir(), 'kube-express-sqlite-spec-'))
after(() => rmSync(root, { recursive: true, force: true }))

let fileCount = 0
/** A path for a new database file under the spec's temp folder. */
function newPath(): string {
  return join(root, `db-${++fileCount}`, 'state.db')
}

const compact = async (s: Storage): Promise<void> => {
  const storage = s as SqliteStorage
  storage.compact(await s.currentRevision())
  await storage.compactionIdle()
}

runStorageConformance('SqliteStorage (fresh file)', () => new SqliteStorage({ path: newPath() }), undefined, { compact })

const sharedPath = newPath()
runStorageConformance('SqliteStorage (one file, reopened for every test)', () => new SqliteStorage({ path: sharedPath, historySize: 200 }), undefined, {
  compact,
})

const prefix = '/registry/configmaps/ns/'
const key = (name: string): string => prefix + name

function configMap(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, data }
}

/** Reads up to n events, giving up after `ms` without a new one. */
async function drain(watcher: Watcher, n: number, ms = 300): Promise<WatchEvent[]> {
  const iterator = watcher[Symbol.asyncIterator]()
  const events: WatchEvent[] = []
  while (events.length < n) {
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
    ])
    clearTimeout(timer)
    if (result === 'timeout' || result.done) break
    events.push(result.value)
  }
  return events
}

/** Runs a script in a second Node process (with tsx, from the repository root); resolves with its exit and output. */
function runNode(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: 'pipe' })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, output }))
  })
}

describe('SqliteStorage', () => {
  describe('durability', () => {
    it('keeps every object with its resourceVersion across close and reopen, and continues the revisions', async () => {
      const path = newPath()
      const s1 = new SqliteStorage({ path })
      const a = await s1.create(key('a'), configMap('a', { v: '1' }))
      const b = await s1.create(key('b'), configMap('b'))
      const a2 = await s1.guaranteedUpdate(key('a'), (c) => ({ ...c, data: { v: '2' } }))
      await s1.delete(key('b'))
      const c = await s1.create('/registry/secrets/ns/c', configMap('c'))
      const revision = await s1.currentRevision()
      await s1.close()

      const s2 = new SqliteStorage({ path })
      try {
        expect(await s2.currentRevision()).to.equal(revision)
        expect(await s2.get(key('a'))).to.deep.equal(a2)
        expect(await s2.get('/registry/secrets/ns/c')).to.deep.equal(c)
        await expectStorageError(s2.get(key('b')), 'KeyNotFound')
        expect((await s2.list(prefix)).items).to.deep.equal([a2])
        // The history came back from the log: exact lists and watches from before the restart work.
        const atB = await s2.list(prefix, { resourceVersion: b.metadata.resourceVersion, resourceVersionMatch: 'Exact' })
        expect(atB.items).to.deep.equal([a, b])
        const watcher = await s2.watch(prefix, { resourceVersion: a.metadata.resourceVersion })
        const d = await s2.create(key('d'), configMap('d'))
        const events = await drain(watcher, 4)
        watcher.stop()
        expect(events.map((e) => `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`)).to.deep.equal([
          `ADDED b@${b.metadata.resourceVersion}`,
          `MODIFIED a@${a2.metadata.resourceVersion}`,
          `DELETED b@${Number(a2.metadata.resourceVersion) + 1}`,
          `ADDED d@${d.metadata.resourceVersion}`,
        ])
        expect(Number(d.metadata.resourceVersion)).to.equal(revision + 1)
      } finally {
        await s2.close()
      }
    })

    it('writes one log row per revision with key, JSON value, create and previous revision and a deleted marker', async () => {
      const path = newPath()
      const s = new SqliteStorage({ path })
      await s.create(key('a'), configMap('a'))
      await s.guaranteedUpdate(key('a'), (c) => ({ ...c, data: { v: '2' } }))
      await s.delete(key('a'))
      await s.close()
      const db = new Database(path, { readonly: true })
      try {
        const rows = db.prepare('SELECT id, key, value, create_revision, prev_revision, deleted FROM log ORDER BY id').all() as Record<string, unknown>[]
        expect(rows.map((r) => [r.id, r.key, r.create_revision, r.prev_revision, r.deleted])).to.deep.equal([
          [1, key('a'), 1, 0, 0],
          [2, key('a'), 1, 1, 0],
          [3, key('a'), 1, 2, 1],
        ])
        const value = JSON.parse(rows[1].value as string) as KubeObject
        expect(value.metadata.resourceVersion).to.equal('2')
        expect(value.data).to.deep.equal({ v: '2' })
        expect(db.pragma('journal_mode', { simple: true })).to.equal('wal')
      } finally {
        db.close()
      }
    })

    it('creates the folder of the file on first start', async () => {
      const path = join(root, 'deep', 'er', 'state.db')
      expect(existsSync(join(root, 'deep'))).to.equal(false)
      const s = new SqliteStorage({ path })
      await s.create(key('a'), configMap('a'))
      await s.close()
      expect(statSync(path).isFile()).to.equal(true)
    })

    it('the factory hands out one storage with one revision counter', async () => {
      const factory = sqliteStorageFactory({ path: newPath(), synchronous: 'NORMAL' })
      const a = factory()
      expect(factory()).to.equal(a)
      await a.create('/registry/configmaps/ns/x', configMap('x'))
      const secret = await factory().create('/registry/secrets/ns/y', configMap('y'))
      expect(secret.metadata.resourceVersion).to.equal('2')
      await a.close()
    })

    it('close() checkpoints the WAL, is idempotent, and later writes fail as Unreachable', async () => {
      const path = newPath()
      const s = new SqliteStorage({ path })
      await s.create(key('a'), configMap('a'))
      await s.close()
      await s.close()
      expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).to.equal(0)
      await expectStorageError(s.create(key('b'), configMap('b')), 'Unreachable')
      // A write that could not be logged changed nothing.
      expect(await s.currentRevision()).to.equal(1)
      await expectStorageError(s.get(key('b')), 'KeyNotFound')
      try {
        await s.readinessCheck()
        expect.fail('readinessCheck should fail once closed')
      } catch (err) {
        expect(isStorageError(err, 'Unreachable')).to.equal(true)
      }
    })
  })

  describe('compaction', () => {
    it('keeps the history window, fails Expired beyond it, and shrinks the log; also after reopening', async () => {
      const path = newPath()
      const s1 = new SqliteStorage({ path, historySize: 20, compactBatchSize: 7 })
      for (let i = 0; i < 5; i++) await s1.create(key(`k${i}`), configMap(`k${i}`, { n: '0' }))
      for (let round = 1; round <= 20; round++) {
        for (let i = 0; i < 5; i++) await s1.guaranteedUpdate(key(`k${i}`), (c) => ({ ...c, data: { n: String(round) } }))
      }
      await s1.create(key('gone'), configMap('gone'))
      await s1.delete(key('gone'))
      await s1.compactionIdle()
      const revision = await s1.currentRevision()
      expect(revision).to.equal(107)
      const stats = s1.compactionStats()
      expect(stats.compactedRevision).to.be.at.least(revision - 20 - 7)
      expect(stats.compactedRevision).to.be.at.most(revision - 20)
      expect(stats.rowsDeleted).to.be.greaterThan(0)

      const check = async (s: SqliteStorage): Promise<void> => {
        const w = await s.watch(prefix, { resourceVersion: String(revision - 20) })
        const events = await drain(w, 100)
        w.stop()
        expect(events).to.have.length(20)
        expect(events.map((e) => Number(e.object.metadata.resourceVersion))).to.deep.equal(Array.from({ length: 20 }, (_, i) => revision - 19 + i))
        await expectStorageError(s.watch(prefix, { resourceVersion: String(revision - 21) }), 'Expired')
        const exact = await s.list(prefix, { resourceVersion: String(revision - 20), resourceVersionMatch: 'Exact' })
        expect(exact.items.map((o) => o.metadata.name)).to.deep.equal(['k0', 'k1', 'k2', 'k3', 'k4'])
        expect((await s.list(prefix)).items.map((o) => o.data)).to.deep.equal(Array.from({ length: 5 }, () => ({ n: '20' })))
      }
      await check(s1)
      await s1.close()

      const db = new Database(path, { readonly: true })
      const rows = db.prepare('SELECT count(*) FROM log').pluck().get() as number
      const oldest = db.prepare('SELECT min(id) FROM log').pluck().get() as number
      db.close()
      // 5 live keys below the window plus at most the window and one batch above it.
      expect(rows).to.be.below(revision - 60)
      expect(oldest).to.be.greaterThan(5)

      const s2 = new SqliteStorage({ path, historySize: 20, compactBatchSize: 7 })
      try {
        expect(await s2.currentRevision()).to.equal(revision)
        await check(s2)
      } finally {
        await s2.close()
      }
    })

    it('never moves the revision back when the newest row was a compacted deletion', async () => {
      const path = newPath()
      const s1 = new SqliteStorage({ path })
      await s1.create(key('a'), configMap('a'))
      await s1.delete(key('a'))
      s1.compact(await s1.currentRevision())
      await s1.compactionIdle()
      await s1.close()
      const s2 = new SqliteStorage({ path })
      try {
        expect(await s2.currentRevision()).to.equal(2)
        expect((await s2.list(prefix)).items).to.deep.equal([])
        expect((await s2.create(key('b'), configMap('b'))).metadata.resourceVersion).to.equal('3')
      } finally {
        await s2.close()
      }
    })
  })

  describe('one process per file', () => {
    it('a second process on the same file refuses to start with a clear message, and may start once the first closes', async function () {
      this.timeout(60_000)
      const path = newPath()
      const s = new SqliteStorage({ path })
      await s.create(key('a'), configMap('a'))
      const script = (p: string): string => `
        import { sqliteStorageFactory } from './lib/storage/sqlite/index.ts'
        try {
          const storage = sqliteStorageFactory({ path: ${JSON.stringify(p)} })()
          console.log('opened at revision ' + (await storage.currentRevision()))
          await storage.close()
        } catch (err) {
          console.log('refused: ' + err.message)
          process.exitCode = 3
        }
      `
      const refused = await runNode(script(path))
      expect(refused.output).to.contain(`refused: sqlite storage ${path} is in use by another process`)
      expect(refused.code).to.equal(3)
      await s.close()
      const opened = await runNode(script(path))
      expect(opened.output).to.contain('opened at revision 1')
      expect(opened.code).to.equal(0)
    })

    it('a second storage in the same process is refused too', async () => {
      const path = newPath()
      const s = new SqliteStorage({ path })
      try {
        expect(() => new SqliteStorage({ path })).to.throw(/is in use by another process/)
      } finally {
        await s.close()
      }
    })
  })

  it('rejects bad options', () => {
    expect(() => new SqliteStorage({ path: newPath(), compactBatchSize: 0 })).to.throw(RangeError)
    expect(() => new SqliteStorage({ path: newPath(), synchronous: 'OFF' as 'FULL' })).to.throw(RangeError)
  })
})
