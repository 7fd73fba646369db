/**
 * @module spec/e2e/client-node-typed.spec
 * @kubernetes/client-node 1.4 typed APIs against the whole chain, beyond ConfigMaps: CoreV1Api and
 * AppsV1Api CRUD of a Deployment, a Service and a Secret, the generic KubernetesObjectApi with
 * strategic merge and JSON merge patches (client-node 1.4 takes the patch Content-Type as the
 * `patchStrategy` argument of KubernetesObjectApi.patch, a `PatchStrategy` value), and an
 * Informer on pods. Every wait is bounded so a missing event fails with what did arrive.
 */
import { expect } from 'chai'
import * as k8s from '@kubernetes/client-node'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'
import { EventLog, expectApiError, within } from '../support/client-node.js'
import type { Seen } from '../support/client-node.js'

const labels = { app: 'web' }

function deployment(name: string, image = 'nginx:1.25'): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  }
}

describe('e2e: @kubernetes/client-node typed APIs', () => {
  let server: StartedServer
  let kc: k8s.KubeConfig
  let core: k8s.CoreV1Api
  let apps: k8s.AppsV1Api
  let objects: k8s.KubernetesObjectApi

  before(async () => {
    server = await startServer()
    kc = new k8s.KubeConfig()
    kc.loadFromString(kubeconfigYAML(server.url))
    core = kc.makeApiClient(k8s.CoreV1Api)
    apps = kc.makeApiClient(k8s.AppsV1Api)
    objects = k8s.KubernetesObjectApi.makeApiClient(kc)
    for (const name of ['typed', 'generic', 'pods']) await core.createNamespace({ body: { metadata: { name } } })
  })

  after(async () => {
    await server?.stop()
  })

  it('AppsV1Api creates, reads, lists, replaces and deletes a Deployment', async () => {
    const namespace = 'typed'
    const created = await apps.createNamespacedDeployment({ namespace, body: deployment('web') })
    expect(created.metadata?.name).to.equal('web')
    expect(created.metadata?.namespace).to.equal(namespace)
    expect(created.metadata?.uid).to.be.a('string').and.not.empty
    expect(created.metadata?.generation).to.equal(1)
    expect(created.spec?.replicas).to.equal(1)
    expect(created.spec?.template.spec?.containers[0].image).to.equal('nginx:1.25')

    const read = await apps.readNamespacedDeployment({ name: 'web', namespace })
    expect(read.metadata?.uid).to.equal(created.metadata?.uid)
    expect(read.spec?.selector.matchLabels).to.deep.equal(labels)

    const list = await apps.listNamespacedDeployment({ namespace })
    expect(list.items.map((d) => d.metadata?.name)).to.deep.equal(['web'])
    const all = await apps.listDeploymentForAllNamespaces()
    expect(all.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`)).to.include(`${namespace}/web`)

    const body: k8s.V1Deployment = { ...read, spec: { ...read.spec!, replicas: 3 } }
    body.spec!.template.spec!.containers[0].image = 'nginx:1.27'
    const replaced = await apps.replaceNamespacedDeployment({ name: 'web', namespace, body })
    expect(replaced.spec?.replicas).to.equal(3)
    expect(replaced.spec?.template.spec?.containers[0].image).to.equal('nginx:1.27')
    expect(replaced.metadata?.uid).to.equal(created.metadata?.uid)
    expect(replaced.metadata?.generation).to.equal(2)
    expect(replaced.metadata?.resourceVersion).to.not.equal(read.metadata?.resourceVersion)

    // The stale copy must hit optimistic concurrency.
    await expectApiError(apps.replaceNamespacedDeployment({ name: 'web', namespace, body: read }), 409)

    await apps.deleteNamespacedDeployment({ name: 'web', namespace })
    await expectApiError(apps.readNamespacedDeployment({ name: 'web', namespace }), 404)
    expect((await apps.listNamespacedDeployment({ namespace })).items).to.deep.equal([])
  })

  it('CoreV1Api creates, reads, lists, replaces and deletes a Service', async () => {
    const namespace = 'typed'
    const created = await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
    })
    expect(created.metadata?.name).to.equal('web')
    expect(created.spec?.type).to.equal('ClusterIP')
    expect(created.spec?.ports?.[0]).to.include({ name: 'http', port: 80, protocol: 'TCP' })
    // client-node decodes IntOrString as a plain value.
    expect(created.spec?.ports?.[0].targetPort).to.equal(8080)

    const read = await core.readNamespacedService({ name: 'web', namespace })
    expect(read.metadata?.uid).to.equal(created.metadata?.uid)
    expect(read.spec?.selector).to.deep.equal(labels)

    const list = await core.listNamespacedService({ namespace })
    expect(list.items.map((s) => s.metadata?.name)).to.include('web')

    const replaced = await core.replaceNamespacedService({
      name: 'web',
      namespace,
      body: { ...read, spec: { ...read.spec!, ports: [{ name: 'http', port: 8081, targetPort: 'http-alt' }] } },
    })
    expect(replaced.spec?.ports?.map((p) => [p.port, p.targetPort])).to.deep.equal([[8081, 'http-alt']])
    expect(replaced.spec?.clusterIP).to.equal(read.spec?.clusterIP)
    expect(replaced.metadata?.resourceVersion).to.not.equal(read.metadata?.resourceVersion)

    await core.deleteNamespacedService({ name: 'web', namespace })
    await expectApiError(core.readNamespacedService({ name: 'web', namespace }), 404)
    expect((await core.listNamespacedService({ namespace })).items.map((s) => s.metadata?.name)).to.not.include('web')
  })

  it('CoreV1Api creates, reads, lists, replaces and deletes a Secret', async () => {
    const namespace = 'typed'
    const created = await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'creds' }, type: 'Opaque', data: { user: Buffer.from('admin').toString('base64') }, stringData: { pass: 'hunter2' } },
    })
    expect(created.metadata?.name).to.equal('creds')
    expect(created.type).to.equal('Opaque')
    // stringData is write-only: the server merges it into data (base64) and never returns it.
    expect(created.stringData).to.equal(undefined)
    expect(created.data).to.deep.equal({ user: Buffer.from('admin').toString('base64'), pass: Buffer.from('hunter2').toString('base64') })

    const read = await core.readNamespacedSecret({ name: 'creds', namespace })
    expect(read.data).to.deep.equal(created.data)

    const list = await core.listNamespacedSecret({ namespace })
    expect(list.items.find((s) => s.metadata?.name === 'creds')?.type).to.equal('Opaque')

    const replaced = await core.replaceNamespacedSecret({
      name: 'creds',
      namespace,
      body: { ...read, data: { token: Buffer.from('t0k3n').toString('base64') } },
    })
    expect(replaced.data).to.deep.equal({ token: Buffer.from('t0k3n').toString('base64') })
    expect(replaced.metadata?.uid).to.equal(created.metadata?.uid)

    // type is immutable on a Secret.
    await expectApiError(core.replaceNamespacedSecret({ name: 'creds', namespace, body: { ...replaced, type: 'kubernetes.io/basic-auth' } }), 422)

    const status = await core.deleteNamespacedSecret({ name: 'creds', namespace })
    expect(status.status).to.equal('Success')
    await expectApiError(core.readNamespacedSecret({ name: 'creds', namespace }), 404)
  })

  describe('KubernetesObjectApi', () => {
    const namespace = 'generic'

    it('creates and reads a Deployment through discovery', async () => {
      const spec: k8s.V1Deployment = { ...deployment('gen'), metadata: { name: 'gen', namespace, labels } }
      const created = await objects.create(spec)
      expect(created.metadata?.uid).to.be.a('string').and.not.empty
      expect(created.kind).to.equal('Deployment')
      expect(created.apiVersion).to.equal('apps/v1')

      const read = await objects.read<k8s.V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen', namespace } })
      expect(read.metadata?.uid).to.equal(created.metadata?.uid)
      expect(read.spec?.template.spec?.containers.map((c) => c.image)).to.deep.equal(['nginx:1.25'])
    })

    it('patches with a strategic merge patch: containers merge by name', async () => {
      const patch: k8s.V1Deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'gen', namespace, labels: { tier: 'frontend' } },
        spec: {
          selector: { matchLabels: labels },
          template: { spec: { containers: [{ name: 'app', env: [{ name: 'MODE', value: 'smp' }] } as k8s.V1Container] } },
        },
      }
      const patched = await objects.patch(patch, undefined, undefined, undefined, undefined, k8s.PatchStrategy.StrategicMergePatch)
      const c = patched.spec?.template.spec?.containers
      expect(c, JSON.stringify(c)).to.have.length(1)
      // The container keyed by name keeps its image and ports and gains the env.
      expect(c?.[0].name).to.equal('app')
      expect(c?.[0].image).to.equal('nginx:1.25')
      expect(c?.[0].ports?.map((p) => p.containerPort)).to.deep.equal([8080])
      expect(c?.[0].env).to.deep.equal([{ name: 'MODE', value: 'smp' }])
      expect(patched.metadata?.labels).to.deep.equal({ ...labels, tier: 'frontend' })
      expect(patched.metadata?.generation).to.equal(2)

      const read = await objects.read<k8s.V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen', namespace } })
      expect(read.spec?.template.spec?.containers[0].env).to.deep.equal([{ name: 'MODE', value: 'smp' }])
    })

    it('patches with a JSON merge patch: maps merge, lists are replaced', async () => {
      const patch: k8s.V1Deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'gen', namespace, annotations: { note: 'merge' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.36' }] } },
        },
      }
      const patched = await objects.patch(patch, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch)
      expect(patched.spec?.replicas).to.equal(2)
      expect(patched.metadata?.annotations).to.include({ note: 'merge' })
      // Labels from the strategic merge step survive (maps merge)...
      expect(patched.metadata?.labels).to.deep.equal({ ...labels, tier: 'frontend' })
      // ...but a merge patch replaces the containers list wholesale.
      expect(patched.spec?.template.spec?.containers.map((c) => [c.name, c.image, c.env])).to.deep.equal([['sidecar', 'busybox:1.36', undefined]])

      const read = await objects.read<k8s.V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen', namespace } })
      expect(read.spec?.template.spec?.containers.map((c) => c.name)).to.deep.equal(['sidecar'])
      expect(read.metadata?.resourceVersion).to.equal(patched.metadata?.resourceVersion)
    })

    it('patches a ConfigMap with a merge patch through the generic API', async () => {
      await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gcm', namespace }, data: { a: '1', b: '2' } } as k8s.V1ConfigMap)
      const patched = await objects.patch<k8s.V1ConfigMap>(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gcm', namespace }, data: { b: '3', c: '4' } },
        undefined,
        undefined,
        undefined,
        undefined,
        k8s.PatchStrategy.MergePatch,
      )
      expect(patched.data).to.deep.equal({ a: '1', b: '3', c: '4' })
    })
  })

  it('an Informer on pods sees add, update and delete', async () => {
    const namespace = 'pods'
    const log = new EventLog<k8s.V1Pod>()
    const errors: unknown[] = []
    let stopping = false
    const informer = k8s.makeInformer<k8s.V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }))
    informer.on('add', (obj) => log.push('add', obj))
    informer.on('update', (obj) => log.push('update', obj))
    informer.on('delete', (obj) => log.push('delete', obj))
    informer.on('error', (err) => {
      if (!stopping) errors.push(err)
    })
    await within(informer.start(), 'informer.start() (list, then watch response headers)')
    const isPod =
      (type: string, extra: (p: k8s.V1Pod) => boolean = () => true) =>
      (e: Seen<k8s.V1Pod>): boolean =>
        e.type === type && e.obj.metadata?.name === 'p1' && extra(e.obj)
    try {
      await core.createNamespacedPod({
        namespace,
        body: { metadata: { name: 'p1', labels: { v: '1' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      })
      const added = await log.waitFor('add of p1', isPod('add'))
      expect(added.obj.spec?.containers.map((c) => c.image)).to.deep.equal(['busybox:1.36'])

      const current = await core.readNamespacedPod({ name: 'p1', namespace })
      await core.replaceNamespacedPod({ name: 'p1', namespace, body: { ...current, metadata: { ...current.metadata, labels: { v: '2' } } } })
      await log.waitFor('update of p1', isPod('update', (p) => p.metadata?.labels?.v === '2'))
      expect(informer.get('p1', namespace)?.metadata?.labels).to.deep.equal({ v: '2' })

      // A pod without a node is removed at once (no kubelet to wait for), even with the default grace period.
      await core.deleteNamespacedPod({ name: 'p1', namespace })
      await log.waitFor('delete of p1', isPod('delete'))
      expect(informer.get('p1', namespace)).to.equal(undefined)
      expect(errors).to.deep.equal([])
    } finally {
      stopping = true
      await informer.stop()
    }
  })
})
