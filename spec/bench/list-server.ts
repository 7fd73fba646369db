/**
 * @module spec/bench/list-server
 * The child process of the LIST benchmark (spec/bench/list.ts): runs one server chain on loopback
 * and talks to its parent over IPC, so the parent can read this process's RSS from /proc without
 * its own client-side buffers in the figure. Messages in: 'gc' (full collection, answered 'gc-done'),
 * 'stop'. Message out first: { url }. Run with --expose-gc so 'gc' can settle the heap before a phase.
 */
import { createServerChain } from '../../routers/chain.js'

const ac = new AbortController()
const running = await createServerChain({}).prepareRun().run({ port: 0, host: '127.0.0.1', signal: ac.signal })
process.send?.({ url: running.url })

const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (msg: unknown) => {
  if (msg === 'gc') {
    gc?.()
    gc?.()
    process.send?.('gc-done')
  } else if (msg === 'stop') {
    ac.abort()
    void running.stopped.then(() => process.exit(0))
  }
})
process.on('disconnect', () => {
  ac.abort()
  void running.stopped.then(() => process.exit(0))
})
