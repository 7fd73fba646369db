/**
 * @module spec/lib/filters/wait-group
 * The InFlightTracker: counting requests in flight, draining them on shutdown, the 503 for
 * requests after NotAcceptingNewRequest (probes exempt), and the shutdown signal that ends
 * long-running requests.
 */
import { expect } from 'chai'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { internalError, isStatusError } from '../../../lib/api/errors.js'
import { InFlightTracker, shutdownSignalOf } from '../../../lib/filters/wait-group.js'
import type { InFlightTrackerOptions } from '../../../lib/filters/wait-group.js'
import { newLifecycleSignals } from '../../../lib/server/lifecycle.js'

function writeStatus(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = isStatusError(err) ? err : internalError(err)
  for (const [k, v] of Object.entries(status.headers)) res.setHeader(k, v)
  res.status(status.code).json(status.status)
}

const shuttingDown = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'apiserver is shutting down',
  reason: 'ServiceUnavailable',
  code: 503,
}

/** Handlers of /block wait for release(); entered() resolves when n of them have started. */
class Gate {
  #entered = 0
  #waiting: (() => void)[] = []
  #onEnter: (() => void)[] = []
  wait(): Promise<void> {
    this.#entered++
    for (const f of this.#onEnter.splice(0)) f()
    return new Promise((resolve) => this.#waiting.push(resolve))
  }
  async entered(n: number): Promise<void> {
    while (this.#entered < n) await new Promise<void>((resolve) => this.#onEnter.push(resolve))
  }
  release(): void {
    for (const f of this.#waiting.splice(0)) f()
  }
}

describe('lib/filters/wait-group', () => {
  let server: Server | undefined
  let url: string
  let gate: Gate
  let tracker: InFlightTracker

  async function start(options: InFlightTrackerOptions = {}, prefix = ''): Promise<void> {
    gate = new Gate()
    tracker = new InFlightTracker({ isLongRunning: (req) => req.query.watch === 'true', ...options })
    const chain = express.Router()
    chain.use(tracker.middleware())
    chain.get('/block', async (_req, res) => {
      await gate.wait()
      res.json({ done: true })
    })
    chain.get(['/fast', '/healthz', '/readyz/shutdown', '/metrics'], (_req, res) => {
      res.json({ fast: true, hasSignal: shutdownSignalOf(res) instanceof AbortSignal })
    })
    // A watch: streams until the shutdown signal fires, then ends its response.
    chain.get('/watch', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"type":"ADDED"}\n')
      const signal = shutdownSignalOf(res)!
      signal.addEventListener('abort', () => res.end(), { once: true })
      gate.wait().then(() => res.end(), () => {})
    })
    const app = express()
    app.use(prefix || '/', chain)
    app.use(writeStatus)
    const s = createServer(app)
    server = s
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(s.address() as AddressInfo).port}${prefix}`
  }

  afterEach(async () => {
    gate?.release()
    const s = server
    server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  })

  it('is the named middleware waitGroup', () => {
    expect(new InFlightTracker().middleware().name).to.equal('waitGroup')
  })

  it('counts requests in flight and sets the shutdown signal on each', async () => {
    await start()
    expect(tracker.count).to.equal(0)
    const blocked = request(url).get('/block').then((r) => r)
    await gate.entered(1)
    expect(tracker.count).to.equal(1)
    expect(tracker.accepting).to.equal(true)
    const fast = await request(url).get('/fast').expect(200)
    expect(fast.body.hasSignal).to.equal(true)
    gate.release()
    await blocked
    expect(tracker.count).to.equal(0)
  })

  it('wait() stops accepting and resolves true once the requests in flight are done', async () => {
    await start()
    const blocked = request(url).get('/block').then((r) => r)
    await gate.entered(1)
    let drained: boolean | undefined
    const waiting = tracker.wait().then((d) => (drained = d))
    expect(tracker.accepting).to.equal(false)

    const refused = await request(url).get('/fast').expect(503)
    expect(refused.headers['retry-after']).to.equal('1')
    expect(refused.body).to.deep.equal(shuttingDown)
    expect(drained).to.equal(undefined)

    gate.release()
    expect((await blocked).status).to.equal(200)
    await waiting
    expect(drained).to.equal(true)
  })

  it('wait() resolves true at once when nothing is in flight', async () => {
    const t = new InFlightTracker()
    expect(await t.wait(1000)).to.equal(true)
    expect(t.accepting).to.equal(false)
  })

  it('wait(timeoutMs) resolves false when a request outlives the timeout', async () => {
    await start()
    const blocked = request(url).get('/block').then((r) => r)
    await gate.entered(1)
    expect(await tracker.wait(10)).to.equal(false)
    expect(tracker.count).to.equal(1)
    gate.release()
    await blocked
  })

  it('keeps serving probes, metrics and the loopback client after it stops accepting', async () => {
    await start()
    tracker.stopAccepting()
    await request(url).get('/healthz').expect(200)
    await request(url).get('/readyz/shutdown').expect(200)
    await request(url).get('/metrics').expect(200)
    await request(url).get('/fast').set('User-Agent', 'kube-apiserver/v1.32.0 (linux/amd64)').expect(200)
    await request(url).get('/fast').set('User-Agent', 'kubectl/v1.32.0').expect(503)
    expect(tracker.count).to.equal(0)
  })

  it('judges exempt paths relative to the mount point', async () => {
    await start({}, '/k8s')
    tracker.stopAccepting()
    await request(url).get('/healthz').expect(200)
    await request(url).get('/fast').expect(503)
  })

  it('takes its own exemption rule', async () => {
    await start({ isExempt: (req) => req.path === '/fast' })
    tracker.stopAccepting()
    await request(url).get('/fast').expect(200)
    await request(url).get('/healthz').expect(503)
  })

  it('stops accepting at NotAcceptingNewRequest, in the same tick', async () => {
    const signals = newLifecycleSignals()
    await start({ signals })
    signals.notAcceptingNewRequest.signal()
    expect(tracker.accepting).to.equal(false)
    expect(tracker.shutdownSignal.aborted).to.equal(true)
    await request(url).get('/fast').expect(503)
  })

  describe('long-running requests', () => {
    it('are counted apart, and their streams end when the shutdown signal fires', async () => {
      const signals = newLifecycleSignals()
      await start({ signals })
      const watch = request(url).get('/watch?watch=true').buffer(true).parse((res, done) => {
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () => done(null, text))
      }).then((r) => r)
      const blocked = request(url).get('/block').then((r) => r)
      await gate.entered(2)
      expect(tracker.longRunningCount).to.equal(1)
      expect(tracker.count).to.equal(1)

      signals.notAcceptingNewRequest.signal()
      const res = await watch
      expect(res.status).to.equal(200)
      expect(res.body).to.equal('{"type":"ADDED"}\n')
      expect(await tracker.waitLongRunning(1000)).to.equal(true)
      expect(tracker.longRunningCount).to.equal(0)
      // the ordinary request in flight is not cut short
      expect(tracker.count).to.equal(1)
      gate.release()
      await blocked
      expect(await tracker.wait()).to.equal(true)
    })

    it('are refused like any other once not accepting', async () => {
      await start()
      tracker.stopAccepting()
      const res = await request(url).get('/watch?watch=true').expect(503)
      expect(res.body).to.deep.equal(shuttingDown)
    })

    it('waitLongRunning(timeoutMs) resolves false while a watch stays open', async () => {
      await start()
      const watch = request(url).get('/watch?watch=true').then((r) => r, () => undefined)
      await gate.entered(1)
      expect(await tracker.waitLongRunning(10)).to.equal(false)
      gate.release()
      await watch
    })
  })
})
