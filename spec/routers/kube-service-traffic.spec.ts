// Service externalTrafficPolicy and the fields that depend on the Service type: the policy only
// on externally-accessible services, a health check node port for LoadBalancer + Local, and
// dropTypeDependentFields when an update changes the type.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

const ns = '/api/v1/namespaces/default'

function svc(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], ...spec } }
}

describe('Service externalTrafficPolicy and type-dependent fields', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  it('refuses externalTrafficPolicy on a ClusterIP Service', async () => {
    const res = await request(chain.app).post(`${ns}/services`).send(svc('etp', { externalTrafficPolicy: 'Local' }))
    expect(res.status).to.equal(422)
    expect(res.body.message).to.equal('Service "etp" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services')
  })

  it('defaults and accepts it on a ClusterIP Service with externalIPs', async () => {
    const res = await request(chain.app).post(`${ns}/services`).send(svc('extip', { externalIPs: ['192.0.2.10'] }))
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
    expect(res.body.spec.externalTrafficPolicy).to.equal('Cluster')
  })

  it('refuses an unknown policy and a health check port without LoadBalancer + Local', async () => {
    const bad = await request(chain.app).post(`${ns}/services`).send(svc('etp2', { type: 'NodePort', externalTrafficPolicy: 'Nearby' }))
    expect(bad.status).to.equal(422)
    expect(bad.body.message).to.equal('Service "etp2" is invalid: spec.externalTrafficPolicy: Unsupported value: "Nearby": supported values: "Cluster", "Local"')
    const hc = await request(chain.app).post(`${ns}/services`).send(svc('hc', { type: 'NodePort', healthCheckNodePort: 31000 }))
    expect(hc.status).to.equal(422)
    expect(hc.body.message).to.equal("Service \"hc\" is invalid: spec.healthCheckNodePort: Invalid value: 31000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'")
  })

  it('allocates a health check node port for LoadBalancer + Local', async () => {
    const res = await request(chain.app).post(`${ns}/services`).send(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }))
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
    const hc = res.body.spec.healthCheckNodePort
    expect(hc).to.be.a('number').within(30000, 32767)
    expect(hc).to.not.equal(res.body.spec.ports[0].nodePort)
    // The port is taken: another Service may not ask for it.
    const clash = await request(chain.app).post(`${ns}/services`).send(svc('lb2', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: hc }] }))
    expect(clash.status).to.equal(422)
    expect(clash.body.message).to.include('provided port is already allocated')
  })

  it('drops node ports and externalTrafficPolicy when NodePort becomes ClusterIP', async () => {
    const created = await request(chain.app).post(`${ns}/services`).send(svc('np', { type: 'NodePort', externalTrafficPolicy: 'Local' }))
    expect(created.status).to.equal(201)
    const body = created.body
    body.spec.type = 'ClusterIP'
    const res = await request(chain.app).put(`${ns}/services/np`).send(body)
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    expect(res.body.spec.externalTrafficPolicy).to.equal(undefined)
    expect(res.body.spec.ports[0].nodePort).to.equal(undefined)
  })

  it('drops the LoadBalancer-only fields when LoadBalancer becomes ClusterIP', async () => {
    const created = await request(chain.app).post(`${ns}/services`).send(svc('lb3', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }))
    const body = created.body
    body.spec.type = 'ClusterIP'
    const res = await request(chain.app).put(`${ns}/services/lb3`).send(body)
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    for (const k of ['externalTrafficPolicy', 'healthCheckNodePort', 'allocateLoadBalancerNodePorts']) expect(res.body.spec[k], k).to.equal(undefined)
  })
})
