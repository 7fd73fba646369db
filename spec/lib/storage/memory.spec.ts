/**
 * MemoryStorage: the shared conformance suite plus what only the memory backend promises (its
 * revision numbering, history bound, frozen objects, watcher buffer limit, factory sharing).
 */
import { describe, it } from 'mocha'
import { expect } from 'chai'
import type { KubeObject } from '../../../lib/api/types.js'
import { expectStorageError } from '../../support/storage.js'
import type { Storage, Watcher, WatchEvent } from '../../../lib/storage/interface.js'
import {
  MemoryStorage,
  continueExpiredMessage,
  listExpiredMessage,
  memoryStorageFactory,
} from '../../../lib/storage/memory/memory-storage.js'
import { runStorageConformance } from '../../../lib/storage/testing/conformance.js'

runStorageConformance('MemoryStorage', () => new MemoryStorage(), undefined, {
  compact: async (s: Storage) => (s as MemoryStorage).compact(await s.currentRevision()),
})

const prefix = '/registry/configmaps/ns/'
const key = (name: string): string => prefix + name

function configMap(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, data }
}

/** Reads what a watcher has buffered, up to n events, without waiting for new ones beyond `ms`. */
async function drain(watcher: Watcher, n: number, ms = 200): Promise<{ events: WatchEvent[]; done: boolean }> {
  const iterator = watcher[Symbol.asyncIterator]()
  const events: WatchEvent[] = []
  while (events.length < n) {
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
    ])
    clearTimeout(timer)
    if (result === 'timeout') return { events, done: false }
    if (result.done) return { events, done: true }
    events.push(result.value)
  }
  return { events, done: false }
}

/** The events a watcher has buffered right now: a read that does not resolve at once ends the scan. */
async function buffered(watcher: Watcher): Promise<WatchEvent[]> {
  const iterator = watcher[Symbol.asyncIterator]()
  const events: WatchEvent[] = []
  for (;;) {
    // Both promises are settled when the watcher has an event ready, and race() then takes the first.
    const result = await Promise.race([iterator.next(), Promise.resolve('empty' as const)])
    if (result === 'empty' || result.done) return events
    events.push(result.value)
  }
}

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen)
}

describe('MemoryStorage', () => {
  describe('revisions', () => {
    it('starts at revision 0 and gives the first write revision 1', async () => {
      const s = new MemoryStorage()
      expect(await s.currentRevision()).to.equal(0)
      const empty = await s.list(prefix)
      expect(empty.resourceVersion).to.equal('0')
      const first = await s.create(key('a'), configMap('a'))
      expect(first.metadata.resourceVersion).to.equal('1')
      expect((await s.list(prefix)).resourceVersion).to.equal('1')
    })

    it('memoryStorageFactory hands every caller one instance with one revision counter', async () => {
      const factory = memoryStorageFactory({ historySize: 100 })
      const a = factory()
      const b = factory()
      expect(a).to.equal(b)
      await a.create('/registry/configmaps/ns/x', configMap('x'))
      const secret = await b.create('/registry/secrets/ns/y', configMap('y'))
      expect(secret.metadata.resourceVersion).to.equal('2')
      expect(memoryStorageFactory()()).to.not.equal(a)
    })

    it('rejects bad options', () => {
      expect(() => new MemoryStorage({ historySize: -1 })).to.throw(RangeError)
      expect(() => new MemoryStorage({ watchBufferLimit: 0 })).to.throw(RangeError)
    })
  })

  describe('stored objects', () => {
    it('are deep-frozen and handed out without copying', async () => {
      const s = new MemoryStorage()
      const created = await s.create(key('a'), { ...configMap('a', { x: '1' }), spec: { list: [{ deep: true }] } })
      expect(isDeepFrozen(created)).to.equal(true)
      expect(await s.get(key('a'))).to.equal(created)
      expect((await s.list(prefix)).items[0]).to.equal(created)
      expect(() => {
        ;(created.data as Record<string, string>).x = '2'
      }).to.throw(TypeError)
      const updated = await s.guaranteedUpdate(key('a'), (c) => ({ ...c, data: { x: '2' } }))
      expect(isDeepFrozen(updated)).to.equal(true)
      expect(isDeepFrozen(await s.delete(key('a')))).to.equal(true)
    })

    it('are JSON-normalised like the other backends store them', async () => {
      const s = new MemoryStorage()
      const created = await s.create(key('a'), { ...configMap('a'), gone: undefined, when: new Date(0) })
      expect(created).to.not.have.property('gone')
      expect(created.when).to.equal('1970-01-01T00:00:00.000Z')
    })

    it('rejects an update result without metadata as InvalidObj', async () => {
      const s = new MemoryStorage()
      await s.create(key('a'), configMap('a'))
      await expectStorageError(s.guaranteedUpdate(key('a'), () => ({}) as KubeObject), 'InvalidObj')
    })
  })

  describe('history bound', () => {
    it('keeps historySize events for watches and fails older ones with the etcd message', async () => {
      const s = new MemoryStorage({ historySize: 5 })
      for (let i = 1; i <= 10; i++) await s.create(key(`o${i}`), configMap(`o${i}`))
      // Revisions 6..10 are kept, so a watch from 5 is complete and one from 4 is not.
      const err = await expectStorageError(s.watch(prefix, { resourceVersion: '4' }), 'Expired')
      expect(err.message).to.equal('too old resource version: 4 (5)')
      const watcher = await s.watch(prefix, { resourceVersion: '5' })
      const { events } = await drain(watcher, 10)
      expect(events.map((e) => e.object.metadata.resourceVersion)).to.deep.equal(['6', '7', '8', '9', '10'])
      watcher.stop()
    })

    it('rebuilds exact lists inside the history and fails older ones', async () => {
      const s = new MemoryStorage({ historySize: 3 })
      for (let i = 1; i <= 6; i++) await s.create(key(`o${i}`), configMap(`o${i}`))
      const atThree = await s.list(prefix, { resourceVersion: '3', resourceVersionMatch: 'Exact' })
      expect(atThree.items.map((o) => o.metadata.name)).to.deep.equal(['o1', 'o2', 'o3'])
      const err = await expectStorageError(s.list(prefix, { resourceVersion: '2', resourceVersionMatch: 'Exact' }), 'Expired')
      expect(err.message).to.equal(listExpiredMessage)
    })

    it('fails an outdated continue token with the Kubernetes message', async () => {
      const s = new MemoryStorage({ historySize: 2 })
      for (const n of ['a', 'b', 'c']) await s.create(key(n), configMap(n))
      const first = await s.list(prefix, { limit: 1 })
      for (let i = 0; i < 3; i++) await s.guaranteedUpdate(key('c'), (c) => ({ ...c, data: { i: String(i) } }))
      const err = await expectStorageError(s.list(prefix, { limit: 1, continue: first.continue }), 'Expired')
      expect(err.message).to.equal(continueExpiredMessage)
      expect(continueExpiredMessage).to.equal(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue parameter from the response of the latest list.',
      )
    })

    it('works with no history at all', async () => {
      const s = new MemoryStorage({ historySize: 0 })
      await s.create(key('a'), configMap('a'))
      await s.create(key('b'), configMap('b'))
      await expectStorageError(s.watch(prefix, { resourceVersion: '1' }), 'Expired')
      const watcher = await s.watch(prefix, { resourceVersion: '2' })
      await s.create(key('c'), configMap('c'))
      expect((await drain(watcher, 1)).events.map((e) => e.type)).to.deep.equal(['ADDED'])
      watcher.stop()
    })
  })

  describe('list', () => {
    it('encodes continue tokens like etcd3: base64url JSON with v, rv and the key after the last item', async () => {
      const s = new MemoryStorage()
      for (const n of ['a', 'b', 'c']) await s.create(key(n), configMap(n))
      const page = await s.list(prefix, { limit: 2 })
      expect(JSON.parse(Buffer.from(page.continue as string, 'base64url').toString())).to.deep.equal({
        v: 'meta.k8s.io/v1',
        rv: 3,
        start: 'b\u0000',
      })
    })

    it('ignores limit for resourceVersion "0", as the watch cache does', async () => {
      const s = new MemoryStorage()
      for (const n of ['a', 'b', 'c']) await s.create(key(n), configMap(n))
      const list = await s.list(prefix, { resourceVersion: '0', limit: 1 })
      expect(list.items).to.have.length(3)
      expect(list.continue).to.equal(undefined)
    })

    it('rejects a resourceVersion together with continue', async () => {
      const s = new MemoryStorage()
      for (const n of ['a', 'b']) await s.create(key(n), configMap(n))
      const first = await s.list(prefix, { limit: 1 })
      await expectStorageError(s.list(prefix, { limit: 1, continue: first.continue, resourceVersion: '1' }), 'InvalidContinue')
    })

    it('rejects a resourceVersion that is not a number', async () => {
      const s = new MemoryStorage()
      await expectStorageError(s.list(prefix, { resourceVersion: 'abc' }), 'InvalidObj')
      await expectStorageError(s.watch(prefix, { resourceVersion: '-1' }), 'InvalidObj')
    })

    it('treats a prefix without a trailing slash as a directory', async () => {
      const s = new MemoryStorage()
      await s.create('/registry/cm/a/x', configMap('x'))
      await s.create('/registry/cm/ab/y', configMap('y'))
      expect((await s.list('/registry/cm/a')).items.map((o) => o.metadata.name)).to.deep.equal(['x'])
    })

    it('keeps the key index sorted across many inserts and deletes', async () => {
      const s = new MemoryStorage({ historySize: 100 })
      const live = new Set<string>()
      // A deterministic shuffle, enough keys to split the index into several chunks.
      let seed = 42
      const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
      const prefixes = ['/registry/a/ns1/', '/registry/a/ns2/', '/registry/b/ns1/', '/registry/ab/ns1/']
      for (let i = 0; i < 6000; i++) {
        const k = prefixes[Math.floor(random() * prefixes.length)] + `n${Math.floor(random() * 5000)}`
        if (live.has(k)) {
          await s.delete(k)
          live.delete(k)
        } else {
          await s.create(k, configMap(k))
          live.add(k)
        }
      }
      for (const p of ['/registry/', '/registry/a/', '/registry/a/ns2/', '/registry/ab/', '/registry/b/ns1/', '/registry/c/']) {
        const expected = [...live].filter((k) => k.startsWith(p)).sort()
        const got = (await s.list(p)).items.map((o) => o.metadata.name)
        expect(got).to.deep.equal(expected)
        const paged = await s.list(p, { limit: 10 })
        if (expected.length > 10) expect(paged.remainingItemCount).to.equal(expected.length - 10)
      }
    })

    it('rebuilds a continued page at its revision from the history', async () => {
      const s = new MemoryStorage()
      for (let i = 0; i < 30; i++) await s.create(key(`k${String(i).padStart(2, '0')}`), configMap(`k${i}`, { v: 'old' }))
      const first = await s.list(prefix, { limit: 10 })
      for (let i = 0; i < 30; i += 3) await s.delete(key(`k${String(i).padStart(2, '0')}`))
      for (let i = 1; i < 30; i += 3) await s.guaranteedUpdate(key(`k${String(i).padStart(2, '0')}`), (c) => ({ ...c, data: { v: 'new' } }))
      await s.create(key('k15a'), configMap('k15a'))
      const second = await s.list(prefix, { limit: 10, continue: first.continue })
      expect(second.remainingItemCount).to.equal(10)
      const third = await s.list(prefix, { limit: 10, continue: second.continue })
      const items = [...first.items, ...second.items, ...third.items]
      expect(items).to.have.length(30)
      expect(items.every((o) => (o.data as Record<string, string>).v === 'old')).to.equal(true)
      expect(third.continue).to.equal(undefined)
    })
  })

  describe('watch', () => {
    it('fails TooLargeResourceVersion for a revision not reached yet', async () => {
      const s = new MemoryStorage()
      await s.create(key('a'), configMap('a'))
      await expectStorageError(s.watch(prefix, { resourceVersion: '5' }), 'TooLargeResourceVersion')
    })

    it('ends a watcher whose consumer falls behind by more than the buffer limit, without blocking writers', async () => {
      const s = new MemoryStorage({ watchBufferLimit: 5 })
      const slow = await s.watch(prefix, { resourceVersion: '0' })
      const fast = await s.watch(prefix, { resourceVersion: '0' })
      const fastEvents: WatchEvent[] = []
      const reading = (async () => {
        for await (const e of fast) {
          fastEvents.push(e)
          if (fastEvents.length === 20) break
        }
      })()
      for (let i = 0; i < 20; i++) await s.create(key(`o${String(i).padStart(2, '0')}`), configMap(`o${i}`))
      await reading
      expect(fastEvents).to.have.length(20)
      // The slow watcher gets what was buffered before it overflowed, then the end of the stream.
      const { events, done } = await drain(slow, 100)
      expect(events.map((e) => e.object.metadata.resourceVersion)).to.deep.equal(['1', '2', '3', '4', '5'])
      expect(done).to.equal(true)
    })

    it('does not count initial events against the buffer limit', async () => {
      const s = new MemoryStorage({ watchBufferLimit: 2 })
      for (let i = 0; i < 10; i++) await s.create(key(`o${i}`), configMap(`o${i}`))
      const watcher = await s.watch(prefix)
      await s.create(key('p1'), configMap('p1'))
      await s.create(key('p2'), configMap('p2'))
      const { events, done } = await drain(watcher, 12)
      expect(events).to.have.length(12)
      expect(done).to.equal(false)
      watcher.stop()
    })

    it('ends a watcher whose predicate throws', async () => {
      const s = new MemoryStorage()
      const watcher = await s.watch(prefix, {
        predicate: (o) => {
          if (o.metadata.name === 'bad') throw new Error('cannot evaluate')
          return true
        },
      })
      await s.create(key('good'), configMap('good'))
      await s.create(key('bad'), configMap('bad'))
      await s.create(key('later'), configMap('later'))
      const { events, done } = await drain(watcher, 10)
      expect(events.map((e) => e.object.metadata.name)).to.deep.equal(['good'])
      expect(done).to.equal(true)
    })

    it('keeps a single unread bookmark instead of piling them up', async () => {
      const s = new MemoryStorage()
      const watcher = await s.watch(prefix, { bookmarkIntervalMs: 10 })
      await new Promise((resolve) => setTimeout(resolve, 80))
      await s.create('/registry/secrets/ns/x', configMap('x'))
      await new Promise((resolve) => setTimeout(resolve, 40))
      const events = await buffered(watcher)
      expect(events.map((e) => e.type)).to.deep.equal(['BOOKMARK'])
      expect(events[0].object).to.deep.equal({ metadata: { resourceVersion: '1' } })
      watcher.stop()
    })

    it('close() ends watchers and leaves the data usable', async () => {
      const s = new MemoryStorage()
      await s.create(key('a'), configMap('a'))
      const watcher = await s.watch(prefix)
      await s.close()
      const { events, done } = await drain(watcher, 10)
      expect(events).to.deep.equal([])
      expect(done).to.equal(true)
      expect((await s.get(key('a'))).metadata.name).to.equal('a')
      await s.readinessCheck()
      await s.close()
    })
  })
})
