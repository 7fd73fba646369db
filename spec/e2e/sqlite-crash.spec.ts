/**
 * @module spec/e2e/sqlite-crash.spec
 * kill -9 in the middle of a write load on the SQLite backend: a server process (the full chain
 * on `sqlite:<temp path>`, wired as routers/cli.ts wires --storage) takes creates and updates of
 * ConfigMaps over HTTP from several concurrent clients, is killed with SIGKILL while requests are
 * in flight, and is restarted on the same file. Every write that got a 2xx must be there with
 * the resourceVersion the client was given, and a watch from the last resourceVersion a client
 * saw must resume (the changes after it, then live ones) rather than fail 410.
 *
 * The server runs from the TypeScript sources with tsx (nothing is built); routers/cli.ts itself
 * cannot, as it reads package.json relative to its compiled location.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'mocha'
import { expect } from 'chai'
import { repoRoot } from '../support/kubectl.js'

const namespace = 'default'
const collection = `/api/v1/namespaces/${namespace}/configmaps`

interface Server {
  child: ChildProcessWithoutNullStreams
  url: string
  exited: Promise<void>
  output(): string
}

/** The chain on `sqlite:<path>`, built from storageFactoryFromURL exactly as the CLI builds it. */
const serverScript = `
  import { storageFactoryFromURL } from './lib/storage/from-url.ts'
  import { createServerChain } from './routers/chain.ts'
  const storage = storageFactoryFromURL(process.env.KUBE_EXPRESS_STORAGE)
  const running = await createServerChain({ storage }).prepareRun().run({ port: 0, host: '127.0.0.1' })
  console.log('listening ' + running.url)
`

async function startServer(path: string, timeoutMs = 60_000): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serverScript], {
    cwd: repoRoot,
    env: { ...process.env, KUBE_EXPRESS_STORAGE: `sqlite:${path}`, NO_COLOR: '1' },
    stdio: 'pipe',
  })
  let out = ''
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs)
    const onData = (d: Buffer): void => {
      out += d.toString()
      const m = /listening (http:\/\/\S+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`server exited before listening:\n${out}`))
    })
  })
  return { child, url, exited, output: () => out }
}

interface Acked {
  name: string
  resourceVersion: number
  data: Record<string, string>
}

interface ConfigMap {
  metadata: { name: string; resourceVersion: string }
  data?: Record<string, string>
}

/** One client: creates a ConfigMap, then updates it a few times, then the next one, until stopped. */
async function client(url: string, id: number, acked: Acked[], state: { stop: boolean }): Promise<void> {
  for (let n = 0; !state.stop; n++) {
    const name = `c${id}-${n}`
    try {
      let res = await fetch(`${url}${collection}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { step: '0' } }),
      })
      if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${await res.text()}`)
      let obj = (await res.json()) as ConfigMap
      acked.push({ name, resourceVersion: Number(obj.metadata.resourceVersion), data: obj.data ?? {} })
      for (let step = 1; step <= 3 && !state.stop; step++) {
        res = await fetch(`${url}${collection}/${name}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify({ data: { step: String(step) } }),
        })
        if (res.status !== 200) throw new Error(`update ${name}: ${res.status} ${await res.text()}`)
        obj = (await res.json()) as ConfigMap
        acked.push({ name, resourceVersion: Number(obj.metadata.resourceVersion), data: obj.data ?? {} })
      }
    } catch (err) {
      // The server was killed under this request: it may or may not have committed it.
      if (state.stop) return
      throw err
    }
  }
}

/** Reads a watch stream until `until` returns true for the events so far, or `ms` pass. */
async function watchEvents(
  url: string,
  resourceVersion: string,
  until: (events: { type: string; object: ConfigMap }[]) => boolean,
  ms = 15_000,
): Promise<{ type: string; object: ConfigMap }[]> {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), ms)
  const events: { type: string; object: ConfigMap }[] = []
  try {
    const res = await fetch(`${url}${collection}?watch=1&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`, { signal: ac.signal })
    expect(res.status).to.equal(200)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let buffered = ''
    while (!until(events)) {
      const { value, done } = await reader.read()
      if (done) break
      buffered += decoder.decode(value, { stream: true })
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as { type: string; object: ConfigMap })
    }
    await reader.cancel().catch(() => undefined)
  } catch (err) {
    if (!ac.signal.aborted) throw err
  } finally {
    clearTimeout(timer)
    ac.abort()
  }
  return events
}

describe('e2e: SQLite storage survives kill -9 mid-load', function () {
  this.timeout(180_000)
  let dir: string
  const servers: Server[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-express-sqlite-crash-'))
  })

  after(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
    await Promise.all(servers.map((s) => s.exited))
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('keeps every acknowledged write with its resourceVersion, and a watch from the last one seen resumes', async () => {
    const path = join(dir, 'data', 'state.db')
    const first = await startServer(path)
    servers.push(first)

    const acked: Acked[] = []
    const state = { stop: false }
    const clients = Array.from({ length: 8 }, (_, id) => client(first.url, id, acked, state))
    // Kill once a few hundred writes are acknowledged, with every client in the middle of a request.
    while (acked.length < 300) {
      if (first.child.exitCode !== null) expect.fail(`the server exited under load:\n${first.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    state.stop = true
    first.child.kill('SIGKILL')
    await first.exited
    await Promise.all(clients)
    expect(first.child.signalCode).to.equal('SIGKILL')

    const second = await startServer(path)
    servers.push(second)

    // Every acknowledged write is in the log at its revision: a watch replaying the history sees it.
    const current = (await (await fetch(`${second.url}${collection}`)).json()) as { metadata: { resourceVersion: string }; items: ConfigMap[] }
    const currentRV = Number(current.metadata.resourceVersion)
    const maxAcked = Math.max(...acked.map((a) => a.resourceVersion))
    expect(currentRV).to.be.at.least(maxAcked)
    const replay = await watchEvents(second.url, '1', (events) => events.some((e) => Number(e.object.metadata.resourceVersion) >= currentRV))
    const byRevision = new Map(replay.map((e) => [Number(e.object.metadata.resourceVersion), e]))
    for (const a of acked) {
      const event = byRevision.get(a.resourceVersion)
      expect(event, `acknowledged write ${a.name}@${a.resourceVersion} missing after the restart`).to.not.equal(undefined)
      expect(event?.object.metadata.name).to.equal(a.name)
      expect(event?.object.data).to.deep.equal(a.data)
    }

    // The live state holds each object's last acknowledged write, or a later one that committed
    // just before the kill (its response lost), never an older one.
    const live = new Map(current.items.map((o) => [o.metadata.name, o]))
    const lastAcked = new Map<string, Acked>()
    for (const a of acked) if ((lastAcked.get(a.name)?.resourceVersion ?? 0) < a.resourceVersion) lastAcked.set(a.name, a)
    for (const a of lastAcked.values()) {
      const obj = live.get(a.name)
      expect(obj, `${a.name} missing after the restart`).to.not.equal(undefined)
      expect(Number(obj?.metadata.resourceVersion)).to.be.at.least(a.resourceVersion)
    }

    // A client that saw maxAcked last resumes its watch there: later events, then live ones, no 410.
    const watching = watchEvents(second.url, String(maxAcked), (events) => events.some((e) => e.object.metadata.name === 'after-restart'))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const created = await fetch(`${second.url}${collection}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } }),
    })
    expect(created.status).to.equal(201)
    const createdRV = Number(((await created.json()) as ConfigMap).metadata.resourceVersion)
    expect(createdRV).to.be.greaterThan(currentRV)
    const resumed = await watching
    expect(resumed.map((e) => e.type)).to.not.include('ERROR')
    const revisions = resumed.map((e) => Number(e.object.metadata.resourceVersion))
    // The changes after maxAcked, in order: those that committed with their responses lost, any the
    // server's own controllers made, then the new one.
    expect(revisions[0]).to.be.greaterThan(maxAcked)
    expect(revisions).to.deep.equal([...revisions].sort((x, y) => x - y))
    expect(revisions).to.include.members([...byRevision.keys()].filter((r) => r > maxAcked))
    expect(revisions[revisions.length - 1]).to.equal(createdRV)
    expect(resumed[resumed.length - 1]).to.include({ type: 'ADDED' })
  })
})
