/**
 * @module lib/storage/memory/memory-storage
 * The in-memory Storage backend: one global revision counter (like one etcd), a hash map for O(1)
 * gets, a sorted key index for prefix lists, and a bounded event history that serves watches from
 * a resourceVersion, exact lists and continue pages (the role etcd's MVCC plays for etcd3).
 *
 * Revisions: an empty store is at revision 0 and the first write gets revision 1, so a list of an
 * empty store reports resourceVersion "0" (a valid numeric string; watching from "0" then sends
 * the current state as ADDED events, which is exactly what such a client needs).
 *
 * Stored objects are JSON round-tripped (so the memory backend drops `undefined` and turns Dates
 * into strings exactly like the SQLite and etcd backends do) and deep-frozen: reads hand them out
 * without copying, and a caller mutating its own input after a write cannot reach them.
 *
 * The SQLite backend (../sqlite) is this class made durable: it logs each change in persist()
 * before the state changes, and rebuilds the state and history with restore() at start-up.
 */
import { jsonEqual } from '../../api/validation.js'
import type { KubeObject } from '../../api/types.js'
import {
  StorageError,
  expired,
  invalidContinue,
  keyExists,
  keyNotFound,
  tooLargeResourceVersion,
} from '../errors.js'
import { asPrefix, checkPreconditions, parseResourceVersion, prefixEnd, toStorable } from '../backend-common.js'
import { continueExpiredMessage, decodeContinue, encodeContinue, listExpiredMessage } from '../continue.js'
import { BufferedWatcher } from '../buffered-watcher.js'
import type {
  DeleteOptions,
  GuaranteedUpdateOptions,
  ListOptions,
  ListResult,
  Predicate,
  Storage,
  StorageFactory,
  UpdateFunc,
  Watcher,
  WatchEvent,
  WatchOptions,
} from '../interface.js'

export interface MemoryStorageOptions {
  /** Events kept for watch-from-resourceVersion, exact lists and continue pages. Default 10000. */
  historySize?: number
  /**
   * Live events a watcher may have buffered and unread before the storage ends it (the client then
   * re-watches from the last resourceVersion it saw, as with the cacher's slow-watcher
   * termination). Initial ADDED and replayed events do not count. Default 10000.
   */
  watchBufferLimit?: number
}

// Kept exported here, where they were first public.
export { continueExpiredMessage, listExpiredMessage }

const defaultHistorySize = 10000
const defaultWatchBufferLimit = 10000

/**
 * A storage with one in-memory key space and one revision counter.
 * @public
 */
export class MemoryStorage implements Storage {
  private readonly objects = new Map<string, KubeObject>()
  private readonly index = new SortedKeys()
  private readonly historySize: number
  private readonly watchBufferLimit: number
  /** The last committed revision; 0 for an empty store. */
  private revision = 0
  /** Every revision up to and including this one has left the history. */
  private compactedRevision = 0
  /** history[historyHead + i] has revision compactedRevision + 1 + i: one event per revision. */
  private history: HistoryEvent[] = []
  private historyHead = 0
  /** Watchers grouped by their prefix, so a write only visits the prefixes its key lies under. */
  private readonly watchers = new Map<string, Set<MemoryWatcher>>()
  /**
   * Changes a durable backend has logged but not yet made durable (see persist), by key: the
   * promise of the group commit holding each. They are not applied, so no reader or watcher sees
   * them; a write to the same key waits for it.
   */
  private readonly pendingKeys = new Map<string, Promise<void>>()
  /** How many changes are pending: they hold the revisions after `revision`. */
  private pendingCount = 0

  constructor(opts: MemoryStorageOptions = {}) {
    this.historySize = nonNegativeInteger(opts.historySize, defaultHistorySize, 'historySize')
    this.watchBufferLimit = nonNegativeInteger(opts.watchBufferLimit, defaultWatchBufferLimit, 'watchBufferLimit')
    if (this.watchBufferLimit === 0) throw new RangeError('watchBufferLimit must be at least 1')
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    if (this.pendingKeys.has(key)) await this.settled(key)
    if (this.objects.has(key)) throw keyExists(key, this.revision)
    return this.put(key, toStorable(key, obj), undefined)
  }

  async get(key: string): Promise<KubeObject> {
    const obj = this.objects.get(key)
    if (obj === undefined) throw keyNotFound(key, this.revision)
    return obj
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    prefix = asPrefix(prefix)
    const predicate = opts.predicate
    let limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0
    let revision: number
    let startKey = prefix
    const rv = opts.resourceVersion

    if (opts.continue) {
      if (rv !== undefined && rv !== '' && rv !== '0') {
        throw invalidContinue(prefix, 'specifying resource version is not allowed when using continue')
      }
      const token = decodeContinue(opts.continue, prefix)
      if (token.revision > this.revision) throw tooLargeResourceVersion(prefix, token.revision, this.revision)
      if (token.revision < this.compactedRevision) {
        throw new StorageError('Expired', prefix, continueExpiredMessage, token.revision)
      }
      revision = token.revision
      startKey = token.startKey
    } else if (rv === undefined || rv === '') {
      revision = this.revision
    } else {
      const requested = parseResourceVersion(prefix, rv)
      if (requested === 0) {
        // "Any" is served like the watch cache serves it: the current state, unpaged.
        revision = this.revision
        limit = 0
      } else if (requested > this.revision) {
        throw tooLargeResourceVersion(prefix, requested, this.revision)
      } else if (opts.resourceVersionMatch === 'Exact') {
        if (requested < this.compactedRevision) throw new StorageError('Expired', prefix, listExpiredMessage, requested)
        revision = requested
      } else {
        revision = this.revision
      }
    }

    const view = this.viewAt(prefix, revision)
    const items: KubeObject[] = []
    let lastKey = ''
    let hasMore = false
    for (const [key, obj] of view.entries(startKey)) {
      if (predicate !== undefined && !predicate(obj)) continue
      // Looking one matching item ahead means a continue token always leads to a non-empty page.
      if (limit > 0 && items.length === limit) {
        hasMore = true
        break
      }
      items.push(obj)
      lastKey = key
    }

    const result: ListResult = { items, resourceVersion: String(revision) }
    if (hasMore) {
      // Like etcd3: the next page starts just after the last key returned.
      const next = lastKey + '\x00'
      result.continue = encodeContinue(next.slice(prefix.length), revision)
      // Only without a predicate is the count exact; the API then omits it, as Kubernetes does.
      if (predicate === undefined) result.remainingItemCount = view.count(next)
    }
    return result
  }

  async guaranteedUpdate(key: string, tryUpdate: UpdateFunc, opts: GuaranteedUpdateOptions = {}): Promise<KubeObject> {
    for (;;) {
      if (this.pendingKeys.has(key)) await this.settled(key)
      const current = this.objects.get(key)
      if (current === undefined && !opts.ignoreNotFound) throw keyNotFound(key, this.revision)
      checkPreconditions(key, opts.preconditions, current)
      // With ignoreNotFound and no object, the callback receives undefined (see UpdateFunc's doc).
      const updated = await tryUpdate(current as KubeObject)
      // Objects are replaced, never mutated, so identity tells whether someone wrote meanwhile.
      if (this.objects.get(key) !== current || this.pendingKeys.has(key)) continue
      if (current !== undefined && updated === current) return current
      const next = toStorable(key, updated)
      if (current !== undefined) {
        next.metadata.resourceVersion = current.metadata.resourceVersion
        if (jsonEqual(next, current)) return current
      }
      return this.put(key, next, current)
    }
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    for (;;) {
      if (this.pendingKeys.has(key)) await this.settled(key)
      const current = this.objects.get(key)
      if (current === undefined) throw keyNotFound(key, this.revision)
      checkPreconditions(key, opts.preconditions, current)
      if (opts.validateDeletion !== undefined) {
        await opts.validateDeletion(current)
        // The validation saw a state that is gone: validate the new one, as etcd3 does.
        if (this.objects.get(key) !== current || this.pendingKeys.has(key)) continue
      }
      return this.remove(key, current)
    }
  }

  async watch(prefix: string, opts: WatchOptions = {}): Promise<Watcher> {
    prefix = asPrefix(prefix)
    const predicate = opts.predicate
    const rv = opts.resourceVersion
    const initial: WatchEvent[] = []
    // Everything below runs without an await, so no write can slip between the snapshot (or the
    // replay) and the registration: that is what makes the event stream gap-free.
    if (rv === undefined || rv === '' || rv === '0') {
      for (const key of this.index.from(prefix)) {
        if (!key.startsWith(prefix)) break
        const obj = this.objects.get(key) as KubeObject
        if (predicate === undefined || predicate(obj)) initial.push(freezeEvent({ type: 'ADDED', object: obj }))
      }
    } else {
      const requested = parseResourceVersion(prefix, rv)
      if (requested > this.revision) throw tooLargeResourceVersion(prefix, requested, this.revision)
      if (requested < this.compactedRevision) throw expired(prefix, requested, this.compactedRevision)
      for (let i = this.historyIndex(requested + 1); i < this.history.length; i++) {
        const event = this.history[i]
        if (!event.key.startsWith(prefix)) continue
        const out = toWatchEvent(event, predicate)
        if (out !== undefined) initial.push(out)
      }
    }
    const hooks: WatcherHooks = {
      revision: () => this.revision,
      unregister: (w) => this.unregister(w),
    }
    const watcher = new MemoryWatcher(hooks, prefix, predicate, initial, this.watchBufferLimit, opts.bookmarkIntervalMs ?? 0)
    let set = this.watchers.get(prefix)
    if (set === undefined) {
      set = new Set()
      this.watchers.set(prefix, set)
    }
    set.add(watcher)
    return watcher
  }

  async currentRevision(): Promise<number> {
    return this.revision
  }

  async readinessCheck(): Promise<void> {}

  /**
   * Ends every running watcher. The data stays readable and writable: the factory hands one
   * instance to every resource, and one of them shutting down must not break the others.
   */
  async close(): Promise<void> {
    for (const set of [...this.watchers.values()]) {
      for (const watcher of [...set]) watcher.stop()
    }
  }

  /**
   * Forgets the history up to and including `revision`, like an etcd compaction: watches from an
   * older resourceVersion, exact lists and continue pages at older revisions then fail Expired.
   * @public
   */
  compact(revision: number): void {
    const target = Math.min(Math.floor(revision), this.revision)
    if (target <= this.compactedRevision) return
    this.historyHead += target - this.compactedRevision
    this.compactedRevision = target
    this.trimHistory()
  }

  /** A watcher calls this when it ends, so writes stop visiting it. */
  private unregister(watcher: MemoryWatcher): void {
    const set = this.watchers.get(watcher.prefix)
    if (set === undefined) return
    set.delete(watcher)
    if (set.size === 0) this.watchers.delete(watcher.prefix)
  }

  /**
   * Called with every change before it touches the in-memory state, which is left unchanged when
   * this throws: a durable backend (SQLite) writes its log here, so nothing is visible to readers
   * or watchers before it is on disk. The memory backend keeps nothing.
   *
   * A backend that commits changes in groups (one fsync for all the writes of an event-loop turn)
   * returns the promise of the group's commit instead: the change is applied — the state changes,
   * watchers see it, the write returns — only once that resolves, and the write fails with its
   * rejection, leaving the state as it was. Commits must settle in the order they were begun.
   */
  protected persist(change: StorageChange): void | Promise<void> {
    void change
  }

  /** Waits until no change of key is pending (see persist), so a write never builds on one. */
  private async settled(key: string): Promise<void> {
    for (let pending = this.pendingKeys.get(key); pending !== undefined; pending = this.pendingKeys.get(key)) {
      await pending.catch(() => undefined)
    }
  }

  /** Applies change now, or once the backend's group commit holding it resolves. */
  private commit(change: StorageChange & { prev: KubeObject | undefined }, apply: () => void): KubeObject | Promise<KubeObject> {
    const durable = this.persist(change)
    if (durable === undefined) {
      apply()
      return change.object
    }
    this.pendingKeys.set(change.key, durable)
    this.pendingCount++
    const done = (): void => {
      this.pendingCount--
      if (this.pendingKeys.get(change.key) === durable) this.pendingKeys.delete(change.key)
    }
    return durable.then(
      () => {
        done()
        apply()
        return change.object
      },
      (err: unknown) => {
        done()
        throw err
      },
    )
  }

  /**
   * Replaces the whole state with one loaded from a durable log: the live objects, the current
   * revision, and the changes of the newest revisions in order (one per revision, ending at
   * `revision`), which become the history that serves watches and exact lists. Watchers must not
   * be running yet.
   */
  protected restore(live: Iterable<[string, KubeObject]>, revision: number, changes: StorageChange[]): void {
    this.objects.clear()
    this.index.clear()
    for (const [key, obj] of live) {
      this.objects.set(key, deepFreeze(obj))
      this.index.add(key)
    }
    this.revision = revision
    this.compactedRevision = revision - changes.length
    this.history = []
    this.historyHead = 0
    for (const change of changes) {
      const object = deepFreeze(change.object)
      const prev = change.prev === undefined ? undefined : deepFreeze(change.prev)
      this.history.push({ type: change.type, key: change.key, revision: change.revision, object, prev })
    }
    while (this.history.length - this.historyHead > this.historySize) {
      this.historyHead++
      this.compactedRevision++
    }
    this.trimHistory()
  }

  /** The revision up to which the history has been forgotten (watches from older ones fail Expired). */
  protected historyStart(): number {
    return this.compactedRevision
  }

  private put(key: string, obj: KubeObject, prev: KubeObject | undefined): KubeObject | Promise<KubeObject> {
    const revision = this.revision + this.pendingCount + 1
    obj.metadata.resourceVersion = String(revision)
    const stored = deepFreeze(obj)
    const type = prev === undefined ? 'ADDED' : 'MODIFIED'
    return this.commit({ type, key, revision, object: stored, prev }, () => {
      this.revision = revision
      this.objects.set(key, stored)
      if (prev === undefined) this.index.add(key)
      this.record({ type, key, revision, object: stored, prev })
    })
  }

  private remove(key: string, prev: KubeObject): KubeObject | Promise<KubeObject> {
    const revision = this.revision + this.pendingCount + 1
    const last = withResourceVersion(prev, revision)
    return this.commit({ type: 'DELETED', key, revision, object: last, prev }, () => {
      this.revision = revision
      this.objects.delete(key)
      this.index.delete(key)
      this.record({ type: 'DELETED', key, revision, object: last, prev })
    })
  }

  private record(event: HistoryEvent): void {
    this.history.push(event)
    if (this.history.length - this.historyHead > this.historySize) {
      this.historyHead++
      this.compactedRevision++
      this.trimHistory()
    }
    this.dispatch(event)
  }

  /** Drops forgotten events in batches, so keeping the history bounded costs O(1) per write. */
  private trimHistory(): void {
    if (this.historyHead >= Math.max(this.historySize, 1024)) {
      this.history = this.history.slice(this.historyHead)
      this.historyHead = 0
    }
  }

  /** The array index of the event with the given revision (history.length when it is in the future). */
  private historyIndex(revision: number): number {
    return this.historyHead + (revision - this.compactedRevision - 1)
  }

  private dispatch(event: HistoryEvent): void {
    if (this.watchers.size === 0) return
    const key = event.key
    for (let slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      const set = this.watchers.get(key.slice(0, slash + 1))
      if (set === undefined) continue
      // A watcher that ends while being delivered to leaves the set; Set iteration tolerates that.
      for (const watcher of set) watcher.deliver(event)
    }
  }

  /**
   * The prefix as of `revision`. At the current revision, or when nothing under the prefix changed
   * since, that is the live index; otherwise the changes after `revision` are undone from the
   * history, touching only the keys they name.
   */
  private viewAt(prefix: string, revision: number): PrefixView {
    const overrides = new Map<string, KubeObject | undefined>()
    for (let i = this.historyIndex(revision + 1); i < this.history.length; i++) {
      const event = this.history[i]
      // The first change after `revision` carries the state the key had at `revision`.
      if (event.key.startsWith(prefix) && !overrides.has(event.key)) overrides.set(event.key, event.prev)
    }
    return new PrefixView(prefix, this.index, this.objects, overrides)
  }
}

/**
 * A StorageFactory that hands out one shared MemoryStorage, so every resource of a server shares
 * one revision counter the way they share one etcd.
 * @public
 */
export function memoryStorageFactory(opts: MemoryStorageOptions = {}): StorageFactory {
  let shared: MemoryStorage | undefined
  return function memoryStorage(): MemoryStorage {
    shared ??= new MemoryStorage(opts)
    return shared
  }
}

/**
 * One committed change, as a durable backend logs it and reloads it.
 * @public
 */
export interface StorageChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  key: string
  revision: number
  /** The new state; for DELETED the last state with the deletion revision as resourceVersion. */
  object: KubeObject
  /** The state before this change (undefined for ADDED); it rebuilds older revisions. */
  prev: KubeObject | undefined
}

interface HistoryEvent extends StorageChange {
  /** The watch event as is, built once and shared by every watcher that receives it. */
  watchEvent?: WatchEvent
  /** The ADDED event for watchers whose predicate the object starts matching. */
  enteredEvent?: WatchEvent
  /** The DELETED event for watchers whose predicate the object stops matching. */
  leftEvent?: WatchEvent
}

/** What a watcher needs from its storage, without widening MemoryStorage's public surface. */
interface WatcherHooks {
  /** The revision a bookmark reports: every event up to it has already been handed to the watchers. */
  revision(): number
  unregister(watcher: MemoryWatcher): void
}

/**
 * What a watcher sees of one history event: predicate transitions become ADDED/DELETED as in the
 * cacher and etcd3's watcher. An object that stops matching yields DELETED with its previous
 * content stamped with this event's revision, so the client still sees the object it was tracking.
 */
function toWatchEvent(event: HistoryEvent, predicate: Predicate | undefined): WatchEvent | undefined {
  if (predicate !== undefined) {
    const now = predicate(event.object)
    const before = event.type === 'MODIFIED' ? predicate(event.prev as KubeObject) : now
    if (now && !before) {
      event.enteredEvent ??= freezeEvent({ type: 'ADDED', object: event.object })
      return event.enteredEvent
    }
    if (!now && before) {
      event.leftEvent ??= freezeEvent({ type: 'DELETED', object: withResourceVersion(event.prev as KubeObject, event.revision) })
      return event.leftEvent
    }
    if (!now) return undefined
  }
  event.watchEvent ??= freezeEvent({ type: event.type, object: event.object })
  return event.watchEvent
}

/**
 * A running watch over the in-memory history. Writers deliver into it synchronously and never
 * wait for the consumer; the buffering and end-of-stream rules are BufferedWatcher's.
 */
class MemoryWatcher extends BufferedWatcher {
  readonly prefix: string
  private readonly hooks: WatcherHooks
  private readonly predicate: Predicate | undefined

  constructor(
    hooks: WatcherHooks,
    prefix: string,
    predicate: Predicate | undefined,
    initial: WatchEvent[],
    bufferLimit: number,
    bookmarkIntervalMs: number,
  ) {
    super(initial, bufferLimit, bookmarkIntervalMs)
    this.hooks = hooks
    this.prefix = prefix
    this.predicate = predicate
  }

  /** Called by the storage for every event under this watcher's prefix, in revision order. */
  deliver(event: HistoryEvent): void {
    if (this.inputClosed) return
    let out: WatchEvent | undefined
    try {
      out = toWatchEvent(event, this.predicate)
    } catch {
      // A predicate that throws cannot be evaluated for the rest of the stream either; ending the
      // watch makes the client re-list instead of silently missing events.
      this.closeInput()
      return
    }
    if (out !== undefined) this.push(out)
  }

  protected override bookmarkEvent(): WatchEvent {
    return freezeEvent({
      type: 'BOOKMARK',
      object: Object.freeze({ metadata: Object.freeze({ resourceVersion: String(this.hooks.revision()) }) }),
    })
  }

  /** Writes stop visiting a watcher that accepts no more events. */
  protected override inputEnded(): void {
    this.hooks.unregister(this)
  }
}

/** A prefix at some revision: the live index with the keys in `overrides` replaced. */
class PrefixView {
  private readonly prefix: string
  private readonly index: SortedKeys
  private readonly objects: Map<string, KubeObject>
  private readonly overrides: Map<string, KubeObject | undefined>
  private readonly overrideKeys: string[]

  constructor(prefix: string, index: SortedKeys, objects: Map<string, KubeObject>, overrides: Map<string, KubeObject | undefined>) {
    this.prefix = prefix
    this.index = index
    this.objects = objects
    this.overrides = overrides
    this.overrideKeys = [...overrides.keys()].filter((key) => overrides.get(key) !== undefined).sort(compareStrings)
  }

  /** [key, object] pairs with key >= start under the prefix, in key order. */
  *entries(start: string): Generator<[string, KubeObject]> {
    const extra = this.overrideKeys
    let e = lowerBound(extra, start)
    for (const key of this.index.from(start)) {
      if (!key.startsWith(this.prefix)) break
      while (e < extra.length && extra[e] < key) {
        yield [extra[e], this.overrides.get(extra[e]) as KubeObject]
        e++
      }
      if (this.overrides.has(key)) continue
      yield [key, this.objects.get(key) as KubeObject]
    }
    for (; e < extra.length; e++) yield [extra[e], this.overrides.get(extra[e]) as KubeObject]
  }

  /** How many keys >= start the prefix holds. */
  count(start: string): number {
    if (this.overrides.size === 0) return this.index.countBetween(start, prefixEnd(this.prefix))
    let n = 0
    for (const _ of this.entries(start)) n++
    return n
  }
}

/**
 * A sorted set of strings kept as a list of sorted chunks (the sortedcontainers layout): inserts
 * and deletes move at most one chunk's worth of entries, and a prefix scan starts with two binary
 * searches instead of sorting the whole key space.
 */
class SortedKeys {
  private static readonly maxChunk = 1024
  private chunks: string[][] = []

  clear(): void {
    this.chunks = []
  }

  add(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key])
      return
    }
    const c = Math.min(this.chunkFor(key), this.chunks.length - 1)
    const chunk = this.chunks[c]
    const i = lowerBound(chunk, key)
    if (chunk[i] === key) return
    chunk.splice(i, 0, key)
    if (chunk.length > SortedKeys.maxChunk) {
      this.chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1))
    }
  }

  delete(key: string): void {
    const c = this.chunkFor(key)
    const chunk = this.chunks[c]
    if (chunk === undefined) return
    const i = lowerBound(chunk, key)
    if (chunk[i] !== key) return
    chunk.splice(i, 1)
    if (chunk.length === 0) this.chunks.splice(c, 1)
  }

  /** Keys >= start in order. The caller must not write while iterating. */
  *from(start: string): Generator<string> {
    let c = this.chunkFor(start)
    if (c >= this.chunks.length) return
    let i = lowerBound(this.chunks[c], start)
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]
      for (; i < chunk.length; i++) yield chunk[i]
    }
  }

  /** How many keys k satisfy start <= k < end. */
  countBetween(start: string, end: string): number {
    return this.rank(end) - this.rank(start)
  }

  /** How many keys are < key. */
  private rank(key: string): number {
    const c = this.chunkFor(key)
    let n = 0
    for (let j = 0; j < c && j < this.chunks.length; j++) n += this.chunks[j].length
    if (c < this.chunks.length) n += lowerBound(this.chunks[c], key)
    return n
  }

  /** The first chunk whose last key is >= key (chunks.length when there is none). */
  private chunkFor(key: string): number {
    let lo = 0
    let hi = this.chunks.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const chunk = this.chunks[mid]
      if (chunk[chunk.length - 1] < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}



function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`)
  return value
}




/** The same frozen object with another resourceVersion; only the top level and metadata are new. */
function withResourceVersion(obj: KubeObject, revision: number): KubeObject {
  const metadata = Object.freeze({ ...obj.metadata, resourceVersion: String(revision) })
  return Object.freeze({ ...obj, metadata })
}

function freezeEvent(event: WatchEvent): WatchEvent {
  return Object.freeze(event)
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  // Indexed and keyed loops rather than Object.values: every write freezes its object, and the
  // array that builds is garbage at once.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i])
  } else {
    for (const key in value) if (Object.hasOwn(value, key)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return Object.freeze(value)
}




