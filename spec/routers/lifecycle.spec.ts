// The chain's lifecycle as a client sees it: 503 + Retry-After until every registered
// mux-and-discovery-complete signal has fired, readyz red from ShutdownInitiated on, and the
// signals firing in kube-apiserver's order.
import { expect } from 'chai'
import { describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'

describe('chain lifecycle', () => {
  it('answers 503 until every server signal has fired, then 404', async () => {
    const chain = createServerChain()
    let release!: () => void
    chain.extensions.registerMuxAndDiscoveryCompleteSignal('TestSignal', new Promise<void>((r) => (release = r)))
    const starting = chain.prepareRun().start()
    const early = await request(chain.app).get('/apis/example.com/v1/things')
    expect(early.status).to.equal(503)
    expect(early.headers['retry-after']).to.equal('5')
    expect(chain.lifecycle.muxAndDiscoveryComplete.signaled).to.equal(false)
    release()
    const stop = await starting
    expect(chain.lifecycle.muxAndDiscoveryComplete.signaled).to.equal(true)
    const late = await request(chain.app).get('/apis/example.com/v1/things')
    expect(late.status).to.equal(404)
    await stop()
  })

  it('lists post-start hooks of every server in readyz and fails readyz during the shutdown delay', async () => {
    const chain = createServerChain({ shutdownDelayMs: 300 })
    const ac = new AbortController()
    const running = await chain.prepareRun().run({ port: 0, signal: ac.signal })
    const verbose = await fetch(`${running.url}/readyz?verbose`)
    const text = await verbose.text()
    expect(text).to.include('[+]poststarthook/start-system-namespaces-controller ok')
    expect(text).to.include('[+]poststarthook/crd-informer-synced ok')
    expect(text.endsWith('readyz check passed\n')).to.equal(true)
    const order: string[] = []
    for (const s of chain.lifecycle.all()) void s.wait().then(() => order.push(s.name))
    ac.abort()
    await chain.lifecycle.shutdownInitiated.wait()
    const during = await fetch(`${running.url}/readyz`)
    expect(during.status).to.equal(500)
    expect(await during.text()).to.include('[-]shutdown failed: reason withheld')
    const live = await fetch(`${running.url}/livez`)
    expect(live.status).to.equal(200)
    await running.stopped
    expect(order.filter((n) => n !== 'HasBeenReady' && n !== 'MuxAndDiscoveryComplete')).to.deep.equal([
      'ShutdownInitiated',
      'AfterShutdownDelayDuration',
      'PreShutdownHooksStopped',
      'NotAcceptingNewRequest',
      'InFlightRequestsDrained',
      'HTTPServerStoppedListening',
    ])
  })
})
