// Built-in resources are stored where kube-apiserver keeps them in etcd (test/integration/etcd/
// data.go), so the keys a user sees with etcdctl look like a real cluster's.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

describe('kube router storage layout', () => {
  let chain: ServerChain
  let stop: () => Promise<void>

  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
    const created = await Promise.all([
      request(chain.app).post('/api/v1/nodes').send({ metadata: { name: 'n1' } }),
      request(chain.app)
        .post('/apis/apps/v1/namespaces/default/deployments')
        .send({ metadata: { name: 'web' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }),
      request(chain.app)
        .post('/api/v1/namespaces/default/replicationcontrollers')
        .send({ metadata: { name: 'rc' }, spec: { selector: { a: 'b' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }),
      request(chain.app)
        .post('/apis/networking.k8s.io/v1/namespaces/default/ingresses')
        .send({ metadata: { name: 'ing' }, spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } } }),
    ])
    for (const res of created) expect(res.status, JSON.stringify(res.body)).to.equal(201)
  })
  after(async () => stop())

  const keys: [string, string][] = [
    ['the kubernetes Service', '/registry/services/specs/default/kubernetes'],
    ['the kubernetes Endpoints', '/registry/services/endpoints/default/kubernetes'],
    ['a Node', '/registry/minions/n1'],
    ['a Deployment (no group in the key)', '/registry/deployments/default/web'],
    ['a ReplicationController', '/registry/controllers/default/rc'],
    ['an Ingress', '/registry/ingress/default/ing'],
    ['a Namespace', '/registry/namespaces/default'],
    ['the default ServiceAccount', '/registry/serviceaccounts/default/default'],
  ]
  for (const [what, key] of keys) {
    it(`stores ${what} at ${key}`, async () => {
      const storage = chain.kube.config.storage()
      let stored: unknown
      for (let i = 0; i < 100 && stored === undefined; i++) {
        stored = await storage.get(key).catch(() => undefined)
        if (stored === undefined) await new Promise((r) => setTimeout(r, 20))
      }
      expect(stored, key).to.not.equal(undefined)
    })
  }
})
