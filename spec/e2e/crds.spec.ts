/**
 * @module spec/e2e/crds.spec
 * CustomResourceDefinitions with real clients: every CRD of ../shared/testdata/crds (Gateway API,
 * cert-manager, Prometheus operator) through `kubectl create -f` and `kubectl wait
 * --for=condition=Established`, the Gateway API examples created and invalid custom resources
 * refused with kube's messages; a CRD of our own through kubectl 1.32 and 1.35 (get, short
 * names, `get all`, describe, explain, patch --type=merge, scale, delete crd); and client-node
 * creating a CRD and a custom resource with KubernetesObjectApi and following it with an
 * informer. The shared test data is read in place; those tests skip where it is absent.
 */
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { expect } from 'chai'
import { stringify } from 'yaml'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { EventLog, within } from '../support/client-node.js'
import { kubectl, kubectlVersions } from '../support/kubectl.js'
import type { KubectlResult, KubectlVersion } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import { sharedTestdata, skipWithoutSharedTestdata } from '../support/testdata.js'
import type { StartedServer } from '../support/server.js'

const sharedDir = sharedTestdata

function ok(r: KubectlResult): string {
  expect(r.code, `kubectl failed: ${r.stderr}`).to.equal(0)
  return r.stdout
}

function fails(r: KubectlResult): string {
  expect(r.code, `kubectl unexpectedly succeeded: ${r.stdout}`).to.not.equal(0)
  return r.stderr
}

/**
 * What kubectl prints for a resource type that is gone: with fresh discovery it does not know the
 * type; with its discovery cache it still asks and shows the server's 404.
 */
function goneMessage(plural: string): RegExp {
  return new RegExp(`the server doesn't have a resource type "${plural}"|Error from server \\(NotFound\\): Unable to list "[^"]+, Resource=${plural}": the server could not find the requested resource`)
}

function thingCRD(plural: string, kind: string, shortName: string): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.e2e.example.com` },
    spec: {
      group: 'e2e.example.com',
      scope: 'Namespaced',
      names: { plural, kind, shortNames: [shortName], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [
            { name: 'Size', type: 'string', jsonPath: '.spec.size', description: 'How big it is' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  description: 'The desired thing.',
                  properties: {
                    size: { type: 'string', description: 'Size of the thing.', enum: ['small', 'large'] },
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' } } },
              },
            },
          },
        },
      ],
    },
  }
}

describe('e2e: CustomResourceDefinitions', function () {
  this.timeout(60_000)
  let server: StartedServer
  const run = (args: string[], version: KubectlVersion = 'v32', stdin?: string): Promise<KubectlResult> =>
    kubectl(args, { kubeconfig: server.kubeconfigPath, version, stdin, timeoutMs: 40_000 })

  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server?.stop()
  })

  describe('real CRDs from ../shared/testdata', () => {
    before(function () {
      skipWithoutSharedTestdata(this)
    })

    it('creates every CRD and waits until each is Established', async () => {
      const dirs = readdirSync(join(sharedDir, 'crds')).map((d) => join(sharedDir, 'crds', d))
      const out = ok(await run(['create', ...dirs.flatMap((d) => ['-f', d])]))
      const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.yaml')))
      expect(out.trim().split('\n')).to.have.length(files.length)
      const waited = ok(await run(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=30s']))
      expect(waited.trim().split('\n')).to.have.length(files.length)
      expect(waited).to.include('customresourcedefinition.apiextensions.k8s.io/prometheuses.monitoring.coreos.com condition met')
    })

    it('creates every Gateway API example, one file at a time', async () => {
      const dir = join(sharedDir, 'crs/gateway-api')
      ok(await run(['create', '-f', join(dir, '0-namespaces.yaml')]))
      ok(await run(['create', 'namespace', 'infra-ns']))
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== '0-namespaces.yaml')) {
        const created = ok(await run(['create', '-f', join(dir, file)]))
        expect(created).to.include('created')
        ok(await run(['delete', '-f', join(dir, file)]))
      }
    })

    it('creates custom resources of cert-manager and the Prometheus operator, and lists them by short name', async () => {
      const manifests = [
        { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'selfsigned' }, spec: { selfSigned: {} } },
        { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace: 'default' }, spec: { secretName: 'web-tls', dnsNames: ['web.example.com'], issuerRef: { name: 'selfsigned', kind: 'ClusterIssuer' } } },
        { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http', interval: '30s' }] } },
      ]
      ok(await run(['create', '-f', '-'], 'v32', manifests.map((m) => stringify(m)).join('---\n')))
      const certs = ok(await run(['get', 'cert', 'web']))
      expect(certs).to.match(/^NAME\s+READY\s+SECRET\s+AGE\n/)
      expect(certs).to.match(/\nweb\s+web-tls\s+\d+s\n/)
      expect(ok(await run(['get', 'smon', '-o', 'name']))).to.equal('servicemonitor.monitoring.coreos.com/web\n')
    })

    it('refuses invalid custom resources with kube-apiserver messages', async () => {
      const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bad', namespace: 'default' }, spec: { gatewayClassName: 'example' } }
      expect(fails(await run(['create', '-f', '-'], 'v32', stringify(gateway)))).to.include('The Gateway "bad" is invalid: spec.listeners: Required value')
      const issuer = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'bad', namespace: 'default' }, spec: { secretName: 'x', issuerRef: { name: 'i' }, privateKey: { algorithm: 'DSA' } } }
      expect(fails(await run(['create', '-f', '-'], 'v32', stringify(issuer)))).to.include(
        'The Certificate "bad" is invalid: spec.privateKey.algorithm: Unsupported value: "DSA": supported values: "RSA", "ECDSA", "Ed25519"',
      )
      const unknown = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'bad', namespace: 'default' }, spec: { selector: {}, endpoints: [], bogus: 1 } }
      expect(fails(await run(['create', '--validate=strict', '-f', '-'], 'v32', stringify(unknown)))).to.include('unknown field "spec.bogus"')
    })

    it('shows a CRD schema with kubectl explain and removes everything on delete crd', async () => {
      const explained = ok(await run(['explain', 'gateway.spec.listeners.port']))
      expect(explained).to.include('KIND:       Gateway')
      expect(explained).to.include('FIELD: port <integer>')
      ok(await run(['delete', 'crd', 'servicemonitors.monitoring.coreos.com', 'certificates.cert-manager.io']))
      expect(fails(await run(['get', 'servicemonitors']))).to.match(goneMessage('servicemonitors'))
      expect(fails(await run(['get', 'crd', 'certificates.cert-manager.io']))).to.include('NotFound')
    })
  })

  for (const version of kubectlVersions) {
    describe(`a CRD of our own with kubectl ${version}`, () => {
      const plural = `things${version}`
      const kind = `Thing${version.toUpperCase()}`
      const short = `th${version}`

      it('is served once Established: get, short name, get all, describe, patch, scale, explain', async () => {
        ok(await run(['create', '-f', '-'], version, stringify(thingCRD(plural, kind, short))))
        ok(await run(['wait', '--for=condition=Established', `crd/${plural}.e2e.example.com`, '--timeout=10s'], version))
        const cr = { apiVersion: 'e2e.example.com/v1', kind, metadata: { name: 'one', namespace: 'default' }, spec: { size: 'small' } }
        ok(await run(['create', '-f', '-'], version, stringify(cr)))
        const invalid = { ...cr, metadata: { name: 'two', namespace: 'default' }, spec: { size: 'huge' } }
        expect(fails(await run(['create', '-f', '-'], version, stringify(invalid)))).to.include(
          `The ${kind} "two" is invalid: spec.size: Unsupported value: "huge": supported values: "small", "large"`,
        )
        expect(ok(await run(['get', short], version))).to.match(/^NAME\s+SIZE\s+AGE\none\s+small\s+\d+s\n$/)
        expect(ok(await run(['get', plural, '-o', 'wide'], version))).to.match(/^NAME\s+SIZE\s+REPLICAS\s+AGE\none\s+small\s+1\s+\d+s\n$/)
        // A fresh discovery cache: kubectl trusts its cached discovery for `get all` as with any cluster.
        const cacheDir = await mkdtemp(join(tmpdir(), 'kubectl-cache-'))
        try {
          expect(ok(await run(['get', 'all', '-n', 'default', `--cache-dir=${cacheDir}`], version))).to.include(`${kind.toLowerCase()}.e2e.example.com/one`)
        } finally {
          await rm(cacheDir, { recursive: true, force: true })
        }
        ok(await run(['patch', short, 'one', '--type=merge', '-p', '{"spec":{"size":"large"}}'], version))
        ok(await run(['scale', `${short}/one`, '--replicas=3'], version))
        const obj = JSON.parse(ok(await run(['get', short, 'one', '-o', 'json'], version))) as { spec: { size: string; replicas: number }; metadata: { generation: number } }
        expect(obj.spec).to.deep.equal({ size: 'large', replicas: 3 })
        expect(obj.metadata.generation).to.equal(3)
        expect(ok(await run(['describe', short, 'one'], version))).to.match(/Size:\s+large/)
        const explained = ok(await run(['explain', `${plural}.spec`], version))
        expect(explained).to.include('The desired thing.')
        expect(explained).to.include('Size of the thing.')
      })

      it('delete crd removes the custom resources and the endpoints', async () => {
        ok(await run(['delete', 'crd', `${plural}.e2e.example.com`], version))
        expect(fails(await run(['get', plural], version))).to.match(goneMessage(plural))
        const direct = await fetch(`${server.url}/apis/e2e.example.com/v1/namespaces/default/${plural}/one`)
        expect(direct.status).to.equal(404)
      })
    })
  }

  describe('client-node', () => {
    it('creates a CRD and a custom resource with KubernetesObjectApi and follows it with an informer', async () => {
      const kc = new k8s.KubeConfig()
      kc.loadFromString(kubeconfigYAML(server.url))
      const objects = k8s.KubernetesObjectApi.makeApiClient(kc)
      await objects.create(thingCRD('gizmos', 'Gizmo', 'gz') as k8s.KubernetesObject)
      ok(await run(['wait', '--for=condition=Established', 'crd/gizmos.e2e.example.com', '--timeout=10s']))
      const custom = kc.makeApiClient(k8s.CustomObjectsApi)
      const path = '/apis/e2e.example.com/v1/namespaces/default/gizmos'
      const log = new EventLog<k8s.KubernetesObject>()
      const informer = k8s.makeInformer<k8s.KubernetesObject>(kc, path, () =>
        custom.listNamespacedCustomObject({ group: 'e2e.example.com', version: 'v1', namespace: 'default', plural: 'gizmos' }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
      )
      informer.on('add', (o) => log.push('add', o))
      informer.on('update', (o) => log.push('update', o))
      informer.on('error', () => {})
      await within(informer.start(), 'informer start')
      try {
        const created = await objects.create({ apiVersion: 'e2e.example.com/v1', kind: 'Gizmo', metadata: { name: 'g1', namespace: 'default' }, spec: { size: 'small' } } as k8s.KubernetesObject)
        // (client-node's serializer drops JSONSchemaProps.default given as "default", so no defaults here.)
        expect((created as { spec: { size: string } }).spec.size).to.equal('small')
        await log.waitFor('add of g1', (e) => e.type === 'add' && e.obj.metadata?.name === 'g1')
        await custom.patchNamespacedCustomObject(
          { group: 'e2e.example.com', version: 'v1', namespace: 'default', plural: 'gizmos', name: 'g1', body: { spec: { size: 'large' } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        await log.waitFor('update of g1', (e) => e.type === 'update' && (e.obj as { spec?: { size?: string } }).spec?.size === 'large')
      } finally {
        await informer.stop()
      }
    })
  })
})
