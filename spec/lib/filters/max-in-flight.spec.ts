/**
 * @module spec/lib/filters/max-in-flight
 * The maxInFlight filter: separate read-only and mutating budgets, an immediate 429 with
 * Retry-After: 1 over budget, long-running requests exempt, and slots released however a request
 * ends.
 */
import { expect } from 'chai'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { createServer, request as httpRequest } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { internalError, isStatusError } from '../../../lib/api/errors.js'
import { maxInFlight, tooManyRequestsMessage } from '../../../lib/filters/max-in-flight.js'
import type { MaxInFlightOptions } from '../../../lib/filters/max-in-flight.js'

function writeStatus(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = isStatusError(err) ? err : internalError(err)
  for (const [k, v] of Object.entries(status.headers)) res.setHeader(k, v)
  res.status(status.code).json(status.status)
}

/** Requests to /block wait until release() is called; entered counts handlers that started. */
class Gate {
  entered = 0
  #waiting: (() => void)[] = []
  #onEnter: (() => void)[] = []
  wait(): Promise<void> {
    this.entered++
    for (const f of this.#onEnter.splice(0)) f()
    return new Promise((resolve) => this.#waiting.push(resolve))
  }
  /** Resolves once n handlers in total have entered. */
  async untilEntered(n: number): Promise<void> {
    while (this.entered < n) await new Promise<void>((resolve) => this.#onEnter.push(resolve))
  }
  release(): void {
    for (const f of this.#waiting.splice(0)) f()
  }
}

describe('lib/filters/max-in-flight', () => {
  let server: Server | undefined
  let url: string
  let gate: Gate
  let closed: Promise<void>

  async function start(options: MaxInFlightOptions): Promise<void> {
    gate = new Gate()
    let closedResolve!: () => void
    closed = new Promise((resolve) => (closedResolve = resolve))
    const app = express()
    app.use(maxInFlight(options))
    app.all('/block', async (_req, res) => {
      res.once('close', () => closedResolve())
      await gate.wait()
      if (!res.destroyed) res.json({ done: true })
    })
    app.all('/fast', (_req, res) => {
      res.json({ fast: true })
    })
    app.use(writeStatus)
    const s = createServer(app)
    server = s
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  }

  afterEach(async () => {
    gate?.release()
    const s = server
    server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  })

  it('is the named middleware maxInFlight', () => {
    expect(maxInFlight().name).to.equal('maxInFlight')
  })

  it('refuses a read-only request over budget with a 429 Status and Retry-After: 1', async () => {
    await start({ maxRequestsInFlight: 1, maxMutatingRequestsInFlight: 1 })
    const blocked = request(url).get('/block').then((r) => r)
    await gate.untilEntered(1)
    const res = await request(url).get('/fast').expect(429)
    expect(res.headers['retry-after']).to.equal('1')
    expect(res.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 1 },
      code: 429,
    })
    expect(tooManyRequestsMessage).to.equal('Too many requests, please try again later.')
    gate.release()
    expect((await blocked).status).to.equal(200)
  })

  it('keeps separate budgets for mutating and read-only requests', async () => {
    await start({ maxRequestsInFlight: 1, maxMutatingRequestsInFlight: 1 })
    const reading = request(url).get('/block').then((r) => r)
    await gate.untilEntered(1)
    // the read-only budget is full, the mutating one is not
    await request(url).post('/fast').expect(200)
    const writing = request(url).put('/block').then((r) => r)
    await gate.untilEntered(2)
    for (const method of ['post', 'put', 'patch', 'delete'] as const) await request(url)[method]('/fast').expect(429)
    await request(url).get('/fast').expect(429)
    gate.release()
    await Promise.all([reading, writing])
  })

  it('frees the slot when the request finishes', async () => {
    await start({ maxRequestsInFlight: 1 })
    const first = request(url).get('/block').then((r) => r)
    await gate.untilEntered(1)
    await request(url).get('/fast').expect(429)
    gate.release()
    await first
    await request(url).get('/fast').expect(200)
    await request(url).get('/fast').expect(200)
  })

  it('frees the slot when the client goes away', async () => {
    await start({ maxRequestsInFlight: 1 })
    const req = httpRequest(`${url}/block`)
    req.on('error', () => {})
    req.end()
    await gate.untilEntered(1)
    await request(url).get('/fast').expect(429)
    req.destroy()
    await closed
    await request(url).get('/fast').expect(200)
  })

  it('exempts long-running requests', async () => {
    await start({ maxRequestsInFlight: 1, isLongRunning: (req) => req.query.watch === 'true' })
    const watch = request(url).get('/block?watch=true').then((r) => r)
    await gate.untilEntered(1)
    await request(url).get('/fast').expect(200)
    const second = request(url).get('/block?watch=true').then((r) => r)
    await gate.untilEntered(2)
    gate.release()
    await Promise.all([watch, second])
  })

  it('treats 0 as unlimited', async () => {
    await start({ maxRequestsInFlight: 0, maxMutatingRequestsInFlight: 1 })
    const blocked = [request(url).get('/block').then((r) => r), request(url).get('/block').then((r) => r)]
    await gate.untilEntered(2)
    await request(url).get('/fast').expect(200)
    gate.release()
    await Promise.all(blocked)
  })

  it('accepts a custom notion of mutating', async () => {
    await start({ maxRequestsInFlight: 1, maxMutatingRequestsInFlight: 1, isMutating: (req) => req.method === 'GET' })
    const blocked = request(url).get('/block').then((r) => r)
    await gate.untilEntered(1)
    await request(url).post('/fast').expect(200)
    await request(url).get('/fast').expect(429)
    gate.release()
    await blocked
  })

  it('rejects bad limits when built', () => {
    expect(() => maxInFlight({ maxRequestsInFlight: -1 })).to.throw(TypeError, 'maxRequestsInFlight must be a non-negative integer')
    expect(() => maxInFlight({ maxMutatingRequestsInFlight: 1.5 })).to.throw(TypeError, 'maxMutatingRequestsInFlight')
  })
})
