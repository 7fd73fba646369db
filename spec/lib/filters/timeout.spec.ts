/**
 * @module spec/lib/filters/timeout
 * The requestTimeout filter: a 504 Timeout Status for requests that outlive their deadline (the
 * server's or a shorter ?timeout=), the AbortSignal handed to handlers, long-running requests
 * exempt, and Go's ParseDuration for the query parameter. Deadlines here are 50 ms or less.
 */
import { expect } from 'chai'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { createServer, request as httpRequest } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { internalError, isStatusError } from '../../../lib/api/errors.js'
import { parseGoDuration, requestSignal, requestTimeout } from '../../../lib/filters/timeout.js'
import type { RequestTimeoutOptions } from '../../../lib/filters/timeout.js'

const timeoutStatus = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Timeout: request did not complete within the allotted timeout',
  reason: 'Timeout',
  details: {},
  code: 504,
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('lib/filters/timeout', () => {
  let server: Server | undefined
  let url: string
  let errorsSeen: unknown[]
  let lateWrite: ReturnType<typeof deferred<unknown>>
  let aborted: ReturnType<typeof deferred<unknown>>
  let never: ReturnType<typeof deferred<void>>
  let watching: ReturnType<typeof deferred<void>>

  async function start(options: RequestTimeoutOptions): Promise<void> {
    errorsSeen = []
    lateWrite = deferred<unknown>()
    aborted = deferred<unknown>()
    never = deferred<void>()
    watching = deferred<void>()
    const app = express()
    app.use(requestTimeout(options))
    app.get('/fast', (_req, res) => {
      res.json({ aborted: requestSignal(res)!.aborted })
    })
    // Honours its signal: rejects with the signal's reason.
    app.get('/cooperative', async (_req, res) => {
      const signal = requestSignal(res)!
      await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    })
    // Ignores its signal and answers late; the answer must go nowhere and throw nothing.
    app.get('/stubborn', async (_req, res) => {
      const signal = requestSignal(res)!
      await new Promise((resolve) => signal.addEventListener('abort', resolve))
      await new Promise((resolve) => setTimeout(resolve, 5))
      try {
        res.status(200).set('X-Late', 'yes').json({ late: true })
        res.write('more')
        res.end()
        lateWrite.resolve(undefined)
      } catch (err) {
        lateWrite.resolve(err)
      }
    })
    // Starts streaming and never finishes.
    app.get('/streaming', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"partial":')
    })
    // Long-running: answers after the deadline would have passed, unless aborted.
    app.get('/watch', async (_req, res) => {
      const signal = requestSignal(res)!
      signal.addEventListener('abort', () => aborted.resolve(signal.reason))
      watching.resolve()
      await never.promise
      if (!res.destroyed) res.json({ watched: true })
    })
    app.use(function writeStatus(err: unknown, _req: Request, res: Response, _next: NextFunction) {
      errorsSeen.push(err)
      const status = isStatusError(err) ? err : internalError(err)
      res.status(status.code).json(status.status)
    })
    const s = createServer(app)
    server = s
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  }

  afterEach(async () => {
    never?.resolve()
    const s = server
    server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  })

  it('is the named middleware requestTimeout', () => {
    expect(requestTimeout().name).to.equal('requestTimeout')
  })

  it('lets a fast request through and never aborts its signal', async () => {
    await start({ timeoutMs: 50 })
    const res = await request(url).get('/fast').expect(200)
    expect(res.body).to.deep.equal({ aborted: false })
  })

  it('answers a handler that honours its signal with the 504 it was aborted with', async () => {
    await start({ timeoutMs: 50 })
    const res = await request(url).get('/cooperative').expect(504)
    expect(res.body).to.deep.equal(timeoutStatus)
    // the handler's own rejection carried the 504; the filter did not have to step in
    expect(errorsSeen).to.have.length(1)
  })

  it('answers a handler that ignores its signal, and mutes its late writes', async () => {
    await start({ timeoutMs: 50 })
    const res = await request(url).get('/stubborn').expect(504)
    expect(res.body).to.deep.equal(timeoutStatus)
    expect(res.headers).not.to.have.property('x-late')
    expect(await lateWrite.promise).to.equal(undefined)
    // the connection is still good for another request
    await request(url).get('/fast').expect(200)
  })

  it('cuts the connection when the response had already started', async () => {
    await start({ timeoutMs: 50 })
    const err = await new Promise<Error>((resolve) => {
      const req = httpRequest(`${url}/streaming`, (res) => {
        res.on('data', () => {})
        res.on('error', resolve)
        res.on('end', () => resolve(new Error('ended normally')))
      })
      req.on('error', resolve)
      req.end()
    })
    expect(err.message).to.not.equal('ended normally')
  })

  it('honours a shorter ?timeout=', async () => {
    await start({ timeoutMs: 10_000 })
    const res = await request(url).get('/cooperative?timeout=20ms').expect(504)
    expect(res.body.message).to.equal('Timeout: request did not complete within the allotted timeout')
  })

  it('caps ?timeout= at the server timeout and treats 0 as the server timeout', async () => {
    await start({ timeoutMs: 30 })
    await request(url).get('/cooperative?timeout=1h').expect(504)
    await request(url).get('/cooperative?timeout=0s').expect(504)
    await request(url).get('/cooperative?timeout=-5s').expect(504)
  })

  it('refuses a malformed ?timeout= with a 400 BadRequest Status', async () => {
    await start({ timeoutMs: 50 })
    const res = await request(url).get('/fast?timeout=bogus').expect(400)
    expect(res.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'invalid timeout specified in the request URL - time: invalid duration "bogus"',
      reason: 'BadRequest',
      code: 400,
    })
    const unit = await request(url).get('/fast?timeout=5').expect(400)
    expect(unit.body.message).to.equal('invalid timeout specified in the request URL - time: missing unit in duration "5"')
  })

  it('gives long-running requests no deadline, only a signal for a departing client', async () => {
    await start({ timeoutMs: 20, isLongRunning: (req) => req.path === '/watch' })
    const responded = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/watch?timeout=1ms`, (res) => resolve(res.statusCode!))
      req.on('error', reject)
      req.end()
      // well past both deadlines, the watch is still open; then it ends normally
      setTimeout(() => never.resolve(), 60)
    })
    expect(await responded).to.equal(200)
  })

  it('aborts the signal when the client goes away', async () => {
    await start({ timeoutMs: 10_000, isLongRunning: (req) => req.path === '/watch' })
    const req = httpRequest(`${url}/watch`)
    req.on('error', () => {})
    req.end()
    await watching.promise
    req.destroy()
    const reason = (await aborted.promise) as Error
    expect(reason.name).to.equal('AbortError')
    expect(reason.message).to.equal('the client closed the connection')
  })

  it('rejects a bad timeout when built', () => {
    expect(() => requestTimeout({ timeoutMs: 0 })).to.throw(TypeError, 'timeoutMs must be a positive number')
    expect(() => requestTimeout({ timeoutMs: 2 ** 31 })).to.throw(TypeError)
  })

  describe('parseGoDuration', () => {
    const valid: [string, number][] = [
      ['0', 0],
      ['+0', 0],
      ['-0', 0],
      ['5s', 5000],
      ['32s', 32_000],
      ['300ms', 300],
      ['-1.5h', -5_400_000],
      ['2h45m', 9_900_000],
      ['1m30s', 90_000],
      ['.5s', 500],
      ['1.s', 1000],
      ['1us', 0.001],
      ['1µs', 0.001],
      ['1μs', 0.001],
      ['1000000ns', 1],
      ['0.000000001h', 0.0036],
    ]
    for (const [input, ms] of valid) {
      it(`parses ${JSON.stringify(input)}`, () => {
        expect(parseGoDuration(input)).to.be.closeTo(ms, 1e-9)
      })
    }

    const invalid: [string, string][] = [
      ['', 'time: invalid duration ""'],
      ['-', 'time: invalid duration "-"'],
      ['s', 'time: invalid duration "s"'],
      ['.s', 'time: invalid duration ".s"'],
      ['5', 'time: missing unit in duration "5"'],
      ['00', 'time: missing unit in duration "00"'],
      ['1h5', 'time: missing unit in duration "1h5"'],
      ['5x', 'time: unknown unit "x" in duration "5x"'],
      ['5 s', 'time: unknown unit " s" in duration "5 s"'],
      ['5sec', 'time: unknown unit "sec" in duration "5sec"'],
      ['3000000h', 'time: invalid duration "3000000h"'],
    ]
    for (const [input, message] of invalid) {
      it(`rejects ${JSON.stringify(input)}`, () => {
        expect(() => parseGoDuration(input)).to.throw(message)
      })
    }
  })
})
