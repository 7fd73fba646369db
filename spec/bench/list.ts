/**
 * @module spec/bench/list
 * LIST of many ConfigMaps through the chain: p50/p99 latency over sequential GETs of
 * /api/v1/namespaces/bench/configmaps, as a typed list and as a Table, the payload size, and the
 * server's extra peak RSS while serving them, against the targets p50 < 300 ms and
 * extra peak RSS <= 2x payload.
 *
 * The server runs in a child process (spec/bench/list-server.ts) so its memory can be read from
 * /proc/<pid>/status alone: the parent's fetch buffers and the other benchmarks do not count, and
 * the kernel's own high-water mark (VmHWM) catches peaks a sampling timer would miss. Before each
 * phase the child runs a full GC, VmRSS is read as the baseline and VmHWM is reset to it by writing
 * "5" to /proc/<pid>/clear_refs; after the phase's requests VmHWM - baseline is the extra peak.
 * Objects are created through HTTP (POST, BENCH_LIST_CONCURRENCY in flight) before measuring.
 *
 * Knobs: BENCH_LIST_ITEMS (default 10000), BENCH_LIST_REQUESTS (per phase, default 30),
 * BENCH_LIST_CONCURRENCY (creates in flight, default 32), BENCH_LIST_CPU_PROF (a directory: the
 * child runs with --cpu-prof there). BENCH_LIST=0 skips this part.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { positive } from './common.js'

const namespace = 'bench'
const listPath = `/api/v1/namespaces/${namespace}/configmaps`
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io'
const targetP50Ms = 300
const targetRSSRatio = 2

interface Phase {
  label: string
  p50: number
  p99: number
  min: number
  max: number
  payload: number
  baselineRSS: number
  peakRSS: number
  hwmReset: boolean
}

/** Reads VmRSS and VmHWM (bytes) of a process. */
function memOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    if (!m) throw new Error(`no ${field} in /proc/${pid}/status`)
    return Number(m[1]) * 1024
  }
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

/** Resets the kernel's peak RSS of pid to its current RSS; false where the kernel does not allow it. */
function resetHWM(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

function percentile(sorted: number[], p: number): number {
  // Nearest rank: with 30 samples p99 is the slowest one.
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

function waitMessage<T>(child: ChildProcess, accept: (m: unknown) => T | undefined, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`no answer from the list-bench server within ${timeoutMs} ms`))
    }, timeoutMs)
    const onMessage = (m: unknown): void => {
      const v = accept(m)
      if (v === undefined) return
      cleanup()
      resolve(v)
    }
    const onExit = (code: number | null): void => {
      cleanup()
      reject(new Error(`list-bench server exited early (code ${code})`))
    }
    const cleanup = (): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${text}`)
}

/** A ConfigMap of about 1 KB as the API serves it (metadata filled in by the server included). */
function configMap(i: number): unknown {
  const name = `cm-${String(i).padStart(5, '0')}`
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench', shard: String(i % 16) } },
    data: {
      'config.yaml': `# ${name}\n` + 'key: value-0123456789abcdef\n'.repeat(24),
      mode: 'bench',
      index: String(i),
    },
  }
}

async function populate(base: string, items: number, concurrency: number): Promise<void> {
  await post(`${base}/api/v1/namespaces`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items) await post(`${base}${listPath}`, configMap(next++))
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items) }, worker))
}

async function phase(child: ChildProcess, label: string, url: string, accept: string, requests: number, expectItems: number): Promise<Phase> {
  const get = async (): Promise<{ ms: number; bytes: number; body: Buffer }> => {
    const t0 = performance.now()
    const res = await fetch(url, { headers: { accept } })
    const body = Buffer.from(await res.arrayBuffer())
    const ms = performance.now() - t0
    if (res.status !== 200) throw new Error(`${label}: GET ${url}: ${res.status} ${body.subarray(0, 300).toString()}`)
    return { ms, bytes: body.length, body }
  }
  // Warm-up, unrecorded, also checks the answer has every item.
  const first = await get()
  const parsed = JSON.parse(first.body.toString()) as { items?: unknown[]; rows?: unknown[] }
  const count = (parsed.items ?? parsed.rows ?? []).length
  // Every namespace also holds the kube-root-ca.crt ConfigMap its controller publishes.
  if (count !== expectItems + 1) throw new Error(`${label}: expected ${expectItems} items and kube-root-ca.crt, got ${count}`)
  await get()

  child.send('gc')
  await waitMessage(child, (m) => (m === 'gc-done' ? true : undefined))
  const pid = child.pid!
  const hwmReset = resetHWM(pid)
  const baselineRSS = memOf(pid).rss

  const times: number[] = []
  let payload = 0
  for (let i = 0; i < requests; i++) {
    const r = await get()
    times.push(r.ms)
    payload = r.bytes
  }
  const peakRSS = memOf(pid).hwm
  const sorted = [...times].sort((a, b) => a - b)
  return {
    label,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    payload,
    baselineRSS,
    peakRSS,
    hwmReset,
  }
}

const MiB = 1024 * 1024
const mib = (n: number): string => (n / MiB).toFixed(1)

export async function benchList(): Promise<void> {
  if (process.env.BENCH_LIST === '0') return
  const items = positive('BENCH_LIST_ITEMS', 10_000)
  const requests = positive('BENCH_LIST_REQUESTS', 30)
  const concurrency = positive('BENCH_LIST_CONCURRENCY', 32)
  const profDir = process.env.BENCH_LIST_CPU_PROF

  const execArgv = ['--import', 'tsx', '--expose-gc', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])]
  const child = fork(fileURLToPath(new URL('./list-server.ts', import.meta.url)), [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  try {
    const { url } = await waitMessage(child, (m) => (typeof m === 'object' && m !== null && 'url' in m ? (m as { url: string }) : undefined))
    const t0 = performance.now()
    await populate(url, items, concurrency)
    const populateMs = performance.now() - t0

    const full = `${url}${listPath}`
    const results = [
      await phase(child, 'list (json)', full, 'application/json', requests, items),
      await phase(child, 'list (Table)', full, tableAccept, requests, items),
    ]

    console.log('')
    console.log(`LIST ${listPath}: ${items} ConfigMaps (created over HTTP in ${(populateMs / 1000).toFixed(1)} s), ${requests} sequential requests per phase, server in child pid ${child.pid}`)
    console.log(['phase'.padEnd(14), 'payload MiB'.padStart(12), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'min ms'.padStart(8), 'max ms'.padStart(8), 'base RSS MiB'.padStart(13), 'extra peak MiB'.padStart(15), 'extra/payload'.padStart(14)].join(' '))
    for (const r of results) {
      const extra = r.peakRSS - r.baselineRSS
      console.log([r.label.padEnd(14), mib(r.payload).padStart(12), r.p50.toFixed(1).padStart(8), r.p99.toFixed(1).padStart(8), r.min.toFixed(1).padStart(8), r.max.toFixed(1).padStart(8), mib(r.baselineRSS).padStart(13), mib(extra).padStart(15), (extra / r.payload).toFixed(2).padStart(14)].join(' '))
    }
    for (const r of results) {
      const extra = r.peakRSS - r.baselineRSS
      const p50ok = r.p50 < targetP50Ms
      const rssok = extra <= targetRSSRatio * r.payload
      console.log(`  ${r.label}: p50 ${r.p50.toFixed(1)} ms ${p50ok ? '<' : '>='} ${targetP50Ms} ms [${p50ok ? 'ok' : 'MISS'}]; extra peak RSS ${mib(extra)} MiB ${rssok ? '<=' : '>'} ${targetRSSRatio}x payload (${mib(targetRSSRatio * r.payload)} MiB) [${rssok ? 'ok' : 'MISS'}]${r.hwmReset ? '' : ' (VmHWM could not be reset: peak is since the server started)'}`)
    }
  } finally {
    if (child.connected) child.send('stop')
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL')
          resolve()
        }, 10_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}
