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
 */
import { fork, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { createServerChain } from '../../routers/chain.js'

const targetRatio = 0.7
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

function positive(env: string, fallback: number): number {
  const raw = process.env[env]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${env} must be a positive number, got ${raw}`)
  return n
}

export interface AggregatorBenchResult {
  direct: { rps: number; p50: number; p99: number }
  proxied: { rps: number; p50: number; p99: number }
  ratio: number
  target: number
}

async function load(url: string, duration: number, connections: number, warmup: number): Promise<{ rps: number; p50: number; p99: number }> {
  // Self-signed certificate on the direct target: autocannon's TLS client does not verify.
  if (warmup > 0) await autocannon({ url, connections, duration: warmup })
  const r = await autocannon({ url, connections, duration })
  if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0) throw new Error(`${url}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`)
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 }
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

    const direct = await load(`https://127.0.0.1:${port}${path}`, duration, connections, warmup)
    const proxied = await load(`${running.url}${path}`, duration, connections, warmup)
    const ratio = proxied.rps / direct.rps
    const fmt = (label: string, m: { rps: number; p50: number; p99: number }) => `${label.padEnd(34)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms`
    console.log('\nGET through the aggregator proxy vs straight to the aggregated API server')
    console.log(fmt('direct (HTTPS, example server)', direct))
    console.log(fmt('through the aggregator', proxied))
    console.log(`ratio ${ratio.toFixed(2)} (target >= ${targetRatio}) ${ratio >= targetRatio ? 'ok' : 'BELOW TARGET'}`)
    return { direct, proxied, ratio, target: targetRatio }
  } finally {
    stopChain()
    child.kill('SIGTERM')
  }
}

/** The child process of the bench: the whole chain, listening on a free loopback port. */
async function serveChain(): Promise<void> {
  const ac = new AbortController()
  const running = await createServerChain().prepareRun().run({ port: 0, host: '127.0.0.1', signal: ac.signal })
  process.once('SIGTERM', () => ac.abort())
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
