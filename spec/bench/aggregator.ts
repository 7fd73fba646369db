/**
 * @module spec/bench/aggregator
 * What the aggregator's proxy costs: GET of one NodeUsage of the example aggregated API server
 * (docs/examples/aggregated-api, in a child process over HTTPS) through the whole chain and its
 * proxy, against the same GET sent straight to the example server. One run each, requests per
 * second and latency; the ratio proxied/direct has the target >= 0.7.
 *
 * Knobs: BENCH_DURATION (seconds per target, default 10), BENCH_CONNECTIONS (default 10),
 * BENCH_WARMUP (seconds, default 1), BENCH_AGG_PROF (a directory: the chain's child process runs
 * with --cpu-prof there). Run alone with `npx tsx spec/bench/aggregator.ts`.
 *
 * Three processes share the machine: autocannon (this one), the chain, the example server. The
 * chain runs in a child of its own so that it does not share the load generator's event loop.
 *
 * Besides requests per second, each run prints the CPU time per request of the chain and of the
 * example server (process.cpuUsage over IPC, /proc/<pid>/stat), the TLS connections the chain
 * opened to the example server (tls.connect counted in the chain: with the keep-alive agent that
 * is one per client connection for the whole run, not one per request), and a local GET through
 * the chain for reference. Both sides are compared fairly: autocannon keeps its connections alive
 * to both, the direct run pays TLS between autocannon and the example, and the proxied run pays it
 * between the chain and the example (the chain itself listens on plain HTTP, which favours the
 * proxied side a little).
 *
 * What the figures show: when the machine is CPU-bound (2 shared cores), throughput follows the
 * CPU spent per request across the processes. A proxied GET costs the chain about what a local
 * GET costs it plus the hop (a TLS client request, the upstream response parsed and relayed),
 * together more than twice what the example spends on serving the GET itself; the ratio is
 * therefore bounded well below 0.7 for a backend this cheap, whatever the scheduling.
 */
import { fork, spawn } from 'node:child_process'
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import tls from 'node:tls'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import type * as chainModule from '../../routers/chain.js'
import { forkBenchServer, positive, procCPU } from './common.js'
import type { CPUProbe, ServerProcess } from './common.js'

const targetRatio = 0.7
type ChainModule = typeof chainModule
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export interface AggregatorBenchResult {
  direct: Load
  proxied: Load
  /** TLS connections the chain opened to the example server during the proxied run. */
  backendConnections: number
  ratio: number
  target: number
  /** The same ratio for a proxy with nothing around it, on node:http and in Express 5. */
  floors: { node: number; express: number }
}

interface Load {
  rps: number
  p50: number
  p99: number
  /** CPU ms per 1000 requests in each process (autocannon's own excluded). */
  cpu: Record<string, number>
}

async function load(url: string, duration: number, connections: number, warmup: number, probes: Record<string, CPUProbe>): Promise<Load> {
  // Self-signed certificate on the direct target: autocannon's TLS client does not verify.
  if (warmup > 0) await autocannon({ url, connections, duration: warmup })
  const before = await Promise.all(Object.values(probes).map((p) => p()))
  const r = await autocannon({ url, connections, duration })
  const after = await Promise.all(Object.values(probes).map((p) => p()))
  if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0) throw new Error(`${url}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`)
  const cpu: Record<string, number> = {}
  Object.keys(probes).forEach((name, i) => (cpu[name] = (after[i]! - before[i]!) / r.requests.total))
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpu }
}

export async function benchAggregator(): Promise<AggregatorBenchResult> {
  const duration = positive('BENCH_DURATION', 10)
  const connections = positive('BENCH_CONNECTIONS', 10)
  const warmup = Number(process.env.BENCH_WARMUP ?? 1)

  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'docs/examples/aggregated-api/main.ts'), '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] })
  let stopChain = (): void => {}
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d
        if (out.includes('\n')) resolve(out.split('\n')[0]!)
      })
      child.once('exit', (code) => reject(new Error(`example server exited with ${code}`)))
    })
    const { port } = JSON.parse(line) as { port: number }

    // The chain runs in a process of its own, as the example does: in the load generator's
    // process it would share one core with autocannon, and the comparison would measure that.
    const chainChild = fork(fileURLToPath(import.meta.url), ['serve-chain'], { execArgv: ['--import', 'tsx', ...(process.env['BENCH_AGG_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_AGG_PROF']}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    stopChain = () => chainChild.kill('SIGTERM')
    const running = await new Promise<{ url: string }>((resolve, reject) => {
      chainChild.once('message', (m) => resolve(m as { url: string }))
      chainChild.once('exit', (code) => reject(new Error(`chain exited with ${code}`)))
    })
    const post = (path: string, body: unknown) =>
      fetch(`${running.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then((r) => {
        if (r.status !== 201) throw new Error(`POST ${path}: ${r.status}`)
      })
    await post('/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-example' }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } })
    await post('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'metrics-example-1', labels: { 'kubernetes.io/service-name': 'metrics-example' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'] }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    })
    await post('/apis/apiregistration.k8s.io/v1/apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1alpha1.metrics.example.com' },
      spec: { group: 'metrics.example.com', version: 'v1alpha1', service: { namespace: 'default', name: 'metrics-example' }, insecureSkipTLSVerify: true, groupPriorityMinimum: 1000, versionPriority: 15 },
    })
    // The example names its one NodeUsage after the host; find it through the proxy once available.
    let name: string | undefined
    for (let i = 0; i < 100 && !name; i++) {
      const r = await fetch(`${running.url}/apis/metrics.example.com/v1alpha1/nodeusages`)
      if (r.status === 200) name = ((await r.json()) as { items: { metadata: { name: string } }[] }).items[0]?.metadata.name
      if (!name) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    if (!name) throw new Error('the example APIService never became available')
    const path = `/apis/metrics.example.com/v1alpha1/nodeusages/${name}`

    const stats = () =>
      new Promise<{ cpu: NodeJS.CpuUsage; tlsConnections: number }>((resolve) => {
        chainChild.once('message', (m) => resolve(m as { cpu: NodeJS.CpuUsage; tlsConnections: number }))
        chainChild.send('stats')
      })
    const probes: Record<string, CPUProbe> = {
      example: procCPU(child.pid!),
      chain: async () => {
        const { cpu } = await stats()
        return cpu.user + cpu.system
      },
    }
    const direct = await load(`https://127.0.0.1:${port}${path}`, duration, connections, warmup, probes)
    const connectionsBefore = (await stats()).tlsConnections
    const proxied = await load(`${running.url}${path}`, duration, connections, warmup, probes)
    const backendConnections = (await stats()).tlsConnections - connectionsBefore
    // What the chain costs without the proxy: a GET of a small local object, for reference.
    const local = await load(`${running.url}/api/v1/namespaces/default/serviceaccounts/default`, duration, connections, warmup, probes)
    // The floors: a proxy with nothing around it, on node:http and in an Express 5 app.
    const floors: Record<string, Load> = {}
    for (const mode of ['node', 'express'] as const) {
      const floor = await startBareProxy(port, mode)
      try {
        floors[mode] = await load(`${floor.url}${path}`, duration, connections, warmup, { example: procCPU(child.pid!), proxy: floor.cpu })
      } finally {
        await floor.stop()
      }
    }
    const ratio = proxied.rps / direct.rps
    const fmt = (label: string, m: Load) =>
      `${label.padEnd(34)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  CPU/req: chain ${(m.cpu['chain']! / 1000).toFixed(3)} ms, example ${(m.cpu['example']! / 1000).toFixed(3)} ms`
    console.log(`\nGET through the aggregator proxy vs straight to the aggregated API server (${connections} connections, ${duration} s each)`)
    console.log(fmt('direct (HTTPS, example server)', direct))
    console.log(fmt('through the aggregator', proxied))
    console.log(fmt('reference: local GET in the chain', local))
    for (const [mode, label] of [['node', 'floor: httpxy alone on node:http'], ['express', 'floor: httpxy alone in Express 5']] as const) {
      const m = floors[mode]!
      console.log(`${label.padEnd(34)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  CPU/req: proxy ${(m.cpu['proxy']! / 1000).toFixed(3)} ms, example ${(m.cpu['example']! / 1000).toFixed(3)} ms  (ratio ${(m.rps / direct.rps).toFixed(2)})`)
    }
    console.log(`TLS connections opened to the example server during the proxied run: ${backendConnections}`)
    console.log(`ratio ${ratio.toFixed(2)} (target >= ${targetRatio}) ${ratio >= targetRatio ? 'ok' : 'BELOW TARGET'}`)
    return { direct, proxied, backendConnections, ratio, target: targetRatio, floors: { node: floors['node']!.rps / direct.rps, express: floors['express']!.rps / direct.rps } }
  } finally {
    stopChain()
    child.kill('SIGTERM')
  }
}

/** spec/bench/bare-proxy.ts in a child process, proxying to the example server on port. */
function startBareProxy(port: number, mode: 'node' | 'express'): Promise<ServerProcess> {
  return forkBenchServer('bare-proxy.ts', [String(port), mode])
}

/** The child process of the bench: the whole chain, listening on a free loopback port. */
async function serveChain(): Promise<void> {
  // New TLS connections to the backend: a keep-alive pool reuses a handful for the whole run.
  let tlsConnections = 0
  const connect = tls.connect
  tls.connect = ((...args: Parameters<typeof tls.connect>) => {
    tlsConnections++
    return connect(...args)
  }) as typeof tls.connect
  process.on('message', (m) => {
    if (m === 'stats') process.send?.({ cpu: process.cpuUsage(), tlsConnections })
  })
  const ac = new AbortController()
  // The compiled chain, as users run it (npm run bench builds it first).
  const compiled = join(repoRoot, 'dist/routers/chain.js')
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build first (npm run bench does)`)
  const { createServerChain } = (await import(pathToFileURL(compiled).href)) as ChainModule
  const running = await createServerChain().prepareRun().run({ port: 0, host: '127.0.0.1', signal: ac.signal })
  // Exits once stopped: keep-alive sockets and controllers would otherwise keep it running (and a
  // --cpu-prof profile is written only at exit).
  process.once('SIGTERM', () => {
    ac.abort()
    void running.stopped.then(() => process.exit(0))
  })
  process.send?.({ url: running.url })
}

if (process.argv[2] === 'serve-chain') {
  void serveChain()
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchAggregator().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
