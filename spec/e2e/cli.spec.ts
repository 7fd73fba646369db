/**
 * @module spec/e2e/cli.spec
 * The built CLI as users run it: `node dist/routers/cli.js serve` on port 0, found through its
 * "listening" log line, used by the real kubectl through the kubeconfig it wrote, and stopped with
 * SIGTERM. Runs the compiled output on purpose, so the build itself is under test too.
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { parse as parseYAML } from 'yaml'
import { kubectl, kubectlPath, kubectlSpawn, repoRoot } from '../support/kubectl.js'

const execFileP = promisify(execFile)
const cliPath = join(repoRoot, 'dist', 'routers', 'cli.js')

interface Served {
  child: ChildProcessWithoutNullStreams
  url: string
  kubeconfigPath: string
  output(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Finds the URL in the "listening" line: a pino JSON line with a url field, or plain text. */
function listeningURL(line: string): string | undefined {
  if (!/listening/i.test(line)) return undefined
  try {
    const rec = JSON.parse(line) as { url?: unknown }
    if (typeof rec.url === 'string') return rec.url
  } catch {
    // not JSON: pino-pretty or a plain console line
  }
  return /https?:\/\/[^\s"',]+/.exec(line)?.[0]
}

/**
 * Starts `serve` with its own SQLite file under dir, or, with defaultStorage, in dir as the
 * working directory without --storage (the default, ./kube-express-data/state.db).
 */
async function serve(dir: string, timeoutMs = 15_000, defaultStorage = false): Promise<Served> {
  const kubeconfigPath = join(dir, 'kubeconfig')
  const args = [cliPath, 'serve', '--port', '0', '--host', '127.0.0.1', '--kubeconfig', kubeconfigPath]
  if (!defaultStorage) args.push('--storage', `sqlite:${join(dir, 'data', 'state.db')}`)
  const child = spawn(process.execPath, args, {
    cwd: defaultStorage ? dir : repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: 'pipe',
  })
  let out = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(() => fail(new Error(`no "listening" line within ${timeoutMs} ms; output:\n${out}`)), timeoutMs)
    const onData = (d: string): void => {
      out += d
      buffered += d
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const u = listeningURL(line)
        if (u) {
          cleanup()
          resolve(u.replace(/\/+$/, ''))
          return
        }
      }
    }
    const onExit = (code: number | null): void => fail(new Error(`cli exited (${code}) before listening; output:\n${out}`))
    const fail = (err: Error): void => {
      cleanup()
      child.kill('SIGKILL')
      reject(err)
    }
    const cleanup = (): void => {
      clearTimeout(timer)
      child.off('exit', onExit)
    }
    child.stdout.setEncoding('utf8').on('data', onData)
    // The brief says stdout, but a logger configured for stderr should not make the spec hang.
    child.stderr.setEncoding('utf8').on('data', onData)
    child.on('exit', onExit)
  })
  expect(url).to.match(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
  return { child, url, kubeconfigPath, output: () => out, exited }
}

/** Resolves with the exit status, or rejects after timeoutMs with the process still running. */
async function exitWithin(served: Served, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cli did not exit within ${timeoutMs} ms after SIGTERM; output:\n${served.output()}`)), timeoutMs)
  })
  try {
    return await Promise.race([served.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function runCli(args: string[], cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [cliPath, ...args], { cwd, timeout: 10_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) }
  }
}

describe('e2e: the CLI (dist/routers/cli.js)', () => {
  let dir: string
  const running: Served[] = []

  before(async function () {
    this.timeout(180_000)
    if (!existsSync(cliPath)) {
      // Built only when missing: CI builds first, and a stale dist/ is the developer's call.
      await execFileP(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
        cwd: repoRoot,
      })
    }
    await kubectlPath('v32')
    dir = await mkdtemp(join(tmpdir(), 'kube-express-cli-spec-'))
  })

  after(async () => {
    for (const s of running) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('serve --port 0 logs its URL, writes a kubeconfig kubectl can use, and exits 0 on SIGTERM', async () => {
    const served = await serve(await mkdtemp(join(dir, 'serve-')))
    running.push(served)
    // The kubeconfig may be written just after the log line: poll briefly rather than race it.
    let kubeconfig = ''
    for (let i = 0; i < 50 && !kubeconfig; i++) {
      kubeconfig = await readFile(served.kubeconfigPath, 'utf8').catch(() => '')
      if (!kubeconfig) await new Promise((r) => setTimeout(r, 100))
    }
    const parsed = parseYAML(kubeconfig) as { clusters?: { cluster?: { server?: string } }[] }
    expect(parsed.clusters?.[0]?.cluster?.server).to.equal(served.url)

    const r = await kubectl(['--kubeconfig', served.kubeconfigPath, 'get', 'ns'], { kubeconfig: served.kubeconfigPath })
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.equal('')
    expect(r.stdout).to.match(/^default\s+Active\s+\S+$/m)

    served.child.kill('SIGTERM')
    const { code, signal } = await exitWithin(served, 5_000)
    expect({ code, signal }, served.output()).to.deep.equal({ code: 0, signal: null })
  })

  it('SIGTERM with an open watch still exits 0 promptly', async () => {
    const served = await serve(await mkdtemp(join(dir, 'serve-')))
    running.push(served)
    const watch = await kubectlSpawn(['get', 'ns', '-w'], { kubeconfig: served.kubeconfigPath })
    try {
      await watch.waitForStdout(/^default\s+Active/m)
      served.child.kill('SIGTERM')
      const { code, signal } = await exitWithin(served, 5_000)
      expect({ code, signal }, served.output()).to.deep.equal({ code: 0, signal: null })
    } finally {
      await watch.kill()
    }
  })

  it('keeps its data by default in ./kube-express-data/state.db, which one server at a time may use', async () => {
    const work = await mkdtemp(join(dir, 'default-storage-'))
    const first = await serve(work, 15_000, true)
    running.push(first)
    const created = await fetch(`${first.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: '1' } }),
    })
    expect(created.status).to.equal(201)
    const { resourceVersion } = ((await created.json()) as { metadata: { resourceVersion: string } }).metadata
    expect(existsSync(join(work, 'kube-express-data', 'state.db'))).to.equal(true)

    const second = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--kubeconfig', ''], work)
    expect(second.code, second.stdout + second.stderr).to.equal(2)
    expect(second.stdout + second.stderr).to.include('kube-express-data/state.db is in use by another process')

    // A normal shutdown releases the file: the next server starts on it with the data.
    first.child.kill('SIGTERM')
    expect(await exitWithin(first, 5_000), first.output()).to.deep.equal({ code: 0, signal: null })
    const again = await serve(work, 15_000, true)
    running.push(again)
    const got = await fetch(`${again.url}/api/v1/namespaces/default/configmaps/kept`)
    expect(got.status).to.equal(200)
    const kept = (await got.json()) as { metadata: { resourceVersion: string }; data: unknown }
    expect(kept.metadata.resourceVersion).to.equal(resourceVersion)
    expect(kept.data).to.deep.equal({ a: '1' })
    again.child.kill('SIGTERM')
    expect(await exitWithin(again, 5_000), again.output()).to.deep.equal({ code: 0, signal: null })
  })

  it('serve on a busy port logs one line as kube-apiserver does and exits 1, without a stack trace', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const busy = (blocker.address() as AddressInfo).port
    try {
      const work = await mkdtemp(join(dir, 'busy-'))
      const r = await runCli(['serve', '--port', String(busy), '--host', '127.0.0.1', '--kubeconfig', '', '--log-format', 'json', '--storage', `sqlite:${join(work, 'state.db')}`])
      const output = r.stdout + r.stderr
      expect(r.code, output).to.equal(1)
      expect(output).to.include(`failed to listen on 127.0.0.1:${busy}: listen tcp 127.0.0.1:${busy}: bind: address already in use`)
      expect(output).to.not.match(/^\s+at /m)
      expect(output).to.not.include('EADDRINUSE')
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it('--etcd-compaction-interval takes a Go duration (default 5m0s) and refuses anything else with a clear message', async () => {
    const help = await runCli(['serve', '--help'])
    expect(help.stdout).to.match(/--etcd-compaction-interval <duration>.*\(default: 5m0s\)/)
    const r = await runCli(['serve', '--etcd-compaction-interval', '5x', '--port', '0', '--kubeconfig', '', '--storage', 'memory'])
    expect(r.code).to.not.equal(0)
    expect(r.stderr).to.include(`option '--etcd-compaction-interval <duration>' argument '5x' is invalid. time: unknown unit "x" in duration "5x"`)
  })

  it('kubeconfig --server prints a kubeconfig for that server', async () => {
    const r = await runCli(['kubeconfig', '--server', 'http://127.0.0.1:1234'])
    expect(r.code, r.stderr).to.equal(0)
    const cfg = parseYAML(r.stdout) as {
      kind?: string
      'current-context'?: string
      clusters?: { name: string; cluster?: { server?: string } }[]
    }
    expect(cfg.kind).to.equal('Config')
    expect(cfg['current-context']).to.equal('kube-express')
    expect(cfg.clusters?.find((c) => c.name === 'kube-express')?.cluster?.server).to.equal('http://127.0.0.1:1234')
  })

  it('--help exits 0 and lists the commands', async () => {
    const r = await runCli(['--help'])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.include('serve')
    expect(r.stdout).to.include('kubeconfig')
  })

  it('--version exits 0 and prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
    const r = await runCli(['--version'])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.include(pkg.version)
  })
})
