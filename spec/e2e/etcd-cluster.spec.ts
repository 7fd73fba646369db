/**
 * @module spec/e2e/etcd-cluster.spec
 * Two kube-express CLI processes on one three-member etcd cluster on loopback behave as one API
 * server: kubectl against either sees the same state, a watch on one sees a write through the
 * other, a CustomResourceDefinition or APIService created through one is served by both (the
 * extensions and aggregator routers follow storage), both restarted on the same etcd serve the
 * stored CRDs from their first request, and killing an etcd member under a write load loses no
 * acknowledged write. The CLI runs from source through tsx, so the spec tests the current code
 * without a build. Skips when there is no etcd binary.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'mocha'
import { expect } from 'chai'
import { kubectl, kubectlPath, kubectlSpawn, repoRoot } from '../support/kubectl.js'
import { etcdUnavailableReason, freePort, startEtcdCluster } from '../support/etcd.js'
import type { EtcdCluster } from '../support/etcd.js'

interface Served {
  child: ChildProcessWithoutNullStreams
  url: string
  kubeconfig: string
  output(): string
}

/**
 * Starts `serve` from source with the given --storage (on port 0 unless a port is given) and waits
 * for its "listening" line.
 */
async function serve(dir: string, name: string, storage: string, timeoutMs = 60_000, port = 0): Promise<Served> {
  const kubeconfig = join(dir, `${name}.kubeconfig`)
  const args = ['--import', 'tsx', join(repoRoot, 'routers', 'cli.ts'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--kubeconfig', kubeconfig, '--storage', storage]
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name}: no "listening" line within ${timeoutMs} ms; output:\n${out}`)), timeoutMs)
    const onData = (d: string): void => {
      out += d
      for (const line of out.split('\n')) {
        if (!/listening/i.test(line)) continue
        const found = /https?:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0]
        if (found !== undefined) {
          clearTimeout(timer)
          child.off('exit', onExit)
          resolve(found)
          return
        }
      }
    }
    const onExit = (code: number | null): void => fail(new Error(`${name} exited (${code}) before listening; output:\n${out}`))
    const fail = (err: Error): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(err)
    }
    child.stdout.setEncoding('utf8').on('data', onData)
    child.stderr.setEncoding('utf8').on('data', onData)
    child.on('exit', onExit)
  })
  return { child, url, kubeconfig, output: () => out }
}

function configMap(name: string, data: Record<string, string> = {}): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }
}

async function post(base: string, ns: string, body: unknown): Promise<Response> {
  return fetch(`${base}/api/v1/namespaces/${ns}/configmaps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  })
}

const crdGroup = 'cluster.example.com'
const crdName = `widgets.${crdGroup}`
const widgetsPath = `/apis/${crdGroup}/v1/namespaces/default/widgets`

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${crdName}
spec:
  group: ${crdGroup}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
`

/**
 * A second CRD of another group, named to sort after the first: at start-up the CRD list installs
 * it last, so any APIService reconcile that runs between the two installs sees its group-version
 * as not served.
 */
const otherGroup = 'other.example.com'
const otherCRDName = `zappers.${otherGroup}`
const zapperCRD = widgetCRD.replaceAll(crdName, otherCRDName).replaceAll(crdGroup, otherGroup).replace(
  'names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }',
  'names: { plural: zappers, singular: zapper, kind: Zapper, listKind: ZapperList }',
)

function widget(name: string, size: number): string {
  return JSON.stringify({ apiVersion: `${crdGroup}/v1`, kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { size } })
}

/** A remote APIService whose Service does not exist: its availability can only be False ServiceNotFound. */
const missingAPIServiceName = 'v1alpha1.missing.example.com'
const missingAPIService = JSON.stringify({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: missingAPIServiceName },
  spec: {
    group: 'missing.example.com',
    version: 'v1alpha1',
    service: { namespace: 'default', name: 'no-such-service', port: 443 },
    insecureSkipTLSVerify: true,
    groupPriorityMinimum: 1000,
    versionPriority: 15,
  },
})

/**
 * Calls check every intervalMs until it returns true and resolves with the milliseconds that took;
 * rejects with the last detail once boundMs have passed. The bound is generous on purpose: the
 * measured time is reported, not asserted.
 */
async function pollUntil(what: string, check: () => Promise<boolean | string>, boundMs = 10_000, intervalMs = 20): Promise<number> {
  const started = Date.now()
  for (;;) {
    const last = await check()
    if (last === true) return Date.now() - started
    if (Date.now() - started > boundMs) throw new Error(`${what}: not within ${boundMs} ms (last: ${String(last)})`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

async function getStatus(base: string, path: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) })
  await res.body?.cancel()
  return res.status
}

interface APIServiceObject {
  metadata: { uid: string; labels?: Record<string, string> }
  status?: { conditions?: { type: string; status: string; reason?: string }[] }
}

async function getAPIService(base: string, name: string): Promise<APIServiceObject | undefined> {
  const res = await fetch(`${base}/apis/apiregistration.k8s.io/v1/apiservices/${name}`, { signal: AbortSignal.timeout(5_000) })
  if (res.status !== 200) {
    await res.body?.cancel()
    return undefined
  }
  return (await res.json()) as APIServiceObject
}

function availableOf(obj: APIServiceObject | undefined): string {
  const c = obj?.status?.conditions?.find((x) => x.type === 'Available')
  return c ? `${c.status} ${c.reason ?? ''}`.trim() : 'none'
}

describe('e2e: two kube-express processes on a three-member etcd cluster', function () {
  this.timeout(120_000)
  let cluster: EtcdCluster | undefined
  let dir = ''
  const servers: Served[] = []
  /** uids of the automanaged APIServices of the two CRDs' group-versions, taken before the restart. */
  let uidsBeforeRestart: string[] = []

  before(async function () {
    const reason = etcdUnavailableReason()
    if (reason !== undefined) {
      console.warn(`    skipping the etcd cluster e2e: ${reason}`)
      this.skip()
    }
    this.timeout(180_000)
    await kubectlPath('v32')
    dir = await mkdtemp(join(tmpdir(), 'kube-express-etcd-e2e-'))
    cluster = await startEtcdCluster(3)
    // One after the other: both bootstrap the same default namespaces in etcd.
    servers.push(await serve(dir, 'a', cluster.storageURL))
    servers.push(await serve(dir, 'b', cluster.storageURL))
  })

  after(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
    await cluster?.remove()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('shows kubectl the same state through either process', async () => {
    const [a, b] = servers
    const created = await kubectl(['create', 'configmap', 'shared', '--from-literal=k=v'], { kubeconfig: a.kubeconfig })
    expect(created.code, created.stderr).to.equal(0)
    const viaB = await kubectl(['get', 'configmap', 'shared', '-o', 'json'], { kubeconfig: b.kubeconfig })
    expect(viaB.code, viaB.stderr).to.equal(0)
    const obj = JSON.parse(viaB.stdout) as { data: unknown; metadata: { resourceVersion: string } }
    expect(obj.data).to.deep.equal({ k: 'v' })
    const viaA = await kubectl(['get', 'configmap', 'shared', '-o', 'json'], { kubeconfig: a.kubeconfig })
    expect((JSON.parse(viaA.stdout) as { metadata: { resourceVersion: string } }).metadata.resourceVersion).to.equal(
      obj.metadata.resourceVersion,
    )
    const nsA = await kubectl(['get', 'ns', '-o', 'name'], { kubeconfig: a.kubeconfig })
    const nsB = await kubectl(['get', 'ns', '-o', 'name'], { kubeconfig: b.kubeconfig })
    expect(nsA.stdout).to.equal(nsB.stdout)
    expect(nsA.stdout).to.include('namespace/default')

    const deleted = await kubectl(['delete', 'configmap', 'shared'], { kubeconfig: b.kubeconfig })
    expect(deleted.code, deleted.stderr).to.equal(0)
    const gone = await kubectl(['get', 'configmap', 'shared'], { kubeconfig: a.kubeconfig })
    expect(gone.code).to.equal(1)
    expect(gone.stderr).to.include('configmaps "shared" not found')
  })

  it('shows a watch on one process a write through the other', async () => {
    const [a, b] = servers
    const watch = await kubectlSpawn(['get', 'configmaps', '-w', '-o', 'name'], { kubeconfig: b.kubeconfig })
    try {
      // A first object through the same process proves the watch runs before the cross-process write.
      const first = await kubectl(['create', 'configmap', 'watched-1'], { kubeconfig: b.kubeconfig })
      expect(first.code, first.stderr).to.equal(0)
      await watch.waitForStdout(/configmap\/watched-1/, 20_000)
      const second = await kubectl(['create', 'configmap', 'watched-2'], { kubeconfig: a.kubeconfig })
      expect(second.code, second.stderr).to.equal(0)
      await watch.waitForStdout(/configmap\/watched-2/, 20_000)
    } finally {
      await watch.kill()
    }
  })

  it('serves a CRD created through one process from the other, and a watch on the first sees custom resources written through the second', async () => {
    const [a, b] = servers
    const applied = await kubectl(['apply', '-f', '-'], { kubeconfig: a.kubeconfig, stdin: widgetCRD })
    expect(applied.code, applied.stderr).to.equal(0)
    // B learns of the CRD only through its watch on etcd: no call goes from A to B.
    const delay = await pollUntil(`${widgetsPath} on B`, async () => {
      const status = await getStatus(b.url, widgetsPath)
      return status === 200 || `HTTP ${status}`
    })
    console.log(`      CRD created through A served by B after ${delay} ms`)
    const established = await kubectl(['wait', '--for=condition=Established', `crd/${crdName}`, '--timeout=10s'], { kubeconfig: b.kubeconfig })
    expect(established.code, established.stderr).to.equal(0)
    const emptyOnB = await kubectl(['get', 'widgets'], { kubeconfig: b.kubeconfig })
    expect(emptyOnB.code, emptyOnB.stderr).to.equal(0)
    expect(emptyOnB.stderr).to.include('No resources found in default namespace.')

    const watch = await kubectlSpawn(['get', 'widgets', '-w', '-o', 'name'], { kubeconfig: a.kubeconfig })
    try {
      const first = await kubectl(['apply', '-f', '-'], { kubeconfig: a.kubeconfig, stdin: widget('from-a', 1) })
      expect(first.code, first.stderr).to.equal(0)
      await watch.waitForStdout(/widget\.cluster\.example\.com\/from-a/, 20_000)
      const second = await kubectl(['apply', '-f', '-'], { kubeconfig: b.kubeconfig, stdin: widget('from-b', 2) })
      expect(second.code, second.stderr).to.equal(0)
      await watch.waitForStdout(/widget\.cluster\.example\.com\/from-b/, 20_000)
    } finally {
      await watch.kill()
    }
    const listed = await kubectl(['get', 'widgets', '-o', 'jsonpath={.items[*].metadata.name}'], { kubeconfig: b.kubeconfig })
    expect(listed.stdout.split(' ').sort()).to.deep.equal(['from-a', 'from-b'])
  })

  it('shows an APIService created through one process, with the availability its controller sets, on the other', async () => {
    const [a, b] = servers
    const created = await kubectl(['apply', '-f', '-'], { kubeconfig: a.kubeconfig, stdin: missingAPIService })
    expect(created.code, created.stderr).to.equal(0)
    const delay = await pollUntil(`${missingAPIServiceName} on B`, async () => {
      const got = await kubectl(['get', 'apiservices', missingAPIServiceName], { kubeconfig: b.kubeconfig })
      return /False \(ServiceNotFound\)/.test(got.stdout) || got.stdout + got.stderr
    }, 10_000, 100)
    console.log(`      APIService created through A shown False (ServiceNotFound) by B after ${delay} ms`)
    expect(availableOf(await getAPIService(b.url, missingAPIServiceName))).to.equal('False ServiceNotFound')
    // B routes the group-version to the missing server: kube-aggregator's plain 503, not a 404.
    const proxied = await fetch(`${b.url}/apis/missing.example.com/v1alpha1`)
    expect(proxied.status).to.equal(503)
    expect((await proxied.text()).trim()).to.equal('service unavailable')

    // The CRD's group-version got its automanaged local APIService, seen alike through both.
    for (const server of [a, b]) {
      const list = await kubectl(['get', 'apiservices'], { kubeconfig: server.kubeconfig })
      expect(list.code, list.stderr).to.equal(0)
      expect(list.stdout).to.match(/^v1\.cluster\.example\.com\s+Local\s+True\s/m)
      expect(list.stdout).to.match(/^v1alpha1\.missing\.example\.com\s+default\/no-such-service\s+False \(ServiceNotFound\)\s/m)
    }
    const viaA = await getAPIService(a.url, `v1.${crdGroup}`)
    const viaB = await getAPIService(b.url, `v1.${crdGroup}`)
    expect(viaA?.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged']).to.equal('true')
    expect(viaB?.metadata.uid).to.equal(viaA?.metadata.uid)

    const deleted = await kubectl(['delete', 'apiservice', missingAPIServiceName], { kubeconfig: b.kubeconfig })
    expect(deleted.code, deleted.stderr).to.equal(0)
    await pollUntil(`/apis/missing.example.com/v1alpha1 on A after the delete`, async () => {
      const status = await getStatus(a.url, '/apis/missing.example.com/v1alpha1')
      return status === 404 || `HTTP ${status}`
    })
  })

  it('serves stored CRDs from the first request when both processes restart on the same etcd', async () => {
    const second = await kubectl(['apply', '-f', '-'], { kubeconfig: servers[0].kubeconfig, stdin: zapperCRD })
    expect(second.code, second.stderr).to.equal(0)
    await pollUntil(`automanaged APIService v1.${otherGroup} on B`, async () => (await getAPIService(servers[1].url, `v1.${otherGroup}`)) !== undefined)
    const automanagedBefore = await Promise.all([crdGroup, otherGroup].map((g) => getAPIService(servers[0].url, `v1.${g}`)))
    uidsBeforeRestart = automanagedBefore.map((o) => o?.metadata.uid ?? '')
    expect(uidsBeforeRestart.filter(Boolean), 'automanaged APIServices before the restart').to.have.length(2)
    await Promise.all(
      servers.map(async (s) => {
        const exited = new Promise<number | null>((resolve) => s.child.on('exit', (code) => resolve(code)))
        s.child.kill('SIGTERM')
        expect(await exited, s.output()).to.equal(0)
      }),
    )
    // Fixed ports, so requests can be made while the processes start: before MuxAndDiscoveryComplete
    // the answer may be 503, never a 404 for a CRD that is in storage.
    const ports = [await freePort(), await freePort()]
    const early: number[] = []
    let starting = true
    const prober = async (port: number): Promise<void> => {
      while (starting) {
        try {
          early.push(await getStatus(`http://127.0.0.1:${port}`, widgetsPath))
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    const probes = ports.map((p) => prober(p))
    const restarted = await Promise.all(['a', 'b'].map((name, i) => serve(dir, name, cluster!.storageURL, 60_000, ports[i])))
    servers.splice(0, 2, ...restarted)
    try {
      for (const s of restarted) {
        // The first request after the "listening" line, then the first after /readyz says ok.
        const first = await fetch(`${s.url}${widgetsPath}`)
        expect(first.status, await first.clone().text()).to.equal(200)
        const names = ((await first.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)
        expect(names.sort()).to.deep.equal(['from-a', 'from-b'])
        await pollUntil(`/readyz on ${s.url}`, async () => (await getStatus(s.url, '/readyz')) === 200)
        expect(await getStatus(s.url, widgetsPath)).to.equal(200)
        const got = await kubectl(['get', 'widget', 'from-b', '-o', 'jsonpath={.spec.size}'], { kubeconfig: s.kubeconfig })
        expect(got.stdout, got.stderr).to.equal('2')
        expect(await getStatus(s.url, `/apis/${otherGroup}/v1/zappers`)).to.equal(200)
      }
    } finally {
      starting = false
      await Promise.all(probes)
    }
    const count = (code: number): number => early.filter((s) => s === code).length
    console.log(`      while starting: ${count(503)} answers 503, then ${count(200)} answers 200`)
    expect(early.filter((s) => s !== 200 && s !== 503), `answers while starting: ${[...new Set(early)].join(',')}`).to.deep.equal([])
  })

  // AutoregisterController waits for the CRD controller's initial sync, as kube-apiserver's hook
  // waits for crdRegistrationController.WaitForInitialSync(): before it, a CRD group-version not
  // installed yet would look gone and its APIService would be deleted and re-created.
  it('keeps the automanaged APIServices of stored CRDs across a restart', async () => {
    // The same objects, not deleted and re-created while the stored CRDs were being installed.
    const after = await Promise.all([crdGroup, otherGroup].map((g) => getAPIService(servers[1].url, `v1.${g}`)))
    expect(after.map((o) => o?.metadata.uid ?? ''), 'automanaged APIService uids across the restart').to.deep.equal(uidsBeforeRestart)
  })

  it('removes the endpoints of a CRD deleted through one process from the other', async () => {
    const [a, b] = servers
    // kubectl's own wait lists with fieldSelector=metadata.name=X and watches from that list's
    // resourceVersion: it hung when the list claimed a revision newer than its read.
    const deleted = await kubectl(['delete', 'crd', crdName, otherCRDName], { kubeconfig: b.kubeconfig })
    expect(deleted.code, deleted.stderr).to.equal(0)
    for (const name of [crdName, otherCRDName]) {
      await pollUntil(`CRD ${name} finalized and gone through B`, async () => {
        const status = await getStatus(b.url, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)
        return status === 404 || `HTTP ${status}`
      })
    }
    const delay = await pollUntil(`${widgetsPath} gone on A`, async () => {
      const status = await getStatus(a.url, widgetsPath)
      return status === 404 || `HTTP ${status}`
    })
    console.log(`      CRD deleted through B: its endpoints gone from A ${delay} ms after B reported the CRD gone`)
    // A fresh discovery cache: the shared kubectl HOME still remembers widgets from earlier tests,
    // and kubectl trusts a cached resource type (it then fails with "Unable to list", as on kube).
    const got = await kubectl(['get', 'widgets', '--cache-dir', join(dir, 'fresh-kubectl-cache')], { kubeconfig: a.kubeconfig })
    expect(got.code).to.equal(1)
    expect(got.stderr).to.include('the server doesn\'t have a resource type "widgets"')
    for (const server of [a, b]) {
      for (const g of [crdGroup, otherGroup]) {
        await pollUntil(`automanaged APIService v1.${g} gone on ${server.url}`, async () => (await getAPIService(server.url, `v1.${g}`)) === undefined)
      }
    }
  })

  it('keeps serving, losing no acknowledged write, when the etcd leader is killed under load', async function () {
    this.timeout(120_000)
    const ns = 'load'
    const nsRes = await fetch(`${servers[0].url}/api/v1/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
    })
    expect(nsRes.status).to.equal(201)

    const acked: string[] = []
    const failedStatuses: number[] = []
    let killedAt: number
    let seq = 0
    let stop = false
    const writer = async (w: number): Promise<void> => {
      while (!stop) {
        const name = `w${w}-${seq++}`
        const server = servers[seq % 2]
        try {
          const res = await post(server.url, ns, configMap(name, { n: String(seq) }))
          if (res.status === 201) acked.push(name)
          else failedStatuses.push(res.status)
          await res.body?.cancel()
        } catch {
          failedStatuses.push(0)
        }
      }
    }
    // A watch through B that lives across the kill: its etcd watch stream may sit on the victim.
    const watch = await kubectlSpawn(['get', 'configmaps', '-n', ns, '-w', '-o', 'name'], { kubeconfig: servers[1].kubeconfig })
    const writers = Array.from({ length: 8 }, (_, w) => writer(w))
    const waitAcked = async (n: number): Promise<void> => {
      const deadline = Date.now() + 60_000
      while (acked.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${acked.length} writes acknowledged; failures: ${failedStatuses.join(',')}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    try {
      await waitAcked(50)
      // Killing the leader is the hard case: writes in flight fail and the cluster elects another.
      const leader = await cluster!.leader()
      killedAt = acked.length
      await leader.kill()
      await waitAcked(killedAt + 100)
    } finally {
      stop = true
      await Promise.all(writers)
    }
    try {
      const late = await post(servers[0].url, ns, configMap('after-the-kill'))
      expect(late.status).to.equal(201)
      await watch.waitForStdout(/configmap\/after-the-kill/, 30_000)
    } finally {
      await watch.kill()
    }
    expect(acked.length).to.be.greaterThan(killedAt + 99)
    // Failures while the cluster re-elects are 5xx Status answers, never anything else.
    for (const status of failedStatuses) expect(status === 0 || status >= 500, `status ${status}`).to.equal(true)
    console.log(`      ${acked.length} writes acknowledged, ${failedStatuses.length} failed (${[...new Set(failedStatuses)].join(', ') || 'none'}) around the kill`)

    for (const server of servers) {
      const res = await fetch(`${server.url}/api/v1/namespaces/${ns}/configmaps`)
      expect(res.status).to.equal(200)
      const list = (await res.json()) as { items: { metadata: { name: string } }[] }
      const present = new Set(list.items.map((i) => i.metadata.name))
      const lost = acked.filter((n) => !present.has(n))
      expect(lost, 'acknowledged writes missing').to.deep.equal([])
    }
  })

  it('exits 0 promptly on SIGTERM with an open watch', async () => {
    const served = servers[0]
    const watch = await kubectlSpawn(['get', 'configmaps', '-A', '-w', '-o', 'name'], { kubeconfig: served.kubeconfig })
    try {
      await watch.waitForStdout(/configmap\//, 20_000)
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        served.child.on('exit', (code, signal) => resolve({ code, signal })),
      )
      served.child.kill('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const result = await Promise.race([
        exited,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no exit within 15 s; output:\n${served.output()}`)), 15_000))),
      ])
      clearTimeout(timer)
      expect(result, served.output()).to.deep.equal({ code: 0, signal: null })
    } finally {
      await watch.kill()
    }
  })
})
