/**
 * @module lib/storage/etcd/etcd-storage
 * Storage over etcd 3.4+, the way k8s.io/apiserver pkg/storage/etcd3/store.go does it: objects are
 * JSON values under their keys (kube's /registry/<resource>/<namespace>/<name> layout) without a
 * resourceVersion, which is the key's mod revision on every read; create, update and delete are
 * transactions guarded by the key's version or mod revision; lists page with etcd3's continue
 * tokens at a fixed revision; watches are etcd watches from a revision. etcd's MVCC history is the
 * history, so compaction makes old revisions fail Expired (410).
 */
import type { Etcd3, IKeyValue, IRangeRequest, IRangeResponse, ITxnResponse } from 'etcd3'
import type { KubeObject } from '../../api/types.js'
import { jsonEqual } from '../../api/validation.js'
import {
  StorageError,
  expired,
  invalidContinue,
  keyExists,
  keyNotFound,
  tooLargeResourceVersion,
} from '../errors.js'
import type {
  DeleteOptions,
  GuaranteedUpdateOptions,
  ListOptions,
  ListResult,
  Storage,
  UpdateFunc,
  Watcher,
  WatchEvent,
  WatchOptions,
} from '../interface.js'
import { asPrefix, checkPreconditions, parseResourceVersion, prefixEnd, toStorable as storableCopy } from '../backend-common.js'
import { continueExpiredMessage, decodeContinue, encodeContinue, listExpiredMessage } from '../continue.js'
import { etcdCallError, isCompactedError, isFutureRevisionError, isNeverSentError } from './etcd-errors.js'
import { EtcdStorageWatcher } from './etcd-watcher.js'

/** The copy to store, without resourceVersion: etcd's mod revision is the version. */
function toStorable(key: string, obj: KubeObject): KubeObject {
  const copy = storableCopy(key, obj)
  delete copy.metadata.resourceVersion
  return copy
}

export interface EtcdStorageConfig {
  /** Prepended to every key in etcd (kube-apiserver's --etcd-prefix; our keys already start with /registry). */
  keyPrefix: string
  /** How long a watch may take to be established before the call fails Unreachable. */
  requestTimeoutMs: number
}

/** Attempts of one etcd call, and the pause before the n-th retry (n times this). */
const maxAttempts = 4
const retryDelayMs = 100

/** Keys read per round trip while a predicate filters a paged list. */
const filteredBatch = 500

/** Keys read per round trip for an unpaged list: one huge response would stall etcd and this process alike. */
const unlimitedBatch = 1000

interface Current {
  obj: KubeObject
  raw: Buffer
  modRevision: string
}

/** @public */
export class EtcdStorage implements Storage {
  private readonly client: Etcd3
  private readonly config: EtcdStorageConfig
  private readonly watchers = new Set<EtcdStorageWatcher>()
  private readonly closeClient: () => void
  private closed = false

  constructor(client: Etcd3, config: EtcdStorageConfig, closeClient: () => void) {
    this.client = client
    this.config = config
    this.closeClient = closeClient
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const stored = toStorable(key, obj)
    const etcdKey = this.etcdKey(key)
    const res = await this.call(key, () =>
      this.client.kv.txn({
        compare: [{ key: etcdKey, target: 'Version', result: 'Equal', version: 0 }],
        success: [{ request_put: { key: etcdKey, value: Buffer.from(JSON.stringify(stored)) } }],
        failure: [],
      }),
    )
    if (!res.succeeded) throw keyExists(key, Number(res.header.revision))
    stored.metadata.resourceVersion = res.header.revision
    return stored
  }

  async get(key: string): Promise<KubeObject> {
    const res = await this.range(key, { key: this.etcdKey(key) })
    const kv = res.kvs[0]
    if (kv === undefined) throw keyNotFound(key, Number(res.header.revision))
    return this.decode(kv, Number(kv.mod_revision))
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    prefix = asPrefix(prefix)
    const predicate = opts.predicate
    const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0
    const rv = opts.resourceVersion
    // 0: the newest revision, learnt from the first response.
    let revision = 0
    let minimum = 0
    let startKey = prefix
    let expiredMessage = listExpiredMessage

    if (opts.continue) {
      if (rv !== undefined && rv !== '' && rv !== '0') {
        throw invalidContinue(prefix, 'specifying resource version is not allowed when using continue')
      }
      const token = decodeContinue(opts.continue, prefix)
      revision = token.revision
      startKey = token.startKey
      expiredMessage = continueExpiredMessage
    } else if (rv !== undefined && rv !== '') {
      const requested = parseResourceVersion(prefix, rv)
      if (opts.resourceVersionMatch === 'Exact' && requested > 0) revision = requested
      else minimum = requested
    }

    const rangeEnd = Buffer.from(this.config.keyPrefix + prefixEnd(prefix))
    const items: KubeObject[] = []
    let from = this.etcdKey(startKey)
    let hasMore = false
    let lastKey = ''
    let remaining: number | undefined
    for (let first = true; ; first = false) {
      const batch = limit === 0 ? unlimitedBatch : predicate === undefined ? limit + 1 : Math.max(limit + 1, filteredBatch)
      let res: IRangeResponse
      try {
        res = await this.range(prefix, { key: from, range_end: rangeEnd, limit: batch, revision }, true)
      } catch (err) {
        if (isCompactedError(err)) throw new StorageError('Expired', prefix, expiredMessage, revision)
        if (isFutureRevisionError(err)) throw tooLargeResourceVersion(prefix, revision, await this.currentRevision())
        throw err
      }
      if (revision === 0) {
        revision = Number(res.header.revision)
        if (minimum > revision) throw tooLargeResourceVersion(prefix, minimum, revision)
      }
      // Looking one matching item ahead means a continue token always leads to a non-empty page.
      let lastSeen: Buffer | undefined
      for (const kv of res.kvs) {
        lastSeen = kv.key
        const obj = this.decode(kv, Number(kv.mod_revision))
        if (predicate !== undefined && !predicate(obj)) continue
        if (limit > 0 && items.length === limit) {
          hasMore = true
          break
        }
        items.push(obj)
        lastKey = this.storageKey(kv.key)
      }
      if (first && predicate === undefined && hasMore) remaining = Number(res.count) - items.length
      if (hasMore || !res.more || lastSeen === undefined) break
      from = Buffer.concat([lastSeen, Buffer.from([0])])
    }

    const result: ListResult = { items, resourceVersion: String(revision) }
    if (hasMore) {
      // Like etcd3: the next page starts just after the last key returned.
      result.continue = encodeContinue((lastKey + '\x00').slice(prefix.length), revision)
      // Only without a predicate is the count exact; the API then omits it, as Kubernetes does.
      if (remaining !== undefined) result.remainingItemCount = remaining
    }
    return result
  }

  async guaranteedUpdate(key: string, tryUpdate: UpdateFunc, opts: GuaranteedUpdateOptions = {}): Promise<KubeObject> {
    const etcdKey = this.etcdKey(key)
    let current = await this.read(key)
    for (;;) {
      if (current === undefined && !opts.ignoreNotFound) throw keyNotFound(key)
      checkPreconditions(key, opts.preconditions, current?.obj)
      // With ignoreNotFound and no object, the callback receives undefined (see UpdateFunc's doc).
      const updated = await tryUpdate(current?.obj as KubeObject)
      const next = toStorable(key, updated)
      if (current !== undefined && jsonEqual(next, JSON.parse(current.raw.toString('utf8')))) {
        // Nothing to write; the caller may have touched what we handed out, so hand out a fresh copy.
        return this.decodeRaw(key, current.raw, Number(current.modRevision))
      }
      const guard =
        current === undefined
          ? { key: etcdKey, target: 'Version' as const, result: 'Equal' as const, version: 0 }
          : { key: etcdKey, target: 'Mod' as const, result: 'Equal' as const, mod_revision: current.modRevision }
      const res: ITxnResponse = await this.call(key, () =>
        this.client.kv.txn({
          compare: [guard],
          success: [{ request_put: { key: etcdKey, value: Buffer.from(JSON.stringify(next)) } }],
          failure: [{ request_range: { key: etcdKey } }],
        }),
      )
      if (res.succeeded) {
        next.metadata.resourceVersion = res.header.revision
        return next
      }
      // Someone wrote meanwhile: retry on the state the failed transaction read.
      current = this.currentFrom(key, res.responses[0]?.response_range)
    }
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    const etcdKey = this.etcdKey(key)
    let current = await this.read(key)
    for (;;) {
      if (current === undefined) throw keyNotFound(key)
      checkPreconditions(key, opts.preconditions, current.obj)
      if (opts.validateDeletion !== undefined) await opts.validateDeletion(current.obj)
      const res: ITxnResponse = await this.call(key, () =>
        this.client.kv.txn({
          compare: [{ key: etcdKey, target: 'Mod', result: 'Equal', mod_revision: (current as Current).modRevision }],
          success: [{ request_delete_range: { key: etcdKey } }],
          failure: [{ request_range: { key: etcdKey } }],
        }),
      )
      if (res.succeeded) return this.decodeRaw(key, current.raw, Number(res.header.revision))
      // The validation (or the preconditions) saw a state that is gone: check the new one.
      current = this.currentFrom(key, res.responses[0]?.response_range)
    }
  }

  async watch(prefix: string, opts: WatchOptions = {}): Promise<Watcher> {
    if (this.closed) throw new StorageError('Unreachable', prefix, 'etcd storage is closed')
    prefix = asPrefix(prefix)
    const predicate = opts.predicate
    const rv = opts.resourceVersion
    const initial: WatchEvent[] = []
    let startRevision: number
    if (rv === undefined || rv === '' || rv === '0') {
      // The current state as ADDED events, then every change after the revision it was read at.
      const list = await this.list(prefix, { predicate })
      for (const object of list.items) initial.push({ type: 'ADDED', object })
      startRevision = Number(list.resourceVersion) + 1
    } else {
      const requested = parseResourceVersion(prefix, rv)
      const current = await this.currentRevision()
      if (requested > current) throw tooLargeResourceVersion(prefix, requested, current)
      // etcd would accept the watch and cancel it a moment later; asking first gives a clean 410.
      try {
        await this.range(prefix, { key: this.etcdKey(prefix), limit: 1, count_only: true, revision: requested }, true)
      } catch (err) {
        if (isCompactedError(err)) throw expired(prefix, requested, current)
        throw err
      }
      startRevision = requested + 1
    }
    const watcher = new EtcdStorageWatcher({
      initial,
      startRevision,
      predicate,
      decode: (kv, revision) => this.decode(kv, revision),
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 0,
      onEnd: (w) => this.watchers.delete(w),
    })
    this.watchers.add(watcher)
    const etcdWatcher = this.client
      .watch()
      .prefix(this.etcdKey(prefix))
      .withPreviousKV()
      .startRevision(String(startRevision))
      .watcher()
    watcher.attach(etcdWatcher)
    // Established means etcd has the watch: no write acknowledged after this returns is missed.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        watcher.stop()
        reject(new StorageError('Unreachable', prefix, `etcd is unavailable: the watch was not established within ${this.config.requestTimeoutMs} ms`))
      }, this.config.requestTimeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        etcdWatcher.off('connected', done)
        etcdWatcher.off('error', done)
        resolve()
      }
      etcdWatcher.on('connected', done)
      etcdWatcher.on('error', done)
    })
    return watcher
  }

  async currentRevision(): Promise<number> {
    const res = await this.range('', { key: Buffer.from(this.config.keyPrefix + '/registry/'), limit: 1, keys_only: true })
    return Number(res.header.revision)
  }

  async readinessCheck(): Promise<void> {
    await this.currentRevision()
  }

  /** Ends every watch and closes the shared client; later calls fail Unreachable. Idempotent. */
  async close(): Promise<void> {
    const watchers = [...this.watchers]
    for (const watcher of watchers) watcher.stop()
    if (this.closed) return
    this.closed = true
    // Closing the client under watches still being cancelled would leave the etcd3 client trying to
    // re-establish their stream; give the cancellations a moment, but never hang a shutdown on etcd.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(watchers.map((w) => w.cancelled)),
      new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
    ])
    clearTimeout(timer)
    this.closeClient()
  }

  /**
   * Compacts etcd's history up to `revision` (kube-apiserver's compactor does this on a timer):
   * older revisions then fail Expired for watches, exact lists and continue tokens.
   * @public
   */
  async compact(revision: number): Promise<void> {
    await this.call('', () => this.client.kv.compact({ revision, physical: true }))
  }

  private etcdKey(key: string): Buffer {
    return Buffer.from(this.config.keyPrefix + key)
  }

  private storageKey(etcdKey: Buffer): string {
    return etcdKey.toString('utf8').slice(this.config.keyPrefix.length)
  }

  private async read(key: string): Promise<Current | undefined> {
    return this.currentFrom(key, await this.range(key, { key: this.etcdKey(key) }))
  }

  private currentFrom(key: string, res: IRangeResponse | undefined): Current | undefined {
    const kv = res?.kvs[0]
    if (kv === undefined) return undefined
    return { obj: this.decodeRaw(key, kv.value, Number(kv.mod_revision)), raw: kv.value, modRevision: kv.mod_revision }
  }

  private decode(kv: IKeyValue, revision: number): KubeObject {
    return this.decodeRaw(this.storageKey(kv.key), kv.value, revision)
  }

  private decodeRaw(key: string, raw: Buffer, revision: number): KubeObject {
    let obj: KubeObject
    try {
      obj = JSON.parse(raw.toString('utf8')) as KubeObject
    } catch (err) {
      throw new StorageError('CorruptObj', key, `stored object under ${key} is not JSON: ${(err as Error).message}`)
    }
    if (typeof obj !== 'object' || obj === null || typeof obj.metadata !== 'object' || obj.metadata === null) {
      throw new StorageError('CorruptObj', key, `stored object under ${key} has no metadata`)
    }
    obj.metadata.resourceVersion = String(revision)
    return obj
  }

  /** A range read; with `raw`, compaction and future-revision errors are left for the caller. */
  private range(key: string, req: IRangeRequest, raw = false): Promise<IRangeResponse> {
    return this.call(key, () => this.client.kv.range(req), raw, true)
  }

  /**
   * Runs one etcd call. The client itself does not retry (see index.ts): reads are retried on
   * another member whenever etcd could not answer, writes only when they surely never reached a
   * member, because a write retried after a lost answer would fail on its own effect (a create
   * answering AlreadyExists, an update answering Conflict).
   */
  private async call<T>(key: string, fn: () => Promise<T>, raw = false, idempotent = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new StorageError('Unreachable', key, 'etcd storage is closed')
      try {
        return await fn()
      } catch (err) {
        if (raw && (isCompactedError(err) || isFutureRevisionError(err))) throw err
        const mapped = etcdCallError(err, key)
        const retry = attempt < maxAttempts && mapped.code === 'Unreachable' && (idempotent || isNeverSentError(err))
        if (!retry) throw mapped
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt))
      }
    }
  }
}








