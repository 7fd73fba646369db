/**
 * @module spec/bench/common
 * What every benchmark part needs: numeric knobs from the environment, waiting for /readyz, a
 * process's CPU time, and the compiled CLI server in a process of its own.
 */
import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A positive number from the environment, or the fallback; anything else fails the run. */
export function positive(env: string, fallback: number): number {
  const raw = process.env[env]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${env} must be a positive number, got ${raw}`)
  return n
}

/** Polls /readyz every millisecond until it answers 200 "ok"; bounded so a server that never gets ready fails the run. */
export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`)
      const body = await res.text()
      if (res.status === 200 && body.trim() === 'ok') return
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/readyz did not answer ok within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 1))
  }
}

/** CPU time (user + system, µs) of a process: read from /proc (Linux; NaN elsewhere). */
export type CPUProbe = () => Promise<number>

export function procCPU(pid: number): CPUProbe {
  return async () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
      return (Number(fields[11]) + Number(fields[12])) * 10_000
    } catch {
      return NaN
    }
  }
}

export interface ServerProcess {
  url: string
  cpu: CPUProbe
  stop(): Promise<void>
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/**
 * `kube-express serve` as users run it: the compiled CLI (`npm run bench` builds it first) on a free
 * loopback port with the given --storage URL, no kubeconfig, JSON logs; resolves with its URL once
 * /readyz answers ok. Benchmarks of the server measure this process, not code run through tsx
 * (whose keepNames transform adds a defineProperty call for every closure a request creates).
 */
export async function startCLIServer(storageURL: string): Promise<ServerProcess> {
  const cli = join(repoRoot, 'dist/routers/cli.js')
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm run bench does)`)
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--kubeconfig', '', '--storage', storageURL, '--log-format', 'json'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      for (const line of out.split('\n')) {
        const m = /listening on (http\S+)"/.exec(line)
        if (m) resolve(m[1]!)
      }
    })
    child.once('exit', (code) => reject(new Error(`kube-express serve exited (${code}) before listening:\n${out}`)))
  })
  await waitReady(url)
  return serverProcess(child, url, exited)
}

/**
 * A benchmark's own server script (spec/bench/<file>) in a child process through tsx, with args;
 * the script sends { url } over IPC once it listens and exits on SIGTERM.
 */
export async function forkBenchServer(file: string, args: string[] = []): Promise<ServerProcess> {
  const child = fork(fileURLToPath(new URL(`./${file}`, import.meta.url)), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url))
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before listening`)))
  })
  return serverProcess(child, url, exited)
}

/** A started child as a ServerProcess: its URL, its CPU time, and SIGTERM then wait to stop it. */
function serverProcess(child: ChildProcess, url: string, exited: Promise<void>): ServerProcess {
  return {
    url,
    cpu: procCPU(child.pid!),
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}
