/**
 * @module lib/storage/testing/conformance
 * The one behavioural suite every Storage backend (memory, SQLite, etcd) passes unchanged, in the
 * spirit of k8s.io/apiserver pkg/storage/testing/store_tests.go. It checks the contract written in
 * ../interface.ts and nothing a single backend happens to do: revisions are compared, never
 * predicted; continue tokens are opaque; every test writes under its own random prefix, so a
 * backend whose data outlives one storage instance (etcd) still sees a clean key space.
 *
 * Returned objects may be frozen, so the suite clones before it changes anything.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, it } from 'mocha'
import { expect } from 'chai'
import type { KubeObject } from '../../api/types.js'
import { isStorageError } from '../errors.js'
import type { StorageError, StorageErrorCode } from '../errors.js'
import type { ListOptions, ListResult, Predicate, Storage, Watcher, WatchEvent, WatchOptions } from '../interface.js'

export interface ConformanceOptions {
  /**
   * Makes the backend forget its history before the current revision, as an etcd compaction at the
   * current revision does (MemoryStorage: `compact(await currentRevision())`). Afterwards watching
   * from, or listing at, a revision two or more below the current one must fail Expired. Without
   * this hook the Expired tests are skipped.
   */
  compact?: (storage: Storage) => Promise<void>
  /** How long to wait for one watch event; default 2000 ms. Raise it for remote backends. */
  eventTimeoutMs?: number
}

/**
 * Declares the conformance suite as a mocha `describe` block.
 * @param name the backend's name in the test report
 * @param newStorage builds a fresh storage before each test
 * @param cleanup releases it after each test; defaults to `storage.close()`, which must be idempotent
 * @param options knobs for what a backend can only do through its own API
 * @public
 */
export function runStorageConformance(
  name: string,
  newStorage: () => Storage | Promise<Storage>,
  cleanup?: (s: Storage) => Promise<void>,
  options: ConformanceOptions = {},
): void {
  const eventTimeoutMs = options.eventTimeoutMs ?? 2000
  const compact = options.compact
  const itCompacting = compact === undefined ? it.skip : it

  describe(`Storage conformance: ${name}`, () => {
    let storage: Storage
    let base: string
    let watchers: Watcher[]

    /** The key of a ConfigMap-like object in the test's own key space. */
    const key = (name: string, collection = 'configmaps/ns'): string => `${base}/${collection}/${name}`
    const prefix = (collection = 'configmaps/ns'): string => `${base}/${collection}/`

    async function watch(at: string, opts?: WatchOptions): Promise<EventReader> {
      const watcher = await storage.watch(at, opts)
      watchers.push(watcher)
      return new EventReader(watcher, eventTimeoutMs)
    }

    /** guaranteedUpdate with a mutation applied to a private copy of the current object. */
    function update(k: string, mutate: (obj: KubeObject) => void): Promise<KubeObject> {
      return storage.guaranteedUpdate(k, (current) => {
        const copy = clone(current)
        mutate(copy)
        return copy
      })
    }

    beforeEach(async () => {
      storage = await newStorage()
      base = `/registry/conformance-${randomUUID().slice(0, 8)}`
      watchers = []
    })

    afterEach(async () => {
      for (const watcher of watchers) watcher.stop()
      if (cleanup !== undefined) await cleanup(storage)
      else await storage.close()
    })

    describe('create and get', () => {
      it('stores the object at a new revision and reports it as resourceVersion', async () => {
        const before = await storage.currentRevision()
        const out = await storage.create(key('a'), configMap('a', { x: '1' }))
        expect(out.metadata.resourceVersion).to.match(/^[1-9]\d*$/)
        expect(rv(out)).to.be.greaterThan(before)
        expect(rv(out)).to.equal(await storage.currentRevision())
        expect(out.metadata.name).to.equal('a')
        expect(out.data).to.deep.equal({ x: '1' })
      })

      it('get returns what create stored', async () => {
        const out = await storage.create(key('a'), configMap('a', { x: '1' }))
        expect(await storage.get(key('a'))).to.deep.equal(out)
      })

      it('fails KeyExists on a taken key and keeps the first object', async () => {
        const first = await storage.create(key('a'), configMap('a', { x: '1' }))
        const revision = await storage.currentRevision()
        await expectStorageError(storage.create(key('a'), configMap('a', { x: '2' })), 'KeyExists')
        expect(await storage.get(key('a'))).to.deep.equal(first)
        expect(await storage.currentRevision()).to.equal(revision)
      })

      it('get fails KeyNotFound for a missing key', async () => {
        await expectStorageError(storage.get(key('missing')), 'KeyNotFound')
      })

      it("ignores the caller's resourceVersion", async () => {
        const input = configMap('a')
        input.metadata.resourceVersion = '987654321'
        const out = await storage.create(key('a'), input)
        expect(rv(out)).to.equal(await storage.currentRevision())
      })

      it('is not affected by later changes to the input object', async () => {
        const input = configMap('a', { x: '1' }, { app: 'one' })
        await storage.create(key('a'), input)
        ;(input.data as Record<string, string>).x = 'changed'
        ;(input.metadata.labels as Record<string, string>).app = 'changed'
        input.metadata.name = 'changed'
        const stored = await storage.get(key('a'))
        expect(stored.data).to.deep.equal({ x: '1' })
        expect(stored.metadata.labels).to.deep.equal({ app: 'one' })
        expect(stored.metadata.name).to.equal('a')

        let returned: KubeObject | undefined
        await storage.guaranteedUpdate(key('a'), (current) => {
          returned = { ...clone(current), data: { x: '2' } }
          return returned
        })
        ;(returned!.data as Record<string, string>).x = 'changed again'
        expect((await storage.get(key('a'))).data).to.deep.equal({ x: '2' })
      })

      it('advances the revision on every write', async () => {
        const created = await storage.create(key('a'), configMap('a', { n: '0' }))
        const updated = await update(key('a'), (o) => (o.data = { n: '1' }))
        const deleted = await storage.delete(key('a'))
        expect(rv(updated)).to.be.greaterThan(rv(created))
        expect(rv(deleted)).to.be.greaterThan(rv(updated))
        expect(await storage.currentRevision()).to.equal(rv(deleted))
      })
    })

    describe('list', () => {
      it('returns the prefix in key order at the current revision', async () => {
        for (const n of ['c', 'a', 'b']) await storage.create(key(n), configMap(n))
        // A write elsewhere still moves the revision a list reports, as with one etcd.
        await storage.create(key('z', 'secrets/ns'), configMap('z'))
        const list = await storage.list(prefix())
        expect(names(list.items)).to.deep.equal(['a', 'b', 'c'])
        expect(list.resourceVersion).to.equal(String(await storage.currentRevision()))
        for (const item of list.items) expect(item).to.deep.equal(await storage.get(key(item.metadata.name as string)))
        expect(list.continue ?? '').to.equal('')
        expect(list.remainingItemCount).to.equal(undefined)
      })

      it('covers every key below the prefix and nothing beside it', async () => {
        await storage.create(`${base}/cm/a/x`, configMap('a-x'))
        await storage.create(`${base}/cm/a/y/z`, configMap('a-y-z'))
        await storage.create(`${base}/cm/ab/x`, configMap('ab-x'))
        await storage.create(`${base}/cm/a`, configMap('a'))
        await storage.create(`${base}/cm/a0`, configMap('a0'))
        expect(names((await storage.list(`${base}/cm/a/`)).items)).to.deep.equal(['a-x', 'a-y-z'])
        expect(names((await storage.list(`${base}/cm/ab/`)).items)).to.deep.equal(['ab-x'])
      })

      it('lists an empty prefix with a numeric resourceVersion', async () => {
        await storage.create(key('a'), configMap('a'))
        const list = await storage.list(prefix('configmaps/other'))
        expect(list.items).to.deep.equal([])
        expect(list.resourceVersion).to.match(/^\d+$/)
        expect(Number(list.resourceVersion)).to.equal(await storage.currentRevision())
      })

      it('pages with limit and continue, counting the remaining items', async () => {
        for (const n of ['a', 'b', 'c', 'd', 'e']) await storage.create(key(n), configMap(n))
        const first = await storage.list(prefix(), { limit: 2 })
        expect(names(first.items)).to.deep.equal(['a', 'b'])
        expect(first.continue).to.be.a('string').and.not.equal('')
        expect(first.remainingItemCount).to.equal(3)
        const second = await storage.list(prefix(), { limit: 2, continue: first.continue })
        expect(names(second.items)).to.deep.equal(['c', 'd'])
        expect(second.remainingItemCount).to.equal(1)
        const third = await storage.list(prefix(), { limit: 2, continue: second.continue })
        expect(names(third.items)).to.deep.equal(['e'])
        expect(third.continue ?? '').to.equal('')
        expect(third.remainingItemCount).to.equal(undefined)
        for (const page of [second, third]) expect(page.resourceVersion).to.equal(first.resourceVersion)
      })

      it("keeps the first page's snapshot across writes between pages", async () => {
        const old: Record<string, KubeObject> = {}
        for (const n of ['a', 'b', 'c', 'd']) old[n] = await storage.create(key(n), configMap(n, { v: 'old' }))
        const first = await storage.list(prefix(), { limit: 2 })
        expect(names(first.items)).to.deep.equal(['a', 'b'])

        await storage.create(key('bb'), configMap('bb'))
        await update(key('c'), (o) => (o.data = { v: 'new' }))
        await storage.delete(key('d'))
        await storage.create(key('e'), configMap('e'))
        await storage.create(key('x', 'configmaps/other'), configMap('x'))

        const second = await storage.list(prefix(), { limit: 2, continue: first.continue })
        expect(second.resourceVersion).to.equal(first.resourceVersion)
        expect(second.items).to.deep.equal([old.c, old.d])
        expect(second.continue ?? '').to.equal('')

        const fresh = await storage.list(prefix())
        expect(names(fresh.items)).to.deep.equal(['a', 'b', 'bb', 'c', 'e'])
        expect(fresh.items[3].data).to.deep.equal({ v: 'new' })
      })

      it('filters with the predicate before applying the limit', async () => {
        for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) {
          await storage.create(key(n), configMap(n, {}, { pick: ['b', 'd', 'f'].includes(n) ? 'yes' : 'no' }))
        }
        const predicate: Predicate = (obj) => obj.metadata.labels?.pick === 'yes'
        const first = await storage.list(prefix(), { limit: 2, predicate })
        expect(names(first.items)).to.deep.equal(['b', 'd'])
        expect(first.remainingItemCount).to.equal(undefined)
        const pages = await listPages(storage, prefix(), { limit: 2, predicate })
        for (const page of pages) {
          expect(page.items.length).to.be.at.most(2)
          expect(page.remainingItemCount).to.equal(undefined)
          expect(page.resourceVersion).to.equal(pages[0].resourceVersion)
        }
        expect(names(pages.flatMap((p) => p.items))).to.deep.equal(['b', 'd', 'f'])
      })

      it('lists the current state for resourceVersion "0"', async () => {
        for (const n of ['a', 'b']) await storage.create(key(n), configMap(n))
        await update(key('a'), (o) => (o.data = { v: '2' }))
        const list = await storage.list(prefix(), { resourceVersion: '0' })
        expect(list.items).to.deep.equal((await storage.list(prefix())).items)
        expect(list.resourceVersion).to.match(/^\d+$/)
      })

      it('lists the current state for resourceVersion N not older than N', async () => {
        const a = await storage.create(key('a'), configMap('a'))
        await storage.create(key('b'), configMap('b'))
        for (const resourceVersionMatch of [undefined, 'NotOlderThan'] as const) {
          const list = await storage.list(prefix(), { resourceVersion: String(rv(a)), resourceVersionMatch })
          expect(names(list.items)).to.deep.equal(['a', 'b'])
          expect(list.resourceVersion).to.equal(String(await storage.currentRevision()))
        }
      })

      it('fails TooLargeResourceVersion for a revision the store has not reached', async () => {
        await storage.create(key('a'), configMap('a'))
        const future = String((await storage.currentRevision()) + 1000)
        await expectStorageError(storage.list(prefix(), { resourceVersion: future }), 'TooLargeResourceVersion')
        await expectStorageError(
          storage.list(prefix(), { resourceVersion: future, resourceVersionMatch: 'Exact' }),
          'TooLargeResourceVersion',
        )
      })

      it('lists the state at an earlier revision with resourceVersionMatch Exact', async () => {
        const a1 = await storage.create(key('a'), configMap('a', { v: '1' }))
        const b = await storage.create(key('b'), configMap('b'))
        const a2 = await update(key('a'), (o) => (o.data = { v: '2' }))
        const deleted = await storage.delete(key('b'))
        const c = await storage.create(key('c'), configMap('c'))
        await storage.create(key('x', 'configmaps/other'), configMap('x'))

        const at = (obj: KubeObject) => storage.list(prefix(), { resourceVersion: String(rv(obj)), resourceVersionMatch: 'Exact' })
        const atB = await at(b)
        expect(atB.resourceVersion).to.equal(String(rv(b)))
        expect(atB.items).to.deep.equal([a1, b])
        expect((await at(a2)).items).to.deep.equal([a2, b])
        expect((await at(deleted)).items).to.deep.equal([a2])
        expect((await at(c)).items).to.deep.equal([a2, c])

        const paged = await listPages(storage, prefix(), { resourceVersion: String(rv(b)), resourceVersionMatch: 'Exact', limit: 1 })
        expect(paged.map((p) => names(p.items))).to.deep.equal([['a'], ['b']])
        expect(paged[0].items[0]).to.deep.equal(a1)
        for (const page of paged) expect(page.resourceVersion).to.equal(String(rv(b)))
      })

      it('fails InvalidContinue for a token it cannot decode', async () => {
        for (const n of ['a', 'b', 'c']) await storage.create(key(n), configMap(n))
        const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
        const revision = await storage.currentRevision()
        const bad = [
          'not a token!',
          Buffer.from('{"v":"meta.k8s.io/v1"').toString('base64url'),
          token({ v: 'meta.k8s.io/v0', rv: revision, start: 'b' }),
          token({ v: 'meta.k8s.io/v1', rv: 0, start: 'b' }),
          token({ v: 'meta.k8s.io/v1', rv: revision, start: '' }),
          token({ v: 'meta.k8s.io/v1', rv: revision, start: '../../secrets/' }),
        ]
        for (const t of bad) await expectStorageError(storage.list(prefix(), { limit: 1, continue: t }), 'InvalidContinue')
      })

      itCompacting('fails Expired for an exact list older than the history', async () => {
        const a = await storage.create(key('a'), configMap('a', { v: '1' }))
        await update(key('a'), (o) => (o.data = { v: '2' }))
        await update(key('a'), (o) => (o.data = { v: '3' }))
        await compact!(storage)
        await expectStorageError(storage.list(prefix(), { resourceVersion: String(rv(a)), resourceVersionMatch: 'Exact' }), 'Expired')
        const now = String(await storage.currentRevision())
        const current = await storage.list(prefix(), { resourceVersion: now, resourceVersionMatch: 'Exact' })
        expect(current.items[0].data).to.deep.equal({ v: '3' })
      })

      itCompacting('fails Expired for a continue token older than the history', async () => {
        for (const n of ['a', 'b', 'c']) await storage.create(key(n), configMap(n))
        const first = await storage.list(prefix(), { limit: 1 })
        await update(key('b'), (o) => (o.data = { v: '2' }))
        await update(key('b'), (o) => (o.data = { v: '3' }))
        await compact!(storage)
        const err = await expectStorageError(storage.list(prefix(), { limit: 1, continue: first.continue }), 'Expired')
        expect(err.message).to.match(/continue parameter is too old/)
      })
    })

    describe('guaranteedUpdate', () => {
      it('passes the current object and stores the result at a new revision', async () => {
        const created = await storage.create(key('a'), configMap('a', { v: '1' }))
        let seen: KubeObject | undefined
        const out = await storage.guaranteedUpdate(key('a'), (current) => {
          seen = clone(current)
          return { ...clone(current), data: { v: '2' } }
        })
        expect(seen).to.deep.equal(created)
        expect(rv(out)).to.be.greaterThan(rv(created))
        expect(rv(out)).to.equal(await storage.currentRevision())
        expect(out.data).to.deep.equal({ v: '2' })
        expect(await storage.get(key('a'))).to.deep.equal(out)
      })

      it('fails ResourceVersionConflicts when the UID precondition does not hold', async () => {
        const created = await storage.create(key('a'), configMap('a'))
        let called = false
        const err = await expectStorageError(
          storage.guaranteedUpdate(key('a'), (c) => ((called = true), c), { preconditions: { uid: 'other-uid' } }),
          'ResourceVersionConflicts',
        )
        expect(err.message).to.equal(`Precondition failed: UID in precondition: other-uid, UID in object meta: ${created.metadata.uid}`)
        expect(called).to.equal(false)
        expect(await storage.get(key('a'))).to.deep.equal(created)
      })

      it('fails ResourceVersionConflicts when the resourceVersion precondition does not hold', async () => {
        const created = await storage.create(key('a'), configMap('a'))
        const err = await expectStorageError(
          storage.guaranteedUpdate(key('a'), (c) => c, { preconditions: { resourceVersion: '1000000' } }),
          'ResourceVersionConflicts',
        )
        expect(err.message).to.equal(
          `Precondition failed: ResourceVersion in precondition: 1000000, ResourceVersion in object meta: ${created.metadata.resourceVersion}`,
        )
      })

      it('updates when the preconditions hold', async () => {
        const created = await storage.create(key('a'), configMap('a', { v: '1' }))
        const out = await storage.guaranteedUpdate(key('a'), (c) => ({ ...clone(c), data: { v: '2' } }), {
          preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion },
        })
        expect(out.data).to.deep.equal({ v: '2' })
      })

      it('retries on the new state when the object changed while tryUpdate ran', async () => {
        await storage.create(key('a'), configMap('a', { n: '0' }))
        let calls = 0
        const increment = async (current: KubeObject): Promise<KubeObject> => {
          calls++
          const copy = clone(current)
          await delay(20)
          copy.data = { n: String(Number((copy.data as Record<string, string>).n) + 1) }
          return copy
        }
        await Promise.all([storage.guaranteedUpdate(key('a'), increment), storage.guaranteedUpdate(key('a'), increment)])
        expect((await storage.get(key('a'))).data).to.deep.equal({ n: '2' })
        expect(calls).to.be.at.least(3)
      })

      it('writes nothing when tryUpdate returns an equal object', async () => {
        const created = await storage.create(key('a'), configMap('a', { v: '1' }))
        const revision = await storage.currentRevision()
        const events = await watch(prefix(), { resourceVersion: String(revision) })
        const same = await storage.guaranteedUpdate(key('a'), (c) => clone(c))
        expect(same).to.deep.equal(created)
        // The resourceVersion the callback leaves on the object plays no part in the comparison.
        const stillSame = await storage.guaranteedUpdate(key('a'), (c) => {
          const copy = clone(c)
          copy.metadata.resourceVersion = '1'
          return copy
        })
        expect(stillSame).to.deep.equal(created)
        expect(await storage.currentRevision()).to.equal(revision)
        const changed = await update(key('a'), (o) => (o.data = { v: '2' }))
        expect((await events.take(1)).map(summary)).to.deep.equal([`MODIFIED a@${rv(changed)}`])
      })

      it('fails KeyNotFound for a missing key without calling tryUpdate', async () => {
        let called = false
        await expectStorageError(
          storage.guaranteedUpdate(key('missing'), (c) => ((called = true), c)),
          'KeyNotFound',
        )
        expect(called).to.equal(false)
      })

      it('creates a missing key with ignoreNotFound, passing undefined as current', async () => {
        const received: unknown[] = []
        const out = await storage.guaranteedUpdate(
          key('a'),
          (current) => {
            received.push(current)
            return configMap('a', { v: 'new' })
          },
          { ignoreNotFound: true },
        )
        expect(received).to.deep.equal([undefined])
        expect(rv(out)).to.equal(await storage.currentRevision())
        expect(await storage.get(key('a'))).to.deep.equal(out)
      })

      it('aborts without writing when tryUpdate throws', async () => {
        const created = await storage.create(key('a'), configMap('a'))
        const revision = await storage.currentRevision()
        const failure = new Error('refused by tryUpdate')
        let caught: unknown
        try {
          await storage.guaranteedUpdate(key('a'), () => {
            throw failure
          })
        } catch (err) {
          caught = err
        }
        expect(caught).to.equal(failure)
        expect(await storage.currentRevision()).to.equal(revision)
        expect(await storage.get(key('a'))).to.deep.equal(created)
      })
    })

    describe('delete', () => {
      it('returns the last state at the deletion revision', async () => {
        await storage.create(key('a'), configMap('a', { v: '1' }))
        const last = await update(key('a'), (o) => (o.data = { v: '2' }))
        const deleted = await storage.delete(key('a'))
        expect(rv(deleted)).to.be.greaterThan(rv(last))
        expect(rv(deleted)).to.equal(await storage.currentRevision())
        expect(deleted.data).to.deep.equal({ v: '2' })
        expect(deleted.metadata.uid).to.equal(last.metadata.uid)
        await expectStorageError(storage.get(key('a')), 'KeyNotFound')
        expect((await storage.list(prefix())).items).to.deep.equal([])
      })

      it('fails KeyNotFound for a missing key', async () => {
        await expectStorageError(storage.delete(key('missing')), 'KeyNotFound')
      })

      it('fails ResourceVersionConflicts when a precondition does not hold and keeps the object', async () => {
        const created = await storage.create(key('a'), configMap('a'))
        const uidErr = await expectStorageError(
          storage.delete(key('a'), { preconditions: { uid: 'other-uid' } }),
          'ResourceVersionConflicts',
        )
        expect(uidErr.message).to.equal(`Precondition failed: UID in precondition: other-uid, UID in object meta: ${created.metadata.uid}`)
        const rvErr = await expectStorageError(
          storage.delete(key('a'), { preconditions: { resourceVersion: '1000000' } }),
          'ResourceVersionConflicts',
        )
        expect(rvErr.message).to.equal(
          `Precondition failed: ResourceVersion in precondition: 1000000, ResourceVersion in object meta: ${created.metadata.resourceVersion}`,
        )
        expect(await storage.get(key('a'))).to.deep.equal(created)
      })

      it('deletes when the preconditions hold', async () => {
        const created = await storage.create(key('a'), configMap('a'))
        await storage.delete(key('a'), { preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion } })
        await expectStorageError(storage.get(key('a')), 'KeyNotFound')
      })

      it('lets validateDeletion see the current object and refuse', async () => {
        const created = await storage.create(key('a'), configMap('a'))
        const refusal = new Error('refused by validateDeletion')
        let caught: unknown
        try {
          await storage.delete(key('a'), {
            validateDeletion: () => {
              throw refusal
            },
          })
        } catch (err) {
          caught = err
        }
        expect(caught).to.equal(refusal)
        expect(await storage.get(key('a'))).to.deep.equal(created)

        const seen: KubeObject[] = []
        await storage.delete(key('a'), {
          validateDeletion: async (current) => {
            seen.push(clone(current))
          },
        })
        expect(seen).to.deep.equal([created])
        await expectStorageError(storage.get(key('a')), 'KeyNotFound')
      })
    })

    describe('watch', () => {
      it('from the current revision reports ADDED, MODIFIED and DELETED with their revisions', async () => {
        await storage.create(key('before'), configMap('before'))
        const events = await watch(prefix(), { resourceVersion: String(await storage.currentRevision()) })
        const created = await storage.create(key('a'), configMap('a', { v: '1' }))
        const updated = await update(key('a'), (o) => (o.data = { v: '2' }))
        const deleted = await storage.delete(key('a'))
        const got = await events.take(3)
        expect(got.map(summary)).to.deep.equal([`ADDED a@${rv(created)}`, `MODIFIED a@${rv(updated)}`, `DELETED a@${rv(deleted)}`])
        expect(got[0].object).to.deep.equal(created)
        expect(got[1].object).to.deep.equal(updated)
        expect(got[2].object).to.deep.equal(deleted)
        expect(got[2].object.data).to.deep.equal({ v: '2' })
      })

      it('from an older revision replays the changes after it, then goes live', async () => {
        const a = await storage.create(key('a'), configMap('a', { v: '1' }))
        const a2 = await update(key('a'), (o) => (o.data = { v: '2' }))
        const b = await storage.create(key('b'), configMap('b'))
        const events = await watch(prefix(), { resourceVersion: String(rv(a)) })
        expect((await events.take(2)).map(summary)).to.deep.equal([`MODIFIED a@${rv(a2)}`, `ADDED b@${rv(b)}`])
        const deleted = await storage.delete(key('b'))
        expect((await events.take(1)).map(summary)).to.deep.equal([`DELETED b@${rv(deleted)}`])
      })

      for (const resourceVersion of ['0', undefined]) {
        it(`with resourceVersion ${JSON.stringify(resourceVersion)} starts with the current state as ADDED in key order`, async () => {
          const stored: Record<string, KubeObject> = {}
          for (const n of ['c', 'a', 'b']) stored[n] = await storage.create(key(n), configMap(n))
          stored.a = await update(key('a'), (o) => (o.data = { v: '2' }))
          const events = await watch(prefix(), { resourceVersion })
          const initial = await events.take(3)
          expect(initial.map(summary)).to.deep.equal(['a', 'b', 'c'].map((n) => `ADDED ${n}@${rv(stored[n])}`))
          expect(initial.map((e) => e.object)).to.deep.equal([stored.a, stored.b, stored.c])
          const d = await storage.create(key('d'), configMap('d'))
          expect((await events.take(1)).map(summary)).to.deep.equal([`ADDED d@${rv(d)}`])
        })
      }

      it('reports only keys below its prefix', async () => {
        const events = await watch(`${base}/cm/a/`, { resourceVersion: String(await storage.currentRevision()) })
        await storage.create(`${base}/cm/ab/x`, configMap('ab-x'))
        await storage.create(`${base}/cm/a`, configMap('a'))
        const nested = await storage.create(`${base}/cm/a/y/z`, configMap('a-y-z'))
        const mine = await storage.create(`${base}/cm/a/x`, configMap('a-x'))
        expect((await events.take(2)).map(summary)).to.deep.equal([`ADDED a-y-z@${rv(nested)}`, `ADDED a-x@${rv(mine)}`])
      })

      it('filters with the predicate and turns transitions into ADDED and DELETED', async () => {
        const predicate: Predicate = (obj) => obj.metadata.labels?.app === 'yes'
        const m = await storage.create(key('m'), configMap('m', {}, { app: 'yes' }))
        await storage.create(key('n'), configMap('n', { v: '0' }, { app: 'no' }))
        const events = await watch(prefix(), { predicate })
        expect((await events.take(1)).map(summary)).to.deep.equal([`ADDED m@${rv(m)}`])

        const entered = await update(key('n'), (o) => (o.metadata.labels = { app: 'yes' }))
        const modified = await update(key('n'), (o) => (o.data = { v: '1' }))
        const left = await update(key('n'), (o) => (o.metadata.labels = { app: 'no' }))
        await update(key('n'), (o) => (o.data = { v: '2' }))
        await storage.delete(key('n'))
        const gone = await storage.delete(key('m'))

        const got = await events.take(4)
        expect(got.map(summary)).to.deep.equal([
          `ADDED n@${rv(entered)}`,
          `MODIFIED n@${rv(modified)}`,
          `DELETED n@${rv(left)}`,
          `DELETED m@${rv(gone)}`,
        ])
        // The object that stopped matching is reported as the client last saw it, at the new revision.
        expect(got[2].object.metadata.labels).to.deep.equal({ app: 'yes' })
        expect(got[2].object.data).to.deep.equal({ v: '1' })
      })

      it('applies the predicate to replayed changes too', async () => {
        const predicate: Predicate = (obj) => obj.metadata.labels?.app === 'yes'
        const start = await storage.create(key('n'), configMap('n', {}, { app: 'no' }))
        const entered = await update(key('n'), (o) => (o.metadata.labels = { app: 'yes' }))
        const left = await update(key('n'), (o) => (o.metadata.labels = { app: 'no' }))
        const events = await watch(prefix(), { resourceVersion: String(rv(start)), predicate })
        expect((await events.take(2)).map(summary)).to.deep.equal([`ADDED n@${rv(entered)}`, `DELETED n@${rv(left)}`])
      })

      it('delivers every event in revision order', async () => {
        const events = await watch(prefix(), { resourceVersion: String(await storage.currentRevision()) })
        const expected: string[] = []
        for (let i = 0; i < 100; i++) {
          const n = `k${i % 7}`
          let out: KubeObject
          if (i < 7) {
            out = await storage.create(key(n), configMap(n, { i: String(i) }))
            expected.push(`ADDED ${n}@${rv(out)}`)
          } else if (i % 11 === 0) {
            out = await storage.delete(key(n))
            expected.push(`DELETED ${n}@${rv(out)}`)
            out = await storage.create(key(n), configMap(n, { i: String(i) }))
            expected.push(`ADDED ${n}@${rv(out)}`)
          } else {
            out = await update(key(n), (o) => (o.data = { i: String(i) }))
            expected.push(`MODIFIED ${n}@${rv(out)}`)
          }
        }
        expect((await events.take(expected.length)).map(summary)).to.deep.equal(expected)
      })

      itCompacting('fails Expired for a resourceVersion older than the history', async () => {
        const a = await storage.create(key('a'), configMap('a', { v: '1' }))
        await update(key('a'), (o) => (o.data = { v: '2' }))
        await update(key('a'), (o) => (o.data = { v: '3' }))
        await compact!(storage)
        const err = await expectStorageError(storage.watch(prefix(), { resourceVersion: String(rv(a)) }), 'Expired')
        expect(err.message).to.match(new RegExp(`^too old resource version: ${rv(a)} \\(\\d+\\)$`))
        // The current revision stays watchable.
        const events = await watch(prefix(), { resourceVersion: String(await storage.currentRevision()) })
        const b = await storage.create(key('b'), configMap('b'))
        expect((await events.take(1)).map(summary)).to.deep.equal([`ADDED b@${rv(b)}`])
      })

      it('sends BOOKMARK events with a current resourceVersion when asked', async () => {
        const events = await watch(prefix(), { resourceVersion: String(await storage.currentRevision()), bookmarkIntervalMs: 50 })
        const b = await storage.create(key('b'), configMap('b'))
        expect((await events.take(1)).map(summary)).to.deep.equal([`ADDED b@${rv(b)}`])
        const bookmark = await events.nextBookmark()
        expect(Object.keys(bookmark.object)).to.deep.equal(['metadata'])
        expect(bookmark.object.metadata.resourceVersion).to.match(/^\d+$/)
        expect(Number(bookmark.object.metadata.resourceVersion)).to.be.at.least(rv(b))
        expect(Number(bookmark.object.metadata.resourceVersion)).to.be.at.most(await storage.currentRevision())
      })

      it('stop() ends the iteration, resolving a pending read', async () => {
        const watcher = await storage.watch(prefix(), { resourceVersion: String(await storage.currentRevision()) })
        watchers.push(watcher)
        const iterator = watcher[Symbol.asyncIterator]()
        const pending = iterator.next()
        watcher.stop()
        expect(await withTimeout(pending, eventTimeoutMs)).to.deep.include({ done: true })
        expect(await withTimeout(iterator.next(), eventTimeoutMs)).to.deep.include({ done: true })
        await storage.create(key('a'), configMap('a'))
        expect(await withTimeout(iterator.next(), eventTimeoutMs)).to.deep.include({ done: true })
      })

      it('ends a for-await loop when stopped', async () => {
        const watcher = await storage.watch(prefix())
        watchers.push(watcher)
        await storage.create(key('a'), configMap('a'))
        const seen: string[] = []
        const loop = (async () => {
          for await (const event of watcher) {
            seen.push(summary(event))
            watcher.stop()
          }
        })()
        await withTimeout(loop, eventTimeoutMs)
        expect(seen).to.have.length(1)
      })

      it('close() ends running watches', async () => {
        const watcher = await storage.watch(prefix(), { resourceVersion: String(await storage.currentRevision()) })
        watchers.push(watcher)
        const pending = watcher[Symbol.asyncIterator]().next()
        await storage.close()
        expect(await withTimeout(pending, eventTimeoutMs)).to.deep.include({ done: true })
      })
    })
  })
}

/** Reads one watcher through a single iterator, remembering a read that outlived its timeout. */
class EventReader {
  private readonly iterator: AsyncIterator<WatchEvent>
  private readonly timeoutMs: number
  private pending: Promise<IteratorResult<WatchEvent>> | undefined

  constructor(watcher: Watcher, timeoutMs: number) {
    this.iterator = watcher[Symbol.asyncIterator]()
    this.timeoutMs = timeoutMs
  }

  /** The next n events other than bookmarks; fails the test when they do not come in time. */
  async take(n: number): Promise<WatchEvent[]> {
    const events: WatchEvent[] = []
    while (events.length < n) {
      const event = await this.read()
      if (event.type !== 'BOOKMARK') events.push(event)
    }
    return events
  }

  /** Skips ordinary events until a BOOKMARK arrives. */
  async nextBookmark(): Promise<WatchEvent> {
    for (;;) {
      const event = await this.read()
      if (event.type === 'BOOKMARK') return event
    }
  }

  private async read(): Promise<WatchEvent> {
    this.pending ??= this.iterator.next()
    const result = await withTimeout(this.pending, this.timeoutMs, 'timed out waiting for a watch event')
    this.pending = undefined
    if (result.done) expect.fail('the watch ended while events were expected')
    return result.value
  }
}

async function expectStorageError(promise: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await promise
  } catch (err) {
    expect(isStorageError(err), `expected StorageError ${code}, got ${String(err)}`).to.equal(true)
    expect((err as StorageError).code, (err as StorageError).message).to.equal(code)
    return err as StorageError
  }
  expect.fail(`expected StorageError ${code}, but the call succeeded`)
}

/** Every page of a list, following continue tokens (the first page's options carry the resourceVersion). */
async function listPages(storage: Storage, at: string, opts: ListOptions): Promise<ListResult[]> {
  const pages = [await storage.list(at, opts)]
  while (pages[pages.length - 1].continue) {
    if (pages.length > 100) expect.fail('list paging did not end')
    pages.push(await storage.list(at, { limit: opts.limit, predicate: opts.predicate, continue: pages[pages.length - 1].continue }))
  }
  return pages
}

function configMap(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace: 'ns', uid: randomUUID() }
  if (labels !== undefined) metadata.labels = labels
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data }
}

function clone<T>(value: T): T {
  return structuredClone(value)
}

function rv(obj: KubeObject): number {
  return Number(obj.metadata.resourceVersion)
}

function names(items: KubeObject[]): string[] {
  return items.map((item) => item.metadata.name as string)
}

function summary(event: WatchEvent): string {
  return `${event.type} ${event.object.metadata.name}@${event.object.metadata.resourceVersion}`
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
