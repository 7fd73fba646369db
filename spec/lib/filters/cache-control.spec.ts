/**
 * @module spec/lib/filters/cache-control
 * The cacheControl filter: `no-cache, private` unless a handler or an outer layer chose otherwise.
 */
import { expect } from 'chai'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import request from 'supertest'
import { isStatusError, notFound } from '../../../lib/api/errors.js'
import { cacheControl, defaultCacheControl } from '../../../lib/filters/cache-control.js'

function writeStatus(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (!isStatusError(err)) throw err
  res.status(err.code).json(err.status)
}

function app(value?: string) {
  const app = express()
  app.use(cacheControl(value))
  app.get('/plain', (_req, res) => {
    res.json({ ok: true })
  })
  app.get('/public', (_req, res) => {
    res.set('Cache-Control', 'public')
    res.json({ ok: true })
  })
  app.get('/missing', () => {
    throw notFound({ group: '', resource: 'configmaps' }, 'foo')
  })
  app.use(writeStatus)
  return app
}

describe('lib/filters/cache-control', () => {
  it('is the named middleware cacheControl', () => {
    expect(cacheControl().name).to.equal('cacheControl')
  })

  it('marks a response that sets nothing as no-cache, private', async () => {
    const res = await request(app()).get('/plain').expect(200)
    expect(res.headers['cache-control']).to.equal('no-cache, private')
    expect(defaultCacheControl).to.equal('no-cache, private')
  })

  it('lets a handler choose its own value', async () => {
    const res = await request(app()).get('/public').expect(200)
    expect(res.headers['cache-control']).to.equal('public')
  })

  it('marks error responses too', async () => {
    const res = await request(app()).get('/missing').expect(404)
    expect(res.headers['cache-control']).to.equal('no-cache, private')
  })

  it('keeps a value set by an outer layer', async () => {
    const outer = express()
    outer.use(function outerCache(_req: Request, res: Response, next: NextFunction) {
      res.setHeader('Cache-Control', 'no-store')
      next()
    })
    outer.use(app())
    const res = await request(outer).get('/plain').expect(200)
    expect(res.headers['cache-control']).to.equal('no-store')
  })

  it('takes another default value', async () => {
    const res = await request(app('no-store')).get('/plain').expect(200)
    expect(res.headers['cache-control']).to.equal('no-store')
  })
})
