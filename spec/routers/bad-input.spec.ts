// Bad input of every kind the issue lists gets kube-apiserver's Status code, reason and message,
// and the server keeps serving afterwards.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

describe('bad input', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  const cms = '/api/v1/namespaces/default/configmaps'
  before(async () => {
    chain = createServerChain({ maxRequestBodyBytes: 64 * 1024 })
    stop = await chain.prepareRun().start()
  })
  after(async () => {
    // Every case above must have left the server able to serve.
    const ok = await request(chain.app).get('/api/v1/namespaces/default')
    expect(ok.status).to.equal(200)
    await stop()
  })

  const post = (body: string, type = 'application/json') => request(chain.app).post(cms).set('Content-Type', type).send(body)

  it('malformed JSON → 400 BadRequest', async () => {
    const res = await post('{"metadata": {')
    expect(res.status).to.equal(400)
    expect(res.body.reason).to.equal('BadRequest')
    expect(res.body.message).to.match(/^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: /)
  })

  it('malformed YAML → 400 BadRequest', async () => {
    const res = await post('metadata: [\n  name: x', 'application/yaml')
    expect(res.status).to.equal(400)
    expect(res.body.message).to.match(/^the object provided is unrecognized \(must be of type ConfigMap\): yaml: /)
  })

  it('a body that is not an object → 400', async () => {
    const res = await post('[1,2]')
    expect(res.status).to.equal(400)
  })

  it('YAML bodies are accepted', async () => {
    const res = await post('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n', 'application/yaml')
    expect(res.status).to.equal(201)
    expect(res.body.data).to.deep.equal({ a: 'b' })
  })

  it('an unsupported body media type → 415', async () => {
    const res = await post('x', 'text/plain')
    expect(res.status).to.equal(415)
    expect(res.body.reason).to.equal('UnsupportedMediaType')
  })

  it('a kind that does not match the URL → 400', async () => {
    const res = await post(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }))
    expect(res.status).to.equal(400)
    expect(res.body.message).to.equal('Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (v1.ConfigMap): unknown conversion')
  })

  it('an apiVersion that does not match the URL → 400', async () => {
    const res = await post(JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 's' } }))
    expect(res.status).to.equal(400)
    expect(res.body.message).to.equal('the API version in the data (apps/v1) does not match the expected API version (v1)')
  })

  it('a name that is not a DNS subdomain → 422 with the field cause', async () => {
    const res = await post(JSON.stringify({ metadata: { name: 'Not_OK' } }))
    expect(res.status).to.equal(422)
    expect(res.body.reason).to.equal('Invalid')
    expect(res.body.message).to.match(/^ConfigMap "Not_OK" is invalid: metadata.name: Invalid value: "Not_OK": a lowercase RFC 1123 subdomain/)
    expect(res.body.details.causes[0]).to.include({ reason: 'FieldValueInvalid', field: 'metadata.name' })
  })

  it('a missing name → 422 name or generateName is required', async () => {
    const res = await post(JSON.stringify({ metadata: {} }))
    expect(res.status).to.equal(422)
    expect(res.body.message).to.equal('ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required')
  })

  it('generateName makes a name', async () => {
    const res = await post(JSON.stringify({ metadata: { generateName: 'gen-' } }))
    expect(res.status).to.equal(201)
    expect(res.body.metadata.name).to.match(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
  })

  it('a namespace in the body that differs from the URL → 400', async () => {
    const res = await post(JSON.stringify({ metadata: { name: 'ns', namespace: 'kube-system' } }))
    expect(res.status).to.equal(400)
    expect(res.body.message).to.equal('the namespace of the provided object does not match the namespace sent on the request')
  })

  it('a value of the wrong type → 400 with the decoder message', async () => {
    const res = await post(JSON.stringify({ metadata: { name: 'typed' }, data: { a: 1 } }))
    expect(res.status).to.equal(400)
    expect(res.body.message).to.equal('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string')
  })

  it('unknown fields: Strict → 400, Warn → Warning header and pruned, Ignore → pruned', async () => {
    const body = (name: string) => JSON.stringify({ metadata: { name }, spec: { x: 1 } })
    const strict = await request(chain.app).post(`${cms}?fieldValidation=Strict`).set('Content-Type', 'application/json').send(body('strict'))
    expect(strict.status).to.equal(400)
    expect(strict.body.message).to.equal('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"')
    const warn = await request(chain.app).post(`${cms}?fieldValidation=Warn`).set('Content-Type', 'application/json').send(body('warn'))
    expect(warn.status).to.equal(201)
    expect(warn.headers['warning']).to.equal('299 - "unknown field \\"spec\\""')
    expect(warn.body).to.not.have.property('spec')
    const ignore = await request(chain.app).post(`${cms}?fieldValidation=Ignore`).set('Content-Type', 'application/json').send(body('ignore'))
    expect(ignore.status).to.equal(201)
    expect(ignore.headers).to.not.have.property('warning')
    const bad = await request(chain.app).post(`${cms}?fieldValidation=Bogus`).set('Content-Type', 'application/json').send(body('bogus'))
    expect(bad.status).to.equal(400)
  })

  it('a PUT whose body name differs from the URL → 400', async () => {
    const res = await request(chain.app).put(`${cms}/one`).send({ metadata: { name: 'two' } })
    expect(res.status).to.equal(400)
    expect(res.body.message).to.equal('the name of the object (two) does not match the name on the URL (one)')
  })

  it('a PUT of a missing object → 404', async () => {
    const res = await request(chain.app).put(`${cms}/absent`).send({ metadata: { name: 'absent' } })
    expect(res.status).to.equal(404)
    expect(res.body.message).to.equal('configmaps "absent" not found')
  })

  it('bad list query values → 400 or 422, never 500', async () => {
    expect((await request(chain.app).get(`${cms}?limit=abc`)).status).to.equal(400)
    const sel = await request(chain.app).get(`${cms}?labelSelector=${encodeURIComponent('a in (b')}`)
    expect(sel.status).to.equal(400)
    expect(sel.body.reason).to.equal('BadRequest')
    const rvm = await request(chain.app).get(`${cms}?resourceVersionMatch=Bogus&resourceVersion=1`)
    expect(rvm.status).to.equal(422)
    const rvmAlone = await request(chain.app).get(`${cms}?resourceVersionMatch=NotOlderThan`)
    expect(rvmAlone.status).to.equal(422)
    expect(rvmAlone.body.message).to.include('resourceVersionMatch is forbidden unless resourceVersion is provided')
    const cont = await request(chain.app).get(`${cms}?continue=garbage`)
    expect(cont.status).to.be.oneOf([400, 410])
    const contRV = await request(chain.app).get(`${cms}?continue=abc&resourceVersion=1`)
    expect(contRV.status).to.equal(400)
    expect(contRV.body.message).to.equal('specifying resource version is not allowed when using continue')
  })

  it('an unsupported method on a resource → 405', async () => {
    const res = await request(chain.app).post(`${cms}/named`).send({ metadata: { name: 'named' } })
    expect(res.status).to.equal(405)
    expect(res.body.reason).to.equal('MethodNotAllowed')
  })

  it('an oversized body → 413', async () => {
    const res = await post(JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(100 * 1024) } }))
    expect(res.status).to.equal(413)
    expect(res.body.reason).to.equal('RequestEntityTooLarge')
  })

  it('an unsupported patch type → 415', async () => {
    await post(JSON.stringify({ metadata: { name: 'patchme' } }))
    const res = await request(chain.app).patch(`${cms}/patchme`).set('Content-Type', 'application/foo').send('{}')
    expect(res.status).to.equal(415)
  })

  it('Accept that nothing satisfies → 406', async () => {
    const res = await request(chain.app).get(cms).set('Accept', 'application/vnd.kubernetes.protobuf')
    expect(res.status).to.equal(406)
    expect(res.body.reason).to.equal('NotAcceptable')
  })

  it('bad dryRun → 422, bad propagationPolicy → 422', async () => {
    const dry = await request(chain.app).post(`${cms}?dryRun=Some`).send({ metadata: { name: 'dry' } })
    expect(dry.status).to.equal(422)
    await post(JSON.stringify({ metadata: { name: 'del' } }))
    const del = await request(chain.app).delete(`${cms}/del`).send({ propagationPolicy: 'Sideways' })
    expect(del.status).to.equal(422)
    expect(del.body.message).to.include('propagationPolicy: Unsupported value: "Sideways"')
  })

  it('DeleteOptions fields of the wrong JSON type → 400, not 500', async () => {
    await post(JSON.stringify({ metadata: { name: 'deltype' } }))
    const dry = await request(chain.app).delete(`${cms}/deltype`).send({ dryRun: 'All' })
    expect(dry.status).to.equal(400)
    const pre = await request(chain.app).delete(`${cms}/deltype`).send({ preconditions: 'x' })
    expect(pre.status).to.equal(400)
  })

  it('a patch that turns metadata into a number → 4xx, not 500', async () => {
    await post(JSON.stringify({ metadata: { name: 'metanum' } }))
    const res = await request(chain.app)
      .patch(`${cms}/metanum`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/metadata', value: 5 }]))
    expect(res.status).to.be.within(400, 499)
    expect(res.body.kind).to.equal('Status')
  })

  it('a dry-run PUT that would create (events) persists nothing', async () => {
    const ev = { metadata: { name: 'dry-ev' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', message: 'm' }
    const res = await request(chain.app).put('/api/v1/namespaces/default/events/dry-ev?dryRun=All').send(ev)
    expect(res.status).to.equal(201)
    expect((await request(chain.app).get('/api/v1/namespaces/default/events/dry-ev')).status).to.equal(404)
  })

  it('a stale delete precondition → 409', async () => {
    const created = await post(JSON.stringify({ metadata: { name: 'pre' } }))
    const res = await request(chain.app).delete(`${cms}/pre`).send({ preconditions: { uid: 'other' } })
    expect(res.status).to.equal(409)
    expect(res.body.message).to.equal(`Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: other, UID in object meta: ${created.body.metadata.uid}`)
  })
})
