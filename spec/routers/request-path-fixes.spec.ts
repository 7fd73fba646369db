/**
 * @module spec/routers/request-path-fixes.spec
 * The generic request path against kube-apiserver's behaviour on points a QA pass found wrong:
 * managedFields of defaulted objects, uid in write bodies, apply's typed-patch errors, failed JSON
 * patches, kind changes by patch, YAML syntax errors, reads at a future resourceVersion and the
 * values in type errors.
 */
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

interface ManagedEntry {
  manager: string
  operation: string
  fieldsV1?: Record<string, unknown>
}

function entry(obj: { metadata: { managedFields?: ManagedEntry[] } }, manager: string): ManagedEntry {
  const e = obj.metadata.managedFields?.find((m) => m.manager === manager)
  expect(e, `managedFields entry of ${manager}`).to.not.equal(undefined)
  return e!
}

/** The fieldsV1 object at a path of keys ("f:spec", "f:strategy"). */
function at(fields: Record<string, unknown> | undefined, ...keys: string[]): Record<string, unknown> | undefined {
  let cur: unknown = fields
  for (const k of keys) cur = (cur as Record<string, unknown> | undefined)?.[k]
  return cur as Record<string, unknown> | undefined
}

describe('request path fixes', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  const cms = '/api/v1/namespaces/default/configmaps'
  const pods = '/api/v1/namespaces/default/pods'
  const deploys = '/apis/apps/v1/namespaces/default/deployments'
  const deployment = (name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  })
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => {
    await stop()
  })

  describe('managedFields of Update operations cover the defaulted object', () => {
    it('a created pod: the creator owns the defaults (kubectl run)', async () => {
      const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2' }, spec: { containers: [{ name: 'p2', image: 'nginx' }] } }
      const res = await request(chain.app).post(`${pods}?fieldManager=kubectl-run`).send(body)
      expect(res.status).to.equal(201)
      const f = entry(res.body, 'kubectl-run').fieldsV1
      const spec = at(f, 'f:spec')!
      for (const k of ['f:enableServiceLinks', 'f:schedulerName', 'f:securityContext', 'f:terminationGracePeriodSeconds', 'f:restartPolicy', 'f:dnsPolicy']) {
        expect(spec, k).to.have.property(k)
      }
      // Fields the server fills before defaulting are no one's.
      for (const k of ['f:uid', 'f:creationTimestamp', 'f:namespace', 'f:name', 'f:resourceVersion']) expect(at(f, 'f:metadata') ?? {}, k).to.not.have.property(k)
      expect(f).to.not.have.property('f:status')
      const container = at(spec, 'f:containers', 'k:{"name":"p2"}')!
      for (const k of ['f:imagePullPolicy', 'f:terminationMessagePath', 'f:terminationMessagePolicy']) expect(container, k).to.have.property(k)
    })

    it('a created deployment: the creator owns strategy and progressDeadlineSeconds, so an apply conflicts', async () => {
      const res = await request(chain.app).post(`${deploys}?fieldManager=kubectl-create`).send(deployment('d1'))
      expect(res.status).to.equal(201)
      const spec = at(entry(res.body, 'kubectl-create').fieldsV1, 'f:spec')!
      expect(spec).to.have.property('f:progressDeadlineSeconds')
      expect(spec).to.have.property('f:revisionHistoryLimit')
      expect(at(spec, 'f:strategy')).to.have.property('f:rollingUpdate')
      const apply = await request(chain.app)
        .patch(`${deploys}/d1?fieldManager=other`)
        .set('Content-Type', 'application/apply-patch+yaml')
        .send(JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' }, spec: { progressDeadlineSeconds: 100 } }))
      expect(apply.status).to.equal(409)
      expect(apply.body.message).to.equal('Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.progressDeadlineSeconds')
    })

    it('a merge patch that drops a defaulted field changes nothing, so its owner keeps it', async () => {
      await request(chain.app).post(`${deploys}?fieldManager=creator`).send(deployment('d2')).expect(201)
      const res = await request(chain.app)
        .patch(`${deploys}/d2?fieldManager=patcher`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { progressDeadlineSeconds: null, replicas: 2 } }))
      expect(res.status).to.equal(200)
      expect(res.body.spec.progressDeadlineSeconds).to.equal(600)
      expect(at(entry(res.body, 'creator').fieldsV1, 'f:spec')).to.have.property('f:progressDeadlineSeconds')
      expect(at(entry(res.body, 'patcher').fieldsV1, 'f:spec')).to.deep.equal({ 'f:replicas': {} })
    })

    it('a PUT that omits a defaulted field changes nothing there, so its owner keeps it', async () => {
      const created = await request(chain.app).post(`${deploys}?fieldManager=creator`).send(deployment('d3')).expect(201)
      const body = deployment('d3')
      body.spec.replicas = 3
      const res = await request(chain.app).put(`${deploys}/d3?fieldManager=putter`).send({ ...body, metadata: { ...body.metadata, resourceVersion: created.body.metadata.resourceVersion } })
      expect(res.status).to.equal(200)
      expect(at(entry(res.body, 'creator').fieldsV1, 'f:spec')).to.have.property('f:progressDeadlineSeconds')
      expect(at(entry(res.body, 'putter').fieldsV1, 'f:spec')).to.deep.equal({ 'f:replicas': {} })
    })
  })

  describe('metadata.uid in a write body', () => {
    let uid = ''
    before(async () => {
      const res = await request(chain.app).post(cms).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u1' } }).expect(201)
      uid = res.body.metadata.uid as string
    })

    it('PUT with another uid: 409, the storage precondition failing', async () => {
      const res = await request(chain.app).put(`${cms}/u1`).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u1', uid: 'x' }, data: { a: 'b' } })
      expect(res.status).to.equal(409)
      expect(res.body.reason).to.equal('Conflict')
      expect(res.body.message).to.equal(
        `Operation cannot be fulfilled on configmaps "u1": StorageError: invalid object, Code: 4, Key: /registry/configmaps/default/u1, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: x, UID in object meta: ${uid}`,
      )
      const got = await request(chain.app).get(`${cms}/u1`)
      expect(got.body.data).to.equal(undefined)
    })

    it('PUT with the right uid succeeds', async () => {
      const res = await request(chain.app).put(`${cms}/u1`).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u1', uid }, data: { a: 'b' } })
      expect(res.status).to.equal(200)
    })

    for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      it(`${type} changing the uid: 422 field is immutable`, async () => {
        const res = await request(chain.app).patch(`${cms}/u1`).set('Content-Type', type).send(JSON.stringify({ metadata: { uid: 'x' } }))
        expect(res.status).to.equal(422)
        expect(res.body.message).to.equal('ConfigMap "u1" is invalid: metadata.uid: Invalid value: "x": field is immutable')
      })
    }

    it('server-side apply of a missing object with a uid: 409 uid mismatch', async () => {
      const res = await request(chain.app)
        .patch(`${cms}/ghost?fieldManager=m`)
        .set('Content-Type', 'application/apply-patch+yaml')
        .send(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ghost', uid: 'x' } }))
      expect(res.status).to.equal(409)
      expect(res.body.message).to.equal('Operation cannot be fulfilled on configmaps "ghost": uid mismatch: the provided object specified uid x, and no existing object was found')
      await request(chain.app).get(`${cms}/ghost`).expect(404)
    })
  })

  describe('server-side apply refuses what the typed patch cannot hold', () => {
    it('an unknown field, even with fieldValidation=Ignore', async () => {
      const res = await request(chain.app)
        .patch(`${cms}/ssa1?fieldManager=m&fieldValidation=Ignore`)
        .set('Content-Type', 'application/apply-patch+yaml')
        .send('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\nbogus: 1\n')
      expect(res.status).to.equal(400)
      expect(res.body.reason).to.equal(undefined)
      expect(res.body.message).to.equal('failed to create typed patch object (/v1, Kind=ConfigMap): .bogus: field not declared in schema')
      await request(chain.app).get(`${cms}/ssa1`).expect(404)
    })

    it('unknown fields in list items are named by the item keys, several as a list', async () => {
      const d = deployment('ssa4') as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }
      d.spec.template.spec.containers[0]!['bogus'] = true
      const res = await request(chain.app)
        .patch(`${deploys}/ssa4?fieldManager=m`)
        .set('Content-Type', 'application/apply-patch+yaml')
        .send(JSON.stringify({ ...d, extra: 1 }))
      expect(res.status).to.equal(400)
      expect(res.body.message).to.equal(
        'failed to create typed patch object (apps/v1, Kind=Deployment): errors:\n  .spec.template.spec.containers[name="c"].bogus: field not declared in schema\n  .extra: field not declared in schema',
      )
    })

    it('a string where a number belongs', async () => {
      const res = await request(chain.app)
        .patch(`${deploys}/ssa2?fieldManager=m`)
        .set('Content-Type', 'application/apply-patch+yaml')
        .send('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ssa2\nspec:\n  replicas: "x"\n')
      expect(res.status).to.equal(400)
      expect(res.body.message).to.equal('failed to create typed patch object (apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string')
    })

    it('malformed YAML: error decoding patch', async () => {
      const res = await request(chain.app).patch(`${cms}/ssa3?fieldManager=m`).set('Content-Type', 'application/apply-patch+yaml').send('metadata: [\n  name: x')
      expect(res.status).to.equal(400)
      expect(res.body.message).to.match(/^error decoding patch: error converting YAML to JSON: yaml: /)
    })
  })

  describe('JSON patches that cannot apply', () => {
    before(async () => {
      await request(chain.app).post(cms).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'jp' }, data: { a: 'b' } }).expect(201)
    })
    const ops = {
      'a failed test': [{ op: 'test', path: '/data/a', value: 'zzz' }],
      'removing a missing path': [{ op: 'remove', path: '/data/missing' }],
    }
    for (const [what, patch] of Object.entries(ops)) {
      it(`${what}: 422 with kube's generic message and empty details`, async () => {
        const res = await request(chain.app).patch(`${cms}/jp`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify(patch))
        expect(res.status).to.equal(422)
        expect(res.body).to.deep.include({ reason: 'Invalid', message: 'the server rejected our request due to an error in our request', details: {} })
      })
    }

    it('replacing kind: 422, the patched object cannot be decoded', async () => {
      await request(chain.app).post(`${deploys}`).send(deployment('kindswap')).expect(201)
      const res = await request(chain.app)
        .patch(`${deploys}/kindswap`)
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'replace', path: '/kind', value: 'ConfigMap' }]))
      expect(res.status).to.equal(422)
      expect(res.body.message).to.match(/^ "" is invalid: patch: Invalid value: "\{.*\}": converting \(v1\.ConfigMap\) to \(v1\.Deployment\): unknown conversion$/)
      const got = await request(chain.app).get(`${deploys}/kindswap`)
      expect(got.body.kind).to.equal('Deployment')
    })

    it('removing kind is no change: the decoder defaults it', async () => {
      const res = await request(chain.app)
        .patch(`${cms}/jp`)
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'remove', path: '/kind' }]))
      expect(res.status).to.equal(200)
      expect(res.body.kind).to.equal('ConfigMap')
    })

    it('replacing apiVersion with one nobody serves: 422', async () => {
      const res = await request(chain.app)
        .patch(`${cms}/jp`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ apiVersion: 'v9' }))
      expect(res.status).to.equal(422)
      expect(res.body.message).to.include('no kind "ConfigMap" is registered for version "v9"')
    })
  })

  it('malformed YAML in a POST: the YAML parser message, without a decoding prefix', async () => {
    const res = await request(chain.app).post(cms).set('Content-Type', 'application/yaml').send('metadata: [\n  name: x')
    expect(res.status).to.equal(400)
    expect(res.body.message).to.match(/^the object provided is unrecognized \(must be of type ConfigMap\): yaml: .* \([0-9a-f]+( \.\.\.)?\)$/)
  })

  it('a number that cannot fill an integer field is named in the type error', async () => {
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'badport' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 1.5 }] }] } }
    const res = await request(chain.app).post(pods).send(body)
    expect(res.status).to.equal(400)
    expect(res.body.message).to.include('json: cannot unmarshal number 1.5 into Go struct field ')
    expect(res.body.message).to.match(/of type int32$/)
  })

  describe('reads at a resourceVersion the storage has not reached', () => {
    it('GET and LIST wait, then answer 504 Too large resource version with Retry-After', async () => {
      const list = await request(chain.app).get(cms).expect(200)
      const current = Number(list.body.metadata.resourceVersion)
      const future = current + 1000
      for (const path of [`${cms}/u1?resourceVersion=${future}`, `${cms}?resourceVersion=${future}`]) {
        const res = await request(chain.app).get(path)
        expect(res.status, path).to.equal(504)
        expect(res.headers['retry-after']).to.equal('1')
        expect(res.body.reason).to.equal('Timeout')
        expect(res.body.message).to.match(new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`))
        expect(res.body.details).to.deep.equal({ causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 })
      }
    })

    it('a LIST waiting for the next revision answers once a write makes it', async () => {
      const next = Number((await request(chain.app).get(cms)).body.metadata.resourceVersion) + 1
      const pending = request(chain.app).get(`${cms}?resourceVersion=${next}`).then((r) => r)
      await new Promise((r) => setTimeout(r, 100))
      await request(chain.app).post(cms).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bump' } }).expect(201)
      const res = await pending
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      expect(Number(res.body.metadata.resourceVersion)).to.be.at.least(next)
      expect(res.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.include('bump')
    })
  })
})
