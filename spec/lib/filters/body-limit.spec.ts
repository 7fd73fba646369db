/**
 * @module spec/lib/filters/body-limit
 * The bodyLimit filter: raw bodies as Buffers for the methods that carry them, and the 413
 * RequestEntityTooLarge Status for bodies over the limit, whether declared by Content-Length (then
 * refused without reading) or counted while a chunked body streams in.
 */
import { expect } from 'chai'
import express from 'express'
import type { Express, NextFunction, Request, Response } from 'express'
import { createServer, request as httpRequest } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { internalError, isStatusError } from '../../../lib/api/errors.js'
import { bodyLimit } from '../../../lib/filters/body-limit.js'
import type { BodyLimitOptions } from '../../../lib/filters/body-limit.js'

function writeStatus(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = isStatusError(err) ? err : internalError(err)
  res.status(status.code).json(status.status)
}

function tooLarge(limit: number) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Request entity too large: limit is ${limit}`,
    reason: 'RequestEntityTooLarge',
    code: 413,
  }
}

function app(options?: BodyLimitOptions, before?: (app: Express) => void): Express {
  const app = express()
  before?.(app)
  app.use(bodyLimit(options))
  app.all('/echo', (req, res) => {
    const body = req.body as unknown
    res.json({ isBuffer: Buffer.isBuffer(body), body: Buffer.isBuffer(body) ? body.toString('latin1') : body ?? null })
  })
  app.use(writeStatus)
  return app
}

/** Sends a request whose body is written by hand; resolves with the response as soon as it arrives. */
function rawRequest(url: string, headers: Record<string, string | number>, write: (req: ReturnType<typeof httpRequest>) => void): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ res, body }))
      res.on('error', reject)
    })
    // The server may close while the body is still being sent; only the response matters.
    req.on('error', () => {})
    write(req)
  })
}

describe('lib/filters/body-limit', () => {
  let server: Server | undefined

  async function listen(a: Express): Promise<string> {
    const s = createServer(a)
    server = s
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  }

  afterEach(async () => {
    const s = server
    server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  })

  it('is the named middleware bodyLimit', () => {
    expect(bodyLimit().name).to.equal('bodyLimit')
  })

  it('reads the body of POST, PUT, PATCH and DELETE into a Buffer, undecoded', async () => {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const res = await request(app())[method]('/echo').set('Content-Type', 'application/merge-patch+json').send('{"a":1}').expect(200)
      expect(res.body, method).to.deep.equal({ isBuffer: true, body: '{"a":1}' })
    }
  })

  it('keeps the bytes as they are', async () => {
    const bytes = Buffer.from([0, 255, 10, 13, 128])
    const res = await request(app()).post('/echo').set('Content-Type', 'application/octet-stream').send(bytes).expect(200)
    expect(Buffer.from(res.body.body as string, 'latin1')).to.deep.equal(bytes)
  })

  it('gives an empty Buffer when there is no body', async () => {
    const res = await request(app()).delete('/echo').expect(200)
    expect(res.body).to.deep.equal({ isBuffer: true, body: '' })
  })

  it('leaves other methods alone', async () => {
    const res = await request(app()).get('/echo').expect(200)
    expect(res.body).to.deep.equal({ isBuffer: false, body: null })
  })

  it('accepts a body of exactly the limit', async () => {
    const res = await request(app({ maxBytes: 10 })).post('/echo').set('Content-Type', 'text/plain').send('0123456789').expect(200)
    expect(res.body.body).to.equal('0123456789')
  })

  it('refuses a body one byte over the limit with a 413 Status and closes the connection', async () => {
    const res = await request(app({ maxBytes: 10 })).post('/echo').set('Content-Type', 'text/plain').send('0123456789X').expect(413)
    expect(res.body).to.deep.equal(tooLarge(10))
    expect(res.headers.connection).to.equal('close')
  })

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const url = await listen(app({ maxBytes: 10 }))
    // Only one byte of the declared 1000 is ever sent: an answer proves nothing waited for the rest.
    const { res, body } = await rawRequest(`${url}/echo`, { 'Content-Type': 'text/plain', 'Content-Length': 1000 }, (req) => req.write('x'))
    expect(res.statusCode).to.equal(413)
    expect(JSON.parse(body)).to.deep.equal(tooLarge(10))
  })

  it('uses kube’s 3 MiB default', async () => {
    const url = await listen(app())
    const { res, body } = await rawRequest(`${url}/echo`, { 'Content-Type': 'application/json', 'Content-Length': 3 * 1024 * 1024 + 1 }, (req) => req.write('{'))
    expect(res.statusCode).to.equal(413)
    expect(JSON.parse(body).message).to.equal('Request entity too large: limit is 3145728')
  })

  it('counts a chunked body while it streams and refuses it once over the limit', async () => {
    const url = await listen(app({ maxBytes: 10 }))
    const { res, body } = await rawRequest(`${url}/echo`, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }, (req) => {
      req.write('012345')
      req.write('6789X')
      // never ended: the refusal must not wait for the end of the body
    })
    expect(res.statusCode).to.equal(413)
    expect(res.headers.connection).to.equal('close')
    expect(JSON.parse(body)).to.deep.equal(tooLarge(10))
  })

  it('reads a chunked body under the limit', async () => {
    const url = await listen(app({ maxBytes: 10 }))
    const { res, body } = await rawRequest(`${url}/echo`, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }, (req) => {
      req.write('01234')
      req.end('56789')
    })
    expect(res.statusCode).to.equal(200)
    expect(JSON.parse(body)).to.deep.equal({ isBuffer: true, body: '0123456789' })
  })

  it('treats 0 as no limit', async () => {
    const big = 'x'.repeat(64 * 1024)
    const res = await request(app({ maxBytes: 0 })).post('/echo').set('Content-Type', 'text/plain').send(big).expect(200)
    expect(res.body.body).to.have.length(big.length)
  })

  it('keeps a body a host app’s parser already read, as JSON bytes, under the same limit', async () => {
    const withJSON = (a: Express) => a.use(express.json())
    const ok = await request(app({ maxBytes: 20 }, withJSON)).post('/echo').send({ a: 1 }).expect(200)
    expect(ok.body).to.deep.equal({ isBuffer: true, body: '{"a":1}' })
    const big = await request(app({ maxBytes: 5 }, withJSON)).post('/echo').send({ a: 1 }).expect(413)
    expect(big.body).to.deep.equal(tooLarge(5))
  })

  it('rejects a bad limit when built', () => {
    expect(() => bodyLimit({ maxBytes: -1 })).to.throw(TypeError, 'maxBytes must be a non-negative integer')
    expect(() => bodyLimit({ maxBytes: 1.5 })).to.throw(TypeError)
  })
})
