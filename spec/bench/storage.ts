/**
 * @module spec/bench/storage
 * What the storage backends cost, in one run:
 * - creates/s with BENCH_STORAGE_CLIENTS (default 64) concurrent clients POSTing ConfigMaps through
 *   the full HTTP chain (a server in a child process, so the load generator has its own event
 *   loop), beside the same backend's raw create rate (storage.create directly in this process, the
 *   same number of concurrent callers), and the API / raw ratio;
 *   for memory and SQLite (synchronous=FULL) (etcd: spec/bench/storage-etcd.ts);
 * - the time from opening a SQLite file holding BENCH_STORAGE_STARTUP_ITEMS (default 10,000)
 *   ConfigMaps to the first "ok" from /readyz;
 * - the SQLite log after BENCH_STORAGE_KEYS (default 1,000) keys were each updated
 *   BENCH_STORAGE_UPDATES (default 100) times: file size before and after compaction (with
 *   incremental_vacuum), and the longest single compaction batch.
 * Knobs: BENCH_STORAGE_DURATION (seconds per target, default 5). BENCH_STORAGE=0 skips this part.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import type { KubeObject } from '../../lib/api/types.js'
import type { Storage, StorageFactory } from '../../lib/storage/interface.js'
import { memoryStorageFactory } from '../../lib/storage/memory/memory-storage.js'
import { SqliteStorage, sqliteStorageFactory } from '../../lib/storage/sqlite/index.js'
import { createServerChain } from '../../routers/chain.js'
import { forkBenchServer, positive, startCLIServer, waitReady } from './common.js'
import type { ServerProcess } from './common.js'

const host = '127.0.0.1'
const namespace = 'default'
const collection = `/api/v1/namespaces/${namespace}/configmaps`

interface Backend {
  name: string
  /** A fresh, empty backend for the raw measurement. */
  factory(): StorageFactory
  /** The --storage URL of a fresh, empty backend for the server process of the API measurement. */
  url(): string
}

function configMap(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, uid: `uid-${name}` }, data: { greeting: 'hello', answer: '42' } }
}

/** storage.create from `clients` concurrent callers for `seconds`; creates per second. */
async function rawCreates(storage: Storage, clients: number, seconds: number): Promise<number> {
  let n = 0
  const deadline = performance.now() + seconds * 1000
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await storage.create(`/registry/configmaps/${namespace}/raw-${c}-${i}`, configMap(`raw-${c}-${i}`))
        n++
        // Lets timers and I/O run between writes, as they would between requests.
        if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
    }),
  )
  return n / ((performance.now() - t0) / 1000)
}

export interface APICreates {
  /** Creates per second. */
  rate: number
  /** The server process's CPU per create, in µs. */
  cpuMicros: number
}

/**
 * POST of new ConfigMaps from `clients` connections for `seconds` to a server in a process of its
 * own (the compiled CLI on the given --storage URL, or the bare baseline), so the load generator
 * does not share its event loop. A short unrecorded run first lets the server's JIT settle.
 */
export async function apiCreates(storageURL: string, clients: number, seconds: number): Promise<APICreates> {
  const server = storageURL === bareBaseline ? await startBareServer() : await startCLIServer(storageURL)
  try {
    let counter = 0
    const run = async (duration: number): Promise<autocannon.Result> => {
      const r = await autocannon({
        url: server.url,
        connections: clients,
        duration,
        requests: [
          {
            method: 'POST',
            path: collection,
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify(configMap(`api-${++counter}`)) }),
          },
        ],
      })
      if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0) {
        throw new Error(`API creates: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx of ${r.requests.total}`)
      }
      return r
    }
    await run(1)
    const before = await server.cpu()
    const r = await run(seconds)
    const cpu = (await server.cpu()) - before
    return { rate: r.requests.total / seconds, cpuMicros: cpu / r.requests.total }
  } finally {
    await server.stop()
  }
}

/** One row of the creates table; raw is absent for the baseline. */
export function createsRow(name: string, raw: number | undefined, api: APICreates): string {
  return [
    name.padEnd(16),
    (raw === undefined ? '-' : raw.toFixed(0)).padStart(10),
    api.rate.toFixed(0).padStart(10),
    (raw === undefined ? '-' : (api.rate / raw).toFixed(3)).padStart(10),
    `${api.cpuMicros.toFixed(0)} µs`.padStart(18),
  ].join(' ')
}

/** The --storage "URL" of the baseline: a bare Express app doing the least a create must do. */
export const bareBaseline = 'bare-express'

/**
 * spec/bench/bare-server.ts in a child process: Express 5 reading the body, JSON.parse, filling
 * uid, resourceVersion and creationTimestamp, keeping a copy in a Map and answering 201 with the
 * JSON. The ceiling for any Express app on this machine with this load generator.
 */
function startBareServer(): Promise<ServerProcess> {
  return forkBenchServer('bare-server.ts')
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

export async function benchStorage(): Promise<void> {
  if (process.env.BENCH_STORAGE === '0') return
  const seconds = positive('BENCH_STORAGE_DURATION', 5)
  const clients = positive('BENCH_STORAGE_CLIENTS', 64)
  const dir = mkdtempSync(join(tmpdir(), 'kube-express-bench-storage-'))
  let files = 0
  const sqlitePath = (): string => join(dir, `db-${++files}`, 'state.db')

  const backends: Backend[] = [
    { name: 'memory', factory: () => memoryStorageFactory(), url: () => 'memory' },
    { name: 'sqlite (FULL)', factory: () => sqliteStorageFactory({ path: sqlitePath() }), url: () => `sqlite:${sqlitePath()}` },
  ]
  // etcd is measured by spec/bench/storage-etcd.ts, which starts its own etcd (or uses BENCH_STORAGE_ETCD).

  try {
    console.log('')
    console.log(`storage: ConfigMap creates/s, ${clients} concurrent clients, ${seconds} s per target`)
    console.log(['backend'.padEnd(16), 'raw/s'.padStart(10), 'API/s'.padStart(10), 'API / raw'.padStart(10), 'server CPU/create'.padStart(18)].join(' '))
    for (const backend of backends) {
      const rawStorage = backend.factory()()
      let raw: number
      try {
        raw = await rawCreates(rawStorage, clients, seconds)
      } finally {
        await rawStorage.close()
      }
      const api = await apiCreates(backend.url(), clients, seconds)
      console.log(createsRow(backend.name, raw, api))
    }
    // The ceiling: what an Express app doing the least a create must do reaches here.
    console.log(createsRow('bare Express', undefined, await apiCreates(bareBaseline, clients, seconds)))

    await benchStartup(sqlitePath(), positive('BENCH_STORAGE_STARTUP_ITEMS', 10_000), positive('BENCH_STORAGE_STARTUP_CRDS', 50))
    await benchCompaction(sqlitePath(), positive('BENCH_STORAGE_KEYS', 1000), positive('BENCH_STORAGE_UPDATES', 100))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A namespaced CRD with a small schema, as start-up must install it before serving. */
function benchCRD(i: number): Record<string, unknown> {
  const plural = `benchthings${i}`
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.bench.example.com` },
    spec: {
      group: 'bench.example.com',
      scope: 'Namespaced',
      names: { plural, singular: `benchthing${i}`, kind: `BenchThing${i}` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', default: 1 } } } } } },
        },
      ],
    },
  }
}

/**
 * Time from opening a SQLite file with `items` ConfigMaps and `crds` CRDs to /readyz ok and to the
 * last CRD's resources answering 200, median of 3. The CRDs are created through the API in a first
 * run, as a user would, so the file holds what the controllers wrote.
 */
async function benchStartup(path: string, items: number, crds: number): Promise<void> {
  const fill = new SqliteStorage({ path, synchronous: 'NORMAL' })
  for (let i = 0; i < items; i++) {
    const name = `cm-${String(i).padStart(6, '0')}`
    await fill.create(`/registry/configmaps/${namespace}/${name}`, configMap(name))
  }
  await fill.close()
  const lastCRDList = `/apis/bench.example.com/v1/namespaces/${namespace}/benchthings${crds - 1}`
  {
    const ac = new AbortController()
    const factory = sqliteStorageFactory({ path })
    const running = await createServerChain({ storage: factory }).prepareRun().run({ port: 0, host, signal: ac.signal })
    await waitReady(running.url)
    for (let i = 0; i < crds; i++) {
      const res = await fetch(`${running.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(benchCRD(i)),
      })
      if (res.status !== 201) throw new Error(`creating CRD ${i}: ${res.status} ${await res.text()}`)
    }
    if (crds > 0) await waitServed(`${running.url}${lastCRDList}`)
    ac.abort()
    await running.stopped
    await factory().close()
  }
  const times: number[] = []
  const served: number[] = []
  const loads: number[] = []
  for (let run = 0; run < 3; run++) {
    const ac = new AbortController()
    const t0 = performance.now()
    const factory = sqliteStorageFactory({ path })
    loads.push(performance.now() - t0)
    const running = await createServerChain({ storage: factory }).prepareRun().run({ port: 0, host, signal: ac.signal })
    await waitReady(running.url)
    times.push(performance.now() - t0)
    if (crds > 0) await waitServed(`${running.url}${lastCRDList}`)
    served.push(performance.now() - t0)
    const list = (await (await fetch(`${running.url}${collection}?limit=1`)).json()) as { metadata: { remainingItemCount?: number } }
    if ((list.metadata.remainingItemCount ?? 0) + 1 < items) throw new Error(`the server started without its ${items} ConfigMaps`)
    ac.abort()
    await running.stopped
    await factory().close()
  }
  times.sort((a, b) => a - b)
  served.sort((a, b) => a - b)
  loads.sort((a, b) => a - b)
  console.log('')
  console.log(`sqlite start-up with ${items} ConfigMaps and ${crds} CRDs (${mib(fileSize(path))} file), median of 3:`)
  console.log(`  open to /readyz ok: ${times[1].toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(', ')} ms); of which opening and loading the file: ${loads[1].toFixed(0)} ms`)
  console.log(`  open to the last CRD's resources answering 200: ${served[1].toFixed(0)} ms`)
}

/** Polls a URL until it answers 200 (a CRD's resources become served), bounded. */
async function waitServed(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(url).catch(() => undefined)
    if (res?.status === 200) return
    await res?.body?.cancel()
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** The log's size after keys x updates writes, before and after compaction, and the longest batch. */
async function benchCompaction(path: string, keys: number, updates: number): Promise<void> {
  const s = new SqliteStorage({ path, autoCompact: false })
  try {
    const t0 = performance.now()
    for (let k = 0; k < keys; k++) await s.create(`/registry/configmaps/${namespace}/k-${k}`, configMap(`k-${k}`))
    for (let u = 1; u < updates; u++) {
      for (let k = 0; k < keys; k++) {
        await s.guaranteedUpdate(`/registry/configmaps/${namespace}/k-${k}`, (cur) => ({ ...cur, data: { ...(cur.data as object), n: String(u) } }))
      }
    }
    const writes = keys * updates
    const writeMs = performance.now() - t0
    const before = { db: fileSize(path), wal: fileSize(`${path}-wal`) }
    const c0 = performance.now()
    s.compact(await s.currentRevision())
    await s.compactionIdle()
    const compactMs = performance.now() - c0
    const stats = s.compactionStats()
    const after = { db: fileSize(path), wal: fileSize(`${path}-wal`) }
    await s.close()
    const closed = fileSize(path)
    console.log('')
    console.log(`sqlite log after ${writes} writes (${keys} keys x ${updates}, synchronous=FULL, ${(writes / (writeMs / 1000)).toFixed(0)} sequential writes/s):`)
    console.log(`  before compaction: ${mib(before.db)} file + ${mib(before.wal)} WAL`)
    console.log(`  after compaction to the current revision + incremental_vacuum: ${mib(after.db)} file + ${mib(after.wal)} WAL; ${mib(closed)} after close (checkpoint)`)
    console.log(`  ${stats.rowsDeleted} rows deleted in ${stats.batches} batches over ${compactMs.toFixed(0)} ms; longest batch ${stats.longestBatchMs.toFixed(1)} ms, final WAL checkpoint ${stats.longestCheckpointMs.toFixed(1)} ms`)
  } finally {
    await s.close()
  }
}
