// What a started kube server has before anyone writes to it, as in a real cluster: the
// "kubernetes" Service with its endpoints, a "default" ServiceAccount and the kube-root-ca.crt
// ConfigMap in every namespace, kept there by controllers that follow storage (and so also the
// writes of another process sharing it), and never recreated into a Terminating namespace.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import { placeholderRootCA, rootCADescription } from '../../routers/kube/controllers/root-ca-publisher.js'
import { memoryStorageFactory } from '../../lib/storage/memory/memory-storage.js'
import type { Store } from '../../lib/registry/store.js'
import { runKubernetesServiceController } from '../../routers/kube/controllers/kubernetes-service.js'
import type { ServiceAllocator } from '../../routers/kube/core/services.js'

interface Named {
  metadata: { name: string; namespace?: string }
}

/** Polls until check passes: the controllers act on watch events, after the request returned. */
async function eventually(check: () => Promise<void>, tries = 100): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await check()
      return
    } catch (err) {
      if (i >= tries) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

describe('kube bootstrap objects and per-namespace controllers', () => {
  let chain: ServerChain
  let stop: () => Promise<void>

  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  it('is ready with every bootstrap hook done', async () => {
    const res = await request(chain.app).get('/readyz?verbose')
    expect(res.status, res.text).to.equal(200)
    for (const hook of ['bootstrap-controller', 'start-service-account-controller', 'start-root-ca-cert-publisher']) {
      expect(res.text).to.contain(`[+]poststarthook/${hook} ok`)
    }
  })

  it('serves the "kubernetes" Service on the first address of the service range', async () => {
    const res = await request(chain.app).get('/api/v1/namespaces/default/services/kubernetes')
    expect(res.status).to.equal(200)
    expect(res.body.metadata.labels).to.deep.equal({ component: 'apiserver', provider: 'kubernetes' })
    expect(res.body.spec).to.include({ clusterIP: '10.96.0.1', type: 'ClusterIP', sessionAffinity: 'None' })
    expect(res.body.spec.clusterIPs).to.deep.equal(['10.96.0.1'])
    expect(res.body.spec.ports).to.deep.equal([{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }])
    expect(res.body.spec).to.not.have.property('selector')
  })

  it('points the kubernetes Endpoints and EndpointSlice at the server address on 6443', async () => {
    const ep = await request(chain.app).get('/api/v1/namespaces/default/endpoints/kubernetes')
    expect(ep.status).to.equal(200)
    expect(ep.body.metadata.labels).to.deep.equal({ 'endpointslice.kubernetes.io/skip-mirror': 'true' })
    const subset = ep.body.subsets[0]
    expect(subset.ports).to.deep.equal([{ name: 'https', port: 6443, protocol: 'TCP' }])
    const ip: string = subset.addresses[0].ip
    // Endpoint validation refuses loopback addresses: the host's address stands in.
    expect(ip).to.match(/^\d+\.\d+\.\d+\.\d+$/)
    expect(ip.startsWith('127.')).to.equal(false)
    const slice = await request(chain.app).get('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')
    expect(slice.status).to.equal(200)
    expect(slice.body.metadata.labels).to.deep.equal({ 'kubernetes.io/service-name': 'kubernetes' })
    expect(slice.body.addressType).to.equal('IPv4')
    expect(slice.body.endpoints).to.deep.equal([{ addresses: [ip], conditions: { ready: true } }])
    expect(slice.body.ports).to.deep.equal([{ name: 'https', port: 6443, protocol: 'TCP' }])
  })

  it('has a default ServiceAccount and kube-root-ca.crt in every system namespace', async () => {
    const sas = await request(chain.app).get('/api/v1/serviceaccounts')
    expect((sas.body.items as Named[]).map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).to.deep.equal([
      'default/default',
      'kube-node-lease/default',
      'kube-public/default',
      'kube-system/default',
    ])
    const cms = await request(chain.app).get('/api/v1/configmaps')
    expect((cms.body.items as Named[]).filter((c) => c.metadata.name === 'kube-root-ca.crt').map((c) => c.metadata.namespace).sort()).to.deep.equal(['default', 'kube-node-lease', 'kube-public', 'kube-system'])
    const cm = (await request(chain.app).get('/api/v1/namespaces/kube-system/configmaps/kube-root-ca.crt')).body
    expect(cm.metadata.annotations).to.deep.equal({ 'kubernetes.io/description': rootCADescription })
    expect(cm.data).to.deep.equal({ 'ca.crt': placeholderRootCA })
    expect(cm.data['ca.crt']).to.match(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/)
  })

  it('gives a new namespace both objects', async () => {
    await request(chain.app).post('/api/v1/namespaces').send({ metadata: { name: 'fresh' } }).expect(201)
    await eventually(async () => {
      expect((await request(chain.app).get('/api/v1/namespaces/fresh/serviceaccounts/default')).status).to.equal(200)
      expect((await request(chain.app).get('/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt')).status).to.equal(200)
    })
  })

  it('recreates a deleted default ServiceAccount and kube-root-ca.crt', async () => {
    const oldUID = (await request(chain.app).get('/api/v1/namespaces/fresh/serviceaccounts/default')).body.metadata.uid
    await request(chain.app).delete('/api/v1/namespaces/fresh/serviceaccounts/default').expect(200)
    await request(chain.app).delete('/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt').expect(200)
    await eventually(async () => {
      const sa = await request(chain.app).get('/api/v1/namespaces/fresh/serviceaccounts/default')
      expect(sa.status).to.equal(200)
      expect(sa.body.metadata.uid).to.not.equal(oldUID)
      expect((await request(chain.app).get('/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt')).status).to.equal(200)
    })
  })

  it('puts back the CA bundle and the description when they are edited', async () => {
    const url = '/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt'
    await request(chain.app)
      .patch(url)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { annotations: { 'kubernetes.io/description': null, extra: 'kept' } }, data: { 'ca.crt': 'tampered', other: 'x' } })
      .expect(200)
    await eventually(async () => {
      const cm = (await request(chain.app).get(url)).body
      expect(cm.data).to.deep.equal({ 'ca.crt': placeholderRootCA })
      expect(cm.metadata.annotations).to.deep.equal({ extra: 'kept', 'kubernetes.io/description': rootCADescription })
    })
  })

  it('leaves other ServiceAccounts and ConfigMaps alone', async () => {
    await request(chain.app).post('/api/v1/namespaces/fresh/serviceaccounts').send({ metadata: { name: 'robot' } }).expect(201)
    await request(chain.app).delete('/api/v1/namespaces/fresh/serviceaccounts/robot').expect(200)
    // The deletion of "robot" caused no sync; a later deletion of "default" still does.
    await request(chain.app).delete('/api/v1/namespaces/fresh/serviceaccounts/default').expect(200)
    await eventually(async () => {
      const names = ((await request(chain.app).get('/api/v1/namespaces/fresh/serviceaccounts')).body.items as Named[]).map((s) => s.metadata.name)
      expect(names).to.deep.equal(['default'])
    })
  })

  it('creates nothing in a Terminating namespace, and again once it is re-created', async () => {
    const ns = 'leaving'
    await request(chain.app).post('/api/v1/namespaces').send({ metadata: { name: ns } }).expect(201)
    await eventually(async () => {
      expect((await request(chain.app).get(`/api/v1/namespaces/${ns}/serviceaccounts/default`)).status).to.equal(200)
    })
    // A finalizer on other content keeps the namespace Terminating while the controller empties it.
    await request(chain.app).post(`/api/v1/namespaces/${ns}/secrets`).send({ metadata: { name: 'held', finalizers: ['example.com/hold'] } }).expect(201)
    await request(chain.app).delete(`/api/v1/namespaces/${ns}`).expect(200)
    await eventually(async () => {
      expect((await request(chain.app).get(`/api/v1/namespaces/${ns}/serviceaccounts`)).body.items).to.deep.equal([])
      expect((await request(chain.app).get(`/api/v1/namespaces/${ns}/configmaps`)).body.items).to.deep.equal([])
    })
    // Both controllers saw those deletions; they must not have written anything back.
    await new Promise((r) => setTimeout(r, 300))
    expect((await request(chain.app).get(`/api/v1/namespaces/${ns}/serviceaccounts`)).body.items).to.deep.equal([])
    expect((await request(chain.app).get(`/api/v1/namespaces/${ns}/configmaps`)).body.items).to.deep.equal([])
    expect((await request(chain.app).get(`/api/v1/namespaces/${ns}`)).body.status.phase).to.equal('Terminating')

    await request(chain.app).patch(`/api/v1/namespaces/${ns}/secrets/held`).set('Content-Type', 'application/merge-patch+json').send({ metadata: { finalizers: null } }).expect(200)
    await eventually(async () => {
      expect((await request(chain.app).get(`/api/v1/namespaces/${ns}`)).status).to.equal(404)
    })
    await request(chain.app).post('/api/v1/namespaces').send({ metadata: { name: ns } }).expect(201)
    await eventually(async () => {
      expect((await request(chain.app).get(`/api/v1/namespaces/${ns}/serviceaccounts/default`)).status).to.equal(200)
      expect((await request(chain.app).get(`/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`)).status).to.equal(200)
    })
  })
})

describe('kube bootstrap controller reconciliation', () => {
  it('brings a deleted kubernetes Service and its endpoints back on its next pass', async () => {
    const chain = createServerChain()
    const stop = await chain.prepareRun().start()
    const ac = new AbortController()
    try {
      for (const path of ['/api/v1/namespaces/default/services/kubernetes', '/api/v1/namespaces/default/endpoints/kubernetes']) {
        await request(chain.app).delete(path).expect(200)
      }
      const lookup = (group: string, resource: string): Store => chain.kube.mux.lookup(group, 'v1', resource)!.store
      const allocator = (chain.kube.mux.lookup('', 'v1', 'services')!.def as unknown as { allocator: ServiceAllocator }).allocator
      // A second controller on the same stores, with a short interval instead of kube's 10 s.
      await runKubernetesServiceController(
        {
          services: lookup('', 'services'),
          endpoints: lookup('', 'endpoints'),
          endpointslices: lookup('discovery.k8s.io', 'endpointslices'),
          clusterIP: allocator.firstIP,
          advertiseAddress: '192.0.2.10',
          allocating: (fn) => allocator.serialized(lookup('', 'services'), fn),
          logger: chain.config.logger,
          intervalMs: 50,
        },
        ac.signal,
      )
      const svc = await request(chain.app).get('/api/v1/namespaces/default/services/kubernetes')
      expect(svc.body.spec.clusterIP).to.equal('10.96.0.1')
      const ep = await request(chain.app).get('/api/v1/namespaces/default/endpoints/kubernetes')
      expect(ep.body.subsets[0].addresses).to.deep.equal([{ ip: '192.0.2.10' }])
      await request(chain.app).delete('/api/v1/namespaces/default/services/kubernetes').expect(200)
      await eventually(async () => {
        expect((await request(chain.app).get('/api/v1/namespaces/default/services/kubernetes')).status).to.equal(200)
      })
    } finally {
      ac.abort()
      await stop()
    }
  })
})

describe('kube bootstrap options through createServerChain', () => {
  it('passes advertiseAddress and rootCA to the kube server', async () => {
    const rootCA = '-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n'
    const chain = createServerChain({ advertiseAddress: '192.0.2.77', rootCA, bootstrapIntervalMs: 50 })
    const stop = await chain.prepareRun().start()
    try {
      const ep = await request(chain.app).get('/api/v1/namespaces/default/endpoints/kubernetes')
      expect(ep.body.subsets[0].addresses).to.deep.equal([{ ip: '192.0.2.77' }])
      const cm = await request(chain.app).get('/api/v1/namespaces/default/configmaps/kube-root-ca.crt')
      expect(cm.body.data).to.deep.equal({ 'ca.crt': rootCA })
    } finally {
      await stop()
    }
  })
})

describe('kube bootstrap with two servers on one storage', () => {
  it('starts both, each tolerating the objects the other made', async () => {
    const storage = memoryStorageFactory()
    const a = createServerChain({ storage })
    const b = createServerChain({ storage })
    const stops = await Promise.all([a.prepareRun().start(), b.prepareRun().start()])
    try {
      for (const chain of [a, b]) {
        const ready = await request(chain.app).get('/readyz?verbose')
        expect(ready.status, ready.text).to.equal(200)
      }
      const services = (await request(a.app).get('/api/v1/namespaces/default/services')).body.items as Named[]
      expect(services.map((s) => s.metadata.name)).to.deep.equal(['kubernetes'])
      // A namespace made through one server gets its objects once, whichever controller wins.
      await request(b.app).post('/api/v1/namespaces').send({ metadata: { name: 'shared' } }).expect(201)
      await eventually(async () => {
        const sas = (await request(a.app).get('/api/v1/namespaces/shared/serviceaccounts')).body.items as Named[]
        expect(sas.map((s) => s.metadata.name)).to.deep.equal(['default'])
        const cms = (await request(a.app).get('/api/v1/namespaces/shared/configmaps')).body.items as Named[]
        expect(cms.map((c) => c.metadata.name)).to.deep.equal(['kube-root-ca.crt'])
      })
    } finally {
      for (const s of stops) await s()
    }
  })
})
