/**
 * @module spec/lib/filters/panic-recovery
 * The panicRecovery error middleware: any thrown or rejected non-StatusError becomes a logged 500
 * InternalError Status, StatusErrors pass untouched, a started response is cut, a finished one is
 * left alone, and the server keeps serving throughout.
 */
import { expect } from 'chai'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { createServer, request as httpRequest } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import request from 'supertest'
import { isStatusError, notFound, requestTimeout } from '../../../lib/api/errors.js'
import { panicRecovery } from '../../../lib/filters/panic-recovery.js'

interface LogLine {
  level: number
  msg: string
  err?: { message: string; stack: string }
  method?: string
  url?: string
  auditID?: string
}

describe('lib/filters/panic-recovery', () => {
  let server: Server | undefined
  let url: string
  let logs: LogLine[]
  let written: unknown[]

  beforeEach(async () => {
    logs = []
    written = []
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) })
    const app = express()
    app.use(function withAuditID(_req: Request, res: Response, next: NextFunction) {
      res.locals.auditID = 'audit-1'
      next()
    })
    app.get('/sync', () => {
      throw new Error('boom')
    })
    app.get('/async', async () => {
      await Promise.resolve()
      throw new TypeError('cannot read properties of undefined')
    })
    app.get('/string', () => {
      throw 'oops'
    })
    app.get('/status', () => {
      throw notFound({ group: '', resource: 'configmaps' }, 'foo')
    })
    // What Node's AbortSignal-aware APIs reject with when the timeout filter aborts the request.
    app.get('/aborted', async () => {
      const controller = new AbortController()
      controller.abort(requestTimeout())
      await sleep(1000, undefined, { signal: controller.signal })
    })
    app.get('/started', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"items":[')
      throw new Error('midway')
    })
    app.get('/finished', (_req, res) => {
      res.json({ done: true })
      throw new Error('after the fact')
    })
    app.get('/fine', (_req, res) => {
      res.json({ fine: true })
    })
    app.use(panicRecovery({ logger }))
    app.use(function writeStatus(err: unknown, _req: Request, res: Response, _next: NextFunction) {
      written.push(err)
      if (!isStatusError(err)) throw new Error('panicRecovery passed on something that is not a StatusError')
      res.status(err.code).json(err.status)
    })
    const s = createServer(app)
    server = s
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  })

  afterEach(async () => {
    const s = server
    server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  })

  it('is the named error middleware panicRecovery', () => {
    const mw = panicRecovery({ logger: pino({ level: 'silent' }) })
    expect(mw.name).to.equal('panicRecovery')
    expect(mw.length).to.equal(4)
  })

  it('turns a synchronous throw into a 500 InternalError Status and logs its stack', async () => {
    const res = await request(url).get('/sync').expect(500)
    expect(res.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: boom',
      reason: 'InternalError',
      details: { causes: [{ message: 'boom' }] },
      code: 500,
    })
    expect(logs).to.have.length(1)
    expect(logs[0].level).to.equal(50)
    expect(logs[0].msg).to.equal("apiserver panic'd on GET /sync")
    expect(logs[0].err!.stack).to.contain('Error: boom')
    expect(logs[0]).to.include({ method: 'GET', url: '/sync', auditID: 'audit-1' })
  })

  it('handles a rejected promise the same way', async () => {
    const res = await request(url).get('/async').expect(500)
    expect(res.body.message).to.equal('Internal error occurred: cannot read properties of undefined')
    expect(logs[0].err!.stack).to.contain('TypeError')
  })

  it('handles a thrown non-Error', async () => {
    const res = await request(url).get('/string').expect(500)
    expect(res.body.message).to.equal('Internal error occurred: oops')
  })

  it('passes a StatusError on untouched and logs nothing', async () => {
    const res = await request(url).get('/status').expect(404)
    expect(res.body.message).to.equal('configmaps "foo" not found')
    expect(logs).to.have.length(0)
  })

  it('unwraps an AbortError caused by a StatusError', async () => {
    const res = await request(url).get('/aborted').expect(504)
    expect(res.body.message).to.equal('Timeout: request did not complete within the allotted timeout')
    expect(logs).to.have.length(0)
  })

  it('cuts the connection when the response had already started', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${url}/started`, (res) => {
        res.on('data', () => {})
        res.on('error', () => resolve('cut'))
        res.on('end', () => resolve('ended normally'))
      })
      req.on('error', () => resolve('cut'))
      req.end()
    })
    expect(outcome).to.equal('cut')
    expect(written).to.have.length(0)
    expect(logs[0].msg).to.equal("apiserver panic'd on GET /started after the response started")
  })

  it('only logs an error raised after the response was complete', async () => {
    const agent = request.agent(url)
    const res = await agent.get('/finished').expect(200)
    expect(res.body).to.deep.equal({ done: true })
    expect(written).to.have.length(0)
    expect(logs).to.have.length(1)
    expect(logs[0].level).to.equal(40)
    expect(logs[0].err!.message).to.equal('after the fact')
  })

  it('keeps the server serving', async () => {
    await request(url).get('/sync').expect(500)
    await request(url).get('/async').expect(500)
    await request(url).get('/fine').expect(200)
  })
})
