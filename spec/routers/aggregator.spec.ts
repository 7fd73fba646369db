// The aggregator through supertest: APIService validation, the Table and discovery, the
// autoregistered local APIServices (built-in and custom group-versions), availability reasons,
// and the proxy to a remote HTTPS server that echoes what it receives, so that the identity
// headers, path, query and body it gets are asserted exactly (a client cannot forge X-Remote-*).
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import type { NextFunction, Request, Response } from 'express'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { selfSignedCertificate } from '../../docs/examples/aggregated-api/self-signed.js'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import type { ResourceDefinition } from '../../lib/registry/resource.js'
import type { Storage } from '../../lib/storage/interface.js'
import { memoryStorageFactory } from '../../lib/storage/memory/memory-storage.js'

const aggregatedAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
const base = '/apis/apiregistration.k8s.io/v1/apiservices'

interface Echo {
  method: string
  url: string
  headers: Record<string, string[]>
  body: string
}

function apiService(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name }, spec }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('aggregator', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  let echo: Server
  let echoPort: number

  const condition = async (name: string): Promise<{ status: string; reason: string; message: string } | undefined> => {
    const res = await request(chain.app).get(`${base}/${name}`)
    return (res.body.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Available')
  }

  before(async function () {
    this.timeout(20_000)
    // Stands in for an authenticator: whoever the test names in X-Test-User is the user.
    const authentication = function testAuthentication(req: Request, res: Response, next: NextFunction): void {
      const name = req.headers['x-test-user']
      if (typeof name === 'string') res.locals['user'] = { name, groups: ['team-a', 'system:authenticated'], extra: { 'scopes.example.com/Key': ['read', 'write'] } }
      next()
    }
    chain = createServerChain({ authentication })
    chain.aggregator.availability.intervalMs = 100
    stop = await chain.prepareRun().start()

    const tls = await selfSignedCertificate('echo', 'default')
    echo = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json')
        if (req.url === '/apis/echo.example.com/v1') {
          res.end(JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'echo.example.com/v1', resources: [{ name: 'echoes', singularName: 'echo', namespaced: true, kind: 'Echo', verbs: ['create', 'get', 'list'] }] }))
          return
        }
        const echoed: Echo = { method: req.method ?? '', url: req.url ?? '', headers: req.headersDistinct as Record<string, string[]>, body: Buffer.concat(chunks).toString('utf8') }
        res.end(JSON.stringify(echoed))
      })
    })
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()))
    echoPort = (echo.address() as AddressInfo).port

    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { ports: [{ name: 'https', port: 443, targetPort: echoPort }] } }
    expect((await request(chain.app).post('/api/v1/namespaces/default/services').send(svc)).status).to.equal(201)
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'echo-1', labels: { 'kubernetes.io/service-name': 'echo' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: echoPort, protocol: 'TCP' }],
    }
    expect((await request(chain.app).post('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices').send(slice)).status).to.equal(201)
    const echoService = apiService('v1.echo.example.com', {
      group: 'echo.example.com',
      version: 'v1',
      service: { namespace: 'default', name: 'echo' },
      caBundle: Buffer.from(tls.cert).toString('base64'),
      groupPriorityMinimum: 1000,
      versionPriority: 15,
    })
    expect((await request(chain.app).post(base).send(echoService)).status).to.equal(201)
    await until('v1.echo.example.com available', async () => ((await condition('v1.echo.example.com'))?.status === 'True' ? true : undefined))
  })

  after(async () => {
    await stop?.()
    await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()))
  })

  describe('APIService validation', () => {
    const cases: { name: string; spec: Record<string, unknown>; message: string }[] = [
      {
        name: 'v1.wrong.example.com',
        spec: { group: 'right.example.com', version: 'v1', groupPriorityMinimum: 100, versionPriority: 10 },
        message: 'APIService.apiregistration.k8s.io "v1.wrong.example.com" is invalid: metadata.name: Invalid value: "v1.wrong.example.com": must be `spec.version+"."+spec.group`: "v1.right.example.com"',
      },
      {
        name: 'v1.prio.example.com',
        spec: { group: 'prio.example.com', version: 'v1', groupPriorityMinimum: 20001, versionPriority: 0 },
        message:
          'APIService.apiregistration.k8s.io "v1.prio.example.com" is invalid: [spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000, spec.versionPriority: Invalid value: 0: must be positive and less than 1000]',
      },
      {
        name: 'v1.local.example.com',
        spec: { group: 'local.example.com', version: 'v1', groupPriorityMinimum: 100, versionPriority: 10, caBundle: Buffer.from('hello').toString('base64'), insecureSkipTLSVerify: true },
        message:
          'APIService.apiregistration.k8s.io "v1.local.example.com" is invalid: [spec.caBundle: Invalid value: "5 bytes": local APIServices may not have a caBundle, spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify]',
      },
      {
        name: 'v1.remote.example.com',
        spec: { group: 'remote.example.com', version: 'v1', groupPriorityMinimum: 100, versionPriority: 10, service: {}, caBundle: Buffer.from('hello').toString('base64'), insecureSkipTLSVerify: true },
        message:
          'APIService.apiregistration.k8s.io "v1.remote.example.com" is invalid: [spec.service.namespace: Required value, spec.service.name: Required value, spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present]',
      },
      {
        name: 'v2.',
        spec: { group: '', version: 'v2', groupPriorityMinimum: 100, versionPriority: 10 },
        message: 'APIService.apiregistration.k8s.io "v2." is invalid: spec.group: Required value: only v1 may have an empty group and it better be legacy kube',
      },
    ]
    for (const c of cases) {
      it(`refuses ${c.name} with kube's message`, async () => {
        const res = await request(chain.app).post(base).send(apiService(c.name, c.spec))
        expect(res.status).to.equal(422)
        expect(res.body.reason).to.equal('Invalid')
        expect(res.body.message).to.equal(c.message)
      })
    }

    it('defaults the service port to 443 and starts with an empty status', async () => {
      const res = await request(chain.app)
        .post(`${base}?dryRun=All`)
        .send(apiService('v1.dry.example.com', { group: 'dry.example.com', version: 'v1', service: { namespace: 'default', name: 'nope' }, groupPriorityMinimum: 100, versionPriority: 10, insecureSkipTLSVerify: true, status: { conditions: [] } }))
      expect(res.status).to.equal(201)
      expect(res.body.spec.service).to.deep.equal({ namespace: 'default', name: 'nope', port: 443 })
      expect(res.body.status).to.deep.equal({})
    })
  })

  describe('autoregistration', () => {
    it('registers a local APIService for every built-in group-version with kube priorities', async () => {
      const res = await request(chain.app).get(base)
      const byName = new Map<string, { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> }>(res.body.items.map((i: { metadata: { name: string } }) => [i.metadata.name, i]))
      expect(byName.get('v1.')?.spec).to.deep.equal({ group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 })
      expect(byName.get('v1.apps')?.spec).to.deep.equal({ group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 })
      expect(byName.get('v2.autoscaling')?.spec).to.deep.include({ groupPriorityMinimum: 17500, versionPriority: 30 })
      expect(byName.get('v1.apiregistration.k8s.io')?.metadata.labels).to.deep.equal({ 'kube-aggregator.kubernetes.io/automanaged': 'onstart' })
      expect(await condition('v1.apps')).to.deep.include({ status: 'True', reason: 'Local', message: 'Local APIServices are always available' })
    })

    it('adds and removes an automanaged APIService as a custom group-version comes and goes', async () => {
      const def: ResourceDefinition = { group: 'widgets.example.com', version: 'v1beta1', resource: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', namespaced: true, strategy: {} }
      chain.extensions.installResource(def)
      const created = await until('v1beta1.widgets.example.com', async () => {
        const res = await request(chain.app).get(`${base}/v1beta1.widgets.example.com`)
        return res.status === 200 ? res.body : undefined
      })
      expect(created.metadata.labels).to.deep.equal({ 'kube-aggregator.kubernetes.io/automanaged': 'true' })
      expect(created.spec).to.deep.equal({ group: 'widgets.example.com', version: 'v1beta1', groupPriorityMinimum: 1000, versionPriority: 100 })
      chain.extensions.uninstallGroupVersion('widgets.example.com', 'v1beta1')
      await until('deletion', async () => ((await request(chain.app).get(`${base}/v1beta1.widgets.example.com`)).status === 404 ? true : undefined))
    })
  })

  describe('Table and discovery', () => {
    it('prints NAME SERVICE AVAILABLE AGE', async () => {
      const res = await request(chain.app).get(base).set('Accept', tableAccept)
      expect(res.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Service', 'Available', 'Age'])
      const rows = new Map(res.body.rows.map((r: { cells: unknown[] }) => [r.cells[0], r.cells]))
      expect((rows.get('v1.apps') as unknown[]).slice(1, 3)).to.deep.equal(['Local', 'True'])
      expect((rows.get('v1.echo.example.com') as unknown[]).slice(1, 3)).to.deep.equal(['default/echo', 'True'])
    })

    it('lists apiregistration.k8s.io first in /apis and the remote group by its priority, with category api-extensions', async () => {
      const legacy = await request(chain.app).get('/apis')
      const names = legacy.body.groups.map((g: { name: string }) => g.name)
      expect(names[0]).to.equal('apiregistration.k8s.io')
      expect(names).to.include('echo.example.com')
      const aggregated = await request(chain.app).get('/apis').set('Accept', aggregatedAccept)
      const reg = aggregated.body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apiregistration.k8s.io')
      expect(reg.versions[0].resources[0]).to.deep.include({ resource: 'apiservices', scope: 'Cluster', categories: ['api-extensions'] })
      const remote = aggregated.body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'echo.example.com')
      expect(remote.versions).to.deep.equal([
        {
          version: 'v1',
          freshness: 'Current',
          resources: [{ resource: 'echoes', responseKind: { group: '', version: '', kind: 'Echo' }, scope: 'Namespaced', singularResource: 'echo', verbs: ['create', 'get', 'list'] }],
        },
      ])
      const group = await request(chain.app).get('/apis/echo.example.com')
      expect(group.body).to.deep.equal({ kind: 'APIGroup', apiVersion: 'v1', name: 'echo.example.com', versions: [{ groupVersion: 'echo.example.com/v1', version: 'v1' }], preferredVersion: { groupVersion: 'echo.example.com/v1', version: 'v1' } })
    })
  })

  describe('OpenAPI', () => {
    it('keeps a schema built from discovery for a remote server that publishes no /openapi/v3', async () => {
      const index = await request(chain.app).get('/openapi/v3')
      const url = (index.body as { paths: Record<string, { serverRelativeURL: string }> }).paths['apis/echo.example.com/v1']?.serverRelativeURL
      expect(url).to.match(/^\/openapi\/v3\/apis\/echo\.example\.com\/v1\?hash=/)
      const doc = await request(chain.app).get(url!)
      expect(doc.status).to.equal(200)
      const schema = (doc.body as { components: { schemas: Record<string, Record<string, unknown>> } }).components.schemas['com.example.echo.v1.Echo']
      expect(schema?.['x-kubernetes-preserve-unknown-fields']).to.equal(true)
    })
  })

  describe('proxy', () => {
    it('replaces forged X-Remote-* headers with the anonymous identity and drops Authorization', async () => {
      const res = await request(chain.app)
        .get('/apis/echo.example.com/v1/namespaces/default/echoes?labelSelector=a%3Db&watch=false')
        .set('X-Remote-User', 'admin')
        .set('X-Remote-Group', 'system:masters')
        .set('X-Remote-Extra-Scopes', 'everything')
        .set('X-Remote-Uid', '0')
        .set('Authorization', 'Bearer secret')
      expect(res.status).to.equal(200)
      const seen = res.body as Echo
      expect(seen.url).to.equal('/apis/echo.example.com/v1/namespaces/default/echoes?labelSelector=a%3Db&watch=false')
      expect(seen.headers['x-remote-user']).to.deep.equal(['system:anonymous'])
      expect(seen.headers['x-remote-group']).to.deep.equal(['system:unauthenticated'])
      expect(seen.headers['x-remote-uid']).to.equal(undefined)
      expect(Object.keys(seen.headers).filter((h) => h.startsWith('x-remote-extra-'))).to.deep.equal([])
      expect(seen.headers['authorization']).to.equal(undefined)
    })

    it('sends the authenticated user: one X-Remote-Group per group, escaped X-Remote-Extra-* keys', async () => {
      const res = await request(chain.app).get('/apis/echo.example.com/v1/namespaces/default/echoes/x').set('X-Test-User', 'jane').set('X-Remote-Group', 'system:masters')
      const seen = res.body as Echo
      expect(seen.headers['x-remote-user']).to.deep.equal(['jane'])
      expect(seen.headers['x-remote-group']).to.deep.equal(['team-a', 'system:authenticated'])
      expect(seen.headers['x-remote-extra-scopes.example.com%2fkey']).to.deep.equal(['read', 'write'])
    })

    it('forwards the request body of writes', async () => {
      const body = JSON.stringify({ apiVersion: 'echo.example.com/v1', kind: 'Echo', metadata: { name: 'e' } })
      const res = await request(chain.app).post('/apis/echo.example.com/v1/namespaces/default/echoes').set('Content-Type', 'application/json').send(body)
      const seen = res.body as Echo
      expect(seen.method).to.equal('POST')
      expect(seen.body).to.equal(body)
    })

    it('reaches an ExternalName Service at its externalName and the APIService port, with insecureSkipTLSVerify', async () => {
      const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo-ext' }, spec: { type: 'ExternalName', externalName: 'localhost' } }
      expect((await request(chain.app).post('/api/v1/namespaces/default/services').send(svc)).status).to.equal(201)
      const created = await request(chain.app)
        .post(base)
        .send(apiService('v2.echo.example.com', { group: 'echo.example.com', version: 'v2', service: { namespace: 'default', name: 'echo-ext', port: echoPort }, insecureSkipTLSVerify: true, groupPriorityMinimum: 1000, versionPriority: 10 }))
      expect(created.status).to.equal(201)
      const c = await until('v2 available', async () => {
        const cond = await condition('v2.echo.example.com')
        return cond?.status === 'True' ? cond : undefined
      })
      expect(c).to.deep.include({ reason: 'Passed', message: 'all checks passed' })
      const res = await request(chain.app).get('/apis/echo.example.com/v2/widgets')
      expect(res.status).to.equal(200)
      expect((res.body as Echo).url).to.equal('/apis/echo.example.com/v2/widgets')
      // Host of the proxied request: the resolved endpoint (changeOrigin).
      expect((res.body as Echo).headers['host']).to.deep.equal([`localhost:${echoPort}`])
    })

    it('answers 503 "service unavailable" in plain text while the Service is missing', async () => {
      const created = await request(chain.app)
        .post(base)
        .send(apiService('v1.missing.example.com', { group: 'missing.example.com', version: 'v1', service: { namespace: 'default', name: 'missing' }, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 10 }))
      expect(created.status).to.equal(201)
      const c = await until('ServiceNotFound', async () => {
        const cond = await condition('v1.missing.example.com')
        return cond?.status === 'False' ? cond : undefined
      })
      expect(c).to.deep.include({ reason: 'ServiceNotFound', message: 'service/missing in "default" is not present' })
      const res = await request(chain.app).get('/apis/missing.example.com/v1/things')
      expect(res.status).to.equal(503)
      expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8')
      expect(res.text).to.equal('service unavailable\n')
      const table = await request(chain.app).get(`${base}/v1.missing.example.com`).set('Accept', tableAccept)
      expect(table.body.rows[0].cells.slice(1, 3)).to.deep.equal(['default/missing', 'False (ServiceNotFound)'])
    })
  })

  describe('MuxAndDiscoveryComplete', () => {
    it('fires only once every stored APIService has its route', async () => {
      const storage = memoryStorageFactory()
      const first = createServerChain({ storage })
      const stopFirst = await first.prepareRun().start()
      const stored = apiService('v1.stored.example.com', { group: 'stored.example.com', version: 'v1', service: { namespace: 'default', name: 'gone' }, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 10 })
      await first.aggregator.apiservices.create({ namespace: '' }, stored as never)
      await stopFirst()

      // A second server on the same storage, whose lists are slow: the route must be there when
      // the signal fires, not some time after.
      const slow = (): Storage => {
        const backend = storage()
        return new Proxy(backend, {
          get(target, prop) {
            if (prop === 'list') return async (...args: Parameters<Storage['list']>) => (await new Promise((r) => setTimeout(r, 50)), target.list(...args))
            const v = Reflect.get(target, prop) as unknown
            return typeof v === 'function' ? v.bind(target) : v
          },
        })
      }
      const second = createServerChain({ storage: slow })
      let routedAtSignal: boolean | undefined
      void second.lifecycle.muxAndDiscoveryComplete.wait().then(() => {
        routedAtSignal = second.aggregator.watcher.get('v1.stored.example.com') !== undefined
      })
      const stopSecond = await second.prepareRun().start()
      await stopSecond()
      expect(routedAtSignal).to.equal(true)
    })
  })
})
