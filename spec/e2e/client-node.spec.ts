/**
 * @module spec/e2e/client-node.spec
 * The official JavaScript client (@kubernetes/client-node 1.4) against the whole chain: typed
 * CRUD through CoreV1Api, an Informer (list + watch + relist bookkeeping) and a raw Watch. Every
 * wait is bounded so a missing event fails with what did arrive instead of hanging mocha.
 */
import { expect } from 'chai'
import * as k8s from '@kubernetes/client-node'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'
import { EventLog, expectApiError, within } from '../support/client-node.js'
import type { Seen } from '../support/client-node.js'

const named =
  (type: string, name: string, extra: (cm: k8s.V1ConfigMap) => boolean = () => true) =>
  (e: Seen<k8s.V1ConfigMap>): boolean =>
    e.type === type && e.obj.metadata?.name === name && extra(e.obj)

describe('e2e: @kubernetes/client-node', () => {
  let server: StartedServer
  let kc: k8s.KubeConfig
  let core: k8s.CoreV1Api

  before(async () => {
    server = await startServer()
    kc = new k8s.KubeConfig()
    kc.loadFromString(kubeconfigYAML(server.url))
    core = kc.makeApiClient(k8s.CoreV1Api)
  })

  after(async () => {
    await server?.stop()
  })

  it('the kubeconfig names kube-express and points at the server', () => {
    expect(kc.getCurrentContext()).to.equal('kube-express')
    expect(kc.getCurrentCluster()?.server).to.equal(server.url)
    // client-node 1.x refuses an http:// server unless the cluster sets insecure-skip-tls-verify
    // ("HTTP protocol is not allowed when skipTLSVerify is not set or false").
    expect(kc.getCurrentCluster()?.skipTLSVerify, 'cluster needs insecure-skip-tls-verify: true').to.equal(true)
  })

  describe('against the API', () => {
    // Separate from the kubeconfig check above, so a kubeconfig client-node rejects is reported
    // by that test rather than as a failing hook.
    before(async () => {
      for (const name of ['crud', 'informer', 'watch']) await core.createNamespace({ body: { metadata: { name } } })
    })

    it('CoreV1Api creates, reads, lists, replaces and deletes a ConfigMap', async () => {
      const namespace = 'crud'
      const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'one' }, data: { a: '1' } } })
      expect(created.metadata?.name).to.equal('one')
      expect(created.metadata?.namespace).to.equal(namespace)
      expect(created.metadata?.uid).to.be.a('string').and.not.empty
      expect(created.metadata?.resourceVersion).to.be.a('string').and.not.empty
      expect(created.metadata?.creationTimestamp).to.be.instanceOf(Date)
      expect(created.data).to.deep.equal({ a: '1' })

      const read = await core.readNamespacedConfigMap({ name: 'one', namespace })
      expect(read.metadata?.uid).to.equal(created.metadata?.uid)
      expect(read.data).to.deep.equal({ a: '1' })

      const list = await core.listNamespacedConfigMap({ namespace })
      expect(list.metadata?.resourceVersion).to.be.a('string').and.not.empty
      expect(list.items.find((i) => i.metadata?.name === 'one')?.data).to.deep.equal({ a: '1' })

      const replaced = await core.replaceNamespacedConfigMap({ name: 'one', namespace, body: { ...read, data: { a: '2', b: '3' } } })
      expect(replaced.data).to.deep.equal({ a: '2', b: '3' })
      expect(replaced.metadata?.uid).to.equal(created.metadata?.uid)
      expect(replaced.metadata?.resourceVersion).to.not.equal(read.metadata?.resourceVersion)

      // Replacing from the stale copy must hit optimistic concurrency, as with kube-apiserver.
      await expectApiError(core.replaceNamespacedConfigMap({ name: 'one', namespace, body: { ...read, data: { a: 'stale' } } }), 409)

      const status = await core.deleteNamespacedConfigMap({ name: 'one', namespace })
      expect(status.status).to.equal('Success')
      expect(status.details?.name).to.equal('one')

      await expectApiError(core.readNamespacedConfigMap({ name: 'one', namespace }), 404)
      const after = await core.listNamespacedConfigMap({ namespace })
      expect(after.items.map((i) => i.metadata?.name)).to.not.include('one')
    })

    it('an Informer sees add, update and delete', async () => {
      const namespace = 'informer'
      const log = new EventLog<k8s.V1ConfigMap>()
      const errors: unknown[] = []
      let stopping = false
      const informer = k8s.makeInformer<k8s.V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () =>
        core.listNamespacedConfigMap({ namespace }),
      )
      informer.on('add', (obj) => log.push('add', obj))
      informer.on('update', (obj) => log.push('update', obj))
      informer.on('delete', (obj) => log.push('delete', obj))
      // stop() aborts the watch request, which the informer reports as an error: only earlier ones count.
      informer.on('error', (err) => {
        if (!stopping) errors.push(err)
      })
      // start() resolves once the list is done and the watch request has its response headers.
      await within(informer.start(), 'informer.start() (list, then watch response headers)')
      try {
        await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'inf' }, data: { v: '1' } } })
        await log.waitFor('add of inf', named('add', 'inf', (cm) => cm.data?.v === '1'))

        const current = await core.readNamespacedConfigMap({ name: 'inf', namespace })
        await core.replaceNamespacedConfigMap({ name: 'inf', namespace, body: { ...current, data: { v: '2' } } })
        await log.waitFor('update of inf', named('update', 'inf', (cm) => cm.data?.v === '2'))
        expect(informer.get('inf', namespace)?.data).to.deep.equal({ v: '2' })

        await core.deleteNamespacedConfigMap({ name: 'inf', namespace })
        await log.waitFor('delete of inf', named('delete', 'inf'))
        expect(informer.get('inf', namespace)).to.equal(undefined)
        expect(errors).to.deep.equal([])
      } finally {
        stopping = true
        await informer.stop()
      }
    })

    it('a Watch receives ADDED, MODIFIED and DELETED', async () => {
      const namespace = 'watch'
      const log = new EventLog<k8s.V1ConfigMap>()
      let ended: unknown = 'still open'
      const watch = new k8s.Watch(kc)
      // watch() resolves once the response headers arrive: a server must send them before any event.
      const controller = await within(
        watch.watch(
          `/api/v1/namespaces/${namespace}/configmaps`,
          {},
          (type: string, obj: k8s.V1ConfigMap) => log.push(type, obj),
          (err: unknown) => (ended = err),
        ),
        'Watch.watch() (response headers)',
      )
      try {
        expect(ended).to.equal('still open')
        await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w' }, data: { v: '1' } } })
        const added = await log.waitFor('ADDED w', named('ADDED', 'w'))
        expect(added.obj.data).to.deep.equal({ v: '1' })
        expect(added.obj.metadata?.resourceVersion).to.be.a('string').and.not.empty

        await core.patchNamespacedConfigMap(
          { name: 'w', namespace, body: { data: { v: '2' } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        const modified = await log.waitFor('MODIFIED w', named('MODIFIED', 'w', (cm) => cm.data?.v === '2'))
        expect(Number(modified.obj.metadata?.resourceVersion)).to.be.greaterThan(Number(added.obj.metadata?.resourceVersion))

        await core.deleteNamespacedConfigMap({ name: 'w', namespace })
        await log.waitFor('DELETED w', named('DELETED', 'w'))
        // The namespace's kube-root-ca.crt (root CA publisher) may show up too; w's own events are exact.
        expect(log.events.filter((e) => e.obj.metadata?.name === 'w').map((e) => e.type)).to.deep.equal(['ADDED', 'MODIFIED', 'DELETED'])
        const others = log.events.filter((e) => e.obj.metadata?.name !== 'w').map((e) => `${e.type} ${e.obj.metadata?.name}`)
        expect(others.length).to.be.at.most(1)
        for (const other of others) expect(other).to.equal('ADDED kube-root-ca.crt')
        expect(ended).to.equal('still open')
      } finally {
        controller.abort()
      }
    })
  })
})
