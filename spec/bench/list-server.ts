/**
 * @module spec/bench/list-server
 * The child process of the LIST benchmark (spec/bench/list.ts): runs one server chain on loopback
 * and talks to its parent over IPC, so the parent can read this process's RSS from /proc without
 * its own client-side buffers in the figure. Messages in: 'gc' (full collection, answered 'gc-done'),
 * 'stop'. Message out first: { url }. Run with --expose-gc so 'gc' can settle the heap before a phase.
 * The storage benchmark (spec/bench/storage.ts) runs it too, with BENCH_SERVER_STORAGE set to a
 * --storage URL, so its load generator does not share the server's event loop.
 */
import { storageFactoryFromURL } from '../../lib/storage/from-url.js'
import { createServerChain } from '../../routers/chain.js'

const ac = new AbortController()
const storage = storageFactoryFromURL(process.env.BENCH_SERVER_STORAGE ?? 'memory')
const running = await createServerChain({ storage }).prepareRun().run({ port: 0, host: '127.0.0.1', signal: ac.signal })
process.send?.({ url: running.url })
const stopped = running.stopped.then(() => storage().close())

const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (msg: unknown) => {
  if (msg === 'gc') {
    gc?.()
    gc?.()
    process.send?.('gc-done')
  } else if (msg === 'stop') {
    ac.abort()
    void stopped.then(() => process.exit(0))
  }
})
process.on('disconnect', () => {
  ac.abort()
  void stopped.then(() => process.exit(0))
})
