// Service ClusterIP and NodePort allocation kept in storage (RangeAllocation objects, changed by
// compare-and-swap): two server chains on one storage never hand out the same IP or port, see
// each other's allocations and releases, and a chain started on existing Services avoids theirs.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import { serviceIPsKey, serviceNodePortsKey } from '../../routers/kube/core/services.js'
import { etcdStorageFactory } from '../../lib/storage/etcd/index.js'
import { memoryStorageFactory } from '../../lib/storage/memory/memory-storage.js'
import type { StorageFactory } from '../../lib/storage/interface.js'
import { etcdUnavailableReason, startEtcdCluster } from '../support/etcd.js'
import type { EtcdCluster } from '../support/etcd.js'

const ns = '/api/v1/namespaces/default'

interface Svc {
  metadata: { name: string }
  spec: { clusterIP?: string; clusterIPs?: string[]; ports: { nodePort?: number }[]; healthCheckNodePort?: number }
}

function service(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], ...spec } }
}

/** Creates n Services split over the chains, all at once; every third is a NodePort, every fifth a Local LoadBalancer. */
async function createConcurrently(chains: ServerChain[], n: number, prefix: string): Promise<Svc[]> {
  const responses = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const spec = i % 5 === 0 ? { type: 'LoadBalancer', externalTrafficPolicy: 'Local' } : i % 3 === 0 ? { type: 'NodePort' } : {}
      return request(chains[i % chains.length]!.app).post(`${ns}/services`).send(service(`${prefix}-${i}`, spec))
    }),
  )
  for (const res of responses) expect(res.status, JSON.stringify(res.body)).to.equal(201)
  return responses.map((r) => r.body as Svc)
}

/** Every Service stored, through one chain. */
async function allServices(chain: ServerChain): Promise<Svc[]> {
  return (await request(chain.app).get('/api/v1/services').expect(200)).body.items as Svc[]
}

function expectUnique(services: Svc[]): void {
  const ips = services.map((s) => s.spec.clusterIP).filter((ip): ip is string => ip !== undefined && ip !== 'None')
  expect(new Set(ips).size, `duplicate ClusterIPs in ${ips.join(' ')}`).to.equal(ips.length)
  const ports = services.flatMap((s) => [...s.spec.ports.map((p) => p.nodePort), s.spec.healthCheckNodePort]).filter((p): p is number => typeof p === 'number')
  expect(new Set(ports).size, `duplicate node ports in ${ports.join(' ')}`).to.equal(ports.length)
}

async function startTwo(storage: StorageFactory): Promise<{ a: ServerChain; b: ServerChain; stop: () => Promise<void> }> {
  const a = createServerChain({ storage })
  const b = createServerChain({ storage })
  const stops = await Promise.all([a.prepareRun().start(), b.prepareRun().start()])
  return { a, b, stop: async () => void (await Promise.all(stops.map((s) => s()))) }
}

describe('Service allocation shared by two servers on one storage', () => {
  let storage: StorageFactory
  let a: ServerChain
  let b: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    storage = memoryStorageFactory()
    ;({ a, b, stop } = await startTwo(storage))
  })
  after(async () => stop())

  it('hands out unique ClusterIPs and node ports to concurrent creates through both', async () => {
    const created = await createConcurrently([a, b], 60, 'many')
    expectUnique(created)
    // What was answered is what is stored, and the bootstrap "kubernetes" Service is apart too.
    const stored = await allServices(b)
    expectUnique(stored)
    expect(stored.map((s) => s.spec.clusterIP)).to.include('10.96.0.1')
    expect(created.filter((s) => s.spec.ports[0]!.nodePort !== undefined)).to.have.length(28)
  })

  it('hands out unique node ports to concurrent type changes through both', async () => {
    const patched = await Promise.all(
      Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 5 !== 0 && i % 3 !== 0).map((i) =>
        request((i % 2 === 0 ? b : a).app).patch(`${ns}/services/many-${i}`).set('Content-Type', 'application/merge-patch+json').send({ spec: { type: 'NodePort' } }),
      ),
    )
    for (const res of patched) expect(res.status, JSON.stringify(res.body)).to.equal(200)
    expectUnique(await allServices(a))
    // Back to ClusterIP: the node ports go back to the range (the bitmap check below counts IPs only).
    await Promise.all(patched.map((res) => request(a.app).patch(`${ns}/services/${res.body.metadata.name}`).set('Content-Type', 'application/merge-patch+json').send({ spec: { type: 'ClusterIP' } }).expect(200)))
  })

  it('keeps the bitmaps in storage as RangeAllocation objects', async () => {
    const ips = await storage().get(serviceIPsKey)
    expect(ips).to.include({ kind: 'RangeAllocation', range: '10.96.0.0/12' })
    const ports = await storage().get(serviceNodePortsKey)
    expect(ports).to.include({ kind: 'RangeAllocation', range: '30000-32767' })
    // 61 IPs taken (kubernetes and the 60 above): the low 61 bits of a big-endian integer.
    const bits = Buffer.from(String(ips['data']), 'base64')
    expect(bits.length).to.equal(8)
    expect(bits[0]).to.equal(0x1f)
    expect(bits.subarray(1).every((byte) => byte === 0xff)).to.equal(true)
  })

  it('refuses through B an IP and a node port taken through A, with kube messages', async () => {
    await request(a.app).post(`${ns}/services`).send(service('fixed-a', { clusterIP: '10.96.1.5', type: 'NodePort', ports: [{ port: 80, nodePort: 31500 }] })).expect(201)
    const ip = await request(b.app).post(`${ns}/services`).send(service('fixed-b', { clusterIP: '10.96.1.5' }))
    expect(ip.status).to.equal(422)
    expect(ip.body.message).to.equal('Service "fixed-b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.1.5"}: failed to allocate IP 10.96.1.5: provided IP is already allocated')
    const port = await request(b.app).post(`${ns}/services`).send(service('fixed-b', { type: 'NodePort', ports: [{ port: 80, nodePort: 31500 }] }))
    expect(port.status).to.equal(422)
    expect(port.body.message).to.equal('Service "fixed-b" is invalid: spec.ports[0].nodePort: Invalid value: 31500: provided port is already allocated')
    // A dry run is refused the same way.
    const dry = await request(b.app).post(`${ns}/services?dryRun=All`).send(service('fixed-b', { clusterIP: '10.96.1.5' }))
    expect(dry.status).to.equal(422)
    expect(dry.body.message).to.contain('provided IP is already allocated')
  })

  it('frees through A what B then gets: delete and a type change that drops node ports', async () => {
    await request(a.app).delete(`${ns}/services/fixed-a`).expect(200)
    await request(b.app).post(`${ns}/services`).send(service('fixed-b', { clusterIP: '10.96.1.5' })).expect(201)
    await request(a.app).post(`${ns}/services`).send(service('np-a', { type: 'NodePort', ports: [{ port: 80, nodePort: 31600 }] })).expect(201)
    const refused = await request(b.app).post(`${ns}/services`).send(service('np-b', { type: 'NodePort', ports: [{ port: 80, nodePort: 31600 }] }))
    expect(refused.status).to.equal(422)
    const changed = await request(a.app).patch(`${ns}/services/np-a`).set('Content-Type', 'application/merge-patch+json').send({ spec: { type: 'ClusterIP' } })
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200)
    expect(changed.body.spec.ports[0].nodePort).to.equal(undefined)
    const got = await request(b.app).post(`${ns}/services`).send(service('np-b', { type: 'NodePort', ports: [{ port: 80, nodePort: 31600 }] }))
    expect(got.status, JSON.stringify(got.body)).to.equal(201)
  })

  it('persists nothing for a dry run', async () => {
    const dry = await request(a.app).post(`${ns}/services?dryRun=All`).send(service('dry', { clusterIP: '10.96.2.9', type: 'NodePort', ports: [{ port: 80, nodePort: 31700 }] }))
    expect(dry.status).to.equal(201)
    expect(dry.body.spec.clusterIP).to.equal('10.96.2.9')
    const dryAuto = await request(a.app).post(`${ns}/services?dryRun=All`).send(service('dry-auto', { type: 'NodePort' }))
    expect(dryAuto.status).to.equal(201)
    // What the dry run showed is still free for a real create through the other server.
    const real = await request(b.app).post(`${ns}/services`).send(service('real', { clusterIP: '10.96.2.9', type: 'NodePort', ports: [{ port: 80, nodePort: 31700 }] }))
    expect(real.status, JSON.stringify(real.body)).to.equal(201)
    const next = await request(b.app).post(`${ns}/services`).send(service('real-auto', { type: 'NodePort' }))
    expect(next.body.spec.clusterIP).to.equal(dryAuto.body.spec.clusterIP)
    expect(next.body.spec.ports[0].nodePort).to.equal(dryAuto.body.spec.ports[0].nodePort)
  })

  it('does not reuse the IPs and ports of existing Services when started on them', async () => {
    // Storage written before the bitmaps existed: only the Services are there.
    await storage().delete(serviceIPsKey)
    await storage().delete(serviceNodePortsKey)
    const c = createServerChain({ storage })
    const stopC = await c.prepareRun().start()
    try {
      const before = await allServices(c)
      const created = await createConcurrently([c], 12, 'late')
      expectUnique([...before, ...created])
      const taken = await request(c.app).post(`${ns}/services`).send(service('late-fixed', { clusterIP: '10.96.1.5' }))
      expect(taken.status).to.equal(422)
      expect(taken.body.message).to.contain('provided IP is already allocated')
    } finally {
      await stopC()
    }
  })
})

describe('Service allocation edges on a shared storage', () => {
  let a: ServerChain
  let b: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    ;({ a, b, stop } = await startTwo(memoryStorageFactory()))
  })
  after(async () => stop())

  it('answers a full node port range with kube\'s InternalError through the other server', async () => {
    // One Service holding the whole default range (30000-32767) of node ports.
    const ports = Array.from({ length: 2768 }, (_, i) => ({ name: `p${i}`, port: i + 1, protocol: 'TCP', targetPort: 80 }))
    await request(a.app).post(`${ns}/services`).send(service('all-ports', { type: 'NodePort', ports })).expect(201)
    const full = await request(b.app).post(`${ns}/services`).send(service('one-more', { type: 'NodePort' }))
    expect(full.status).to.equal(500)
    expect(full.body.message).to.equal('Internal error occurred: failed to allocate a nodePort: range is full')
    await request(a.app).delete(`${ns}/services/all-ports`).expect(200)
    const fits = await request(b.app).post(`${ns}/services`).send(service('one-more', { type: 'NodePort' }))
    expect(fits.status, JSON.stringify(fits.body)).to.equal(201)
    expect(fits.body.spec.ports[0].nodePort).to.equal(30000)
  })

  it('frees the IPs of Services removed with their namespace', async () => {
    await request(a.app).post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } }).expect(201)
    await request(a.app).post('/api/v1/namespaces/gone/services').send(service('held', { clusterIP: '10.96.3.3' })).expect(201)
    await request(a.app).delete('/api/v1/namespaces/gone').expect(200)
    // The namespace controller empties the namespace, then it disappears.
    for (let i = 0; i < 200 && (await request(a.app).get('/api/v1/namespaces/gone')).status !== 404; i++) await new Promise((r) => setTimeout(r, 50))
    const reused = await request(b.app).post(`${ns}/services`).send(service('reused', { clusterIP: '10.96.3.3' }))
    expect(reused.status, JSON.stringify(reused.body)).to.equal(201)
  })
})

describe('Service allocation shared by two servers on etcd', function () {
  this.timeout(60_000)
  const skipReason = etcdUnavailableReason()
  let cluster: EtcdCluster | undefined
  before(async function () {
    if (skipReason !== undefined) {
      console.warn(`    skipping the etcd allocation spec: ${skipReason}`)
      this.skip()
    }
    cluster = await startEtcdCluster(1)
  })
  after(async () => {
    await cluster?.remove()
    cluster = undefined
  })

  it('hands out unique ClusterIPs and node ports to concurrent creates through both', async () => {
    // Two factories: two etcd clients, as two processes would have.
    const a = createServerChain({ storage: etcdStorageFactory({ endpoints: cluster!.endpoints }) })
    const b = createServerChain({ storage: etcdStorageFactory({ endpoints: cluster!.endpoints }) })
    const stops = await Promise.all([a.prepareRun().start(), b.prepareRun().start()])
    try {
      const created = await createConcurrently([a, b], 40, 'etcd')
      expectUnique(created)
      expectUnique(await allServices(a))
      await request(a.app).delete(`${ns}/services/etcd-1`).expect(200)
      const reused = await request(b.app).post(`${ns}/services`).send(service('etcd-again', { clusterIP: created[1]!.spec.clusterIP }))
      expect(reused.status, JSON.stringify(reused.body)).to.equal(201)
    } finally {
      await Promise.all(stops.map((s) => s()))
    }
  })
})
