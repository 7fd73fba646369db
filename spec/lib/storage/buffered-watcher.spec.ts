/**
 * BufferedWatcher: the buffering and end-of-stream rules every storage watch shares (event order,
 * the buffer limit, initial events outside it, return() and stop(), bookmark replacement), driven
 * through a minimal subclass so they are checked apart from any backend.
 */
import { describe, it } from 'mocha'
import { expect } from 'chai'
import type { KubeObject } from '../../../lib/api/types.js'
import type { WatchEvent } from '../../../lib/storage/interface.js'
import { BufferedWatcher } from '../../../lib/storage/buffered-watcher.js'

/** A watcher fed by hand; it counts its hook calls and numbers its bookmarks 1, 2, 3... */
class TestWatcher extends BufferedWatcher {
  ended = 0
  bookmarks = 0

  constructor(opts: { initial?: WatchEvent[]; bufferLimit?: number; bookmarkIntervalMs?: number } = {}) {
    super(opts.initial ?? [], opts.bufferLimit ?? 100, opts.bookmarkIntervalMs ?? 0)
  }

  send(...events: WatchEvent[]): void {
    for (const event of events) if (!this.inputClosed) this.push(event)
  }

  end(): void {
    this.closeInput()
  }

  protected override bookmarkEvent(): WatchEvent {
    this.bookmarks++
    return bookmarkAt(this.bookmarks)
  }

  protected override inputEnded(): void {
    this.ended++
  }
}

function added(name: string): WatchEvent {
  return { type: 'ADDED', object: { metadata: { name } } as KubeObject }
}

function bookmarkAt(revision: number): WatchEvent {
  return { type: 'BOOKMARK', object: { metadata: { resourceVersion: String(revision) } } as KubeObject }
}

function names(events: WatchEvent[]): string[] {
  return events.map((e) => (e.type === 'BOOKMARK' ? `BOOKMARK@${e.object.metadata.resourceVersion}` : String(e.object.metadata.name)))
}

/** Reads until the stream ends or until no event is ready: the events and whether it ended. */
async function drain(w: TestWatcher): Promise<{ events: WatchEvent[]; done: boolean }> {
  const events: WatchEvent[] = []
  const pending = Symbol('pending')
  for (;;) {
    const next = w.next()
    // A read that is still open after the queued promise callbacks have run has nothing buffered.
    const result = await Promise.race([next, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))])
    if (result === pending) return { events, done: false }
    if (result.done) return { events, done: true }
    events.push(result.value)
  }
}

/** Reads n events that are already buffered, without letting a timer run in between. */
async function take(w: TestWatcher, n: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = []
  for (let i = 0; i < n; i++) {
    const result = await w.next()
    if (result.done) break
    events.push(result.value)
  }
  return events
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2))
}

describe('BufferedWatcher', () => {
  it('yields the initial events, then pushed events, in order', async () => {
    const w = new TestWatcher({ initial: [added('i1'), added('i2')] })
    w.send(added('a'), added('b'))
    const { events, done } = await drain(w)
    expect(names(events)).to.deep.equal(['i1', 'i2', 'a', 'b'])
    expect(done).to.equal(false)
    w.stop()
  })

  it('hands a pushed event to a read that is already waiting', async () => {
    const w = new TestWatcher()
    const first = w.next()
    const second = w.next()
    w.send(added('a'), added('b'), added('c'))
    expect(names([(await first).value, (await second).value])).to.deep.equal(['a', 'b'])
    expect(names((await drain(w)).events)).to.deep.equal(['c'])
    w.stop()
  })

  it('keeps the order across a long backlog read while it grows', async () => {
    const w = new TestWatcher({ bufferLimit: 10000 })
    const expected: string[] = []
    for (let i = 0; i < 3000; i++) {
      w.send(added(`a${i}`))
      expected.push(`a${i}`)
    }
    const got: string[] = []
    got.push(...names(await take(w, 2000)))
    for (let i = 0; i < 3000; i++) {
      w.send(added(`b${i}`))
      expected.push(`b${i}`)
    }
    got.push(...names((await drain(w)).events))
    expect(got).to.deep.equal(expected)
    w.stop()
  })

  it('ends the stream after the buffered events when the buffer limit is exceeded', async () => {
    const w = new TestWatcher({ bufferLimit: 3 })
    w.send(added('a'), added('b'), added('c'), added('d'), added('e'))
    const { events, done } = await drain(w)
    expect(names(events)).to.deep.equal(['a', 'b', 'c'])
    expect(done).to.equal(true)
    expect(w.ended).to.equal(1)
  })

  it('does not count unread initial events against the buffer limit', async () => {
    const initial = [added('i1'), added('i2'), added('i3'), added('i4')]
    const open = new TestWatcher({ initial: [...initial], bufferLimit: 2 })
    open.send(added('a'), added('b'))
    const kept = await drain(open)
    expect(names(kept.events)).to.deep.equal(['i1', 'i2', 'i3', 'i4', 'a', 'b'])
    expect(kept.done).to.equal(false)
    open.stop()

    const overflowing = new TestWatcher({ initial: [...initial], bufferLimit: 2 })
    overflowing.send(added('a'), added('b'), added('c'))
    const cut = await drain(overflowing)
    expect(names(cut.events)).to.deep.equal(['i1', 'i2', 'i3', 'i4', 'a', 'b'])
    expect(cut.done).to.equal(true)
  })

  it('holds live events to the buffer limit once the initial events are read', async () => {
    const w = new TestWatcher({ initial: [added('i1'), added('i2')], bufferLimit: 2 })
    await take(w, 2)
    w.send(added('a'), added('b'), added('c'))
    const { events, done } = await drain(w)
    expect(names(events)).to.deep.equal(['a', 'b'])
    expect(done).to.equal(true)
  })

  it('closeInput() lets the consumer drain what was buffered, then ends', async () => {
    const w = new TestWatcher()
    w.send(added('a'))
    w.end()
    w.send(added('ignored'))
    const { events, done } = await drain(w)
    expect(names(events)).to.deep.equal(['a'])
    expect(done).to.equal(true)
    expect(w.ended).to.equal(1)
  })

  it('closeInput() with nothing buffered ends a waiting read', async () => {
    const w = new TestWatcher()
    const pending = w.next()
    w.end()
    expect(await pending).to.deep.equal({ value: undefined, done: true })
  })

  it('return() ends pending reads and drops the buffer', async () => {
    const w = new TestWatcher()
    const pending = w.next()
    expect(await w.return()).to.deep.equal({ value: undefined, done: true })
    expect(await pending).to.deep.equal({ value: undefined, done: true })
    const buffered = new TestWatcher({ initial: [added('i1')] })
    await buffered.return()
    expect(await buffered.next()).to.deep.equal({ value: undefined, done: true })
  })

  it('calls the input-ended hook once however the stream ends', async () => {
    const w = new TestWatcher({ bufferLimit: 1 })
    w.send(added('a'), added('b'))
    w.end()
    w.stop()
    await w.return()
    expect(w.ended).to.equal(1)
  })

  it('ends a for-await loop that breaks', async () => {
    const w = new TestWatcher({ initial: [added('i1'), added('i2')] })
    for await (const event of w) {
      expect(names([event])).to.deep.equal(['i1'])
      break
    }
    expect(w.ended).to.equal(1)
    expect(await w.next()).to.deep.equal({ value: undefined, done: true })
  })

  it('replaces an unread trailing bookmark instead of piling bookmarks up', async () => {
    const w = new TestWatcher({ bookmarkIntervalMs: 1 })
    w.send(added('a'))
    await until(() => w.bookmarks >= 2)
    // Only the newest bookmark stays behind 'a'; one behind a later event is kept.
    w.send(added('b'))
    const before = w.bookmarks
    await until(() => w.bookmarks >= before + 2)
    const latest = w.bookmarks
    const events = await take(w, 4)
    expect(names(events)).to.deep.equal(['a', `BOOKMARK@${before}`, 'b', `BOOKMARK@${latest}`])
    w.stop()
  })

  it('hands a bookmark to a waiting read and offers none after the input ends', async () => {
    const w = new TestWatcher({ bookmarkIntervalMs: 1 })
    const first = await w.next()
    expect(first.value).to.deep.equal(bookmarkAt(1))
    w.end()
    const count = w.bookmarks
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(w.bookmarks).to.equal(count)
    expect(await w.next()).to.deep.equal({ value: undefined, done: true })
  })
})
