/**
 * @module spec/support/etcd
 * Real etcd processes for tests: one member or a three-member cluster on free loopback ports with
 * temporary data dirs, started, awaited until /health says true, stopped, killed and restarted on
 * the same data dir and ports. Specs call etcdAvailable() in a before hook and skip when the
 * binary is missing, so a machine without etcd reports pending tests instead of silent passes.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

/** The etcd binary: $ETCD_BIN, else `etcd` on PATH. */
export const etcdBinary = process.env.ETCD_BIN ?? 'etcd'

/** Why etcd cannot be used here, or undefined when it can. */
export function etcdUnavailableReason(): string | undefined {
  const probe = spawnSync(etcdBinary, ['--version'], { encoding: 'utf8' })
  if (probe.error !== undefined || probe.status !== 0) {
    return `etcd binary ${JSON.stringify(etcdBinary)} not found or not runnable (install etcd-server or set ETCD_BIN)`
  }
  return undefined
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the port is released before etcd binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface EtcdMemberSpec {
  name: string
  clientPort: number
  peerPort: number
  dataDir: string
}

/** One etcd process that can be stopped, killed and started again on the same data dir and ports. */
export class EtcdMember {
  readonly spec: EtcdMemberSpec
  private readonly initialCluster: string
  private readonly clusterToken: string
  private readonly extraArgs: string[]
  private child: ChildProcess | undefined
  private exited: Promise<void> | undefined
  private output = ''

  constructor(spec: EtcdMemberSpec, initialCluster: string, clusterToken: string, extraArgs: string[] = []) {
    this.spec = spec
    this.initialCluster = initialCluster
    this.clusterToken = clusterToken
    this.extraArgs = extraArgs
  }

  /** http://127.0.0.1:<client port> */
  get endpoint(): string {
    return `http://127.0.0.1:${this.spec.clientPort}`
  }

  /** 127.0.0.1:<client port>, the form --storage etcd:// takes. */
  get hostPort(): string {
    return `127.0.0.1:${this.spec.clientPort}`
  }

  get running(): boolean {
    return this.child !== undefined
  }

  /** The flags etcd runs with (reported by the benchmark). */
  args(): string[] {
    const { name, clientPort, peerPort, dataDir } = this.spec
    return [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', `http://127.0.0.1:${clientPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', this.initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', this.clusterToken,
      '--log-level', 'error',
      ...this.extraArgs,
    ]
  }

  /** Starts the process; resolves once it runs (not yet healthy: see waitHealthy). */
  start(): void {
    if (this.child !== undefined) return
    this.output = ''
    const child = spawn(etcdBinary, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-8000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    this.child = child
    this.exited = new Promise((resolve) =>
      child.on('exit', () => {
        if (this.child === child) this.child = undefined
        resolve()
      }),
    )
  }

  /** Waits until this member answers /health with "true". */
  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.child === undefined) throw new Error(`etcd ${this.spec.name} exited; output:\n${this.output}`)
      try {
        const res = await fetch(`${this.endpoint}/health`, { signal: AbortSignal.timeout(1000) })
        const body = (await res.json()) as { health?: string }
        if (body.health === 'true') return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd ${this.spec.name} not healthy within ${timeoutMs} ms; output:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM')
  }

  /** SIGKILL and wait for the exit: a crashed member. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL')
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child
    if (child === undefined) return
    child.kill(sig)
    await this.exited
  }
}

/** A set of members started together; remove() stops them and deletes their data. */
export class EtcdCluster {
  readonly members: EtcdMember[]
  private readonly root: string

  constructor(members: EtcdMember[], root: string) {
    this.members = members
    this.root = root
  }

  /** Client URLs of every member. */
  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint)
  }

  /** The --storage value for kube-express: etcd://h:p,h:p,... */
  get storageURL(): string {
    return `etcd://${this.members.map((m) => m.hostPort).join(',')}`
  }

  /** The member that is the raft leader now, as the members' /v3/maintenance/status report it. */
  async leader(): Promise<EtcdMember> {
    for (const member of this.members.filter((m) => m.running)) {
      try {
        const res = await fetch(`${member.endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) })
        const status = (await res.json()) as { header?: { member_id?: string }; leader?: string }
        if (status.leader !== undefined && status.leader === status.header?.member_id) return member
      } catch {
        // this member cannot answer; ask the next
      }
    }
    throw new Error('no etcd member reports itself as the leader')
  }

  async remove(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()))
    await rm(this.root, { recursive: true, force: true })
  }
}

/**
 * Starts `size` members (1 or 3, typically) as one cluster on loopback and waits until every one
 * is healthy.
 */
export async function startEtcdCluster(size = 1, extraArgs: string[] = []): Promise<EtcdCluster> {
  const root = await mkdtemp(join(tmpdir(), 'kube-express-etcd-'))
  const specs: EtcdMemberSpec[] = []
  for (let i = 0; i < size; i++) {
    specs.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), dataDir: join(root, `m${i}`) })
  }
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',')
  const cluster = new EtcdCluster(
    specs.map((s) => new EtcdMember(s, initialCluster, basename(root), extraArgs)),
    root,
  )
  try {
    for (const m of cluster.members) m.start()
    await Promise.all(cluster.members.map((m) => m.waitHealthy()))
  } catch (err) {
    await cluster.remove()
    throw err
  }
  return cluster
}
