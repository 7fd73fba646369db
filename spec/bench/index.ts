/**
 * @module spec/bench/index
 * `npm run bench`: what the whole chain costs over a bare Express 5 route. Measures, in one run,
 * GET of one ConfigMap through the chain against a bare route serving the same JSON from a Map,
 * and the time from createServerChain() to the first "ok" from /readyz (median of 5 starts),
 * then LIST of 10,000 ConfigMaps as JSON and as a Table (spec/bench/list.ts), then the storage
 * backends' create rates, SQLite start-up and compaction (spec/bench/storage.ts), etcd's create
 * rate and watch lag (spec/bench/storage-etcd.ts), then what
 * express-openapi-validator would cost in front of the chain (spec/bench/openapi-validator.ts), then
 * GET through the aggregator's proxy against the same GET sent straight to an aggregated server
 * (spec/bench/aggregator.ts), then GET of a custom resource with 10 and 1,000 CRDs, CRD create to
 * first custom resource, and validation cost for a large schema (spec/bench/crds.ts).
 * Loopback only. Knobs: BENCH_DURATION (seconds per target, default 10), BENCH_CONNECTIONS
 * (default 10), BENCH_WARMUP (seconds, default 1), BENCH_STARTS (default 5).
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import express from 'express'
import { createServerChain } from '../../routers/chain.js'
import { benchList } from './list.js'
import { benchStorage } from './storage.js'
import { benchStorageEtcd } from './storage-etcd.js'
import { benchOpenAPIValidator } from './openapi-validator.js'
import { benchAggregator } from './aggregator.js'
import { benchCRDs } from './crds.js'
import { positive, waitReady } from './common.js'

const host = '127.0.0.1'
const duration = positive('BENCH_DURATION', 10)
const connections = positive('BENCH_CONNECTIONS', 10)
const warmup = Number(process.env.BENCH_WARMUP ?? 1)
const starts = positive('BENCH_STARTS', 5)
const namespace = 'default'
const name = 'bench'
const path = `/api/v1/namespaces/${namespace}/configmaps/${name}`

interface Measured {
  label: string
  rps: number
  p50: number
  p99: number
  requests: number
}

async function load(label: string, url: string): Promise<Measured> {
  // A short unrecorded run first, so JIT and connection setup do not skew the first target.
  if (warmup > 0) await autocannon({ url, connections, duration: warmup })
  const r = await autocannon({ url, connections, duration })
  if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0) {
    throw new Error(`${label}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx responses out of ${r.requests.total}`)
  }
  return { label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  return `http://${host}:${(server.address() as AddressInfo).port}`
}

async function measureStartup(): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < starts; i++) {
    const ac = new AbortController()
    const t0 = performance.now()
    const chain = createServerChain({})
    const running = await chain.prepareRun().run({ port: 0, host, signal: ac.signal })
    await waitReady(running.url)
    times.push(performance.now() - t0)
    ac.abort()
    await running.stopped
  }
  return times
}

async function main(): Promise<void> {
  console.log(`bench: ${duration} s per target, ${connections} connections, ${warmup} s warm-up, loopback only`)

  const ac = new AbortController()
  const running = await createServerChain({}).prepareRun().run({ port: 0, host, signal: ac.signal })
  const bare = createServer()
  try {
    await waitReady(running.url)
    const created = await fetch(`${running.url}/api/v1/namespaces/${namespace}/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { greeting: 'hello', answer: '42' } }),
    })
    if (created.status !== 201) throw new Error(`creating the ConfigMap: ${created.status} ${await created.text()}`)

    // The bare route serves exactly what the chain returns for the GET, so both send the same bytes.
    const got = await fetch(`${running.url}${path}`)
    if (got.status !== 200) throw new Error(`reading the ConfigMap: ${got.status} ${await got.text()}`)
    const store = new Map<string, unknown>([[`${namespace}/${name}`, await got.json()]])
    const app = express()
    app.get('/api/v1/namespaces/:namespace/configmaps/:name', (req, res) => {
      const obj = store.get(`${req.params.namespace}/${req.params.name}`)
      if (obj === undefined) res.status(404).json({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 })
      else res.json(obj)
    })
    bare.on('request', app)
    const bareURL = await listen(bare)

    const chainResult = await load('chain', `${running.url}${path}`)
    const bareResult = await load('bare express', `${bareURL}${path}`)

    console.log('')
    console.log(`GET ${path}`)
    console.log(['target'.padEnd(14), 'req/s'.padStart(10), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'requests'.padStart(10)].join(' '))
    for (const m of [chainResult, bareResult]) {
      console.log([m.label.padEnd(14), m.rps.toFixed(0).padStart(10), String(m.p50).padStart(8), String(m.p99).padStart(8), String(m.requests).padStart(10)].join(' '))
    }
    console.log(`chain / bare throughput ratio: ${(chainResult.rps / bareResult.rps).toFixed(3)}`)
  } finally {
    ac.abort()
    await running.stopped
    await new Promise<void>((resolve) => {
      bare.close(() => resolve())
      bare.closeAllConnections()
    })
  }

  const startup = await measureStartup()
  console.log('')
  console.log(`startup (createServerChain + prepareRun + run until /readyz ok), median of ${starts}: ${median(startup).toFixed(1)} ms`)
  console.log(`  runs: ${startup.map((t) => t.toFixed(1)).join(', ')} ms`)

  await benchList()
  await benchStorage()
  if (process.env.BENCH_STORAGE !== '0') await benchStorageEtcd()
  await benchOpenAPIValidator()
  await benchAggregator()
  await benchCRDs()
}

// Exits when done: a part's leftover handle (a keep-alive socket, a stopped server's timer) must
// not keep `npm run bench` waiting after its last line.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
