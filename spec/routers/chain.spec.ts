// The composed chain through supertest: routing order, not-found, discovery, and the generic
// verb handlers on the two declared resources, asserting what a client sees on the wire.
import { expect } from 'chai'
import express from 'express'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

const aggregatedAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'

describe('server chain', () => {
  describe('before MuxAndDiscoveryComplete', () => {
    it('answers unknown paths with 503, Retry-After: 5 and the ServiceUnavailable Status', async () => {
      const chain = createServerChain()
      const res = await request(chain.app).get('/apis/example.com/v1/foos')
      expect(res.status).to.equal(503)
      expect(res.headers['retry-after']).to.equal('5')
      expect(res.body).to.deep.equal({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the request has been made before all known HTTP paths have been installed, please try again',
        reason: 'ServiceUnavailable',
        details: { retryAfterSeconds: 5 },
        code: 503,
      })
    })

    it('still serves installed resources', async () => {
      const chain = createServerChain()
      const res = await request(chain.app).get('/api/v1/namespaces')
      expect(res.status).to.equal(200)
      expect(res.body.kind).to.equal('NamespaceList')
    })
  })

  describe('after start', () => {
    let chain: ServerChain
    let stop: () => Promise<void>
    before(async () => {
      chain = createServerChain()
      stop = await chain.prepareRun().start()
    })
    after(async () => stop())

    it('answers unknown paths with a 404 Status without details', async () => {
      const res = await request(chain.app).get('/foo')
      expect(res.status).to.equal(404)
      expect(res.text).to.equal('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}\n')
    })

    it('answers an unknown resource in a served group-version with empty details', async () => {
      const res = await request(chain.app).get('/api/v1/foos')
      expect(res.status).to.equal(404)
      expect(res.body.details).to.deep.equal({})
    })

    it('bootstraps the system namespaces', async () => {
      const res = await request(chain.app).get('/api/v1/namespaces')
      const names = res.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)
      expect(names).to.include.members(['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      const ns = res.body.items.find((n: { metadata: { name: string } }) => n.metadata.name === 'default')
      expect(ns.spec.finalizers).to.deep.equal(['kubernetes'])
      expect(ns.status.phase).to.equal('Active')
      expect(ns.metadata.labels['kubernetes.io/metadata.name']).to.equal('default')
    })

    it('serves /version for Kubernetes 1.32', async () => {
      const res = await request(chain.app).get('/version')
      expect(res.body.major).to.equal('1')
      expect(res.body.minor).to.equal('32')
      expect(res.body.gitVersion).to.match(/^v1\.32\./)
    })

    it('serves legacy discovery', async () => {
      const api = await request(chain.app).get('/api')
      expect(api.body.kind).to.equal('APIVersions')
      expect(api.body.versions).to.deep.equal(['v1'])
      const v1 = await request(chain.app).get('/api/v1')
      expect(v1.body.kind).to.equal('APIResourceList')
      expect(v1.body).to.not.have.property('apiVersion')
      const cm = v1.body.resources.find((r: { name: string }) => r.name === 'configmaps')
      expect(cm).to.deep.equal({
        name: 'configmaps',
        singularName: 'configmap',
        namespaced: true,
        kind: 'ConfigMap',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['cm'],
        storageVersionHash: 'qFsyl6wFWjQ=',
      })
      expect(v1.body.resources.map((r: { name: string }) => r.name)).to.include.members(['namespaces/status', 'namespaces/finalize'])
      const apis = await request(chain.app).get('/apis')
      expect(apis.body).to.deep.include({ kind: 'APIGroupList', apiVersion: 'v1' })
    })

    it('serves aggregated discovery with its content type and ETag, and 304 on If-None-Match', async () => {
      const res = await request(chain.app).get('/api').set('Accept', aggregatedAccept)
      expect(res.status).to.equal(200)
      expect(res.headers['content-type']).to.equal('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')
      expect(res.body.kind).to.equal('APIGroupDiscoveryList')
      const core = res.body.items[0]
      expect(core.metadata).to.not.have.property('name')
      const ns = core.versions[0].resources.find((r: { resource: string }) => r.resource === 'namespaces')
      expect(ns.scope).to.equal('Cluster')
      const again = await request(chain.app).get('/api').set('Accept', aggregatedAccept).set('If-None-Match', res.headers['etag'] as string)
      expect(again.status).to.equal(304)
    })

    it('creates, reads, lists, updates, patches and deletes a ConfigMap', async () => {
      const created = await request(chain.app)
        .post('/api/v1/namespaces/default/configmaps')
        .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'crud', creationTimestamp: null }, data: { a: 'b' } })
      expect(created.status).to.equal(201)
      expect(created.body.metadata.uid).to.match(/^[0-9a-f-]{36}$/)
      expect(created.body.metadata.creationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      const rv = created.body.metadata.resourceVersion
      expect(rv).to.match(/^\d+$/)

      const got = await request(chain.app).get('/api/v1/namespaces/default/configmaps/crud')
      expect(got.body).to.deep.equal(created.body)

      const stale = await request(chain.app)
        .put('/api/v1/namespaces/default/configmaps/crud')
        .send({ ...created.body, metadata: { ...created.body.metadata, resourceVersion: '1' }, data: { a: 'c' } })
      expect(stale.status).to.equal(409)
      expect(stale.body.message).to.equal(
        'Operation cannot be fulfilled on configmaps "crud": the object has been modified; please apply your changes to the latest version and try again',
      )

      const updated = await request(chain.app).put('/api/v1/namespaces/default/configmaps/crud').send({ ...created.body, data: { a: 'c' } })
      expect(updated.status).to.equal(200)
      expect(Number(updated.body.metadata.resourceVersion)).to.be.greaterThan(Number(rv))

      const merged = await request(chain.app)
        .patch('/api/v1/namespaces/default/configmaps/crud')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ data: { x: 'y' } }))
      expect(merged.status).to.equal(200)
      expect(merged.body.data).to.deep.equal({ a: 'c', x: 'y' })

      const jsonPatched = await request(chain.app)
        .patch('/api/v1/namespaces/default/configmaps/crud')
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'remove', path: '/data/x' }]))
      expect(jsonPatched.body.data).to.deep.equal({ a: 'c' })

      const badPatch = await request(chain.app)
        .patch('/api/v1/namespaces/default/configmaps/crud')
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'test', path: '/data/a', value: 'nope' }]))
      expect(badPatch.status).to.equal(422)

      const list = await request(chain.app).get('/api/v1/namespaces/default/configmaps')
      expect(list.body.kind).to.equal('ConfigMapList')
      expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.include('crud')

      const deleted = await request(chain.app).delete('/api/v1/namespaces/default/configmaps/crud')
      expect(deleted.status).to.equal(200)
      expect(deleted.body).to.deep.equal({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: 'crud', kind: 'configmaps', uid: created.body.metadata.uid },
      })
      const gone = await request(chain.app).get('/api/v1/namespaces/default/configmaps/crud')
      expect(gone.status).to.equal(404)
      expect(gone.body.message).to.equal('configmaps "crud" not found')
    })

    it('applies strategic merge patches with kube semantics (null deletes, finalizers merge)', async () => {
      await request(chain.app).post('/api/v1/namespaces/default/configmaps').send({ metadata: { name: 'smp', finalizers: ['a.io/x'] }, data: { a: '1', b: '2' } })
      const res = await request(chain.app)
        .patch('/api/v1/namespaces/default/configmaps/smp')
        .set('Content-Type', 'application/strategic-merge-patch+json')
        .send(JSON.stringify({ data: { a: null, c: '3' }, metadata: { finalizers: ['b.io/y'] } }))
      expect(res.status).to.equal(200)
      expect(res.body.data).to.deep.equal({ b: '2', c: '3' })
      expect(res.body.metadata.finalizers).to.have.members(['a.io/x', 'b.io/y'])
      const bad = await request(chain.app)
        .patch('/api/v1/namespaces/default/configmaps/smp')
        .set('Content-Type', 'application/strategic-merge-patch+json')
        .send(JSON.stringify({ data: { $patch: 'bogus' } }))
      expect(bad.status).to.be.within(400, 500)
      expect(bad.body.kind).to.equal('Status')
    })

    it('renders Tables with the ConfigMap columns', async () => {
      await request(chain.app).post('/api/v1/namespaces/default/configmaps').send({ metadata: { name: 'table' }, data: { a: '1', b: '2' } })
      const res = await request(chain.app).get('/api/v1/namespaces/default/configmaps').set('Accept', tableAccept)
      expect(res.body.kind).to.equal('Table')
      expect(res.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Data', 'Age'])
      const row = res.body.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'table')
      expect(row.cells[1]).to.equal(2)
      expect(row.object.kind).to.equal('PartialObjectMetadata')
    })

    it('pages lists with limit and continue', async () => {
      for (const n of ['p1', 'p2', 'p3']) await request(chain.app).post('/api/v1/namespaces/kube-public/configmaps').send({ metadata: { name: n } })
      const first = await request(chain.app).get('/api/v1/namespaces/kube-public/configmaps?limit=2')
      expect(first.body.items).to.have.length(2)
      expect(first.body.metadata.continue).to.be.a('string')
      const second = await request(chain.app).get(`/api/v1/namespaces/kube-public/configmaps?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`)
      // kube-public also holds the root CA publisher's kube-root-ca.crt, first in key order.
      const names = (page: { body: { items: { metadata: { name: string } }[] } }): string[] => page.body.items.map((i) => i.metadata.name)
      expect(names(first)).to.deep.equal(['kube-root-ca.crt', 'p1'])
      expect(names(second)).to.deep.equal(['p2', 'p3'])
      expect(second.body.metadata.continue ?? '').to.equal('')
    })

    it('filters by label and field selectors', async () => {
      await request(chain.app).post('/api/v1/namespaces/default/configmaps').send({ metadata: { name: 'sel-a', labels: { app: 'a' } } })
      await request(chain.app).post('/api/v1/namespaces/default/configmaps').send({ metadata: { name: 'sel-b', labels: { app: 'b' } } })
      const byLabel = await request(chain.app).get('/api/v1/namespaces/default/configmaps?labelSelector=app%20in%20(a)')
      expect(byLabel.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal(['sel-a'])
      const byField = await request(chain.app).get('/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dsel-b')
      expect(byField.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal(['sel-b'])
      const bad = await request(chain.app).get('/api/v1/namespaces/default/configmaps?fieldSelector=spec.foo%3Dx')
      expect(bad.status).to.equal(400)
      expect(bad.body.message).to.equal('field label not supported: spec.foo')
    })

    it('lists across namespaces', async () => {
      const res = await request(chain.app).get('/api/v1/configmaps')
      expect(res.status).to.equal(200)
      const namespaces = new Set(res.body.items.map((i: { metadata: { namespace: string } }) => i.metadata.namespace))
      expect(namespaces.size).to.be.greaterThan(1)
    })

    it('lists across namespaces by metadata.name, as kubectl get -A --field-selector does', async () => {
      const res = await request(chain.app).get('/api/v1/configmaps?fieldSelector=metadata.name%3Dkube-root-ca.crt')
      expect(res.status).to.equal(200)
      const items = res.body.items as { metadata: { name: string; namespace: string } }[]
      expect(items.length).to.be.greaterThan(1)
      expect(new Set(items.map((i) => i.metadata.name))).to.deep.equal(new Set(['kube-root-ca.crt']))
    })

    it('does not persist dry-run creates', async () => {
      const res = await request(chain.app).post('/api/v1/namespaces/default/configmaps?dryRun=All').send({ metadata: { name: 'dry' } })
      expect(res.status).to.equal(201)
      expect(res.body.metadata.uid).to.be.a('string')
      expect((await request(chain.app).get('/api/v1/namespaces/default/configmaps/dry')).status).to.equal(404)
    })

    it('refuses writes into a missing namespace with 404 namespaces "x" not found', async () => {
      const res = await request(chain.app).post('/api/v1/namespaces/missing/configmaps').send({ metadata: { name: 'c' } })
      expect(res.status).to.equal(404)
      expect(res.body.message).to.equal('namespaces "missing" not found')
    })

    it('refuses to delete the default namespace', async () => {
      const res = await request(chain.app).delete('/api/v1/namespaces/default')
      expect(res.status).to.equal(403)
      expect(res.body.message).to.equal('namespaces "default" is forbidden: this namespace may not be deleted')
    })

    it('terminates a namespace: content deleted, then the namespace is gone', async () => {
      await request(chain.app).post('/api/v1/namespaces').send({ metadata: { name: 'doomed' } })
      await request(chain.app).post('/api/v1/namespaces/doomed/configmaps').send({ metadata: { name: 'c' } })
      const del = await request(chain.app).delete('/api/v1/namespaces/doomed')
      expect(del.status).to.equal(200)
      expect(del.body.kind).to.equal('Namespace')
      expect(del.body.status.phase).to.equal('Terminating')
      expect(del.body.metadata.deletionTimestamp).to.be.a('string')
      for (let i = 0; i < 100; i++) {
        const res = await request(chain.app).get('/api/v1/namespaces/doomed')
        if (res.status === 404) break
        await new Promise((r) => setTimeout(r, 20))
      }
      expect((await request(chain.app).get('/api/v1/namespaces/doomed')).status).to.equal(404)
      expect((await request(chain.app).get('/api/v1/namespaces/doomed/configmaps/c')).status).to.equal(404)
    })

    it('keeps a terminating namespace until content with finalizers is gone', async () => {
      await request(chain.app).post('/api/v1/namespaces').send({ metadata: { name: 'held' } })
      await request(chain.app).post('/api/v1/namespaces/held/configmaps').send({ metadata: { name: 'c', finalizers: ['example.com/hold'] } })
      await request(chain.app).delete('/api/v1/namespaces/held')
      await new Promise((r) => setTimeout(r, 300))
      const during = await request(chain.app).get('/api/v1/namespaces/held')
      expect(during.status).to.equal(200)
      expect(during.body.status.phase).to.equal('Terminating')
      await request(chain.app)
        .patch('/api/v1/namespaces/held/configmaps/c')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { finalizers: null } }))
      let status = 200
      for (let i = 0; i < 60 && status !== 404; i++) {
        await new Promise((r) => setTimeout(r, 100))
        status = (await request(chain.app).get('/api/v1/namespaces/held')).status
      }
      expect(status).to.equal(404)
    })

    it('keeps an object with finalizers until the last one is removed', async () => {
      await request(chain.app).post('/api/v1/namespaces/default/configmaps').send({ metadata: { name: 'fin', finalizers: ['example.com/hold'] } })
      const del = await request(chain.app).delete('/api/v1/namespaces/default/configmaps/fin')
      expect(del.status).to.equal(200)
      expect(del.body.metadata.deletionTimestamp).to.be.a('string')
      const addMore = await request(chain.app)
        .patch('/api/v1/namespaces/default/configmaps/fin')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { finalizers: ['example.com/hold', 'example.com/other'] } }))
      expect(addMore.status).to.equal(422)
      const release = await request(chain.app)
        .patch('/api/v1/namespaces/default/configmaps/fin')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { finalizers: null } }))
      expect(release.status).to.equal(200)
      expect((await request(chain.app).get('/api/v1/namespaces/default/configmaps/fin')).status).to.equal(404)
    })

    it('works mounted under a prefix of a host app', async () => {
      const host = express()
      host.use('/k8s', chain.handler)
      const res = await request(host).get('/k8s/api/v1/namespaces/default')
      expect(res.status).to.equal(200)
      expect(res.body.metadata.name).to.equal('default')
      const ready = await request(host).get('/k8s/readyz')
      expect(ready.text).to.equal('ok')
    })
  })
})
