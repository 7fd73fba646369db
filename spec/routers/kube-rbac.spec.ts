// The rbac.authorization.k8s.io/v1 and admissionregistration.k8s.io/v1 declarations on a chain that
// installs them (typedResource, as the kube server does for built-ins): discovery, defaults, kube's
// validation messages, roleRef immutability and Table columns, as a client sees them on the wire.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import { admissionRegistrationResources } from '../../routers/kube/admissionregistration/index.js'
import { rbacResources } from '../../routers/kube/rbac/index.js'
import { typedResource } from '../../routers/kube/typed.js'

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
const rbac = '/apis/rbac.authorization.k8s.io/v1'
const admission = '/apis/admissionregistration.k8s.io/v1'

function webhook(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clientConfig: { service: { name: 'hook', namespace: 'default' } },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  }
}

describe('rbac and admissionregistration resources', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    for (const def of [...rbacResources, ...admissionRegistrationResources]) chain.kube.installResource(typedResource(def))
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  describe('discovery', () => {
    it('lists the four rbac kinds with their scopes', async () => {
      const res = await request(chain.app).get(rbac)
      expect(res.status).to.equal(200)
      expect(res.body).to.deep.include({ kind: 'APIResourceList', groupVersion: 'rbac.authorization.k8s.io/v1' })
      const byName = new Map(res.body.resources.map((r: { name: string }) => [r.name, r]))
      expect([...byName.keys()].sort()).to.deep.equal(['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'])
      expect(byName.get('roles')).to.deep.include({ singularName: 'role', namespaced: true, kind: 'Role' })
      expect(byName.get('clusterrolebindings')).to.deep.include({ namespaced: false, kind: 'ClusterRoleBinding' })
    })

    it('lists the webhook configurations, cluster-scoped, in the api-extensions category', async () => {
      const res = await request(chain.app).get(admission)
      expect(res.status).to.equal(200)
      const byName = new Map(res.body.resources.map((r: { name: string }) => [r.name, r]))
      expect(byName.get('validatingwebhookconfigurations')).to.deep.include({ namespaced: false, kind: 'ValidatingWebhookConfiguration', categories: ['api-extensions'] })
      expect(byName.get('mutatingwebhookconfigurations')).to.deep.include({ namespaced: false, kind: 'MutatingWebhookConfiguration' })
    })
  })

  describe('roles and cluster roles', () => {
    it('creates a role and writes rules: null when it has none', async () => {
      const res = await request(chain.app)
        .post(`${rbac}/namespaces/default/roles`)
        .send({ metadata: { name: 'reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] })
      expect(res.status).to.equal(201)
      expect(res.body.rules).to.deep.equal([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])
      const empty = await request(chain.app).post(`${rbac}/namespaces/default/roles`).send({ metadata: { name: 'empty' } })
      expect(empty.status).to.equal(201)
      expect(empty.body.rules).to.equal(null)
    })

    it('rejects rules without verbs, groups or resources, and non-resource URLs in a Role', async () => {
      const res = await request(chain.app)
        .post(`${rbac}/namespaces/default/roles`)
        .send({ metadata: { name: 'bad' }, rules: [{ resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }] })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs]',
      )
    })

    it('accepts non-resource URLs on cluster roles but not mixed with resources, and checks aggregationRule', async () => {
      const ok = await request(chain.app).post(`${rbac}/clusterroles`).send({ metadata: { name: 'health' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] })
      expect(ok.status).to.equal(201)
      const mixed = await request(chain.app)
        .post(`${rbac}/clusterroles`)
        .send({ metadata: { name: 'mixed' }, rules: [{ verbs: ['get'], resources: ['pods'], nonResourceURLs: ['/healthz'] }] })
      expect(mixed.body.message).to.equal(
        'ClusterRole.rbac.authorization.k8s.io "mixed" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
      )
      const agg = await request(chain.app).post(`${rbac}/clusterroles`).send({ metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [] } })
      expect(agg.body.message).to.equal(
        'ClusterRole.rbac.authorization.k8s.io "agg" is invalid: aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
      )
      const names = await request(chain.app).post(`${rbac}/clusterroles`).send({ metadata: { name: 'system:my-delegator' } })
      expect(names.status).to.equal(201)
    })

    it('prints Name and Created At', async () => {
      const res = await request(chain.app).get(`${rbac}/namespaces/default/roles/reader`).set('Accept', tableAccept)
      expect(res.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Created At'])
      expect(res.body.rows[0].cells[0]).to.equal('reader')
      expect(res.body.rows[0].cells[1]).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    })
  })

  describe('bindings', () => {
    it('defaults roleRef.apiGroup and User/Group subject apiGroups', async () => {
      const res = await request(chain.app)
        .post(`${rbac}/namespaces/default/rolebindings`)
        .send({
          metadata: { name: 'read' },
          roleRef: { kind: 'Role', name: 'reader' },
          subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'bot', namespace: 'default' }],
        })
      expect(res.status).to.equal(201)
      expect(res.body.roleRef).to.deep.equal({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' })
      expect(res.body.subjects).to.deep.equal([
        { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'ServiceAccount', name: 'bot', namespace: 'default' },
      ])
    })

    it('refuses a changed roleRef', async () => {
      const cur = await request(chain.app).get(`${rbac}/namespaces/default/rolebindings/read`)
      const res = await request(chain.app)
        .put(`${rbac}/namespaces/default/rolebindings/read`)
        .send({ ...cur.body, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'RoleBinding.rbac.authorization.k8s.io "read" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
      )
      const subjects = await request(chain.app)
        .put(`${rbac}/namespaces/default/rolebindings/read`)
        .send({ ...cur.body, subjects: [{ kind: 'User', name: 'bob' }] })
      expect(subjects.status).to.equal(200)
    })

    it('validates roleRef and subjects with kube messages', async () => {
      const rb = await request(chain.app)
        .post(`${rbac}/namespaces/default/rolebindings`)
        .send({ metadata: { name: 'bad' }, roleRef: { apiGroup: 'x', kind: 'Pod' }, subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'User', name: 'u', apiGroup: 'x' }] })
      expect(rb.body.message).to.equal(
        'RoleBinding.rbac.authorization.k8s.io "bad" is invalid: [roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io", roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole", roleRef.name: Required value, subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group", subjects[1].apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"]',
      )
      const crb = await request(chain.app)
        .post(`${rbac}/clusterrolebindings`)
        .send({ metadata: { name: 'bad' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'bot' }] })
      expect(crb.body.message).to.equal(
        'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value]',
      )
    })

    it('prints Role, Age and the subject columns', async () => {
      const created = await request(chain.app)
        .post(`${rbac}/clusterrolebindings`)
        .send({
          metadata: { name: 'viewers' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }],
        })
      expect(created.status).to.equal(201)
      const res = await request(chain.app).get(`${rbac}/clusterrolebindings/viewers`).set('Accept', tableAccept)
      expect(res.body.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}:${c.priority}`)).to.deep.equal([
        'Name:0',
        'Role:0',
        'Age:0',
        'Users:1',
        'Groups:1',
        'ServiceAccounts:1',
      ])
      const [name, role, age, users, groups, sas] = res.body.rows[0].cells
      expect([name, role, users, groups, sas]).to.deep.equal(['viewers', 'ClusterRole/view', 'a, b', '', 'ns/sa'])
      expect(age).to.match(/^\d+s$/)
    })
  })

  describe('webhook configurations', () => {
    it('defaults each webhook and its rules and service port', async () => {
      const res = await request(chain.app)
        .post(`${admission}/mutatingwebhookconfigurations`)
        .send({ metadata: { name: 'm' }, webhooks: [webhook('m.example.com')] })
      expect(res.status).to.equal(201)
      expect(res.body.metadata.generation).to.equal(1)
      expect(res.body.webhooks[0]).to.deep.equal({
        name: 'm.example.com',
        clientConfig: { service: { name: 'hook', namespace: 'default', port: 443 } },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        namespaceSelector: {},
        objectSelector: {},
        sideEffects: 'None',
        timeoutSeconds: 10,
        admissionReviewVersions: ['v1'],
        reinvocationPolicy: 'Never',
      })
      const v = await request(chain.app)
        .post(`${admission}/validatingwebhookconfigurations`)
        .send({ metadata: { name: 'v' }, webhooks: [webhook('v.example.com'), webhook('w.example.com')] })
      expect(v.status).to.equal(201)
      expect(v.body.webhooks[0]).to.not.have.property('reinvocationPolicy')
    })

    it('validates names, clientConfig, sideEffects, admissionReviewVersions and duplicates', async () => {
      const res = await request(chain.app)
        .post(`${admission}/validatingwebhookconfigurations`)
        .send({
          metadata: { name: 'bad' },
          webhooks: [
            webhook('short.name', { clientConfig: {}, sideEffects: undefined, admissionReviewVersions: [] }),
            webhook('a.b.c', { sideEffects: 'Some', timeoutSeconds: 31, clientConfig: { url: 'http://example.com/x?y=1' } }),
            webhook('a.b.c'),
          ],
        })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'ValidatingWebhookConfiguration.admissionregistration.k8s.io "bad" is invalid: [' +
          'webhooks[0].name: Invalid value: "short.name": should be a domain with at least three segments separated by dots, ' +
          'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun, ' +
          'webhooks[0].clientConfig: Required value: exactly one of url or service is required, ' +
          'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1, ' +
          'webhooks[1].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun", ' +
          'webhooks[1].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds, ' +
          'webhooks[1].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path], ' +
          'webhooks[1].clientConfig.url: Invalid value: "y=1": query parameters are not permitted in the URL, ' +
          'webhooks[2].name: Duplicate value: "a.b.c"]',
      )
    })

    it('bumps generation when webhooks change and prints the webhook count', async () => {
      const cur = await request(chain.app).get(`${admission}/validatingwebhookconfigurations/v`)
      const updated = await request(chain.app)
        .put(`${admission}/validatingwebhookconfigurations/v`)
        .send({ ...cur.body, webhooks: [cur.body.webhooks[0]] })
      expect(updated.status).to.equal(200)
      expect(updated.body.metadata.generation).to.equal(2)
      const table = await request(chain.app).get(`${admission}/validatingwebhookconfigurations`).set('Accept', tableAccept)
      expect(table.body.columnDefinitions.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).to.deep.equal(['Name:string', 'Webhooks:integer', 'Age:string'])
      expect(table.body.rows[0].cells.slice(0, 2)).to.deep.equal(['v', 1])
    })
  })
})
