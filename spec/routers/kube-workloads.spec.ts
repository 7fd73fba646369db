// Pods, Services and ReplicationControllers on a chain that installs them through typedResource:
// defaults, validation messages, ClusterIP/NodePort allocation, binding, Table cells and field
// selectors, with the JSON bodies kubectl run and kubectl expose send.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import { workloadCoreResources } from '../../routers/kube/core/workloads.js'
import { typedResource } from '../../routers/kube/typed.js'

const base = '/api/v1/namespaces/default'
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'

/** What `kubectl run <name> --image=nginx` sends. */
function runPod(name: string): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, creationTimestamp: null, labels: { run: name } },
    spec: { containers: [{ name, image: 'nginx', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
    status: {},
  }
}

/** What `kubectl expose deployment <name> --port=80 [--type=...]` sends. */
function exposed(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name, creationTimestamp: null, labels: { app: name } },
    spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], selector: { app: name }, ...spec },
    status: { loadBalancer: {} },
  }
}

describe('core/v1 workloads', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    for (const def of workloadCoreResources) chain.kube.installResource(typedResource(def))
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  describe('pods', () => {
    it('defaults a kubectl run pod, Pending with a QoS class', async () => {
      const res = await request(chain.app).post(`${base}/pods`).send(runPod('p'))
      expect(res.status).to.equal(201)
      expect(res.body.status).to.deep.equal({ phase: 'Pending', qosClass: 'BestEffort' })
      expect(res.body.spec).to.deep.include({ restartPolicy: 'Always', schedulerName: 'default-scheduler', enableServiceLinks: true, terminationGracePeriodSeconds: 30 })
      expect(res.body.spec.containers[0]).to.deep.include({ imagePullPolicy: 'Always', terminationMessagePolicy: 'File' })
    })

    it('classes a pod with equal limits as Guaranteed', async () => {
      const body = runPod('g')
      ;(body['spec'] as { containers: Record<string, unknown>[] }).containers[0]!['resources'] = { limits: { cpu: '1', memory: '1Gi' } }
      const res = await request(chain.app).post(`${base}/pods`).send(body)
      expect(res.body.status.qosClass).to.equal('Guaranteed')
      expect(res.body.spec.containers[0].resources.requests).to.deep.equal({ cpu: '1', memory: '1Gi' })
    })

    it('requires containers and images', async () => {
      const res = await request(chain.app).post(`${base}/pods`).send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: { containers: [{ name: 'c' }] } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal('Pod "bad" is invalid: spec.containers[0].image: Required value')
      const none = await request(chain.app).post(`${base}/pods`).send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: {} })
      expect(none.body.message).to.equal('Pod "bad" is invalid: spec.containers: Required value')
    })

    it('binds a pod to a node once', async () => {
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-1' } }
      const res = await request(chain.app).post(`${base}/pods/p/binding`).send(binding)
      expect(res.status).to.equal(201)
      expect(res.body).to.deep.include({ kind: 'Status', status: 'Success', code: 201 })
      const pod = await request(chain.app).get(`${base}/pods/p`)
      expect(pod.body.spec.nodeName).to.equal('node-1')
      expect(pod.body.status.conditions[0]).to.deep.include({ type: 'PodScheduled', status: 'True' })
      const again = await request(chain.app).post(`${base}/pods/p/binding`).send(binding)
      expect(again.status).to.equal(409)
      expect(again.body.message).to.equal('Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "node-1"')
    })

    it('selects pods by spec.nodeName', async () => {
      const bound = await request(chain.app).get(`${base}/pods?fieldSelector=spec.nodeName%3Dnode-1`)
      expect(bound.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).to.deep.equal(['p'])
      const unbound = await request(chain.app).get(`${base}/pods?fieldSelector=spec.nodeName%3D`)
      expect(unbound.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).to.deep.equal(['g'])
    })

    it('prints READY and STATUS from container statuses', async () => {
      const status = {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
          { name: 'b', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      }
      const body = runPod('t')
      ;(body['spec'] as { containers: unknown[] }).containers = [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx' }]
      await request(chain.app).post(`${base}/pods`).send(body).expect(201)
      const upd = await request(chain.app).patch(`${base}/pods/t/status`).set('Content-Type', 'application/merge-patch+json').send({ status })
      expect(upd.status).to.equal(200)
      const res = await request(chain.app).get(`${base}/pods/t`).set('Accept', tableAccept)
      expect(res.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'])
      expect(res.body.rows[0].cells.slice(0, 4)).to.deep.equal(['t', '1/2', 'CrashLoopBackOff', '2'])
      expect(res.body.rows[0].cells.slice(5)).to.deep.equal(['<none>', '<none>', '<none>', '<none>'])
    })

    it('deletes a pod at once', async () => {
      await request(chain.app).delete(`${base}/pods/t`).expect(200)
      await request(chain.app).get(`${base}/pods/t`).expect(404)
    })
  })

  describe('services', () => {
    it('defaults and allocates the first free ClusterIP', async () => {
      // The bootstrap "kubernetes" Service holds the first address of the range.
      const kubernetes = await request(chain.app).get('/api/v1/namespaces/default/services/kubernetes')
      expect(kubernetes.body.spec.clusterIP).to.equal('10.96.0.1')
      const res = await request(chain.app).post(`${base}/services`).send(exposed('web'))
      expect(res.status).to.equal(201)
      expect(res.body.spec).to.deep.equal({
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        selector: { app: 'web' },
        clusterIP: '10.96.0.2',
        clusterIPs: ['10.96.0.2'],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      })
      expect(res.body.status).to.deep.equal({ loadBalancer: {} })
      const next = await request(chain.app).post(`${base}/services`).send(exposed('web2', { ports: [{ port: 8080 }] }))
      expect(next.body.spec.clusterIP).to.equal('10.96.0.3')
      expect(next.body.spec.ports[0]).to.deep.equal({ port: 8080, protocol: 'TCP', targetPort: 8080 })
    })

    it('refuses a taken or out-of-range ClusterIP with kube messages', async () => {
      const taken = await request(chain.app).post(`${base}/services`).send(exposed('dup', { clusterIP: '10.96.0.1' }))
      expect(taken.status).to.equal(422)
      expect(taken.body.message).to.equal('Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated')
      const out = await request(chain.app).post(`${base}/services`).send(exposed('out', { clusterIP: '10.0.0.5' }))
      expect(out.body.message).to.equal(
        'Service "out" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
      )
    })

    it('keeps clusterIP immutable and carries it over when left out', async () => {
      const changed = await request(chain.app).patch(`${base}/services/web`).set('Content-Type', 'application/merge-patch+json').send({ spec: { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'] } })
      expect(changed.status).to.equal(422)
      expect(changed.body.message).to.contain('spec.clusterIP: Invalid value: "10.96.0.50": field is immutable')
      const current = (await request(chain.app).get(`${base}/services/web`)).body
      delete current.spec.clusterIP
      delete current.spec.clusterIPs
      const put = await request(chain.app).put(`${base}/services/web`).send(current)
      expect(put.status).to.equal(200)
      expect(put.body.spec.clusterIP).to.equal('10.96.0.2')
    })

    it('releases the IP on delete for the next service', async () => {
      await request(chain.app).delete(`${base}/services/web`).expect(200)
      const res = await request(chain.app).post(`${base}/services`).send(exposed('web3'))
      expect(res.body.spec.clusterIP).to.equal('10.96.0.2')
    })

    it('allocates node ports and refuses a taken one', async () => {
      const res = await request(chain.app).post(`${base}/services`).send(exposed('np', { type: 'NodePort' }))
      expect(res.status).to.equal(201)
      expect(res.body.spec.ports[0].nodePort).to.equal(30000)
      expect(res.body.spec.externalTrafficPolicy).to.equal('Cluster')
      const lb = await request(chain.app).post(`${base}/services`).send(exposed('lb', { type: 'LoadBalancer' }))
      expect(lb.body.spec.ports[0].nodePort).to.equal(30001)
      const dup = await request(chain.app).post(`${base}/services`).send(exposed('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] }))
      expect(dup.status).to.equal(422)
      expect(dup.body.message).to.equal('Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30000: provided port is already allocated')
      const table = await request(chain.app).get(`${base}/services`).set('Accept', tableAccept)
      const rows = new Map(table.body.rows.map((r: { cells: unknown[] }) => [r.cells[0], r.cells]))
      expect(rows.get('np')).to.deep.include.members(['NodePort', '<none>', '80:30000/TCP'])
      expect(rows.get('lb')).to.deep.include.members(['LoadBalancer', '<pending>', '80:30001/TCP'])
      await request(chain.app).delete(`${base}/services/np`).expect(200)
      const again = await request(chain.app).post(`${base}/services`).send(exposed('np3', { type: 'NodePort' }))
      expect(again.body.spec.ports[0].nodePort).to.equal(30000)
    })

    it('serves headless and ExternalName services', async () => {
      const headless = await request(chain.app).post(`${base}/services`).send(exposed('h', { clusterIP: 'None' }))
      expect(headless.status).to.equal(201)
      expect(headless.body.spec.clusterIPs).to.deep.equal(['None'])
      const ext = await request(chain.app).post(`${base}/services`).send({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName' } })
      expect(ext.status).to.equal(422)
      expect(ext.body.message).to.equal('Service "ext" is invalid: spec.externalName: Required value')
      const ok = await request(chain.app).post(`${base}/services`).send({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } })
      expect(ok.status).to.equal(201)
      expect(ok.body.spec).to.not.have.property('clusterIP')
    })
  })

  describe('replicationcontrollers', () => {
    it('defaults replicas and the selector from the template', async () => {
      const res = await request(chain.app)
        .post(`${base}/replicationcontrollers`)
        .send({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } })
      expect(res.status).to.equal(201)
      expect(res.body.spec.replicas).to.equal(1)
      expect(res.body.spec.selector).to.deep.equal({ app: 'rc' })
      expect(res.body.metadata.labels).to.deep.equal({ app: 'rc' })
      const scale = await request(chain.app).get(`${base}/replicationcontrollers/rc/scale`)
      expect(scale.body.spec.replicas).to.equal(1)
      const table = await request(chain.app).get(`${base}/replicationcontrollers/rc`).set('Accept', tableAccept)
      expect(table.body.rows[0].cells.slice(0, 4)).to.deep.equal(['rc', 1, 0, 0])
    })
  })
})
