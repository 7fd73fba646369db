// The watch stream on the wire: newline-delimited events, synthetic ADDED for RV 0, changes
// after a given RV only, Table events with column definitions first only, 410 Expired as an
// ERROR event, timeoutSeconds ending the stream, and shutdown ending every watch.
import { expect } from 'chai'
import { request as httpRequest } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { after, before, describe, it } from 'mocha'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import type { RunningServer } from '../../lib/server/run.js'
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.js'

interface Stream {
  res: IncomingMessage
  events: { type: string; object: Record<string, unknown> }[]
  next(): Promise<{ type: string; object: Record<string, unknown> }>
  ended: Promise<void>
  close(): void
}

function watch(base: string, path: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers }, (res) => {
      const events: Stream['events'] = []
      const waiters: ((e: Stream['events'][number]) => void)[] = []
      let buf = ''
      let read = 0
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let nl
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          events.push(JSON.parse(line))
          const w = waiters.shift()
          if (w) w(events[read++]!)
        }
      })
      const ended = new Promise<void>((r) => res.on('end', () => r()))
      resolve({
        res,
        events,
        ended,
        next: () =>
          new Promise((r, rej) => {
            if (read < events.length) return r(events[read++]!)
            const t = setTimeout(() => rej(new Error(`no event; got ${JSON.stringify(events)}`)), 5000)
            waiters.push((e) => {
              clearTimeout(t)
              r(e)
            })
          }),
        close: () => req.destroy(),
      })
    })
    req.on('error', reject)
    req.end()
  })
}

async function send(base: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, { method, headers: { 'Content-Type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) })
  return (await res.json()) as Record<string, unknown>
}

describe('watch', () => {
  let chain: ServerChain
  let running: RunningServer
  const ac = new AbortController()
  const cms = '/api/v1/namespaces/default/configmaps'
  before(async () => {
    chain = createServerChain({ storage: () => storage })
    running = await chain.prepareRun().run({ port: 0, signal: ac.signal })
  })
  const storage = new MemoryStorage({ historySize: 5 })
  after(async () => {
    ac.abort()
    await running.stopped
  })

  it('streams synthetic ADDED events for resourceVersion=0, then changes', async () => {
    await send(running.url, 'POST', cms, { metadata: { name: 'w1' }, data: { a: '1' } })
    const s = await watch(running.url, `${cms}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dw1`)
    expect(s.res.statusCode).to.equal(200)
    expect(s.res.headers['content-type']).to.equal('application/json')
    const added = await s.next()
    expect(added.type).to.equal('ADDED')
    expect(added.object).to.include({ kind: 'ConfigMap', apiVersion: 'v1' })
    await send(running.url, 'PATCH', `${cms}/w1`, { data: { a: '2' } }, 'application/merge-patch+json')
    const modified = await s.next()
    expect(modified.type).to.equal('MODIFIED')
    expect((modified.object['data'] as Record<string, string>)['a']).to.equal('2')
    await send(running.url, 'DELETE', `${cms}/w1`)
    const deleted = await s.next()
    expect(deleted.type).to.equal('DELETED')
    s.close()
  })

  it('from a resourceVersion sends only later changes', async () => {
    const created = await send(running.url, 'POST', cms, { metadata: { name: 'w2' } })
    const rv = (created['metadata'] as Record<string, string>)['resourceVersion']
    const s = await watch(running.url, `${cms}?watch=1&resourceVersion=${rv}`)
    await send(running.url, 'POST', cms, { metadata: { name: 'w3' } })
    const e = await s.next()
    expect(e.type).to.equal('ADDED')
    expect((e.object['metadata'] as Record<string, string>)['name']).to.equal('w3')
    s.close()
  })

  it('answers a too old resourceVersion with 200 and one ERROR event with 410 Expired', async () => {
    for (let i = 0; i < 8; i++) await send(running.url, 'POST', cms, { metadata: { name: `old-${i}` } })
    const s = await watch(running.url, `${cms}?watch=true&resourceVersion=1`)
    expect(s.res.statusCode).to.equal(200)
    const e = await s.next()
    expect(e.type).to.equal('ERROR')
    expect(e.object).to.include({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 })
    expect(e.object['message']).to.match(/^too old resource version: 1 \(\d+\)$/)
    await s.ended
  })

  it('sends Table events with column definitions only in the first', async () => {
    const s = await watch(running.url, `${cms}?watch=true&resourceVersion=0&labelSelector=t%3Dyes`, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    })
    await send(running.url, 'POST', cms, { metadata: { name: 't1', labels: { t: 'yes' } } })
    await send(running.url, 'POST', cms, { metadata: { name: 't2', labels: { t: 'yes' } } })
    const first = await s.next()
    const second = await s.next()
    expect(first.object['kind']).to.equal('Table')
    expect(first.object['columnDefinitions']).to.be.an('array')
    expect(second.object['columnDefinitions']).to.equal(null)
    expect((second.object['rows'] as { cells: unknown[] }[])[0]!.cells[0]).to.equal('t2')
    s.close()
  })

  it('sends initial events then the initial-events-end bookmark for sendInitialEvents=true', async () => {
    await send(running.url, 'POST', cms, { metadata: { name: 'wl1', labels: { wl: 'yes' } } })
    const s = await watch(running.url, `${cms}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=wl%3Dyes`)
    const added = await s.next()
    expect(added.type).to.equal('ADDED')
    const end = await s.next()
    expect(end.type).to.equal('BOOKMARK')
    const meta = end.object['metadata'] as { annotations: Record<string, string>; resourceVersion: string }
    expect(meta.annotations['k8s.io/initial-events-end']).to.equal('true')
    await send(running.url, 'POST', cms, { metadata: { name: 'wl2', labels: { wl: 'yes' } } })
    const next = await s.next()
    expect(next.type).to.equal('ADDED')
    expect((next.object['metadata'] as Record<string, string>)['name']).to.equal('wl2')
    s.close()
  })

  it('ends the stream at timeoutSeconds', async () => {
    const s = await watch(running.url, `${cms}?watch=true&timeoutSeconds=1&resourceVersion=0&fieldSelector=metadata.name%3Dnone`)
    await s.ended
  })

  it('sends BOOKMARK events only when asked', async () => {
    const local = createServerChain({ bookmarkIntervalMs: 50 })
    const ac2 = new AbortController()
    const r = await local.prepareRun().run({ port: 0, signal: ac2.signal })
    const s = await watch(r.url, `${cms}?watch=true&allowWatchBookmarks=true&resourceVersion=0&fieldSelector=metadata.name%3Dnone`)
    const e = await s.next()
    expect(e.type).to.equal('BOOKMARK')
    expect(e.object).to.include({ kind: 'ConfigMap', apiVersion: 'v1' })
    expect((e.object['metadata'] as Record<string, unknown>)['resourceVersion']).to.match(/^\d+$/)
    s.close()
    ac2.abort()
    await r.stopped
  })

  it('ends every watch at shutdown and the server stops', async () => {
    const local = createServerChain()
    const ac2 = new AbortController()
    const r = await local.prepareRun().run({ port: 0, signal: ac2.signal })
    const s = await watch(r.url, `${cms}?watch=true&resourceVersion=0`)
    ac2.abort()
    await s.ended
    await r.stopped
    expect(local.lifecycle.httpServerStoppedListening.signaled).to.equal(true)
    expect(local.lifecycle.inFlightRequestsDrained.signaled).to.equal(true)
  })
})
