/**
 * @module spec/lib/filters/audit-id
 * The auditID filter: the caller's Audit-ID or a fresh UUID, echoed as Audit-Id and kept on
 * res.locals.auditID.
 */
import { expect } from 'chai'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import type { IncomingMessage } from 'node:http'
import request from 'supertest'
import { auditID, auditIDOf } from '../../../lib/filters/audit-id.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

function app(newID?: () => string) {
  const app = express()
  app.use(auditID(newID))
  app.get('/', (_req, res) => {
    res.json({ seen: auditIDOf(res) })
  })
  return app
}

describe('lib/filters/audit-id', () => {
  it('is the named middleware auditID', () => {
    expect(auditID().name).to.equal('auditID')
  })

  it('generates a random UUID when the request has none', async () => {
    const a = await request(app()).get('/').expect(200)
    const b = await request(app()).get('/').expect(200)
    expect(a.headers['audit-id']).to.match(uuid)
    expect(a.body.seen).to.equal(a.headers['audit-id'])
    expect(b.headers['audit-id']).to.not.equal(a.headers['audit-id'])
  })

  it('sends the header as Audit-Id, the way Go canonicalises it', async () => {
    const res = await request(app()).get('/').expect(200)
    // supertest exposes the raw Node response, whose rawHeaders keep the names as sent
    const raw = (res as unknown as { res: IncomingMessage }).res
    const names = raw.rawHeaders.filter((_, i) => i % 2 === 0)
    expect(names).to.include('Audit-Id')
  })

  it('echoes the caller’s Audit-ID as it is', async () => {
    const res = await request(app()).get('/').set('Audit-ID', 'my-trace-0001 with spaces').expect(200)
    expect(res.headers['audit-id']).to.equal('my-trace-0001 with spaces')
    expect(res.body.seen).to.equal('my-trace-0001 with spaces')
  })

  it('treats an empty Audit-ID as absent', async () => {
    const res = await request(app(() => 'generated')).get('/').set('Audit-ID', '').expect(200)
    expect(res.headers['audit-id']).to.equal('generated')
  })

  it('keeps a response header set by an outer layer', async () => {
    const outer = express()
    outer.use(function outerAudit(_req: Request, res: Response, next: NextFunction) {
      res.setHeader('Audit-Id', 'outer')
      next()
    })
    outer.use(app(() => 'inner'))
    const res = await request(outer).get('/').expect(200)
    expect(res.headers['audit-id']).to.equal('outer')
    expect(res.body.seen).to.equal('inner')
  })
})
