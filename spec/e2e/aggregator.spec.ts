/**
 * @module spec/e2e/aggregator.spec
 * The aggregator with a real remote API server: the example of docs/examples/aggregated-api runs
 * in its own process over HTTPS on a free loopback port, is registered with kubectl (Service,
 * EndpointSlice, APIService with its caBundle), and kubectl then gets, creates and watches its
 * kinds through the proxy. Stopping it turns the APIService unavailable (FailedDiscoveryCheck),
 * its paths answer 503 while the rest of the API keeps working; restarting it brings it back.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import express from 'express'
import { parse, stringify } from 'yaml'
import { kubectl, kubectlSpawn, kubectlVersions, repoRoot } from '../support/kubectl.js'
import type { KubectlResult, KubectlVersion } from '../support/kubectl.js'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const exampleDir = join(repoRoot, 'docs/examples/aggregated-api')

interface Example {
  child: ChildProcessWithoutNullStreams
  port: number
  caBundle: string
  stop(): Promise<void>
}

/** Starts the example server (node --import tsx main.ts) and waits for its JSON line. */
async function startExample(port = 0): Promise<Example> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(exampleDir, 'main.ts'), '--port', String(port)], { cwd: repoRoot, stdio: 'pipe' })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.once('exit', (code) => reject(new Error(`example server exited with ${code}: ${stderr}`)))
  })
  const { port: actual, caBundle } = JSON.parse(line) as { port: number; caBundle: string }
  return {
    child,
    port: actual,
    caBundle,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** manifests.yaml with the example's port, and its caBundle instead of insecureSkipTLSVerify. */
function manifests(port: number, caBundle: string): string {
  return readFileSync(join(exampleDir, 'manifests.yaml'), 'utf8')
    .split(/^---$/m)
    .map((doc) => {
      const obj = parse(doc) as { kind: string; ports?: { port: number }[]; spec?: Record<string, unknown> }
      if (obj.kind === 'EndpointSlice') obj.ports![0]!.port = port
      if (obj.kind === 'APIService') {
        delete obj.spec!['insecureSkipTLSVerify']
        obj.spec!['caBundle'] = caBundle
      }
      return stringify(obj)
    })
    .join('---\n')
}

function show(args: string[], r: KubectlResult): string {
  return `kubectl ${args.join(' ')} -> exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  let last: unknown
  for (let i = 0; i < 100; i++) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

describe('e2e: aggregated API server behind the aggregator', function () {
  this.timeout(60_000)
  let server: StartedServer
  let example: Example
  const version: KubectlVersion = 'v32'
  const run = (args: string[], stdin?: string, v: KubectlVersion = version) => kubectl(args, { kubeconfig: server.kubeconfigPath, version: v, stdin })
  const ok = async (args: string[], stdin?: string, v: KubectlVersion = version): Promise<string> => {
    const r = await run(args, stdin, v)
    expect(r.code, show(args, r)).to.equal(0)
    return r.stdout
  }
  const availableCell = async (): Promise<string> => {
    const out = await ok(['get', 'apiservice', 'v1alpha1.metrics.example.com', '--no-headers'])
    return out.trim().split(/\s{2,}/)[2] ?? ''
  }

  before(async function () {
    server = await startServer()
    // Probe often, so that the stop and restart below are seen within a second.
    server.chain.aggregator.availability.intervalMs = 200
    example = await startExample()
  })

  after(async function () {
    await example?.stop()
    await server?.stop()
  })

  it('registers the example with kubectl and shows it Available', async function () {
    const out = await ok(['apply', '-f', '-'], manifests(example.port, example.caBundle))
    expect(out).to.include('apiservice.apiregistration.k8s.io/v1alpha1.metrics.example.com created')
    await until('Available True', async () => ((await availableCell()) === 'True' ? true : undefined))
    const table = await ok(['get', 'apiservices'])
    expect(table.split('\n')[0]).to.match(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/)
    expect(table).to.match(/v1alpha1\.metrics\.example\.com\s+default\/metrics-example\s+True\s+/)
    expect(table).to.match(/v1\.apps\s+Local\s+True\s+/)
  })

  for (const v of kubectlVersions) {
    it(`kubectl ${v}: api-resources lists the remote kinds and get reads through the proxy`, async function () {
      const resources = await ok(['api-resources', '--api-group=metrics.example.com'], undefined, v)
      expect(resources).to.match(/alertrules\s+ar\s+metrics\.example\.com\/v1alpha1\s+true\s+AlertRule/)
      expect(resources).to.match(/nodeusages\s+nu\s+metrics\.example\.com\/v1alpha1\s+false\s+NodeUsage/)
      const usages = await ok(['get', 'nodeusages'], undefined, v)
      expect(usages.split('\n')[0]).to.match(/^NAME\s+CPU LOAD\s+MEMORY\s+AGE$/)
      expect(usages.split('\n').filter(Boolean)).to.have.length(2)
    })
  }

  it('creates through the proxy, and a watch through the proxy sees it', async function () {
    const watch = await kubectlSpawn(['get', 'alertrules', '-w', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,T:.spec.threshold'], { kubeconfig: server.kubeconfigPath, version })
    try {
      // Give the watch the time to start before the object exists.
      await new Promise((r) => setTimeout(r, 1000))
      const created = await ok(['create', '-f', '-'], 'apiVersion: metrics.example.com/v1alpha1\nkind: AlertRule\nmetadata: {name: cpu-high}\nspec: {metric: cpu, threshold: 3}\n')
      expect(created).to.equal('alertrule.metrics.example.com/cpu-high created\n')
      expect(await watch.waitForStdout(/cpu-high\s+3/)).to.match(/cpu-high\s+3/)
    } finally {
      await watch.kill()
    }
    const got = JSON.parse(await ok(['get', 'alertrule', 'cpu-high', '-o', 'json'])) as { spec: Record<string, unknown> }
    expect(got.spec).to.deep.equal({ metric: 'cpu', threshold: 3, severity: 'warning' })
    // The remote server's own validation answers through the proxy.
    const bad = await run(['create', '-f', '-'], 'apiVersion: metrics.example.com/v1alpha1\nkind: AlertRule\nmetadata: {name: bad}\nspec: {threshold: -1}\n')
    expect(bad.code).to.equal(1)
    expect(bad.stderr).to.include('spec.threshold: Invalid value: -1: must be a positive number')
  })

  for (const v of kubectlVersions) {
    it(`kubectl ${v}: explain shows the remote server's own schema, fetched from its /openapi/v3`, async function () {
      const explained = await until('the remote schema in kubectl explain', async () => {
        const r = await run(['explain', 'alertrules.spec'], undefined, v)
        return r.code === 0 && r.stdout.includes('threshold') ? r.stdout : undefined
      })
      expect(explained).to.include('AlertRuleSpec is what the rule watches and how loud it is.')
      expect(explained).to.match(/threshold\s+<number> -required-/)
      expect(explained).to.include('Alert above this value; must be positive.')
      const usage = await ok(['explain', 'nodeusages.usage.cpuLoad'], undefined, v)
      expect(usage).to.include('One-minute load average.')
      // Client-side validation reads the protobuf /openapi/v2 (openapivalidation on
      // f.OpenAPISchema()), the same models explain's v2 output prints: the remote v2 is merged there.
      const v2 = await ok(['explain', 'alertrules.spec', '--output=plaintext-openapiv2'], undefined, v)
      expect(v2).to.include('AlertRuleSpec is what the rule watches and how loud it is.')
      expect(v2).to.match(/threshold\s+<number> -required-/)
    })
  }

  it('kubectl validates a remote kind client-side from the merged /openapi/v2 when its v3 lacks fieldValidation', async function () {
    // A host in front of the chain that hides fieldValidation in the remote group-version's v3
    // document (as on an old server): kubectl then validates itself, from the /openapi/v2 protobuf.
    const gvDoc = '/openapi/v3/apis/metrics.example.com/v1alpha1'
    const host = express()
    host.get(gvDoc, async function withoutFieldValidation(_req, res) {
      const doc = await (await fetch(`${server.url}${gvDoc}`, { headers: { accept: 'application/json' } })).text()
      res.type('application/json').send(doc.replaceAll('"fieldValidation"', '"fieldValidationX"'))
    })
    host.use(server.chain.handler)
    const listening = createServer(host)
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', () => resolve()))
    const dir = await mkdtemp(join(tmpdir(), 'kube-express-agg-'))
    try {
      const kubeconfig = join(dir, 'kubeconfig')
      await writeFile(kubeconfig, kubeconfigYAML(`http://127.0.0.1:${(listening.address() as AddressInfo).port}`))
      const args = ['create', '-f', '-', '--dry-run=client', '-o', 'name', '--validate=strict']
      const valid = 'apiVersion: metrics.example.com/v1alpha1\nkind: AlertRule\nmetadata: {name: checked}\nspec: {threshold: 3}\n'
      for (const v of kubectlVersions) {
        const good = await kubectl(args, { kubeconfig, version: v, stdin: valid })
        expect([good.code, good.stdout, good.stderr]).to.deep.equal([0, 'alertrule.metrics.example.com/checked\n', ''])
        const bad = await kubectl(args, { kubeconfig, version: v, stdin: valid.replace('threshold', 'threshhold') })
        expect(bad.code, show(args, bad)).to.equal(1)
        expect(bad.stderr).to.include('unknown field "threshhold" in com.example.metrics.v1alpha1.AlertRule.spec')
      }
    } finally {
      await new Promise<void>((resolve) => {
        listening.close(() => resolve())
        listening.closeAllConnections()
      })
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('lists the remote document in /openapi/v3 with its hash, serves it, and merges its v2 paths and definitions', async function () {
    const index = (await (await fetch(`${server.url}/openapi/v3`)).json()) as { paths: Record<string, { serverRelativeURL: string }> }
    const url = index.paths['apis/metrics.example.com/v1alpha1']?.serverRelativeURL
    expect(url).to.match(/^\/openapi\/v3\/apis\/metrics\.example\.com\/v1alpha1\?hash=[0-9A-F]{128}$/)
    const doc = (await (await fetch(`${server.url}${url}`)).json()) as { components: { schemas: Record<string, { description?: string }> } }
    expect(doc.components.schemas['com.example.metrics.v1alpha1.AlertRule']?.description).to.equal('AlertRule raises an alert when a metric goes above a threshold.')
    const v2 = (await (await fetch(`${server.url}/openapi/v2`, { headers: { Accept: 'application/json' } })).json()) as { paths: Record<string, unknown>; definitions: Record<string, { description?: string }> }
    expect(v2.paths).to.have.property('/apis/metrics.example.com/v1alpha1/namespaces/{namespace}/alertrules/{name}')
    expect(v2.definitions['com.example.metrics.v1alpha1.NodeUsage']?.description).to.equal('NodeUsage is the resource usage of the host the metrics server runs on.')
    // The built-in groups are still there.
    expect(v2.paths).to.have.property('/api/v1/namespaces/{namespace}/configmaps/{name}')
    // The Swagger UI's drop-down is fed by the same index.
    const init = await (await fetch(`${server.url}/openapi/ui/swagger-ui-init.js`)).text()
    expect(init).to.include(`"url": "../v3/apis/metrics.example.com/v1alpha1?hash=`)
  })

  it('turns unavailable when the example stops: 503 on its paths, the rest unaffected; available again after a restart', async function () {
    const port = example.port
    await example.stop()
    await until('Available False', async () => ((await availableCell()).startsWith('False') ? true : undefined))
    expect(await availableCell()).to.equal('False (FailedDiscoveryCheck)')
    const status = JSON.parse(await ok(['get', 'apiservice', 'v1alpha1.metrics.example.com', '-o', 'json'])) as { status: { conditions: { reason: string; message: string }[] } }
    expect(status.status.conditions[0]!.message).to.match(/^failing or missing response from https:\/\/127\.0\.0\.1:\d+\/apis\/metrics\.example\.com\/v1alpha1: /)

    const res = await fetch(`${server.url}/apis/metrics.example.com/v1alpha1/namespaces/default/alertrules`)
    expect(res.status).to.equal(503)
    expect(res.headers.get('content-type')).to.equal('text/plain; charset=utf-8')
    expect(await res.text()).to.equal('service unavailable\n')
    const failed = await run(['get', 'alertrules'])
    expect(failed.code).to.equal(1)
    expect(failed.stderr).to.include('the server is currently unable to handle the request')

    // The rest of the API is unaffected; discovery still lists the group (marked stale).
    expect(await ok(['create', 'configmap', 'still-here', '--from-literal=a=b'])).to.equal('configmap/still-here created\n')
    const apis = await (await fetch(`${server.url}/apis`, { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).json() as { items: { metadata: { name: string }; versions: { version: string; freshness: string }[] }[] }
    const group = apis.items.find((i) => i.metadata.name === 'metrics.example.com')
    expect(group?.versions).to.deep.include.members([{ ...group!.versions[0]!, version: 'v1alpha1', freshness: 'Stale' }])

    example = await startExample(port)
    // A new process, a new self-signed certificate: the APIService must trust its CA.
    await ok(['patch', 'apiservice', 'v1alpha1.metrics.example.com', '--type=merge', '-p', JSON.stringify({ spec: { caBundle: example.caBundle } })])
    await until('Available True again', async () => ((await availableCell()) === 'True' ? true : undefined))
    expect(await ok(['get', 'nodeusages', '--no-headers'])).to.match(/\S+\s+\S+\s+\d+Mi\s+/)
  })

  it('drops the remote OpenAPI documents when the APIService is deleted', async function () {
    const listed = async () => Object.keys(((await (await fetch(`${server.url}/openapi/v3`)).json()) as { paths: Record<string, unknown> }).paths)
    expect(await listed()).to.include('apis/metrics.example.com/v1alpha1')
    await ok(['delete', 'apiservice', 'v1alpha1.metrics.example.com'])
    await until('the document gone from /openapi/v3', async () => (!(await listed()).includes('apis/metrics.example.com/v1alpha1') ? true : undefined))
    expect((await fetch(`${server.url}/openapi/v3/apis/metrics.example.com/v1alpha1`)).status).to.equal(404)
    const v2 = (await (await fetch(`${server.url}/openapi/v2`, { headers: { Accept: 'application/json' } })).json()) as { definitions: Record<string, unknown> }
    expect(v2.definitions).to.not.have.property('com.example.metrics.v1alpha1.AlertRule')
  })
})
