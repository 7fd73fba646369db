/**
 * @module spec/e2e/client-node-crds.spec
 * @kubernetes/client-node 1.4 against custom resources: CustomObjectsApi create, get, list,
 * replace, merge patch, status read and status merge patch (status subresource), delete, and an
 * informer over CustomObjectsApi's list that sees ADDED, MODIFIED and DELETED. Every wait is bounded.
 */
import { expect } from 'chai'
import * as k8s from '@kubernetes/client-node'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { EventLog, expectApiError, within } from '../support/client-node.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const group = 'clientnode.e2e.example.com'
const version = 'v1'
const plural = 'sprockets'
const namespace = 'default'

interface Sprocket extends k8s.KubernetesObject {
  spec?: { teeth?: number; color?: string }
  status?: { phase?: string }
}

const crd: k8s.V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, singular: 'sprocket', kind: 'Sprocket', listKind: 'SprocketList' },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { teeth: { type: 'integer', minimum: 1 }, color: { type: 'string' } } },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
}

function sprocket(name: string, spec: Sprocket['spec']): Sprocket {
  return { apiVersion: `${group}/${version}`, kind: 'Sprocket', metadata: { name, namespace }, spec }
}

describe('e2e: client-node CustomObjectsApi on custom resources', function () {
  this.timeout(20_000)
  let server: StartedServer
  let kc: k8s.KubeConfig
  let custom: k8s.CustomObjectsApi
  const merge = (): k8s.ConfigurationOptions => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)

  before(async () => {
    server = await startServer()
    kc = new k8s.KubeConfig()
    kc.loadFromString(kubeconfigYAML(server.url))
    custom = kc.makeApiClient(k8s.CustomObjectsApi)
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api)
    await ext.createCustomResourceDefinition({ body: crd })
    // Established is set by the server's controller right after create: poll it, bounded.
    const deadline = Date.now() + 10_000
    for (;;) {
      const got = await ext.readCustomResourceDefinition({ name: `${plural}.${group}` })
      if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break
      if (Date.now() > deadline) throw new Error('CRD not Established within 10 s')
      await new Promise((r) => setTimeout(r, 50))
    }
  })
  after(async () => {
    await server?.stop()
  })

  it('creates, gets, lists, replaces, merge-patches and deletes a custom resource', async () => {
    const created = (await custom.createNamespacedCustomObject({ group, version, namespace, plural, body: sprocket('one', { teeth: 12, color: 'red' }) })) as Sprocket
    expect(created.metadata?.uid).to.be.a('string').and.not.empty
    expect(created.metadata?.resourceVersion).to.be.a('string').and.not.empty
    expect(created.spec).to.deep.equal({ teeth: 12, color: 'red' })

    const got = (await custom.getNamespacedCustomObject({ group, version, namespace, plural, name: 'one' })) as Sprocket
    expect(got.metadata?.uid).to.equal(created.metadata?.uid)

    const list = (await custom.listNamespacedCustomObject({ group, version, namespace, plural })) as k8s.KubernetesListObject<Sprocket>
    expect(list.kind).to.equal('SprocketList')
    expect(list.items.map((i) => i.metadata?.name)).to.deep.equal(['one'])
    const all = (await custom.listClusterCustomObject({ group, version, plural })) as k8s.KubernetesListObject<Sprocket>
    expect(all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).to.deep.equal(['default/one'])

    const replaced = (await custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name: 'one', body: { ...got, spec: { teeth: 14, color: 'red' } } })) as Sprocket
    expect(replaced.spec?.teeth).to.equal(14)
    expect(replaced.metadata?.generation).to.equal(2)
    // The stale copy conflicts, as with any resource.
    await expectApiError(custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name: 'one', body: { ...got, spec: { teeth: 1 } } }), 409)
    // Schema validation applies to client-node writes too.
    const invalid = await expectApiError(custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name: 'one', body: { ...replaced, spec: { teeth: 0 } } }), 422)
    expect(String(invalid.body)).to.include('spec.teeth in body should be greater than or equal to 1')

    const patched = (await custom.patchNamespacedCustomObject({ group, version, namespace, plural, name: 'one', body: { spec: { color: 'blue' } } }, merge())) as Sprocket
    expect(patched.spec).to.deep.equal({ teeth: 14, color: 'blue' })

    const status = (await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'one' })) as { kind?: string; status?: string; details?: { name?: string } }
    expect(status.kind).to.equal('Status')
    expect(status.status).to.equal('Success')
    expect(status.details?.name).to.equal('one')
    await expectApiError(custom.getNamespacedCustomObject({ group, version, namespace, plural, name: 'one' }), 404)
  })

  it('reads and merge-patches the status subresource; the main endpoint ignores status', async () => {
    await custom.createNamespacedCustomObject({ group, version, namespace, plural, body: { ...sprocket('two', { teeth: 8 }), status: { phase: 'Ignored' } } })
    const initial = (await custom.getNamespacedCustomObjectStatus({ group, version, namespace, plural, name: 'two' })) as Sprocket
    expect(initial.status).to.equal(undefined)

    const afterStatus = (await custom.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name: 'two', body: { status: { phase: 'Ready' }, spec: { teeth: 99 } } }, merge())) as Sprocket
    expect(afterStatus.status).to.deep.equal({ phase: 'Ready' })
    // Only status changes through /status; spec changes there are dropped.
    expect(afterStatus.spec).to.deep.equal({ teeth: 8 })
    expect(afterStatus.metadata?.generation).to.equal(1)

    const read = (await custom.getNamespacedCustomObjectStatus({ group, version, namespace, plural, name: 'two' })) as Sprocket
    expect(read.status).to.deep.equal({ phase: 'Ready' })
    const mainPatch = (await custom.patchNamespacedCustomObject({ group, version, namespace, plural, name: 'two', body: { status: { phase: 'Broken' } } }, merge())) as Sprocket
    expect(mainPatch.status).to.deep.equal({ phase: 'Ready' })
    await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'two' })
  })

  it('an informer over CustomObjectsApi sees ADDED, MODIFIED and DELETED', async () => {
    const log = new EventLog<Sprocket>()
    const informer = k8s.makeInformer<Sprocket>(
      kc,
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      () => custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<k8s.KubernetesListObject<Sprocket>>,
    )
    informer.on(k8s.ADD, (o) => log.push('ADDED', o))
    informer.on(k8s.UPDATE, (o) => log.push('MODIFIED', o))
    informer.on(k8s.DELETE, (o) => log.push('DELETED', o))
    informer.on(k8s.ERROR, (err) => log.push('ERROR', { metadata: { name: String(err) } }))
    await within(informer.start(), 'informer start')
    try {
      await custom.createNamespacedCustomObject({ group, version, namespace, plural, body: sprocket('watched', { teeth: 3 }) })
      await log.waitFor('ADDED of watched', (e) => e.type === 'ADDED' && e.obj.metadata?.name === 'watched')
      await custom.patchNamespacedCustomObject({ group, version, namespace, plural, name: 'watched', body: { spec: { color: 'green' } } }, merge())
      const modified = await log.waitFor('MODIFIED of watched', (e) => e.type === 'MODIFIED' && e.obj.spec?.color === 'green')
      expect(modified.obj.spec).to.deep.equal({ teeth: 3, color: 'green' })
      expect(informer.get('watched', namespace)?.spec?.color).to.equal('green')
      await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'watched' })
      await log.waitFor('DELETED of watched', (e) => e.type === 'DELETED' && e.obj.metadata?.name === 'watched')
      expect(informer.get('watched', namespace)).to.equal(undefined)
      expect(log.events.filter((e) => e.type === 'ERROR')).to.deep.equal([])
    } finally {
      await informer.stop()
    }
  })
})
