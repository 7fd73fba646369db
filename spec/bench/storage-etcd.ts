/**
 * @module spec/bench/storage-etcd
 * What the etcd backend costs, as functions spec/bench/storage.ts (or a script) can call:
 * - etcdRawPutRate: plain etcd puts/s from `clients` concurrent callers on one etcd3 client, the
 *   ceiling anything on top of this etcd can reach;
 * - etcdApiCreateRate: ConfigMap creates/s through the full HTTP chain on etcd, the server in its
 *   own process (the same apiCreates as the other backends), from `clients` connections;
 * - etcdWatchLag: two kube-express processes (the compiled CLI) on the same etcd, a watch over HTTP
 *   on B and sequential creates through HTTP on A; the time from A's 201 to the event line on B,
 *   p50/p99.
 * benchStorageEtcd() runs all three, against BENCH_STORAGE_ETCD=http://h:p[,...] when set, else
 * against a single etcd it starts on loopback with spec/support/etcd.ts (flags printed).
 * Knobs: BENCH_STORAGE_DURATION (seconds per rate, default 5), BENCH_STORAGE_CLIENTS (default 64),
 * BENCH_ETCD_LAG_WRITES (default 500).
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Etcd3 } from 'etcd3'
import type { KubeObject } from '../../lib/api/types.js'
import { startEtcdCluster } from '../support/etcd.js'
import { positive, startCLIServer } from './common.js'
import { apiCreates, createsRow } from './storage.js'
import type { APICreates } from './storage.js'

const namespace = 'default'
const collection = `/api/v1/namespaces/${namespace}/configmaps`

function configMap(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, uid: `uid-${name}` }, data: { greeting: 'hello', answer: '42' } }
}

/** Puts/s of a ConfigMap-sized value from `clients` concurrent callers for `seconds`. */
export async function etcdRawPutRate(endpoints: string[], clients = 64, seconds = 5): Promise<number> {
  const client = new Etcd3({ hosts: endpoints })
  const prefix = `/bench-raw-${randomUUID().slice(0, 8)}/`
  const value = JSON.stringify(configMap('raw'))
  try {
    let n = 0
    const t0 = performance.now()
    const deadline = t0 + seconds * 1000
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; performance.now() < deadline; i++) {
          await client.put(`${prefix}${c}-${i}`).value(value)
          n++
        }
      }),
    )
    const rate = n / ((performance.now() - t0) / 1000)
    await client.delete().prefix(prefix)
    return rate
  } finally {
    client.close()
  }
}

/**
 * ConfigMap creates/s through the whole chain on etcd from `clients` connections for `seconds`,
 * the server in its own process as for the other backends (spec/bench/storage.ts apiCreates).
 */
export async function etcdApiCreateRate(endpoints: string[], clients = 64, seconds = 5): Promise<APICreates> {
  return apiCreates(etcdURL(endpoints), clients, seconds)
}

/** The --storage URL for etcd endpoints given as http://host:port. */
function etcdURL(endpoints: string[]): string {
  return `etcd://${endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(',')}`
}

export interface WatchLag {
  writes: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/**
 * Two kube-express processes on one etcd (the compiled CLI, each with its own etcd client):
 * `writes` sequential creates through A, each timed from A's 201 to its ADDED line on a watch over
 * HTTP on B.
 */
export async function etcdWatchLag(endpoints: string[], writes = 500): Promise<WatchLag> {
  const url = etcdURL(endpoints)
  const a = await startCLIServer(url)
  const b = await startCLIServer(url)
  // Names of this run only, so a given (shared) etcd can hold earlier runs' objects.
  const run = randomUUID().slice(0, 8)
  const ac = new AbortController()
  try {
    const list = (await (await fetch(`${b.url}${collection}`)).json()) as { metadata: { resourceVersion: string } }
    const res = await fetch(`${b.url}${collection}?watch=1&resourceVersion=${list.metadata.resourceVersion}`, { signal: ac.signal })
    if (res.body === null) throw new Error('watch without a body')
    const seen = new Map<string, number>()
    const waiters = new Map<string, () => void>()
    const reading = (async () => {
      const decoder = new TextDecoder()
      let buffered = ''
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now()
        buffered += decoder.decode(chunk, { stream: true })
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) {
          if (line.trim() === '') continue
          const event = JSON.parse(line) as { type: string; object: KubeObject }
          const name = event.object.metadata.name as string
          seen.set(name, at)
          waiters.get(name)?.()
        }
      }
    })().catch(() => undefined)

    const lags: number[] = []
    for (let i = 0; i < writes; i++) {
      const name = `lag-${run}-${i}`
      const arrived = new Promise<void>((resolve) => waiters.set(name, resolve))
      const created = await fetch(`${a.url}${collection}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(configMap(name)),
      })
      const acked = performance.now()
      if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${await created.text()}`)
      await created.arrayBuffer()
      await arrived
      waiters.delete(name)
      // The event may have come before A's response was read: that is a lag of 0.
      lags.push(Math.max(0, (seen.get(name) as number) - acked))
    }
    ac.abort()
    await reading
    lags.sort((x, y) => x - y)
    const pick = (q: number): number => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]
    return { writes, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: lags[lags.length - 1] }
  } finally {
    ac.abort()
    await a.stop()
    await b.stop()
  }
}

/** Runs the three measurements and prints them; starts its own etcd unless BENCH_STORAGE_ETCD is set. */
export async function benchStorageEtcd(): Promise<void> {
  const seconds = positive('BENCH_STORAGE_DURATION', 5)
  const clients = positive('BENCH_STORAGE_CLIENTS', 64)
  const writes = positive('BENCH_ETCD_LAG_WRITES', 500)
  const given = process.env.BENCH_STORAGE_ETCD
  const cluster = given ? undefined : await startEtcdCluster(1)
  const endpoints = given ? given.split(',') : (cluster?.endpoints as string[])
  try {
    console.log('')
    console.log(`etcd: ${given ? `given endpoints ${given}` : `etcd ${cluster!.members[0].args().join(' ')}`}`)
    // The API first: the raw run leaves tens of thousands of deleted keys, whose free pages make
    // every later etcd commit slower (measured: 1473 API creates/s on a fresh etcd, 744 after).
    const api = await etcdApiCreateRate(endpoints, clients, seconds)
    const raw = await etcdRawPutRate(endpoints, clients, seconds)
    console.log(`etcd: ConfigMap creates/s, ${clients} concurrent clients, ${seconds} s per target (raw: etcd puts from this process)`)
    console.log(createsRow('etcd', raw, api))
    const lag = await etcdWatchLag(endpoints, writes)
    console.log(
      `etcd watch lag, write ack on server A -> event on server B (two processes), ${lag.writes} writes: ` +
        `p50 ${lag.p50Ms.toFixed(2)} ms, p99 ${lag.p99Ms.toFixed(2)} ms, max ${lag.maxMs.toFixed(2)} ms`,
    )
  } finally {
    await cluster?.remove()
  }
}
