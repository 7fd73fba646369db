/**
 * @module spec/openapi/kubectl.spec
 * The real kubectl (pinned v1.32 and v1.35) reading our documents from a tiny server mounted
 * under /k8s that serves nothing but legacy discovery and the OpenAPI router: `kubectl explain`
 * must find and render the kinds, and `kubectl create --validate=strict` must take the v3 path
 * (fieldValidation supported, so no client-side schema check and no /openapi/v2 download).
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import express from 'express'
import type { Request, Response } from 'express'
import { statusErrorWriter } from '../../lib/endpoints/response-writers.js'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { OpenAPIRegistry } from '../../openapi/document.js'
import { openAPIRouter } from '../../openapi/handlers.js'
import { kubectl, kubectlPath, kubectlVersions } from '../support/kubectl.js'
import type { KubectlResult } from '../support/kubectl.js'
import { configmaps, crontabs, deployments, namespaces } from './fixtures.js'

const prefix = '/k8s'

function resourceList(groupVersion: string, resources: Array<{ name: string; kind: string; namespaced: boolean }>): object {
  const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: resources.map((r) => ({ ...r, singularName: '', verbs })) }
}

const webManifest = (imageB: string): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'a', image: 'a:1' },
          { name: 'b', image: imageB },
        ],
      },
    },
  },
})

const liveDeployment = {
  ...webManifest('b:1'),
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: '6f1c3f1e-0000-4000-8000-000000000001',
    resourceVersion: '7',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(webManifest('b:1'))}\n` },
  },
}

const patches: Array<{ contentType: string; body: string }> = []

/**
 * Just enough legacy discovery for kubectl's RESTMapper, beside the OpenAPI router under test.
 * `withoutFieldValidation` serves api/v1 with the parameter renamed: the control experiment.
 */
function tinyServer(registry: OpenAPIRegistry, requests: string[], withoutFieldValidation = false): express.Express {
  const app = express()
  const api = express.Router()
  api.use(function recordRequest(req: Request, _res: Response, next: () => void) {
    requests.push(req.originalUrl)
    next()
  })
  api.get('/api', function apiVersions(_req: Request, res: Response) {
    res.json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] })
  })
  api.get('/api/v1', function coreResources(_req: Request, res: Response) {
    res.json(resourceList('v1', [configmaps, namespaces].map((d) => ({ name: d.resource, kind: d.kind, namespaced: d.namespaced }))))
  })
  api.get('/apis', function apiGroups(_req: Request, res: Response) {
    const group = (name: string): object => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } })
    res.json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [group('apps'), group('stable.example.com')] })
  })
  api.get('/apis/apps/v1', function appsResources(_req: Request, res: Response) {
    res.json(resourceList('apps/v1', [{ name: 'deployments', kind: 'Deployment', namespaced: true }]))
  })
  api.get('/apis/stable.example.com/v1', function crontabResources(_req: Request, res: Response) {
    res.json(resourceList('stable.example.com/v1', [{ name: 'crontabs', kind: 'CronTab', namespaced: true }]))
  })
  // One live Deployment for client-side apply: its GET answers, its PATCH is recorded.
  api.get('/apis/apps/v1/namespaces/default/deployments/web', function getWeb(_req: Request, res: Response) {
    res.json(liveDeployment)
  })
  api.patch('/apis/apps/v1/namespaces/default/deployments/web', express.text({ type: '*/*' }), function patchWeb(req: Request, res: Response) {
    patches.push({ contentType: String(req.headers['content-type']), body: String(req.body) })
    res.json(liveDeployment)
  })
  if (withoutFieldValidation) {
    api.get('/openapi/v3/api/v1', function apiV1WithoutFieldValidation(_req: Request, res: Response) {
      res.type('application/json').send(JSON.stringify(registry.v3Document('api/v1')).replaceAll('"fieldValidation"', '"fieldValidationX"'))
    })
  }
  api.use(openAPIRouter(registry))
  api.use(statusErrorWriter())
  app.use(prefix, api)
  return app
}

function show(args: string[], r: KubectlResult): string {
  return `kubectl ${args.join(' ')} -> exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
}

for (const version of kubectlVersions) {
  describe(`openapi: kubectl ${version} reads the documents under ${prefix}`, function () {
    const requests: string[] = []
    let server: Server
    let dir: string
    let kubeconfig: string

    async function ok(args: string[], stdin?: string): Promise<string> {
      const r = await kubectl(args, { kubeconfig, version, stdin })
      expect(r.code, show(args, r)).to.equal(0)
      expect(r.stderr, show(args, r)).to.equal('')
      return r.stdout
    }

    let registry: OpenAPIRegistry

    /** Listens on a free loopback port and writes a kubeconfig for <url>/k8s into `dir`. */
    async function listen(app: express.Express, name: string): Promise<{ server: Server; kubeconfig: string }> {
      const s = createServer(app)
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
      const { port } = s.address() as AddressInfo
      const path = join(dir, name)
      await writeFile(path, kubeconfigYAML(`http://127.0.0.1:${port}${prefix}`))
      return { server: s, kubeconfig: path }
    }

    before(async function () {
      this.timeout(120_000) // the first run unpacks ~60 MB of kubectl
      await kubectlPath(version)
      registry = new OpenAPIRegistry()
      for (const def of [configmaps, namespaces, deployments, crontabs]) registry.addResource(def)
      dir = await mkdtemp(join(tmpdir(), 'kube-express-openapi-kubectl-'))
      ;({ server, kubeconfig } = await listen(tinyServer(registry, requests), 'kubeconfig'))
    })

    after(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    beforeEach(() => {
      requests.length = 0
    })

    it('kubectl explain configmaps renders the kind from /openapi/v3/api/v1', async () => {
      const out = await ok(['explain', 'configmaps'])
      expect(out).to.match(/^KIND:\s+ConfigMap$/m)
      expect(out).to.match(/^VERSION:\s+v1$/m)
      expect(out).to.contain('ConfigMap holds configuration data for pods to consume.')
      expect(out).to.match(/^ {2}data\t<map\[string\]string>$/m)
      expect(out).to.match(/^ {2}metadata\t<ObjectMeta>$/m)
      expect(requests, requests.join('\n')).to.include(`${prefix}/openapi/v3?timeout=32s`)
    })

    it('kubectl caches a hashed document for good: a second explain asks only for the index', async () => {
      await ok(['explain', 'namespaces'])
      const fetched = (): string[] => requests.filter((u) => u.startsWith(`${prefix}/openapi/v3/`))
      requests.length = 0
      await ok(['explain', 'namespaces.spec'])
      expect(requests, requests.join('\n')).to.include(`${prefix}/openapi/v3?timeout=32s`)
      expect(fetched(), requests.join('\n')).to.deep.equal([])
    })

    it('kubectl explain follows a field path into shared meta types', async () => {
      const out = await ok(['explain', 'configmaps.metadata.ownerReferences'])
      expect(out).to.match(/^FIELD:\s+ownerReferences <\[\]OwnerReference>$/m)
      expect(out).to.match(/^ {2}uid\t<string> -required-$/m)
    })

    it('kubectl explain finds a kind in a named group and its required fields', async () => {
      const out = await ok(['explain', 'deployments.spec.template.spec.containers'])
      expect(out).to.match(/^GROUP:\s+apps$/m)
      expect(out).to.match(/^KIND:\s+Deployment$/m)
      expect(out).to.match(/^ {2}name\t<string> -required-$/m)
      expect(out).to.match(/^ {2}resources\t<ResourceRequirements>$/m)
    })

    it('kubectl explain renders a custom resource from its structural schema', async () => {
      const out = await ok(['explain', 'crontabs.spec'])
      expect(out).to.match(/^GROUP:\s+stable\.example\.com$/m)
      expect(out).to.match(/^ {2}cronSpec\t<string> -required-$/m)
    })

    it('kubectl create --validate=strict trusts the server (fieldValidation) and never asks for v2', async () => {
      const manifest = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: validated', 'data:', '  a: b', ''].join('\n')
      const out = await ok(['create', '-f', '-', '--dry-run=client', '-o', 'name', '--validate=strict'], manifest)
      expect(out).to.equal('configmap/validated\n')
      // The api/v1 document itself may come from kubectl's HTTP cache (it is immutable by hash).
      expect(requests, requests.join('\n')).to.include(`${prefix}/openapi/v3?timeout=32s`)
      expect(requests.filter((u) => u.includes('/openapi/v2')), requests.join('\n')).to.deep.equal([])
    })

    it('kubectl apply builds a strategic merge patch from our merge keys (containers by name)', async () => {
      patches.length = 0
      const out = await ok(['apply', '-f', '-'], JSON.stringify(webManifest('b:2')))
      expect(out).to.equal('deployment.apps/web configured\n')
      expect(patches).to.have.length(1)
      expect(patches[0]?.contentType).to.equal('application/strategic-merge-patch+json')
      const patch = JSON.parse(patches[0]?.body ?? '{}') as { spec: { template: { spec: Record<string, unknown> } } }
      // Only with x-kubernetes-patch-merge-key does kubectl send the changed item plus the order,
      // instead of replacing the whole list.
      expect(patch.spec.template.spec).to.deep.equal({
        '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
        containers: [{ image: 'b:2', name: 'b' }],
      })
    })

    it('control: without fieldValidation kubectl falls back to the /openapi/v2 protobuf and validates client-side', async () => {
      const control: string[] = []
      const other = await listen(tinyServer(registry, control, true), 'control-kubeconfig')
      try {
        const manifest = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: unchecked', 'bogus: 1', ''].join('\n')
        const args = ['create', '-f', '-', '--dry-run=client', '-o', 'name', '--validate=strict']
        const r = await kubectl(args, { kubeconfig: other.kubeconfig, version, stdin: manifest })
        expect(r.code, show(args, r)).to.equal(1)
        expect(r.stderr).to.equal(
          'error: error validating "STDIN": error validating data: ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap; if you choose to ignore these errors, turn validation off with --validate=false\n',
        )
        expect(control.filter((u) => u.startsWith(`${prefix}/openapi/v2`)), control.join('\n')).to.have.length(1)
      } finally {
        await new Promise<void>((resolve) => other.server.close(() => resolve()))
      }
    })
  })
}
