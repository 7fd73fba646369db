/**
 * @module spec/e2e/server-side-apply.spec
 * Server-side apply with the real clients: kubectl 1.32 and 1.35 `apply --server-side` of a
 * Deployment, Service and ConfigMap, a changed and a trimmed re-apply, the conflict kubectl prints
 * after `kubectl scale`, `--force-conflicts`, client-side apply over server-side applied objects,
 * and @kubernetes/client-node's KubernetesObjectApi.patch with PatchStrategy.ServerSideApply.
 * The steps build on each other, one server per kubectl version.
 */
import { expect } from 'chai'
import * as k8s from '@kubernetes/client-node'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { expectApiError } from '../support/client-node.js'
import { kubectl, kubectlVersions } from '../support/kubectl.js'
import type { KubectlResult, KubectlVersion } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

interface Manifest {
  replicas?: number
  image: string
  data: Record<string, string>
  servicePort?: number
}

/** The three objects as YAML documents; `replicas` undefined leaves the field out. */
function manifest(m: Manifest): string {
  const data = Object.entries(m.data)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join('\n')
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
${m.replicas === undefined ? '' : `  replicas: ${m.replicas}\n`}  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: ${m.image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: ${m.servicePort ?? 80}
    targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
${data}
`
}

function show(args: string[], r: KubectlResult): string {
  return `kubectl ${args.join(' ')} -> exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
}

interface ManagedEntry {
  manager: string
  operation: string
  subresource?: string
}

for (const version of kubectlVersions) {
  describe(`e2e: server-side apply with kubectl ${version}`, () => {
    let server: StartedServer

    before(async () => {
      server = await startServer()
    })
    after(async () => {
      await server?.stop()
    })

    async function run(args: string[], stdin?: string): Promise<KubectlResult> {
      return kubectl(args, { kubeconfig: server.kubeconfigPath, version: version as KubectlVersion, stdin })
    }

    async function ok(args: string[], stdin?: string): Promise<string> {
      const r = await run(args, stdin)
      expect(r.code, show(args, r)).to.equal(0)
      expect(r.stderr, show(args, r)).to.equal('')
      return r.stdout
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, checked field by field
    async function getJSON(kind: string, name: string): Promise<any> {
      return JSON.parse(await ok(['get', kind, name, '-o', 'json', '--show-managed-fields']))
    }

    const applyArgs = ['apply', '--server-side', '-f', '-']

    it('apply --server-side creates the objects', async () => {
      const out = await ok(applyArgs, manifest({ replicas: 2, image: 'nginx:1.27', data: { a: '1', b: '2' } }))
      expect(out).to.equal('deployment.apps/web serverside-applied\nservice/web serverside-applied\nconfigmap/web-config serverside-applied\n')
      const dep = await getJSON('deployment', 'web')
      expect(dep.spec.replicas).to.equal(2)
      expect((dep.metadata.managedFields as ManagedEntry[]).map((e) => [e.manager, e.operation])).to.deep.equal([['kubectl', 'Apply']])
      // kubectl hides managedFields unless asked.
      const plain = JSON.parse(await ok(['get', 'deployment', 'web', '-o', 'json']))
      expect(plain.metadata.managedFields).to.equal(undefined)
    })

    it('re-applying the same manifest changes nothing', async () => {
      const before = await getJSON('configmap', 'web-config')
      const out = await ok(applyArgs, manifest({ replicas: 2, image: 'nginx:1.27', data: { a: '1', b: '2' } }))
      expect(out).to.equal('deployment.apps/web serverside-applied\nservice/web serverside-applied\nconfigmap/web-config serverside-applied\n')
      const after = await getJSON('configmap', 'web-config')
      expect(after.metadata.managedFields).to.deep.equal(before.metadata.managedFields)
    })

    it('a changed manifest updates the objects', async () => {
      await ok(applyArgs, manifest({ replicas: 2, image: 'nginx:1.28', data: { a: 'changed', b: '2' }, servicePort: 8080 }))
      const dep = await getJSON('deployment', 'web')
      expect(dep.spec.template.spec.containers[0].image).to.equal('nginx:1.28')
      expect(dep.metadata.generation).to.equal(2)
      const svc = await getJSON('service', 'web')
      expect(svc.spec.ports.map((p: { port: number }) => p.port)).to.deep.equal([8080])
      expect((await getJSON('configmap', 'web-config')).data).to.deep.equal({ a: 'changed', b: '2' })
    })

    it('a field removed from the manifest is removed from the object', async () => {
      await ok(applyArgs, manifest({ replicas: 2, image: 'nginx:1.28', data: { a: 'changed' }, servicePort: 8080 }))
      expect((await getJSON('configmap', 'web-config')).data).to.deep.equal({ a: 'changed' })
    })

    it('after kubectl scale, re-applying the replica count is a conflict kubectl reports', async () => {
      expect(await ok(['scale', 'deployment', 'web', '--replicas=5'])).to.equal('deployment.apps/web scaled\n')
      const args = applyArgs
      const r = await run(args, manifest({ replicas: 3, image: 'nginx:1.28', data: { a: 'changed' }, servicePort: 8080 }))
      expect(r.code, show(args, r)).to.equal(1)
      expect(r.stderr, show(args, r)).to.include('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas')
      expect(r.stderr, show(args, r)).to.include('--force-conflicts')
      expect((await getJSON('deployment', 'web')).spec.replicas).to.equal(5)
    })

    it('--force-conflicts takes the replica count back', async () => {
      const out = await ok([...applyArgs, '--force-conflicts'], manifest({ replicas: 3, image: 'nginx:1.28', data: { a: 'changed' }, servicePort: 8080 }))
      expect(out).to.include('deployment.apps/web serverside-applied')
      const dep = await getJSON('deployment', 'web')
      expect(dep.spec.replicas).to.equal(3)
      expect((dep.metadata.managedFields as ManagedEntry[]).some((e) => e.subresource === 'scale')).to.equal(false)
    })

    it('server-side dry run changes nothing', async () => {
      const out = await ok([...applyArgs, '--dry-run=server'], manifest({ replicas: 7, image: 'nginx:1.28', data: { a: 'changed' }, servicePort: 8080 }))
      expect(out).to.include('deployment.apps/web serverside-applied (server dry run)')
      expect((await getJSON('deployment', 'web')).spec.replicas).to.equal(3)
    })

    it('client-side kubectl apply works on server-side applied objects', async () => {
      const args = ['apply', '-f', '-']
      const r = await run(args, manifest({ replicas: 3, image: 'nginx:1.29', data: { a: 'changed' }, servicePort: 8080 }))
      expect(r.code, show(args, r)).to.equal(0)
      expect(r.stdout, show(args, r)).to.equal('deployment.apps/web configured\nservice/web configured\nconfigmap/web-config configured\n')
      const dep = await getJSON('deployment', 'web')
      expect(dep.spec.template.spec.containers[0].image).to.equal('nginx:1.29')
      const managers = (dep.metadata.managedFields as ManagedEntry[]).map((e) => [e.manager, e.operation])
      expect(managers).to.deep.include(['kubectl-client-side-apply', 'Update'])
      // As against kube-apiserver: server-side apply does not write the client-side annotation.
      expect(r.stderr, show(args, r)).to.include('is missing the kubectl.kubernetes.io/last-applied-configuration annotation')
    })

    it('apply --server-side takes over an object applied client-side, without a conflict', async () => {
      const cm = (v: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa\ndata:\n  x: "${v}"\n`
      expect(await ok(['apply', '-f', '-'], cm('1'))).to.equal('configmap/csa created\n')
      expect(await ok(applyArgs, cm('2'))).to.equal('configmap/csa serverside-applied\n')
      const obj = await getJSON('configmap', 'csa')
      expect(obj.data).to.deep.equal({ x: '2' })
      // The annotation follows the server-side applied configuration (lastAppliedUpdater) ...
      expect(JSON.parse(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] as string).data).to.deep.equal({ x: '2' })
      // ... kubectl keeps the annotation under its own applier (saveLastApplyAnnotationIfNecessary)
      // and migrated the client-side apply entry into "kubectl" (csaupgrade).
      expect((obj.metadata.managedFields as ManagedEntry[]).map((e) => [e.manager, e.operation])).to.deep.equal([
        ['kubectl', 'Apply'],
        ['kubectl-last-applied', 'Apply'],
      ])
    })

    it('kubectl run records the defaulted fields under kubectl-run, so an apply of one conflicts', async () => {
      await ok(['run', 'p2', '--image=nginx'])
      const pod = await getJSON('pod', 'p2')
      const entry = (pod.metadata.managedFields as (ManagedEntry & { fieldsV1: Record<string, Record<string, unknown>> })[]).find((e) => e.manager === 'kubectl-run')
      const spec = entry?.fieldsV1['f:spec'] ?? {}
      for (const k of ['f:enableServiceLinks', 'f:schedulerName', 'f:securityContext', 'f:terminationGracePeriodSeconds']) expect(spec, k).to.have.property(k)
      const args = ['apply', '--server-side', '-f', '-']
      const r = await run(args, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p2\nspec:\n  terminationGracePeriodSeconds: 5\n  containers:\n  - name: p2\n    image: nginx\n')
      expect(r.code, show(args, r)).to.equal(1)
      expect(r.stderr, show(args, r)).to.include('conflict with "kubectl-run"')
      expect(r.stderr, show(args, r)).to.include('.spec.terminationGracePeriodSeconds')
    })

    it('apply --server-side --validate=false still refuses an unknown field, printed as kube prints it', async () => {
      const args = ['apply', '--server-side', '--validate=false', '-f', '-']
      const r = await run(args, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bogus\nbogus: 1\n')
      expect(r.code, show(args, r)).to.equal(1)
      expect(r.stderr).to.equal('Error from server: failed to create typed patch object (/v1, Kind=ConfigMap): .bogus: field not declared in schema\n')
    })

    it('a JSON patch whose test fails prints kube\'s generic invalid-request message', async () => {
      await ok(['create', 'configmap', 'jp', '--from-literal=a=b'])
      const args = ['patch', 'configmap', 'jp', '--type=json', '-p', '[{"op":"test","path":"/data/a","value":"zzz"}]']
      const r = await run(args)
      expect(r.code, show(args, r)).to.equal(1)
      expect(r.stderr).to.equal('The request is invalid: the server rejected our request due to an error in our request\n')
    })
  })
}

describe('e2e: server-side apply with @kubernetes/client-node', () => {
  let server: StartedServer
  let objects: k8s.KubernetesObjectApi

  before(async () => {
    server = await startServer()
    const kc = new k8s.KubeConfig()
    kc.loadFromString(kubeconfigYAML(server.url))
    objects = k8s.KubernetesObjectApi.makeApiClient(kc)
  })
  after(async () => {
    await server?.stop()
  })

  const cm = (data: Record<string, string>): k8s.V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' }, data })

  it('creates, updates and trims with PatchStrategy.ServerSideApply', async () => {
    const created = await objects.patch(cm({ a: '1', b: '2' }), undefined, undefined, 'node-app', undefined, k8s.PatchStrategy.ServerSideApply)
    expect((created as k8s.V1ConfigMap).data).to.deep.equal({ a: '1', b: '2' })
    expect(created.metadata?.managedFields?.map((e) => [e.manager, e.operation])).to.deep.equal([['node-app', 'Apply']])
    const trimmed = await objects.patch(cm({ a: '3' }), undefined, undefined, 'node-app', undefined, k8s.PatchStrategy.ServerSideApply)
    expect((trimmed as k8s.V1ConfigMap).data).to.deep.equal({ a: '3' })
  })

  it('reports conflicts as a 409 ApiException and forces with force=true', async () => {
    const err = await expectApiError(objects.patch(cm({ a: 'other' }), undefined, undefined, 'other-app', undefined, k8s.PatchStrategy.ServerSideApply), 409)
    expect(String(err.body)).to.include('Apply failed with 1 conflict: conflict with \\"node-app\\": .data.a')
    const forced = await objects.patch(cm({ a: 'other' }), undefined, undefined, 'other-app', true, k8s.PatchStrategy.ServerSideApply)
    expect((forced as k8s.V1ConfigMap).data).to.deep.equal({ a: 'other' })
  })

  it('requires a field manager', async () => {
    const err = await expectApiError(objects.patch(cm({ a: 'x' }), undefined, undefined, undefined, undefined, k8s.PatchStrategy.ServerSideApply), 422)
    expect(String(err.body)).to.include('fieldManager: Required value: is required for apply patch')
  })
})
