/**
 * @module lib/storage/buffered-watcher
 * The buffered async iterator under every storage watch. The memory (and so SQLite) and etcd
 * backends differ only in where events come from; the buffering, the end-of-stream rules and the
 * bookmark timer live here once, so the backends cannot drift apart on them.
 *
 * The producer pushes synchronously and never waits for the consumer. A consumer that falls more
 * than `bufferLimit` live events behind gets the events already buffered and then the end of the
 * stream, and re-watches, as with kube-apiserver's cacher. The initial events (the current state or
 * a replay) a watch starts with do not count against the limit.
 */
import type { Watcher, WatchEvent } from './interface.js'

/** Read slots at the head of the queue worth dropping in one copy; smaller heads wait for more. */
const compactAfter = 1024

export abstract class BufferedWatcher implements Watcher, AsyncIterator<WatchEvent> {
  private readonly bufferLimit: number
  /** Unread events from `head` on; read slots are cleared so their events can be collected. */
  private queue: (WatchEvent | undefined)[]
  private head = 0
  /** Initial or replayed events still at the front of the queue: they do not count against the limit. */
  private unreadInitial: number
  /** Reads waiting for an event: only while the queue is empty. */
  private readonly waiting: ((result: IteratorResult<WatchEvent>) => void)[] = []
  /** No more events are accepted; the consumer still drains what was buffered. */
  private closing = false
  /** Stopped: the buffer is dropped and every read is done. */
  private stopped = false
  private timer: NodeJS.Timeout | undefined

  /** Takes ownership of `initial`; a bookmark is offered every `bookmarkIntervalMs` when above 0. */
  protected constructor(initial: WatchEvent[], bufferLimit: number, bookmarkIntervalMs: number) {
    this.queue = initial
    this.unreadInitial = initial.length
    this.bufferLimit = bufferLimit
    if (bookmarkIntervalMs > 0) {
      this.timer = setInterval(() => this.bookmark(), bookmarkIntervalMs)
      // A forgotten watch must not keep the process alive.
      this.timer.unref()
    }
  }

  /** The BOOKMARK to offer now: the newest revision all of whose events have been pushed. */
  protected abstract bookmarkEvent(): WatchEvent

  /** Called once, when the watch stops accepting events: release what feeds it. */
  protected abstract inputEnded(): void

  /** True once no more events are accepted (also after stop()). */
  protected get inputClosed(): boolean {
    return this.closing
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return this
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    if (!this.stopped && this.head < this.queue.length) {
      const value = this.queue[this.head] as WatchEvent
      this.queue[this.head++] = undefined
      if (this.unreadInitial > 0) this.unreadInitial--
      if (this.head === this.queue.length) {
        this.queue = []
        this.head = 0
      } else if (this.head >= compactAfter && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
      return Promise.resolve({ value, done: false })
    }
    if (this.stopped || this.closing) {
      this.stop()
      return Promise.resolve({ value: undefined, done: true })
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  return(): Promise<IteratorResult<WatchEvent>> {
    this.stop()
    return Promise.resolve({ value: undefined, done: true })
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.endInput()
    this.queue = []
    this.head = 0
    for (const resolve of this.waiting.splice(0)) resolve({ value: undefined, done: true })
  }

  /** Hands `event` to a waiting read or buffers it; past the buffer limit the stream ends instead. */
  protected push(event: WatchEvent): void {
    const resolve = this.waiting.shift()
    if (resolve !== undefined) {
      resolve({ value: event, done: false })
      return
    }
    if (this.queue.length - this.head - this.unreadInitial >= this.bufferLimit) {
      this.closeInput()
      return
    }
    this.queue.push(event)
  }

  /** Ends the stream after what is already buffered (slow consumer, failing predicate, lost source). */
  protected closeInput(): void {
    this.endInput()
    if (this.head === this.queue.length) this.stop()
  }

  private endInput(): void {
    if (this.closing) return
    this.closing = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.inputEnded()
  }

  private bookmark(): void {
    if (this.closing) return
    const event = this.bookmarkEvent()
    // An unread bookmark is superseded rather than piled up behind a consumer that is not reading.
    const last = this.queue.length - 1
    if (last >= this.head && this.queue[last]?.type === 'BOOKMARK') this.queue[last] = event
    else this.push(event)
  }
}
