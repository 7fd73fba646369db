/**
 * NamespaceLifecycle reads namespaces from an informer cache that follows storage: two servers
 * sharing one storage (as two processes on one etcd) see each other's namespaces, a namespace
 * created a moment before is found by a live read, and a namespace deleted through this server is
 * refused at once. The chains are not started, so no namespace controller finalizes a deleted
 * namespace: it stays Terminating.
 */
import { expect } from 'chai'
import request from 'supertest'
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.js'
import { createServerChain } from '../../routers/chain.js'

type Chain = ReturnType<typeof createServerChain>

function configMap(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } }
}

async function createNamespace(chain: Chain, name: string): Promise<void> {
  const res = await request(chain.app).post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  expect(res.status, JSON.stringify(res.body)).to.equal(201)
}

async function createConfigMap(chain: Chain, namespace: string, name: string): Promise<request.Response> {
  return request(chain.app).post(`/api/v1/namespaces/${namespace}/configmaps`).send(configMap(name))
}

function expectTerminating(res: request.Response, namespace: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(403)
  expect(res.body.reason).to.equal('Forbidden')
  expect(res.body.message).to.include(`unable to create new content in namespace ${namespace} because it is being terminated`)
  expect(res.body.details.causes).to.deep.equal([{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }])
}

describe('NamespaceLifecycle namespace cache', () => {
  let storage: MemoryStorage
  let a: Chain
  let b: Chain
  const shutdown: AbortController[] = []

  beforeEach(() => {
    storage = new MemoryStorage()
    a = createServerChain({ storage: () => storage })
    b = createServerChain({ storage: () => storage })
    shutdown.push(a.config.shutdownController, b.config.shutdownController)
  })

  afterEach(async () => {
    for (const c of shutdown.splice(0)) c.abort()
    await storage.close()
  })

  it('admits a create in a namespace another server created a moment before', async () => {
    await createNamespace(a, 'warm')
    // The first create starts A's cache; the next namespace comes from B.
    expect((await createConfigMap(a, 'warm', 'one')).status).to.equal(201)
    await createNamespace(b, 'fresh')
    const res = await createConfigMap(a, 'fresh', 'one')
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
  })

  it('refuses a create in a namespace that does not exist, with the live read 404', async () => {
    await createNamespace(a, 'warm')
    expect((await createConfigMap(a, 'warm', 'one')).status).to.equal(201)
    const res = await createConfigMap(a, 'missing', 'one')
    expect(res.status).to.equal(404)
    expect(res.body.reason).to.equal('NotFound')
    expect(res.body.message).to.equal('namespaces "missing" not found')
  })

  it('refuses at once a create in a namespace just deleted through the same server', async () => {
    await createNamespace(a, 'doomed')
    expect((await createConfigMap(a, 'doomed', 'one')).status).to.equal(201)
    expect((await request(a.app).delete('/api/v1/namespaces/doomed')).status).to.be.oneOf([200, 202])
    expectTerminating(await createConfigMap(a, 'doomed', 'two'), 'doomed')
  })

  it('refuses a create in a namespace another server put in Terminating, once the watch brings it', async () => {
    await createNamespace(a, 'shared')
    expect((await createConfigMap(a, 'shared', 'one')).status).to.equal(201)
    expect((await request(b.app).delete('/api/v1/namespaces/shared')).status).to.be.oneOf([200, 202])
    // The cache follows storage: the Terminating state arrives with the watch event (kube accepts
    // the window before it). Poll with a generous deadline; the assertion is on the outcome.
    let res = await createConfigMap(a, 'shared', 'probe-0')
    for (let i = 1; res.status === 201 && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      res = await createConfigMap(a, 'shared', `probe-${i}`)
    }
    expectTerminating(res, 'shared')
  })
})
