/**
 * @module spec/lib/server/healthz
 * /healthz, /livez and /readyz byte for byte against healthz.go: bodies, status codes, headers,
 * exclusion, per-check paths, the stock checks, and mounting under a prefix.
 */
import { expect } from 'chai'
import express from 'express'
import type { Express, NextFunction, Request, Response } from 'express'
import request from 'supertest'
import { healthzRouter, namedCheck, pingCheck, postStartHookCheck, shutdownCheck } from '../../../lib/server/healthz.js'
import type { HealthChecker, HealthEndpoint, HealthzRouterOptions } from '../../../lib/server/healthz.js'
import { newLifecycleSignals } from '../../../lib/server/lifecycle.js'

const textPlain = 'text/plain; charset=utf-8'

function failing(name: string, reason: string): HealthChecker {
  return namedCheck(name, () => {
    throw new Error(reason)
  })
}

/** An app serving one endpoint, with a marker 404 behind it to see what falls through. */
function appFor(endpoint: HealthEndpoint, checks: () => HealthChecker[], options?: HealthzRouterOptions, prefix = ''): Express {
  const app = express()
  const router = healthzRouter(endpoint, checks, options)
  if (prefix) app.use(prefix, router)
  else app.use(router)
  app.use(function fellThrough(_req: Request, res: Response, _next: NextFunction) {
    res.status(404).type('text/plain').send('fell through')
  })
  return app
}

describe('lib/server/healthz', () => {
  describe('the endpoint itself', () => {
    it('answers exactly `ok`, as plain text with nosniff, when every check passes', async () => {
      const app = appFor('healthz', () => [pingCheck, namedCheck('etcd', () => {})])
      const res = await request(app).get('/healthz').expect(200)
      expect(res.text).to.equal('ok')
      expect(res.headers['content-type']).to.equal(textPlain)
      expect(res.headers['x-content-type-options']).to.equal('nosniff')
      expect(res.headers['content-length']).to.equal('2')
    })

    it('lists every check and the summary with ?verbose (any value)', async () => {
      const app = appFor('livez', () => [pingCheck, namedCheck('log', () => {}), namedCheck('etcd', async () => {})])
      const expected = '[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n'
      expect((await request(app).get('/livez?verbose').expect(200)).text).to.equal(expected)
      expect((await request(app).get('/livez?verbose=false').expect(200)).text).to.equal(expected)
    })

    it('names the endpoint in the summary', async () => {
      const app = appFor('readyz', () => [pingCheck])
      expect((await request(app).get('/readyz?verbose=1').expect(200)).text).to.equal('[+]ping ok\nreadyz check passed\n')
    })

    it('fails with 500, every line, and the reason withheld', async () => {
      const app = appFor('readyz', () => [pingCheck, failing('etcd', 'connection refused'), namedCheck('informer-sync', () => {}), failing('shutdown', 'x')])
      const res = await request(app).get('/readyz').expect(500)
      expect(res.text).to.equal('[+]ping ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n')
      expect(res.headers['content-type']).to.equal(textPlain)
      expect(res.headers['x-content-type-options']).to.equal('nosniff')
    })

    it('counts a rejected promise or a thrown non-Error as a failure', async () => {
      const app = appFor('healthz', () => [
        namedCheck('async', () => Promise.reject(new Error('nope'))),
        namedCheck('string', () => {
          throw 'bad'
        }),
      ])
      const res = await request(app).get('/healthz?verbose').expect(500)
      expect(res.text).to.equal('[-]async failed: reason withheld\n[-]string failed: reason withheld\nhealthz check failed\n')
    })

    it('excludes the named checks, even failing ones', async () => {
      const app = appFor('readyz', () => [pingCheck, failing('etcd', 'down')])
      expect((await request(app).get('/readyz?exclude=etcd').expect(200)).text).to.equal('ok')
      expect((await request(app).get('/readyz?exclude=etcd&verbose').expect(200)).text).to.equal('[+]ping ok\n[+]etcd excluded: ok\nreadyz check passed\n')
    })

    it('warns about excluded names that match no check, sorted, quoted and comma-joined', async () => {
      const app = appFor('livez', () => [pingCheck, namedCheck('etcd', () => {})])
      const res = await request(app).get('/livez?verbose&exclude=zeta&exclude=etcd&exclude=alpha').expect(200)
      expect(res.text).to.equal(
        '[+]ping ok\n[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "alpha","zeta"\nlivez check passed\n',
      )
    })

    it('includes the warning in a failure body', async () => {
      const app = appFor('livez', () => [failing('etcd', 'down')])
      const res = await request(app).get('/livez?exclude=nope').expect(500)
      expect(res.text).to.equal('[-]etcd failed: reason withheld\nwarn: some health checks cannot be excluded: no matches for "nope"\nlivez check failed\n')
    })

    it('matches exclude names exactly, slashes included', async () => {
      const app = appFor('livez', () => [postStartHookCheck('foo', () => false)])
      const res = await request(app).get('/livez?verbose&exclude=poststarthook%2Ffoo').expect(200)
      expect(res.text).to.equal('[+]poststarthook/foo excluded: ok\nlivez check passed\n')
    })

    it('serves ping when there are no checks', async () => {
      const app = appFor('healthz', () => [])
      expect((await request(app).get('/healthz?verbose').expect(200)).text).to.equal('[+]ping ok\nhealthz check passed\n')
      expect((await request(app).get('/healthz/ping').expect(200)).text).to.equal('ok')
    })

    it('reads the checks on every request', async () => {
      const checks: HealthChecker[] = [pingCheck]
      const app = appFor('readyz', () => checks)
      await request(app).get('/readyz').expect(200)
      checks.push(failing('late', 'not yet'))
      expect((await request(app).get('/readyz').expect(500)).text).to.equal('[+]ping ok\n[-]late failed: reason withheld\nreadyz check failed\n')
      await request(app).get('/readyz/late').expect(500)
    })

    it('runs the checks in order, one at a time', async () => {
      const log: string[] = []
      const slow = namedCheck('slow', async () => {
        log.push('slow start')
        await new Promise((resolve) => setImmediate(resolve))
        log.push('slow end')
      })
      const fast = namedCheck('fast', () => {
        log.push('fast')
      })
      await request(appFor('healthz', () => [slow, fast])).get('/healthz').expect(200)
      expect(log).to.deep.equal(['slow start', 'slow end', 'fast'])
    })

    it("answers any method, as Go's mux does", async () => {
      const app = appFor('healthz', () => [pingCheck])
      expect((await request(app).post('/healthz').expect(200)).text).to.equal('ok')
      const head = await request(app).head('/healthz').expect(200)
      expect(head.text).to.equal(undefined)
    })
  })

  describe('per-check paths', () => {
    it('answers ok for a passing check, with text/plain and no nosniff header', async () => {
      const app = appFor('readyz', () => [pingCheck])
      const res = await request(app).get('/readyz/ping').expect(200)
      expect(res.text).to.equal('ok')
      expect(res.headers['content-type']).to.equal(textPlain)
      expect(res.headers).not.to.have.property('x-content-type-options')
    })

    it('gives the reason, http.Error style, for a failing check', async () => {
      const app = appFor('readyz', () => [pingCheck, failing('etcd', 'context deadline exceeded')])
      const res = await request(app).get('/readyz/etcd').expect(500)
      expect(res.text).to.equal('internal server error: context deadline exceeded\n')
      expect(res.headers['content-type']).to.equal(textPlain)
      expect(res.headers['x-content-type-options']).to.equal('nosniff')
    })

    it('serves check names that contain slashes', async () => {
      let done = false
      const app = appFor('livez', () => [pingCheck, postStartHookCheck('crd-informer-synced', () => done)])
      expect((await request(app).get('/livez/poststarthook/crd-informer-synced').expect(500)).text).to.equal('internal server error: not finished\n')
      done = true
      expect((await request(app).get('/livez/poststarthook/crd-informer-synced').expect(200)).text).to.equal('ok')
    })

    it('falls through for unknown names, a trailing slash and other paths', async () => {
      const app = appFor('readyz', () => [pingCheck])
      for (const path of ['/readyz/nope', '/readyz/', '/readyz/ping/extra', '/readyzz', '/livez', '/READYZ']) {
        expect((await request(app).get(path).expect(404)).text, path).to.equal('fell through')
      }
    })
  })

  describe('stock checks', () => {
    it('shutdown fails from ShutdownInitiated on', async () => {
      const signals = newLifecycleSignals()
      const app = appFor('readyz', () => [pingCheck, shutdownCheck(signals)])
      expect((await request(app).get('/readyz?verbose').expect(200)).text).to.equal('[+]ping ok\n[+]shutdown ok\nreadyz check passed\n')
      signals.shutdownInitiated.signal()
      expect((await request(app).get('/readyz?verbose').expect(500)).text).to.equal('[+]ping ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n')
      expect((await request(app).get('/readyz/shutdown').expect(500)).text).to.equal('internal server error: process is shutting down\n')
    })

    it('names post-start hook checks poststarthook/<name>', () => {
      expect(postStartHookCheck('start-informers', () => true).name).to.equal('poststarthook/start-informers')
      expect(pingCheck.name).to.equal('ping')
      expect(shutdownCheck(newLifecycleSignals()).name).to.equal('shutdown')
    })
  })

  describe('onFirstHealthy', () => {
    it('is called once, on the first passing request only', async () => {
      let healthy = false
      let calls = 0
      const signals = newLifecycleSignals()
      const app = appFor('readyz', () => [namedCheck('gate', () => {
        if (!healthy) throw new Error('not yet')
      })], {
        onFirstHealthy: () => {
          calls++
          signals.hasBeenReady.signal()
        },
      })
      await request(app).get('/readyz').expect(500)
      // a per-check path passing does not count: only the endpoint as a whole
      healthy = true
      await request(app).get('/readyz/gate').expect(200)
      expect(calls).to.equal(0)
      await request(app).get('/readyz').expect(200)
      await request(app).get('/readyz?verbose').expect(200)
      expect(calls).to.equal(1)
      expect(signals.hasBeenReady.signaled).to.equal(true)
    })
  })

  describe('mounted under a prefix', () => {
    it('serves the endpoint and its checks relative to the mount point', async () => {
      const app = appFor('livez', () => [pingCheck, postStartHookCheck('foo', () => true)], {}, '/k8s')
      expect((await request(app).get('/k8s/livez').expect(200)).text).to.equal('ok')
      expect((await request(app).get('/k8s/livez?verbose').expect(200)).text).to.equal('[+]ping ok\n[+]poststarthook/foo ok\nlivez check passed\n')
      expect((await request(app).get('/k8s/livez/poststarthook/foo').expect(200)).text).to.equal('ok')
      await request(app).get('/livez').expect(404)
    })
  })
})
