// The apps/v1 declarations on a chain that installs them (typedResource, as the kube server does
// for built-ins): defaults, validation messages, generation, the status and scale subresources,
// Table columns and discovery, asserting what a client sees on the wire; then real kubectl scale.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import { appsResources } from '../../routers/kube/apps/index.js'
import { applyPodDefaults, defaultImagePullPolicy } from '../../routers/kube/core/pod-defaults.js'
import { typedResource } from '../../routers/kube/typed.js'
import { kubectl, kubectlPath } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
const base = '/apis/apps/v1/namespaces/default'

/** What `kubectl create deployment <name> --image=<image>` sends. */
function deployment(name: string, image = 'nginx', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name, creationTimestamp: null, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { creationTimestamp: null, labels: { app: name } }, spec: { containers: [{ name: 'c', image, resources: {} }] } },
      strategy: {},
      ...extra,
    },
    status: {},
  }
}

function template(app: string, image = 'nginx'): Record<string, unknown> {
  return { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image }] } }
}

describe('apps/v1 resources', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    for (const def of appsResources) chain.kube.installResource(typedResource(def))
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  describe('discovery', () => {
    it('lists apps/v1 with short names, categories and the scale and status subresources', async () => {
      const res = await request(chain.app).get('/apis/apps/v1')
      expect(res.status).to.equal(200)
      expect(res.body).to.deep.include({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1' })
      const byName = new Map(res.body.resources.map((r: { name: string }) => [r.name, r]))
      expect(byName.get('deployments')).to.deep.equal({
        name: 'deployments',
        singularName: 'deployment',
        namespaced: true,
        kind: 'Deployment',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['deploy'],
        categories: ['all'],
        storageVersionHash: '8aSe+NMegvE=',
      })
      expect(byName.get('deployments/scale')).to.deep.equal({
        name: 'deployments/scale',
        singularName: '',
        namespaced: true,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      })
      expect(byName.get('deployments/status')).to.deep.include({ kind: 'Deployment', verbs: ['get', 'patch', 'update'] })
      expect([...byName.keys()]).to.include.members(['replicasets/scale', 'statefulsets/scale', 'daemonsets/status', 'controllerrevisions'])
      expect([...byName.keys()]).to.not.include('daemonsets/scale')
      expect(byName.get('controllerrevisions')).to.not.have.property('shortNames')
      expect((byName.get('statefulsets') as { shortNames: string[] }).shortNames).to.deep.equal(['sts'])
    })

    it('adds the apps group to /apis', async () => {
      const res = await request(chain.app).get('/apis')
      const apps = res.body.groups.find((g: { name: string }) => g.name === 'apps')
      expect(apps).to.deep.equal({ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } })
    })
  })

  describe('deployments', () => {
    it('defaults the deployment and its pod template on create', async () => {
      const res = await request(chain.app)
        .post(`${base}/deployments`)
        .send(deployment('defaults', 'nginx', { template: { metadata: { labels: { app: 'defaults' } }, spec: { containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }] }, { name: 'b', image: 'nginx:1.25' }] } } }))
      expect(res.status).to.equal(201)
      const { spec, metadata, status } = res.body
      expect(metadata.generation).to.equal(1)
      expect(status).to.deep.equal({})
      expect(spec.replicas).to.equal(1)
      expect(spec.strategy).to.deep.equal({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } })
      expect(spec.revisionHistoryLimit).to.equal(10)
      expect(spec.progressDeadlineSeconds).to.equal(600)
      expect(spec.template.metadata).to.deep.equal({ labels: { app: 'defaults' }, creationTimestamp: null })
      const pod = spec.template.spec
      expect(pod).to.deep.include({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, securityContext: {} })
      expect(pod.containers[0]).to.deep.equal({
        name: 'a',
        image: 'nginx',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'Always',
      })
      expect(pod.containers[1].imagePullPolicy).to.equal('IfNotPresent')
      // Pod-only defaults (SetDefaults_Pod) never reach templates.
      expect(pod).to.not.have.property('enableServiceLinks')
    })

    it('keeps explicit values and defaults a Recreate strategy without rollingUpdate', async () => {
      const res = await request(chain.app)
        .post(`${base}/deployments`)
        .send(deployment('explicit', 'nginx', { replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 2 }))
      expect(res.status).to.equal(201)
      expect(res.body.spec.replicas).to.equal(0)
      expect(res.body.spec.strategy).to.deep.equal({ type: 'Recreate' })
      expect(res.body.spec.revisionHistoryLimit).to.equal(2)
    })

    it('rejects a template the selector does not select, with kube message', async () => {
      const body = deployment('mismatch')
      ;(body['spec'] as Record<string, unknown>)['template'] = template('other')
      const res = await request(chain.app).post(`${base}/deployments`).send(body)
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
      )
      expect(res.body.details.causes).to.deep.equal([
        { reason: 'FieldValueInvalid', message: 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`', field: 'spec.template.metadata.labels' },
      ])
    })

    it('requires a selector, containers, container names and images, and non-negative replicas', async () => {
      const noSelector = await request(chain.app)
        .post(`${base}/deployments`)
        .send({ metadata: { name: 'nosel' }, spec: { template: template('x') } })
      expect(noSelector.body.message).to.equal(
        'Deployment.apps "nosel" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`]',
      )
      const noContainers = await request(chain.app)
        .post(`${base}/deployments`)
        .send({ metadata: { name: 'empty' }, spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [] } } } })
      expect(noContainers.body.message).to.equal('Deployment.apps "empty" is invalid: spec.template.spec.containers: Required value')
      const noImage = await request(chain.app)
        .post(`${base}/deployments`)
        .send({ metadata: { name: 'noimage' }, spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: '' }] } } } })
      expect(noImage.body.message).to.equal(
        'Deployment.apps "noimage" is invalid: [spec.template.spec.containers[0].name: Required value, spec.template.spec.containers[0].image: Required value]',
      )
      const negative = await request(chain.app).post(`${base}/deployments`).send(deployment('negative', 'nginx', { replicas: -1 }))
      expect(negative.body.message).to.equal('Deployment.apps "negative" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0')
      const empty = await request(chain.app).post(`${base}/deployments`).send(deployment('emptysel', 'nginx', { selector: {} }))
      expect(empty.body.message).to.equal(
        'Deployment.apps "emptysel" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
      )
      const surge = await request(chain.app)
        .post(`${base}/deployments`)
        .send(deployment('surge', 'nginx', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } }))
      expect(surge.body.message).to.equal(
        'Deployment.apps "surge" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
      )
    })

    it('bumps generation on spec and annotation changes only, never lets PUT change status, and keeps the selector', async () => {
      const created = await request(chain.app).post(`${base}/deployments`).send(deployment('gen'))
      expect(created.body.metadata.generation).to.equal(1)
      const relabel = await request(chain.app)
        .put(`${base}/deployments/gen`)
        .send({ ...created.body, metadata: { ...created.body.metadata, labels: { app: 'gen', extra: 'x' } }, status: { replicas: 7 } })
      expect(relabel.status).to.equal(200)
      expect(relabel.body.metadata.generation).to.equal(1)
      expect(relabel.body.status).to.deep.equal({})
      const image = structuredClone(relabel.body)
      image.spec.template.spec.containers[0].image = 'nginx:1.27'
      // Left out, the pull policy is defaulted again for the new tag.
      delete image.spec.template.spec.containers[0].imagePullPolicy
      const bumped = await request(chain.app).put(`${base}/deployments/gen`).send(image)
      expect(bumped.body.metadata.generation).to.equal(2)
      expect(bumped.body.spec.template.spec.containers[0].imagePullPolicy).to.equal('IfNotPresent')
      const annotated = await request(chain.app)
        .patch(`${base}/deployments/gen`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { annotations: { note: 'x' } } }))
      expect(annotated.body.metadata.generation).to.equal(3)
      // A PUT that leaves defaulted fields out still means the same spec.
      const sparse = await request(chain.app)
        .put(`${base}/deployments/gen`)
        .send({ ...deployment('gen', 'nginx:1.27'), metadata: { ...annotated.body.metadata } })
      expect(sparse.status).to.equal(200)
      expect(sparse.body.metadata.generation).to.equal(3)
      const reselect = await request(chain.app)
        .patch(`${base}/deployments/gen`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { selector: { matchLabels: { app: 'gen', tier: 'web' } }, template: { metadata: { labels: { app: 'gen', tier: 'web' } } } } }))
      expect(reselect.status).to.equal(422)
      expect(reselect.body.message).to.equal(
        'Deployment.apps "gen" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"gen", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      )
    })

    it('changes only status (and neither spec nor labels) through /status', async () => {
      const created = await request(chain.app).post(`${base}/deployments`).send(deployment('st'))
      const status = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 }
      const put = await request(chain.app)
        .put(`${base}/deployments/st/status`)
        .send({ ...created.body, metadata: { ...created.body.metadata, labels: { changed: 'yes' } }, spec: { ...created.body.spec, replicas: 9 }, status })
      expect(put.status).to.equal(200)
      expect(put.body.status).to.deep.equal(status)
      expect(put.body.spec.replicas).to.equal(1)
      expect(put.body.metadata.labels).to.deep.equal({ app: 'st' })
      expect(put.body.metadata.generation).to.equal(1)
      const got = await request(chain.app).get(`${base}/deployments/st/status`)
      expect(got.body.status).to.deep.equal(status)
      const patched = await request(chain.app)
        .patch(`${base}/deployments/st/status`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ status: { readyReplicas: 2 } }))
      expect(patched.status).to.equal(422)
      expect(patched.body.message).to.equal('Deployment.apps "st" is invalid: status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas')
      // Annotations do go through /status, without the generation bump they cause on the main endpoint.
      const annotated = await request(chain.app)
        .patch(`${base}/deployments/st/status`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { annotations: { seen: 'yes' } } }))
      expect(annotated.body.metadata.annotations).to.deep.equal({ seen: 'yes' })
      expect(annotated.body.metadata.generation).to.equal(1)
    })

    it('renders the Table columns of kubectl get deployments', async () => {
      await request(chain.app).post(`${base}/deployments`).send(deployment('table', 'nginx:1.25', { replicas: 3 }))
      const res = await request(chain.app).get(`${base}/deployments`).set('Accept', tableAccept)
      expect(res.body.kind).to.equal('Table')
      const cols = res.body.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}/${c.priority}`)
      expect(cols).to.deep.equal(['Name/0', 'Ready/0', 'Up-to-date/0', 'Available/0', 'Age/0', 'Containers/1', 'Images/1', 'Selector/1'])
      const row = res.body.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'table')
      expect(row.cells[1]).to.equal('0/3')
      expect(row.cells.slice(2, 4)).to.deep.equal([0, 0])
      expect(row.cells.slice(5)).to.deep.equal(['c', 'nginx:1.25', 'app=table'])
    })
  })

  describe('scale subresource', () => {
    let rv: string
    before(async () => {
      const res = await request(chain.app).post(`${base}/deployments`).send(deployment('sc'))
      rv = res.body.metadata.resourceVersion
      await request(chain.app).put(`${base}/deployments/sc/status`).send({ ...res.body, status: { replicas: 1 } })
    })

    it('reads an autoscaling/v1 Scale', async () => {
      const dep = await request(chain.app).get(`${base}/deployments/sc`)
      const res = await request(chain.app).get(`${base}/deployments/sc/scale`)
      expect(res.status).to.equal(200)
      expect(res.body).to.deep.equal({
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: {
          name: 'sc',
          namespace: 'default',
          uid: dep.body.metadata.uid,
          resourceVersion: dep.body.metadata.resourceVersion,
          creationTimestamp: dep.body.metadata.creationTimestamp,
        },
        spec: { replicas: 1 },
        status: { replicas: 1, selector: 'app=sc' },
      })
      expect(rv).to.not.equal(dep.body.metadata.resourceVersion)
    })

    it('scales with a merge patch, as kubectl scale does: replicas, resourceVersion and generation move, status stays', async () => {
      const before = await request(chain.app).get(`${base}/deployments/sc`)
      const res = await request(chain.app)
        .patch(`${base}/deployments/sc/scale`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 3 } }))
      expect(res.status).to.equal(200)
      expect(res.body.kind).to.equal('Scale')
      expect(res.body.spec).to.deep.equal({ replicas: 3 })
      const after = await request(chain.app).get(`${base}/deployments/sc`)
      expect(after.body.spec.replicas).to.equal(3)
      expect(after.body.metadata.generation).to.equal(before.body.metadata.generation + 1)
      expect(Number(after.body.metadata.resourceVersion)).to.be.greaterThan(Number(before.body.metadata.resourceVersion))
      expect(after.body.metadata.resourceVersion).to.equal(res.body.metadata.resourceVersion)
      expect(after.body.status).to.deep.equal({ replicas: 1 })
    })

    it('scales with JSON and strategic merge patches too', async () => {
      const json = await request(chain.app)
        .patch(`${base}/deployments/sc/scale`)
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 4 }]))
      expect(json.body.spec).to.deep.equal({ replicas: 4 })
      const smp = await request(chain.app)
        .patch(`${base}/deployments/sc/scale`)
        .set('Content-Type', 'application/strategic-merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 5 } }))
      expect(smp.body.spec).to.deep.equal({ replicas: 5 })
    })

    it('replaces with PUT: stale resourceVersion is 409, negative replicas 422, zero replicas omitted', async () => {
      const current = await request(chain.app).get(`${base}/deployments/sc/scale`)
      const stale = await request(chain.app)
        .put(`${base}/deployments/sc/scale`)
        .send({ ...current.body, metadata: { ...current.body.metadata, resourceVersion: '1' }, spec: { replicas: 2 } })
      expect(stale.status).to.equal(409)
      expect(stale.body.message).to.equal(
        'Operation cannot be fulfilled on deployments.apps "sc": the object has been modified; please apply your changes to the latest version and try again',
      )
      const negative = await request(chain.app).put(`${base}/deployments/sc/scale`).send({ ...current.body, spec: { replicas: -1 } })
      expect(negative.status).to.equal(422)
      expect(negative.body.message).to.equal('Scale.autoscaling "sc" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0')
      const zero = await request(chain.app).put(`${base}/deployments/sc/scale`).send({ ...current.body, spec: { replicas: 0 } })
      expect(zero.status).to.equal(200)
      expect(zero.body.spec).to.deep.equal({})
      expect((await request(chain.app).get(`${base}/deployments/sc`)).body.spec.replicas).to.equal(0)
      const unconditional = await request(chain.app)
        .put(`${base}/deployments/sc/scale`)
        .send({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc' }, spec: { replicas: 2 } })
      expect(unconditional.status).to.equal(200)
      expect(unconditional.body.spec).to.deep.equal({ replicas: 2 })
    })

    it('checks the Scale body: kind, name, field types, and the object existing', async () => {
      const wrongKind = await request(chain.app).put(`${base}/deployments/sc/scale`).send({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'sc' } })
      expect(wrongKind.status).to.equal(400)
      const wrongName = await request(chain.app).put(`${base}/deployments/sc/scale`).send({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'x' }, spec: { replicas: 1 } })
      expect(wrongName.status).to.equal(400)
      expect(wrongName.body.message).to.equal('the name of the object (x) does not match the name on the URL (sc)')
      const badType = await request(chain.app)
        .patch(`${base}/deployments/sc/scale`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 'three' } }))
      expect(badType.status).to.equal(400)
      expect(badType.body.message).to.equal('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field Scale.spec.replicas of type int32')
      const strict = await request(chain.app)
        .patch(`${base}/deployments/sc/scale?fieldValidation=Strict`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 1, bogus: true } }))
      expect(strict.status).to.equal(400)
      expect(strict.body.message).to.equal('Scale in version "v1" cannot be handled as a Scale: strict decoding error: unknown field "spec.bogus"')
      const missing = await request(chain.app).get(`${base}/deployments/nope/scale`)
      expect(missing.status).to.equal(404)
      expect(missing.body.message).to.equal('deployments.apps "nope" not found')
      const missingPatch = await request(chain.app)
        .patch(`${base}/deployments/nope/scale`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 1 } }))
      expect(missingPatch.status).to.equal(404)
    })

    it('serves the scale Table of kubectl get --subresource=scale', async () => {
      const res = await request(chain.app).get(`${base}/deployments/sc/scale`).set('Accept', tableAccept)
      expect(res.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Desired', 'Available'])
      expect(res.body.rows[0].cells).to.deep.equal(['sc', 2, 1])
    })

    it('is served for replicasets and statefulsets, not for daemonsets', async () => {
      await request(chain.app)
        .post(`${base}/replicasets`)
        .send({ metadata: { name: 'rs-scale' }, spec: { selector: { matchLabels: { app: 'r' } }, template: template('r') } })
      const rs = await request(chain.app)
        .patch(`${base}/replicasets/rs-scale/scale`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 2 } }))
      expect(rs.status).to.equal(200)
      expect(rs.body.status).to.deep.equal({ replicas: 0, selector: 'app=r' })
      expect((await request(chain.app).get(`${base}/replicasets/rs-scale`)).body.spec.replicas).to.equal(2)
      await request(chain.app)
        .post(`${base}/daemonsets`)
        .send({ metadata: { name: 'ds-scale' }, spec: { selector: { matchLabels: { app: 'd' } }, template: template('d') } })
      expect((await request(chain.app).get(`${base}/daemonsets/ds-scale/scale`)).status).to.equal(404)
    })
  })

  describe('scale subresource of any declaration', () => {
    // What a CRD's scale subresource looks like: other paths, and a selector kept as a string.
    before(() => {
      chain.kube.installResource({
        group: 'example.com',
        version: 'v1',
        resource: 'widgets',
        singular: 'widget',
        kind: 'Widget',
        listKind: 'WidgetList',
        namespaced: true,
        subresources: ['scale'],
        scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.count', labelSelectorPath: '.status.selector' },
        strategy: {},
      })
    })

    it('reads and writes the declared paths', async () => {
      await request(chain.app)
        .post('/apis/example.com/v1/namespaces/default/widgets')
        .send({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2, color: 'red' }, status: { count: 1, selector: 'app=w' } })
      const got = await request(chain.app).get('/apis/example.com/v1/namespaces/default/widgets/w/scale')
      expect(got.body.spec).to.deep.equal({ replicas: 2 })
      expect(got.body.status).to.deep.equal({ replicas: 1, selector: 'app=w' })
      const patched = await request(chain.app)
        .patch('/apis/example.com/v1/namespaces/default/widgets/w/scale')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 5 } }))
      expect(patched.body.spec).to.deep.equal({ replicas: 5 })
      const widget = await request(chain.app).get('/apis/example.com/v1/namespaces/default/widgets/w')
      expect(widget.body.spec).to.deep.equal({ size: 5, color: 'red' })
    })

    it('answers 500 for an object without the spec replicas field, and creates it on write', async () => {
      await request(chain.app).post('/apis/example.com/v1/namespaces/default/widgets').send({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'bare' } })
      const got = await request(chain.app).get('/apis/example.com/v1/namespaces/default/widgets/bare/scale')
      expect(got.status).to.equal(500)
      expect(got.body.message).to.equal('Internal error occurred: the spec replicas field ".spec.size" does not exist')
      const empty = await request(chain.app)
        .patch('/apis/example.com/v1/namespaces/default/widgets/bare/scale')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { labels: { a: 'b' } } }))
      expect(empty.status).to.equal(400)
      expect(empty.body.message).to.equal('the spec replicas field ".spec.size" cannot be empty')
      const set = await request(chain.app)
        .patch('/apis/example.com/v1/namespaces/default/widgets/bare/scale')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { replicas: 1 } }))
      expect(set.status).to.equal(200)
      expect((await request(chain.app).get('/apis/example.com/v1/namespaces/default/widgets/bare')).body.spec).to.deep.equal({ size: 1 })
    })
  })

  describe('replicasets', () => {
    it('defaults replicas and status, filters on status.replicas, and renders its Table', async () => {
      const res = await request(chain.app)
        .post(`${base}/replicasets`)
        .send({ metadata: { name: 'rs' }, spec: { selector: { matchLabels: { app: 'rs' } }, template: template('rs', 'busybox:1') } })
      expect(res.status).to.equal(201)
      expect(res.body.spec.replicas).to.equal(1)
      expect(res.body.status).to.deep.equal({ replicas: 0 })
      const filtered = await request(chain.app).get(`${base}/replicasets?fieldSelector=status.replicas%3D0`)
      expect(filtered.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.include('rs')
      const table = await request(chain.app).get(`${base}/replicasets/rs`).set('Accept', tableAccept)
      expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector'])
      const cells = table.body.rows[0].cells
      expect(cells.slice(0, 4)).to.deep.equal(['rs', 1, 0, 0])
      expect(cells.slice(5)).to.deep.equal(['c', 'busybox:1', 'app=rs'])
    })
  })

  describe('statefulsets', () => {
    it('defaults policies, strategy, retention, serviceName and typed claim templates', async () => {
      const res = await request(chain.app)
        .post(`${base}/statefulsets`)
        .send({
          metadata: { name: 'db' },
          spec: {
            selector: { matchLabels: { app: 'db' } },
            template: template('db', 'postgres'),
            volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
          },
        })
      expect(res.status).to.equal(201)
      const spec = res.body.spec
      expect(spec).to.deep.include({ replicas: 1, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10, serviceName: '' })
      expect(spec.updateStrategy).to.deep.equal({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } })
      expect(spec.persistentVolumeClaimRetentionPolicy).to.deep.equal({ whenDeleted: 'Retain', whenScaled: 'Retain' })
      expect(spec.volumeClaimTemplates).to.deep.equal([
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', creationTimestamp: null },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
          status: { phase: 'Pending' },
        },
      ])
      expect(res.body.status).to.deep.equal({ replicas: 0, availableReplicas: 0 })
      expect(spec.template.spec.containers[0].imagePullPolicy).to.equal('Always')
    })

    it('forbids changing anything but the updatable spec fields', async () => {
      const created = await request(chain.app)
        .post(`${base}/statefulsets`)
        .send({ metadata: { name: 'locked' }, spec: { selector: { matchLabels: { app: 'l' } }, template: template('l'), serviceName: 'a' } })
      const res = await request(chain.app)
        .put(`${base}/statefulsets/locked`)
        .send({ ...created.body, spec: { ...created.body.spec, serviceName: 'b' } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        "StatefulSet.apps \"locked\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      )
      const replicas = await request(chain.app)
        .put(`${base}/statefulsets/locked`)
        .send({ ...created.body, spec: { ...created.body.spec, replicas: 3 } })
      expect(replicas.status).to.equal(200)
      expect(replicas.body.metadata.generation).to.equal(2)
    })

    it('renders READY as ready/desired', async () => {
      const res = await request(chain.app).get(`${base}/statefulsets/locked`).set('Accept', tableAccept)
      expect(res.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Ready', 'Age', 'Containers', 'Images'])
      expect(res.body.rows[0].cells[1]).to.equal('0/3')
    })
  })

  describe('daemonsets', () => {
    it('defaults the update strategy and counts template generations in the annotation', async () => {
      const created = await request(chain.app)
        .post(`${base}/daemonsets`)
        .send({ metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent', 'busybox') } })
      expect(created.status).to.equal(201)
      expect(created.body.spec.updateStrategy).to.deep.equal({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } })
      expect(created.body.spec.revisionHistoryLimit).to.equal(10)
      expect(created.body.metadata.annotations).to.deep.equal({ 'deprecated.daemonset.template.generation': '1' })
      expect(created.body.status).to.deep.equal({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 })
      const updated = await request(chain.app)
        .patch(`${base}/daemonsets/agent`)
        .set('Content-Type', 'application/strategic-merge-patch+json')
        .send(JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }))
      expect(updated.status).to.equal(200)
      expect(updated.body.metadata.generation).to.equal(2)
      expect(updated.body.metadata.annotations['deprecated.daemonset.template.generation']).to.equal('2')
      const same = await request(chain.app)
        .patch(`${base}/daemonsets/agent`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { minReadySeconds: 5 } }))
      expect(same.body.metadata.generation).to.equal(3)
      expect(same.body.metadata.annotations['deprecated.daemonset.template.generation']).to.equal('2')
    })

    it('rejects a surge together with unavailability, and renders its Table', async () => {
      const bad = await request(chain.app)
        .post(`${base}/daemonsets`)
        .send({
          metadata: { name: 'both' },
          spec: { selector: { matchLabels: { app: 'b' } }, template: template('b'), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } },
        })
      expect(bad.body.message).to.equal(
        'DaemonSet.apps "both" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
      )
      const table = await request(chain.app).get(`${base}/daemonsets/agent`).set('Accept', tableAccept)
      expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal([
        'Name',
        'Desired',
        'Current',
        'Ready',
        'Up-to-date',
        'Available',
        'Node Selector',
        'Age',
        'Containers',
        'Images',
        'Selector',
      ])
      const cells = table.body.rows[0].cells
      expect(cells.slice(0, 7)).to.deep.equal(['agent', 0, 0, 0, 0, 0, '<none>'])
      expect(cells.slice(8)).to.deep.equal(['c', 'busybox:2', 'app=agent'])
    })
  })

  describe('controllerrevisions', () => {
    it('requires data, keeps it immutable, and prints the controller', async () => {
      const missing = await request(chain.app).post(`${base}/controllerrevisions`).send({ metadata: { name: 'nodata' }, revision: 1 })
      expect(missing.body.message).to.equal('ControllerRevision.apps "nodata" is invalid: data: Required value: data is mandatory')
      const created = await request(chain.app)
        .post(`${base}/controllerrevisions`)
        .send({
          metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true }] },
          data: { spec: { template: {} } },
          revision: 1,
        })
      expect(created.status).to.equal(201)
      const changed = await request(chain.app).put(`${base}/controllerrevisions/web-1`).send({ ...created.body, data: { other: true } })
      expect(changed.status).to.equal(422)
      const table = await request(chain.app).get(`${base}/controllerrevisions/web-1`).set('Accept', tableAccept)
      expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Controller', 'Revision', 'Age'])
      expect(table.body.rows[0].cells.slice(0, 3)).to.deep.equal(['web-1', 'statefulset.apps/web', 1])
    })
  })
})

describe('pod defaults', () => {
  it('pulls Always only for :latest or an image without tag or digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`
    const cases: [string, string][] = [
      ['nginx', 'Always'],
      ['nginx:latest', 'Always'],
      ['nginx:1.25', 'IfNotPresent'],
      ['localhost:5000/team/nginx', 'Always'],
      ['localhost:5000/team/nginx:1', 'IfNotPresent'],
      [`nginx@${digest}`, 'IfNotPresent'],
      [`nginx:latest@${digest}`, 'Always'],
      ['registry.k8s.io/pause:3.9', 'IfNotPresent'],
      ['Nginx', 'IfNotPresent'],
      ['', 'IfNotPresent'],
    ]
    for (const [image, policy] of cases) expect(defaultImagePullPolicy(image), image).to.equal(policy)
  })

  it('adds the Pod-only defaults to pods', () => {
    const pod = {
      metadata: { name: 'p' },
      spec: {
        hostNetwork: true,
        containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 8080 }], resources: { limits: { cpu: '1' } }, readinessProbe: { httpGet: { port: 80 } } }],
        volumes: [{ name: 'v' }, { name: 's', secret: { secretName: 's' } }],
      },
    }
    applyPodDefaults(pod)
    const c = pod.spec.containers[0] as Record<string, unknown>
    expect(c['resources']).to.deep.equal({ limits: { cpu: '1' }, requests: { cpu: '1' } })
    expect(c['ports']).to.deep.equal([{ containerPort: 8080, protocol: 'TCP', hostPort: 8080 }])
    expect(c['readinessProbe']).to.deep.equal({ httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 })
    expect(pod.spec.volumes).to.deep.equal([{ name: 'v', emptyDir: {} }, { name: 's', secret: { secretName: 's', defaultMode: 420 } }])
    expect((pod.spec as Record<string, unknown>)['enableServiceLinks']).to.equal(true)
  })
})

describe('apps/v1 with real kubectl', function () {
  let server: StartedServer
  before(async function () {
    this.timeout(120_000) // the first run unpacks kubectl
    await kubectlPath('v32')
    server = await startServer()
    for (const def of appsResources) server.chain.kube.installResource(typedResource(def))
  })
  after(async () => server?.stop())

  it('creates, scales and lists a deployment', async () => {
    const run = async (args: string[]) => {
      const r = await kubectl(args, { kubeconfig: server.kubeconfigPath, version: 'v32' })
      expect(r.stderr, `kubectl ${args.join(' ')}`).to.equal('')
      expect(r.code).to.equal(0)
      return r.stdout
    }
    expect(await run(['create', 'deployment', 'web', '--image=nginx'])).to.equal('deployment.apps/web created\n')
    expect(await run(['scale', 'deployment', 'web', '--replicas=3'])).to.equal('deployment.apps/web scaled\n')
    expect(await run(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}'])).to.equal('3 2')
    const table = await run(['get', 'deploy'])
    expect(table.split('\n')[0]).to.match(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/)
    expect(table).to.match(/\nweb\s+0\/3\s+0\s+0\s+/)
  })
})
