/**
 * EtcdStorage against a real etcd 3.4 process: the shared conformance suite, plus what only a
 * remote, shared backend does (unavailability and recovery, compaction, continue tokens in
 * etcd3's format, two storages on one etcd seeing each other's writes). Skips when no etcd binary.
 */
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'mocha'
import { expect } from 'chai'
import type { KubeObject } from '../../../lib/api/types.js'
import { isStorageError } from '../../../lib/storage/errors.js'
import { expectStorageError } from '../../support/storage.js'
import type { Storage, WatchEvent } from '../../../lib/storage/interface.js'
import { Etcd3 } from 'etcd3'
import { etcdStorageFactory } from '../../../lib/storage/etcd/index.js'
import { compactRevKey, compactRound } from '../../../lib/storage/etcd/compactor.js'
import type { EtcdStorage } from '../../../lib/storage/etcd/index.js'
import { runStorageConformance } from '../../../lib/storage/testing/conformance.js'
import { interpretStorageError } from '../../../lib/registry/storage-errors.js'
import { StatusError } from '../../../lib/api/errors.js'
import { etcdUnavailableReason, startEtcdCluster } from '../../support/etcd.js'
import { startServer } from '../../support/server.js'
import type { EtcdCluster } from '../../support/etcd.js'

const skipReason = etcdUnavailableReason()
let cluster: EtcdCluster | undefined

function endpoints(): string[] {
  if (cluster === undefined) throw new Error('etcd is not running')
  return cluster.endpoints
}

/** A storage with its own client, so close() in one test does not touch another. */
function newStorage(opts: { requestTimeoutMs?: number; keyPrefix?: string } = {}): EtcdStorage {
  return etcdStorageFactory({ endpoints: endpoints(), ...opts })() as EtcdStorage
}

describe('EtcdStorage (real etcd)', function () {
  this.timeout(30_000)

  before(async function () {
    if (skipReason !== undefined) {
      console.warn(`    skipping the etcd specs: ${skipReason}`)
      this.skip()
    }
    this.timeout(60_000)
    // Frequent progress notifications let an idle watch's bookmarks advance within a test.
    cluster = await startEtcdCluster(1, ['--experimental-watch-progress-notify-interval', '200ms'])
  })

  after(async () => {
    await cluster?.remove()
    cluster = undefined
  })

  runStorageConformance('EtcdStorage', () => newStorage(), undefined, {
    compact: async (s: Storage) => (s as EtcdStorage).compact(await s.currentRevision()),
    eventTimeoutMs: 5000,
  })

  describe('etcd specifics', () => {
    const base = (): string => `/registry/etcd-spec-${randomUUID().slice(0, 8)}`

    it('hands out one shared storage per factory', () => {
      const factory = etcdStorageFactory({ endpoints: endpoints() })
      const a = factory()
      expect(factory()).to.equal(a)
      void a.close()
    })

    it('stores objects under the key as JSON without a resourceVersion, and reads it from the mod revision', async () => {
      const s = newStorage()
      const raw = newStorage({ keyPrefix: '' })
      try {
        const key = `${base()}/configmaps/ns/a`
        const created = await s.create(key, configMap('a', { rv: 'x' }))
        // The raw value: a second storage with a prefix "" reads the same key; check through etcd's own API.
        const res = await fetch(`${endpoints()[0]}/v3/kv/range`, {
          method: 'POST',
          body: JSON.stringify({ key: Buffer.from(key).toString('base64') }),
        })
        const body = (await res.json()) as { kvs: { value: string; mod_revision: string }[] }
        const stored = JSON.parse(Buffer.from(body.kvs[0].value, 'base64').toString()) as KubeObject
        expect(stored.metadata).to.not.have.property('resourceVersion')
        expect(body.kvs[0].mod_revision).to.equal(created.metadata.resourceVersion)
        expect((await raw.get(key)).metadata.resourceVersion).to.equal(created.metadata.resourceVersion)
      } finally {
        await s.close()
        await raw.close()
      }
    })

    it('lists more than one etcd batch and more than gRPC\'s default 4 MiB message without a limit', async () => {
      const s = newStorage()
      try {
        const prefix = `${base()}/configmaps/ns/`
        const big = 'x'.repeat(100 * 1024)
        for (let i = 0; i < 45; i++) await s.create(`${prefix}big-${String(i).padStart(2, '0')}`, configMap(`big-${i}`, { big }))
        await Promise.all(Array.from({ length: 1100 }, (_, i) => s.create(`${prefix}small-${String(i).padStart(4, '0')}`, configMap(`small-${i}`))))
        const list = await s.list(prefix)
        expect(list.items).to.have.length(1145)
        expect(list.continue ?? '').to.equal('')
        expect(list.items[0].data).to.deep.equal({ big })
        expect(list.items[1144].metadata.name).to.equal('small-1099')
      } finally {
        await s.close()
      }
    })

    it('isolates storages with different key prefixes', async () => {
      const a = newStorage({ keyPrefix: '/tenant-a' })
      const b = newStorage({ keyPrefix: '/tenant-b' })
      try {
        const key = `${base()}/configmaps/ns/a`
        await a.create(key, configMap('a'))
        await expectStorageError(b.get(key), 'KeyNotFound')
        await b.create(key, configMap('a'))
      } finally {
        await a.close()
        await b.close()
      }
    })

    it('encodes continue tokens like etcd3: base64 JSON with v, rv and the key after the last item', async () => {
      const s = newStorage()
      try {
        const prefix = `${base()}/configmaps/ns/`
        for (const n of ['a', 'b', 'c']) await s.create(prefix + n, configMap(n))
        const page = await s.list(prefix, { limit: 2 })
        expect(page.remainingItemCount).to.equal(1)
        expect(JSON.parse(Buffer.from(page.continue as string, 'base64url').toString())).to.deep.equal({
          v: 'meta.k8s.io/v1',
          rv: Number(page.resourceVersion),
          start: 'b\u0000',
        })
        expect(names((await s.list(prefix, { limit: 2, continue: page.continue })).items)).to.deep.equal(['c'])
        // kube decodes with base64.RawURLEncoding (storage/continue.go): a padded token is refused.
        const padded = `${page.continue as string}==`
        let err: unknown
        await s.list(prefix, { limit: 2, continue: padded }).catch((e: unknown) => (err = e))
        expect((err as Error | undefined)?.message).to.equal('continue key is not valid: illegal base64 data')
      } finally {
        await s.close()
      }
    })

    it('compacts etcd every compaction interval to the revision of the round before, as kube-apiserver', async () => {
      const s = etcdStorageFactory({ endpoints: endpoints(), compactionIntervalMs: 200 })() as EtcdStorage
      const client = new Etcd3({ hosts: endpoints() })
      try {
        const key = `${base()}/configmaps/ns/a`
        const first = await s.create(key, configMap('a'))
        await s.guaranteedUpdate(key, (c) => ({ ...structuredClone(c), data: { v: '2' } }))
        // Round 1 only records a revision (never compacts at start-up); round 2 compacts to it.
        const deadline = Date.now() + 10_000
        let expired = false
        while (!expired && Date.now() < deadline) {
          try {
            const w = await s.watch(key.slice(0, key.lastIndexOf('/') + 1), { resourceVersion: first.metadata.resourceVersion })
            w.stop()
            await new Promise((resolve) => setTimeout(resolve, 100))
          } catch (err) {
            expect(isStorageError(err, 'Expired'), String(err)).to.equal(true)
            expired = true
          }
        }
        expect(expired, 'the first revision was compacted').to.equal(true)
        const kv = (await client.get(compactRevKey).exec()).kvs[0]
        expect(Number(kv?.version)).to.be.greaterThanOrEqual(2)
        // The objects themselves are untouched.
        expect((await s.get(key)).data).to.deep.equal({ v: '2' })
      } finally {
        await s.close()
        client.close()
      }
    })

    it('lets one of several servers compact per round: the others learn the new time from the key', async () => {
      const client = new Etcd3({ hosts: endpoints() })
      try {
        const start = (await client.get(compactRevKey).exec()).kvs[0]
        const time = start === undefined ? 0 : Number(start.version)
        const a = await compactRound(client, time, 0)
        expect(a).to.include({ time: time + 1, compacted: 0 })
        // A second server still at the old time loses the swap and learns the current one.
        const b = await compactRound(client, time, 0)
        expect(b.time).to.equal(time + 1)
        // The winner's next round compacts to the revision it saw in the round before.
        const c = await compactRound(client, a.time, a.revision)
        expect(c).to.include({ time: time + 2, compacted: a.revision })
      } finally {
        client.close()
      }
    })

    it('fails Expired (410 through the registry) for a watch from a compacted revision', async () => {
      const s = newStorage()
      try {
        const key = `${base()}/configmaps/ns/a`
        const a = await s.create(key, configMap('a'))
        await s.guaranteedUpdate(key, (c) => ({ ...structuredClone(c), data: { v: '2' } }))
        await s.guaranteedUpdate(key, (c) => ({ ...structuredClone(c), data: { v: '3' } }))
        await s.compact(await s.currentRevision())
        const err = await expectStorageError(s.watch(key.slice(0, key.lastIndexOf('/') + 1), { resourceVersion: a.metadata.resourceVersion }), 'Expired')
        const status = interpretStorageError(err, { group: '', resource: 'configmaps' }, 'a')
        expect(status).to.be.instanceOf(StatusError)
        expect((status as StatusError).status.code).to.equal(410)
      } finally {
        await s.close()
      }
    })

    it("advances an idle watch's bookmarks with etcd's progress notifications", async () => {
      const s = newStorage()
      try {
        const root = base()
        const watcher = await s.watch(`${root}/configmaps/quiet/`, { resourceVersion: String(await s.currentRevision()), bookmarkIntervalMs: 50 })
        let last = 0
        for (const n of ['a', 'b', 'c']) last = Number((await s.create(`${root}/configmaps/busy/${n}`, configMap(n))).metadata.resourceVersion)
        const iterator = watcher[Symbol.asyncIterator]()
        const deadline = Date.now() + 10_000
        let seen = 0
        while (seen < last && Date.now() < deadline) {
          const result = await withTimeout(iterator.next(), 5000)
          if (result.done) expect.fail('the watch ended')
          expect(result.value.type).to.equal('BOOKMARK')
          seen = Number(result.value.object.metadata.resourceVersion)
        }
        expect(seen).to.be.at.least(last)
        watcher.stop()
      } finally {
        await s.close()
      }
    })

    it('shows a write through one storage to a watch through another on the same etcd', async () => {
      const writer = newStorage()
      const reader = newStorage()
      try {
        const prefix = `${base()}/configmaps/ns/`
        const watcher = await reader.watch(prefix, { resourceVersion: String(await reader.currentRevision()) })
        const created = await writer.create(prefix + 'a', configMap('a'))
        const event = await nextEvent(watcher[Symbol.asyncIterator]())
        expect(event.type).to.equal('ADDED')
        expect(event.object).to.deep.equal(created)
        watcher.stop()
      } finally {
        await writer.close()
        await reader.close()
      }
    })

    it('makes the API answer 503 Status while etcd is down, and serve again once it is back', async function () {
      this.timeout(90_000)
      const member = cluster!.members[0]
      const factory = etcdStorageFactory({ endpoints: endpoints(), keyPrefix: base(), requestTimeoutMs: 2000 })
      const server = await startServer({ config: { storage: factory } })
      const collection = `${server.url}/api/v1/namespaces/default/configmaps`
      const post = (name: string): Promise<Response> =>
        fetch(collection, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }),
        })
      try {
        expect((await post('before')).status).to.equal(201)
        await member.stop()
        for (const res of [await fetch(`${collection}/before`), await fetch(collection), await post('during')]) {
          expect(res.status).to.be.oneOf([503, 504])
          const status = (await res.json()) as { kind: string; code: number }
          expect(status.kind).to.equal('Status')
          expect(status.code).to.equal(res.status)
        }
        member.start()
        await member.waitHealthy()
        const after = await eventually(async () => {
          const res = await post('after')
          if (res.status !== 201) throw new Error(`status ${res.status}`)
          return res
        }, 30_000)
        expect(after.status).to.equal(201)
        const list = (await (await fetch(collection)).json()) as { items: KubeObject[] }
        // The failed create left nothing behind; controllers may have added their own objects.
        expect(names(list.items)).to.include.members(['after', 'before']).and.not.include('during')
      } finally {
        if (!member.running) {
          member.start()
          await member.waitHealthy()
        }
        await server.stop()
        await factory().close()
      }
    })

    it('reports an unreachable etcd as a 503 StorageError, and works again once etcd is back', async function () {
      this.timeout(90_000)
      const s = newStorage({ requestTimeoutMs: 2000 })
      const member = cluster!.members[0]
      try {
        const prefix = `${base()}/configmaps/ns/`
        await s.create(prefix + 'before', configMap('before'))
        const watcher = await s.watch(prefix, { resourceVersion: String(await s.currentRevision()) })
        const iterator = watcher[Symbol.asyncIterator]()
        const unhandled: unknown[] = []
        const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
        process.on('unhandledRejection', onUnhandled)
        try {
          await member.stop()
          for (const op of [s.get(prefix + 'before'), s.create(prefix + 'during', configMap('during')), s.list(prefix)]) {
            const err = await op.then(
              () => expect.fail('a call succeeded with etcd stopped'),
              (e: unknown) => e,
            )
            expect(isStorageError(err, 'Unreachable') || isStorageError(err, 'Timeout'), String(err)).to.equal(true)
            const status = interpretStorageError(err, { group: '', resource: 'configmaps' }, 'x') as StatusError
            expect(status.status.code).to.be.oneOf([503, 504])
          }
          await expectRejects(s.readinessCheck())

          member.start()
          await member.waitHealthy()
          // The client's circuit breaker may stay open for a few seconds after the failures.
          const after = await eventually(() => s.create(prefix + 'after', configMap('after')), 30_000)
          expect(after.metadata.name).to.equal('after')
          // The running watch resumed from where it was and reports the write (or ended cleanly).
          const result = await withTimeout(iterator.next(), 20_000)
          if (!result.done) {
            expect(result.value.type).to.equal('ADDED')
            expect(result.value.object.metadata.name).to.equal('after')
          }
          await s.readinessCheck()
          expect(unhandled).to.deep.equal([])
        } finally {
          process.off('unhandledRejection', onUnhandled)
          watcher.stop()
        }
      } finally {
        if (!member.running) {
          member.start()
          await member.waitHealthy()
        }
        await s.close()
      }
    })
  })
})

function configMap(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', uid: randomUUID() }, data }
}

function names(items: KubeObject[]): string[] {
  return items.map((i) => i.metadata.name as string)
}

async function expectRejects(promise: Promise<unknown>): Promise<void> {
  let failed = false
  await promise.catch(() => (failed = true))
  expect(failed, 'expected a rejection').to.equal(true)
}

async function nextEvent(iterator: AsyncIterator<WatchEvent>): Promise<WatchEvent> {
  for (;;) {
    const result = await withTimeout(iterator.next(), 5000)
    if (result.done) expect.fail('the watch ended')
    if (result.value.type !== 'BOOKMARK') return result.value
  }
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))])
  } finally {
    clearTimeout(timer)
  }
}
