/**
 * @module lib/storage/etcd/etcd-watcher
 * One storage watch over one etcd watch, like etcd3's watchChan in k8s.io/apiserver: etcd events
 * (with their previous key-values) become ADDED/MODIFIED/DELETED, predicate transitions become
 * ADDED/DELETED, and the consumer reads them through an async iterator. The etcd3 client resumes a
 * broken watch stream by itself from the last revision it saw; when etcd cancels the watch (the
 * revision was compacted meanwhile) the stream ends and the client re-lists, as with a 410.
 *
 * BOOKMARK events report the newest revision the etcd watch has vouched for: its last event or its
 * last progress notification (etcd sends those to idle watches every
 * --experimental-watch-progress-notify-interval, 10 minutes by default). etcd 3.4's on-demand
 * progress request is answered with watch id -1, which the etcd3 client cannot route, so it is not used.
 */
import type { Watcher as EtcdWatcher, IWatchResponse, IKeyValue } from 'etcd3'
import type { KubeObject } from '../../api/types.js'
import type { Predicate, WatchEvent } from '../interface.js'
import { BufferedWatcher } from '../buffered-watcher.js'

/** Turns a stored key-value into the object callers see (resourceVersion = mod revision). */
export type Decoder = (kv: IKeyValue, revision: number) => KubeObject

/** Unread live events a consumer may leave before the watch is ended (the client re-watches). */
const bufferLimit = 10000

/** @public */
export class EtcdStorageWatcher extends BufferedWatcher {
  private readonly predicate: Predicate | undefined
  private readonly decode: Decoder
  private readonly onEnd: (w: EtcdStorageWatcher) => void
  private etcd: EtcdWatcher | undefined
  /** Every event up to this revision has been queued: what a bookmark may report. */
  private revision: number

  constructor(opts: {
    initial: WatchEvent[]
    startRevision: number
    predicate: Predicate | undefined
    decode: Decoder
    bookmarkIntervalMs: number
    onEnd: (w: EtcdStorageWatcher) => void
  }) {
    super(opts.initial, bufferLimit, opts.bookmarkIntervalMs)
    this.revision = opts.startRevision - 1
    this.predicate = opts.predicate
    this.decode = opts.decode
    this.onEnd = opts.onEnd
  }

  /** Connects the etcd watch; its events are handled from here on. */
  attach(etcd: EtcdWatcher): void {
    this.etcd = etcd
    etcd.on('data', (res: IWatchResponse) => this.handle(res))
    // A cancelled watch (compacted revision, etcd-side cancel) cannot resume without a gap.
    etcd.on('error', () => this.closeInput())
    if (this.inputClosed) this.cancelEtcd()
  }

  /** Settles once etcd has acknowledged the cancellation (or the stream is gone). */
  cancelled: Promise<void> = Promise.resolve()

  /** The etcd watch is cancelled and the storage forgets this watcher. */
  protected override inputEnded(): void {
    this.cancelEtcd()
    this.onEnd(this)
  }

  private cancelEtcd(): void {
    const etcd = this.etcd
    this.etcd = undefined
    // Cancelling while etcd is down resolves once the stream is gone; only close() waits for it.
    if (etcd !== undefined) this.cancelled = etcd.cancel().catch(() => undefined)
  }

  private handle(res: IWatchResponse): void {
    if (this.inputClosed) return
    const events = res.events ?? []
    try {
      for (const ev of events) {
        const out = this.toWatchEvent(ev.type === 'Delete', ev.kv, ev.prev_kv)
        if (out === 'end') return this.closeInput()
        if (out !== undefined) this.push(out)
        if (this.inputClosed) return
      }
    } catch {
      // A predicate or an object that cannot be evaluated would leave a silent gap: end the watch
      // so the client re-lists.
      return this.closeInput()
    }
    // Progress notifications carry no events but tell how far the stream is.
    const headerRevision = Number(res.header.revision)
    if (events.length === 0 && headerRevision > this.revision) this.revision = headerRevision
  }

  private toWatchEvent(isDelete: boolean, kv: IKeyValue, prevKV: IKeyValue | undefined | null): WatchEvent | 'end' | undefined {
    const revision = Number(kv.mod_revision)
    if (revision > this.revision) this.revision = revision
    const predicate = this.predicate
    if (isDelete) {
      // Without the previous value there is nothing to report; a gap would be worse than a re-list.
      if (prevKV === undefined || prevKV === null) return 'end'
      const last = this.decode(prevKV, revision)
      if (predicate !== undefined && !predicate(last)) return undefined
      return { type: 'DELETED', object: last }
    }
    const obj = this.decode(kv, revision)
    const created = kv.version === '1' || prevKV === undefined || prevKV === null
    if (created) {
      if (predicate !== undefined && !predicate(obj)) return undefined
      return { type: 'ADDED', object: obj }
    }
    if (predicate === undefined) return { type: 'MODIFIED', object: obj }
    const prev = this.decode(prevKV as IKeyValue, Number((prevKV as IKeyValue).mod_revision))
    const now = predicate(obj)
    const before = predicate(prev)
    if (now && !before) return { type: 'ADDED', object: obj }
    if (!now && before) {
      // The client is told about the object it was tracking, stamped with this revision.
      prev.metadata.resourceVersion = String(revision)
      return { type: 'DELETED', object: prev }
    }
    return now ? { type: 'MODIFIED', object: obj } : undefined
  }

  protected override bookmarkEvent(): WatchEvent {
    return { type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.revision) } } as KubeObject }
  }
}
