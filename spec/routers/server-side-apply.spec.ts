/**
 * @module spec/routers/server-side-apply
 * Server-side apply and managedFields on the wire, through the whole chain: create by apply (201),
 * re-applies that change and drop fields, conflicts with kube's 409 body, force, shared
 * ownership, dry run, the PatchOptions errors, and the Update entries every other write records
 * (create, update, patch, status and scale subresources, resets and invalid managedFields).
 */
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

const applyType = 'application/apply-patch+yaml'
const cmBase = '/api/v1/namespaces/default/configmaps'
const deployBase = '/apis/apps/v1/namespaces/default/deployments'

interface Entry {
  manager: string
  operation: string
  apiVersion: string
  time?: string
  fieldsType: string
  fieldsV1: Record<string, unknown>
  subresource?: string
}

function configMap(name: string, data: Record<string, string>, labels?: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data }
}

function deployment(name: string, replicas: number, image = 'nginx'): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] } },
    },
  }
}

/** managedFields without the times, which change from run to run. */
function entries(obj: { metadata: { managedFields?: Entry[] } }): Omit<Entry, 'time'>[] {
  return (obj.metadata.managedFields ?? []).map(({ time, ...rest }) => {
    expect(time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    return rest
  })
}

describe('server-side apply', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  function apply(path: string, body: unknown, query = 'fieldManager=tester') {
    return request(chain.app)
      .patch(`${path}?${query}`)
      .set('Content-Type', applyType)
      .send(typeof body === 'string' ? body : JSON.stringify(body))
  }

  describe('apply', () => {
    it('creates a missing object (201) and records the applier', async () => {
      const res = await apply(`${cmBase}/created`, configMap('created', { a: '1', b: '2' }, { app: 'x' }))
      expect(res.status).to.equal(201)
      expect(res.body.data).to.deep.equal({ a: '1', b: '2' })
      expect(res.body.metadata.uid).to.be.a('string')
      expect(entries(res.body)).to.deep.equal([
        { manager: 'tester', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
      ])
      const got = await request(chain.app).get(`${cmBase}/created`)
      expect(got.status).to.equal(200)
      expect(entries(got.body)).to.deep.equal(entries(res.body))
    })

    it('accepts a YAML body', async () => {
      const res = await apply(`${cmBase}/yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml\ndata:\n  k: v\n')
      expect(res.status).to.equal(201)
      expect(res.body.data).to.deep.equal({ k: 'v' })
    })

    it('changes what is re-applied and removes what is no longer applied', async () => {
      await apply(`${cmBase}/reapply`, configMap('reapply', { a: '1', b: '2' }, { app: 'x', tier: 'y' })).expect(201)
      const res = await apply(`${cmBase}/reapply`, configMap('reapply', { a: 'changed' }, { app: 'x' }))
      expect(res.status).to.equal(200)
      expect(res.body.data).to.deep.equal({ a: 'changed' })
      expect(res.body.metadata.labels).to.deep.equal({ app: 'x' })
      expect(entries(res.body)[0]!.fieldsV1).to.deep.equal({ 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } })
    })

    it('answers a conflict with another manager with kube 409 Status', async () => {
      await request(chain.app)
        .post(`${cmBase}?fieldManager=kubectl-client-side-apply`)
        .send(configMap('conflict', { a: '1', b: '2' }))
        .expect(201)
      const res = await apply(`${cmBase}/conflict`, configMap('conflict', { a: '2' }))
      expect(res.status).to.equal(409)
      expect(res.body).to.deep.equal({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a',
        reason: 'Conflict',
        details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.data.a' }] },
        code: 409,
      })
      const unchanged = await request(chain.app).get(`${cmBase}/conflict`)
      expect(unchanged.body.data).to.deep.equal({ a: '1', b: '2' })
    })

    it('takes ownership with force=true', async () => {
      const res = await apply(`${cmBase}/conflict`, configMap('conflict', { a: '2' }), 'fieldManager=tester&force=true')
      expect(res.status).to.equal(200)
      expect(res.body.data).to.deep.equal({ a: '2', b: '2' })
      expect(entries(res.body)).to.deep.equal([
        { manager: 'tester', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
        { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:b': {} } } },
      ])
    })

    it('shares ownership of equal values without a conflict', async () => {
      await apply(`${cmBase}/shared`, configMap('shared', { a: '1' }), 'fieldManager=first').expect(201)
      const res = await apply(`${cmBase}/shared`, configMap('shared', { a: '1' }), 'fieldManager=second')
      expect(res.status).to.equal(200)
      expect(entries(res.body).map((e) => [e.manager, e.fieldsV1])).to.deep.equal([
        ['first', { 'f:data': { 'f:a': {} } }],
        ['second', { 'f:data': { 'f:a': {} } }],
      ])
      // The first applier dropping the field leaves it: the second still owns it.
      const dropped = await apply(`${cmBase}/shared`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' } }, 'fieldManager=first')
      expect(dropped.status).to.equal(200)
      expect(dropped.body.data).to.deep.equal({ a: '1' })
    })

    it('merges list maps by key (containers by name) and conflicts on a scaled replica count', async () => {
      const created = await apply(`${deployBase}/web`, deployment('web', 2), 'fieldManager=kubectl')
      expect(created.status).to.equal(201)
      expect(entries(created.body)[0]!.fieldsV1).to.deep.equal({
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
              },
            },
          },
        },
      })
      const scaled = await request(chain.app)
        .patch(`${deployBase}/web/scale`)
        .set('Content-Type', 'application/merge-patch+json')
        .set('User-Agent', 'kubectl/v1.32.2 (linux/amd64) kubernetes/67a30c0')
        .send(JSON.stringify({ spec: { replicas: 5 } }))
      expect(scaled.status).to.equal(200)
      const afterScale = await request(chain.app).get(`${deployBase}/web`)
      expect(entries(afterScale.body).find((e) => e.subresource === 'scale')).to.deep.equal({
        manager: 'kubectl',
        operation: 'Update',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        subresource: 'scale',
      })
      const conflict = await apply(`${deployBase}/web`, deployment('web', 2, 'nginx:2'), 'fieldManager=kubectl')
      expect(conflict.status).to.equal(409)
      expect(conflict.body.message).to.equal('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas')
      // Without the replica count the image change applies, and the scaled count stays.
      const cfg = deployment('web', 2, 'nginx:2') as { spec: Record<string, unknown> }
      delete cfg.spec['replicas']
      const partial = await apply(`${deployBase}/web`, cfg, 'fieldManager=kubectl')
      expect(partial.status).to.equal(200)
      expect(partial.body.spec.replicas).to.equal(5)
      expect(partial.body.spec.template.spec.containers[0].image).to.equal('nginx:2')
    })

    it('applies a Scale through the scale subresource as the owner of the replica count', async () => {
      await apply(`${deployBase}/scaled`, deployment('scaled', 1), 'fieldManager=kubectl').expect(201)
      const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled' }, spec: { replicas: 4 } }
      const conflict = await apply(`${deployBase}/scaled/scale`, scale, 'fieldManager=autoscaler')
      expect(conflict.status).to.equal(409)
      expect(conflict.body.message).to.equal('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas')
      const res = await apply(`${deployBase}/scaled/scale`, scale, 'fieldManager=autoscaler&force=true')
      expect(res.status).to.equal(200)
      expect(res.body).to.deep.include({ apiVersion: 'autoscaling/v1', kind: 'Scale' })
      expect(res.body.spec).to.deep.equal({ replicas: 4 })
      const parent = await request(chain.app).get(`${deployBase}/scaled`)
      expect(parent.body.spec.replicas).to.equal(4)
      expect(entries(parent.body).find((e) => e.manager === 'autoscaler')).to.deep.equal({
        manager: 'autoscaler',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        subresource: 'scale',
      })
      const back = await apply(`${deployBase}/scaled`, deployment('scaled', 2), 'fieldManager=kubectl')
      expect(back.status).to.equal(409)
      expect(back.body.message).to.equal('Apply failed with 1 conflict: conflict with "autoscaler" with subresource "scale": .spec.replicas')
      const wrong = await apply(`${deployBase}/scaled/scale`, { ...scale, apiVersion: 'apps/v1' }, 'fieldManager=autoscaler')
      expect(wrong.status).to.equal(400)
      expect(wrong.body.message).to.equal('Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: autoscaling/v1')
    })

    it('dry-run creates nothing and answers 201', async () => {
      const res = await apply(`${cmBase}/dry`, configMap('dry', { a: '1' }), 'fieldManager=tester&dryRun=All')
      expect(res.status).to.equal(201)
      expect(entries(res.body)[0]!.manager).to.equal('tester')
      await request(chain.app).get(`${cmBase}/dry`).expect(404)
    })
  })

  describe('custom resources (types from openAPIV3Schema)', () => {
    const widgets = '/apis/example.com/v1/namespaces/default/widgets'
    before(() => {
      chain.extensions.installResource({
        group: 'example.com',
        version: 'v1',
        resource: 'widgets',
        singular: 'widget',
        kind: 'Widget',
        listKind: 'WidgetList',
        namespaced: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                properties: {
                  ports: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name'],
                    items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
                  },
                  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                  selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
                },
              },
            },
          },
        },
        strategy: {},
      })
    })

    const widget = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec })

    it('merges list maps by key, sets by value and replaces atomic maps across managers', async () => {
      await apply(`${widgets}/w`, widget({ ports: [{ name: 'http', port: 80 }], tags: ['a'], selector: { x: '1' } }), 'fieldManager=one').expect(201)
      const res = await apply(`${widgets}/w`, widget({ ports: [{ name: 'https', port: 443 }], tags: ['b'] }), 'fieldManager=two')
      expect(res.status).to.equal(200)
      expect(res.body.spec).to.deep.equal({ ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }], tags: ['a', 'b'], selector: { x: '1' } })
      expect(entries(res.body).map((e) => [e.manager, e.fieldsV1])).to.deep.equal([
        ['one', { 'f:spec': { 'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:selector': {}, 'f:tags': { 'v:"a"': {} } } }],
        ['two', { 'f:spec': { 'f:ports': { 'k:{"name":"https"}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:tags': { 'v:"b"': {} } } }],
      ])
      const conflict = await apply(`${widgets}/w`, widget({ selector: { y: '2' } }), 'fieldManager=two')
      expect(conflict.status).to.equal(409)
      expect(conflict.body.message).to.equal('Apply failed with 1 conflict: conflict with "one": .spec.selector')
      const dropped = await apply(`${widgets}/w`, widget({ tags: ['a'] }), 'fieldManager=one')
      expect(dropped.body.spec).to.deep.equal({ ports: [{ name: 'https', port: 443 }], tags: ['a', 'b'] })
    })
  })

  describe('bad apply requests', () => {
    it('requires fieldManager (422 as kube)', async () => {
      const res = await apply(`${cmBase}/nomanager`, configMap('nomanager', {}), '')
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
    })

    it('rejects force on other patch types and over-long managers', async () => {
      await apply(`${cmBase}/created`, configMap('created', { a: '1' }), 'fieldManager=tester&force=true').expect(200)
      const merge = await request(chain.app).patch(`${cmBase}/created?force=true`).set('Content-Type', 'application/merge-patch+json').send('{}')
      expect(merge.status).to.equal(422)
      expect(merge.body.message).to.equal('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch')
      const long = await apply(`${cmBase}/created`, configMap('created', {}), `fieldManager=${'m'.repeat(129)}`)
      expect(long.status).to.equal(422)
      expect(long.body.message).to.equal('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: must have at most 128 bytes')
    })

    it('rejects a wrong apiVersion, managedFields in the body and a name that differs from the URL', async () => {
      const version = await apply(`${cmBase}/bad`, { ...configMap('bad', {}), apiVersion: 'v2' })
      expect(version.status).to.equal(400)
      expect(version.body.message).to.equal('Incorrect version specified in apply patch. Specified patch version: v2, expected: v1')
      const mf = await apply(`${cmBase}/bad`, { ...configMap('bad', {}), metadata: { name: 'bad', managedFields: [] } })
      expect(mf.status).to.equal(400)
      expect(mf.body.message).to.equal('metadata.managedFields must be nil')
      const name = await apply(`${cmBase}/bad`, configMap('other', {}))
      expect(name.status).to.equal(400)
      expect(name.body.message).to.equal('the name of the object (other) does not match the name on the URL (bad)')
      const notObject = await apply(`${cmBase}/bad`, '[1, 2]')
      expect(notObject.status).to.equal(400)
    })
  })

  describe('managedFields of other writes', () => {
    it('records create, update and patch as Update entries, manager from fieldManager or User-Agent', async () => {
      const created = await request(chain.app).post(`${cmBase}?fieldManager=kubectl-create`).send(configMap('writes', { a: '1' }))
      expect(created.status).to.equal(201)
      expect(entries(created.body)).to.deep.equal([
        { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } },
      ])
      const put = await request(chain.app)
        .put(`${cmBase}/writes`)
        .set('User-Agent', 'my-controller/1.0 (linux)')
        .send({ ...configMap('writes', { a: '1', b: '2' }), metadata: { name: 'writes', resourceVersion: created.body.metadata.resourceVersion } })
      expect(put.status).to.equal(200)
      expect(entries(put.body).map((e) => [e.manager, e.fieldsV1])).to.deep.equal([
        ['kubectl-create', { 'f:data': { '.': {}, 'f:a': {} } }],
        ['my-controller', { 'f:data': { 'f:b': {} } }],
      ])
      const patched = await request(chain.app)
        .patch(`${cmBase}/writes?fieldManager=patcher`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ data: { a: 'x' } }))
      expect(patched.status).to.equal(200)
      expect(entries(patched.body).map((e) => [e.manager, e.fieldsV1])).to.deep.equal([
        ['kubectl-create', { 'f:data': {} }],
        ['my-controller', { 'f:data': { 'f:b': {} } }],
        ['patcher', { 'f:data': { 'f:a': {} } }],
      ])
    })

    it('records status writes with subresource "status"', async () => {
      await apply(`${deployBase}/status-writes`, deployment('status-writes', 1), 'fieldManager=kubectl').expect(201)
      const cur = await request(chain.app).get(`${deployBase}/status-writes`)
      const res = await request(chain.app)
        .put(`${deployBase}/status-writes/status?fieldManager=controller`)
        .send({ ...cur.body, status: { observedGeneration: 1, replicas: 1 } })
      expect(res.status).to.equal(200)
      expect(entries(res.body).find((e) => e.manager === 'controller')).to.deep.equal({
        manager: 'controller',
        operation: 'Update',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:observedGeneration': {}, 'f:replicas': {} } },
        subresource: 'status',
      })
    })

    it('applies through the status subresource, owning only status', async () => {
      const res = await apply(
        `${deployBase}/status-writes/status`,
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'status-writes' }, spec: { replicas: 9 }, status: { readyReplicas: 1 } },
        'fieldManager=status-applier',
      )
      expect(res.status).to.equal(200)
      expect(res.body.status.readyReplicas).to.equal(1)
      expect(res.body.spec.replicas).to.equal(1)
      expect(entries(res.body).find((e) => e.manager === 'status-applier')).to.deep.equal({
        manager: 'status-applier',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:readyReplicas': {} } },
        subresource: 'status',
      })
      const missing = await apply(`${deployBase}/nothing-here/status`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nothing-here' } }, 'fieldManager=x')
      expect(missing.status).to.equal(404)
    })

    it('clears managedFields on a write that sends [] and rejects an invalid entry (422)', async () => {
      const reset = await request(chain.app)
        .patch(`${cmBase}/writes`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { managedFields: [] } }))
      expect(reset.status).to.equal(200)
      expect(reset.body.metadata.managedFields).to.equal(undefined)
      const invalid = await request(chain.app)
        .patch(`${cmBase}/writes`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { managedFields: [{ manager: 'm', operation: 'Bogus', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }] } }))
      expect(invalid.status).to.equal(422)
      expect(invalid.body.message).to.equal('ConfigMap "writes" is invalid: metadata.managedFields[0].operation: Invalid value: "Bogus": must be `Apply` or `Update`')
    })

    it('ignores managedFields that do not decode and keeps the stored ones', async () => {
      await request(chain.app).post(`${cmBase}?fieldManager=creator`).send(configMap('undecodable', { a: '1' })).expect(201)
      const res = await request(chain.app)
        .patch(`${cmBase}/undecodable?fieldManager=creator`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { managedFields: [{ manager: 'm', operation: 'Update', fieldsType: 'FieldsV2' }] } }))
      expect(res.status).to.equal(200)
      expect(entries(res.body).map((e) => e.manager)).to.deep.equal(['creator'])
    })
  })
})
