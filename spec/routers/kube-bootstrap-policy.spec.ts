// The objects kube-apiserver bootstraps besides namespaces: the default RBAC ClusterRoles and
// ClusterRoleBindings (rbac/bootstrap-roles), the system PriorityClasses, and the
// clusterrole-aggregation controller that fills admin, edit and view from the aggregate-to roles.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import { memoryStorageFactory } from '../../lib/storage/memory/memory-storage.js'

const rbac = '/apis/rbac.authorization.k8s.io/v1'

async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('condition never held')
}

describe('kube bootstrap policy', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  it('creates the default ClusterRoles with kube labels and annotations', async () => {
    const res = await request(chain.app).get(`${rbac}/clusterroles/cluster-admin`)
    expect(res.status).to.equal(200)
    expect(res.body.metadata.labels).to.deep.equal({ 'kubernetes.io/bootstrapping': 'rbac-defaults' })
    expect(res.body.metadata.annotations).to.deep.equal({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' })
    expect(res.body.rules).to.deep.equal([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ])
    for (const name of ['admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:aggregate-to-view']) {
      const r = await request(chain.app).get(`${rbac}/clusterroles/${encodeURIComponent(name)}`)
      expect(r.status, name).to.equal(200)
    }
    const edit = await request(chain.app).get(`${rbac}/clusterroles/edit`)
    expect(edit.body.metadata.labels).to.deep.equal({ 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' })
    expect(edit.body.aggregationRule).to.deep.equal({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] })
  })

  it('creates the default ClusterRoleBindings', async () => {
    const admin = await request(chain.app).get(`${rbac}/clusterrolebindings/cluster-admin`)
    expect(admin.status).to.equal(200)
    expect(admin.body.subjects).to.deep.equal([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }])
    const info = await request(chain.app).get(`${rbac}/clusterrolebindings/system:public-info-viewer`)
    expect(info.body.subjects.map((s: { name: string }) => s.name)).to.deep.equal(['system:authenticated', 'system:unauthenticated'])
  })

  it('aggregates view into edit into admin', async () => {
    const view = await request(chain.app).get(`${rbac}/clusterroles/view`)
    const aggView = await request(chain.app).get(`${rbac}/clusterroles/system:aggregate-to-view`)
    expect(view.body.rules).to.deep.equal(aggView.body.rules)
    const admin = await request(chain.app).get(`${rbac}/clusterroles/admin`)
    expect(admin.body.rules).to.deep.include({ apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] })
    // Transitively: view's rules reach admin through edit, settled by the time the server started.
    for (const rule of aggView.body.rules) expect(admin.body.rules).to.deep.include(rule)
    expect(admin.body.rules).to.deep.include({ apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] })
  })

  it('adds the rules of a new role labelled aggregate-to-view', async () => {
    const rule = { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }
    await request(chain.app)
      .post(`${rbac}/clusterroles`)
      .send({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [rule] })
      .expect(201)
    const view = await eventually(async () => {
      const r = await request(chain.app).get(`${rbac}/clusterroles/view`)
      return (r.body.rules as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(rule)) ? r.body : undefined
    })
    expect(view.rules).to.deep.include(rule)
    await eventually(async () => {
      const r = await request(chain.app).get(`${rbac}/clusterroles/admin`)
      return (r.body.rules as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(rule)) ? true : undefined
    })
  })

  it('creates the system priority classes', async () => {
    const node = await request(chain.app).get('/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical')
    expect(node.status).to.equal(200)
    expect(node.body.value).to.equal(2000001000)
    const cluster = await request(chain.app).get('/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical')
    expect(cluster.body.value).to.equal(2000000000)
    expect(cluster.body.preemptionPolicy).to.equal('PreemptLowerPriority')
  })

  it('tolerates bootstrap objects that already exist (a second server on the same storage)', async () => {
    const storage = memoryStorageFactory()
    const first = createServerChain({ storage })
    const stop1 = await first.prepareRun().start()
    const second = createServerChain({ storage })
    const stop2 = await second.prepareRun().start()
    const res = await request(second.app).get(`${rbac}/clusterroles/view`)
    expect(res.body.rules).to.not.be.empty
    await stop2()
    await stop1()
  })
})
