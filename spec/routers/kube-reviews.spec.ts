// The create-only review APIs: authorization.k8s.io/v1 access and rules reviews and
// authentication.k8s.io/v1 SelfSubjectReview and TokenReview. Nothing is stored; with no
// authorizer configured every review is answered as kube's AlwaysAllow answers it.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

const authz = '/apis/authorization.k8s.io/v1'
const authn = '/apis/authentication.k8s.io/v1'

describe('review APIs', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  it('answers what kubectl auth can-i sends with allowed: true', async () => {
    const res = await request(chain.app)
      .post(`${authz}/selfsubjectaccessreviews`)
      .send({
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } },
        status: { allowed: false },
      })
    expect(res.status).to.equal(201)
    expect(res.body).to.deep.equal({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } },
      status: { allowed: true },
    })
  })

  it('validates review specs with kube messages', async () => {
    const none = await request(chain.app).post(`${authz}/selfsubjectaccessreviews`).send({ spec: {} })
    expect(none.status).to.equal(422)
    expect(none.body.message).to.equal(
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    )
    const noUser = await request(chain.app).post(`${authz}/subjectaccessreviews`).send({ spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } } })
    expect(noUser.status).to.equal(422)
    expect(noUser.body.message).to.equal('SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified')
    const local = await request(chain.app).post(`${authz}/namespaces/default/localsubjectaccessreviews`).send({ spec: { user: 'u', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } } })
    expect(local.status).to.equal(422)
    expect(local.body.message).to.equal('LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace')
    const ok = await request(chain.app).post(`${authz}/namespaces/default/localsubjectaccessreviews`).send({ spec: { user: 'u', resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } } })
    expect(ok.status).to.equal(201)
    expect(ok.body.metadata).to.deep.equal({ namespace: 'default', creationTimestamp: null })
    expect(ok.body.status).to.deep.equal({ allowed: true })
  })

  it('answers a rules review with everything allowed', async () => {
    const res = await request(chain.app).post(`${authz}/selfsubjectrulesreviews`).send({ spec: { namespace: 'default' } })
    expect(res.status).to.equal(201)
    expect(res.body.status).to.deep.equal({
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    })
  })

  it('tells the anonymous user who they are', async () => {
    const res = await request(chain.app).post(`${authn}/selfsubjectreviews`).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })
    expect(res.status).to.equal(201)
    expect(res.body).to.deep.equal({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: 'system:anonymous', groups: ['system:unauthenticated'] } },
    })
  })

  it('serves create only, and stores nothing', async () => {
    const get = await request(chain.app).get(`${authz}/selfsubjectaccessreviews`)
    expect(get.status).to.equal(405)
    const disco = await request(chain.app).get(authz)
    expect(disco.body.resources.map((r: { name: string; verbs: string[] }) => [r.name, r.verbs.join(',')])).to.deep.equal([
      ['localsubjectaccessreviews', 'create'],
      ['selfsubjectaccessreviews', 'create'],
      ['selfsubjectrulesreviews', 'create'],
      ['subjectaccessreviews', 'create'],
    ])
    const token = await request(chain.app).post(`${authn}/tokenreviews`).send({ spec: { token: 'abc' } })
    expect(token.status).to.equal(201)
    expect(token.body.status).to.deep.equal({ user: {} })
    const noToken = await request(chain.app).post(`${authn}/tokenreviews`).send({ spec: {} })
    expect(noToken.status).to.equal(400)
    expect(noToken.body.message).to.equal('token is required for TokenReview in authentication')
  })
})
