/**
 * @module spec/openapi/handlers.spec
 * The /openapi/v3 and /openapi/v2 endpoints over HTTP: index, hash, 301 to the current hash,
 * immutable caching, ETag/304, 406 for v3 protobuf-only clients, v2 as protobuf, documents appearing and leaving at
 * run time, and mounting under a path prefix the way client-go reaches it.
 */
import { createHash } from 'node:crypto'
import { expect } from 'chai'
import express from 'express'
import type { Express } from 'express'
import request from 'supertest'
import { statusErrorWriter } from '../../lib/endpoints/response-writers.js'
import { OpenAPIRegistry } from '../../openapi/document.js'
import type { OpenAPIV3Index } from '../../openapi/document.js'
import { openAPIRouter, protobufV2MediaType, protobufV3MediaType } from '../../openapi/handlers.js'
import { configmaps, crontabs, namespaces } from './fixtures.js'

const deprecatedProtobufV3 = 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf'

function appWith(registry: OpenAPIRegistry, prefix = ''): Express {
  const app = express()
  if (prefix) app.use(prefix, openAPIRouter(registry))
  else app.use(openAPIRouter(registry))
  app.use(statusErrorWriter())
  return app
}

async function indexOf(app: Express, prefix = ''): Promise<OpenAPIV3Index> {
  const res = await request(app).get(`${prefix}/openapi/v3`).expect(200)
  return res.body as OpenAPIV3Index
}

/**
 * client-go openapi.groupversion.Schema: a serverRelativeURL rooted at /openapi/v3 is appended to
 * the client's own base path (AbsPath), anything else replaces the path (RequestURI).
 */
function clientGoURL(basePath: string, serverRelativeURL: string): string {
  return serverRelativeURL.startsWith('/openapi/v3') ? `${basePath.replace(/\/$/, '')}${serverRelativeURL}` : serverRelativeURL
}

describe('openapi/handlers', () => {
  let registry: OpenAPIRegistry
  let app: Express

  beforeEach(() => {
    registry = new OpenAPIRegistry()
    registry.addResource(configmaps)
    registry.addResource(namespaces)
    app = appWith(registry)
  })

  describe('GET /openapi/v3', () => {
    it('lists every group-version with its hash, as JSON with an ETag', async () => {
      const res = await request(app).get('/openapi/v3').expect(200)
      expect(res.headers['content-type']).to.equal('application/json')
      const hash = registry.v3Serialized('api/v1')?.hash
      expect(res.body).to.deep.equal({ paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${hash}` } } })
      const etag = createHash('sha512').update(JSON.stringify(res.body)).digest('hex').toUpperCase()
      expect(res.headers.etag).to.equal(`"${etag}"`)
    })

    it('answers 304 to a matching If-None-Match', async () => {
      const first = await request(app).get('/openapi/v3').expect(200)
      await request(app).get('/openapi/v3').set('If-None-Match', first.headers.etag as string).expect(304)
    })

    it('changes when a resource is added or removed, without a restart', async () => {
      const before = await indexOf(app)
      registry.addResource(crontabs)
      const added = await indexOf(app)
      expect(Object.keys(added.paths)).to.deep.equal(['api/v1', 'apis/stable.example.com/v1'])
      await request(app).get(added.paths['apis/stable.example.com/v1']!.serverRelativeURL).expect(200)

      registry.removeResource(configmaps)
      const removed = await indexOf(app)
      expect(removed.paths['api/v1']?.serverRelativeURL).to.not.equal(before.paths['api/v1']?.serverRelativeURL)

      registry.removeGroupVersion('stable.example.com', 'v1')
      expect(Object.keys((await indexOf(app)).paths)).to.deep.equal(['api/v1'])
      const gone = await request(app).get('/openapi/v3/apis/stable.example.com/v1').expect(404)
      expect(gone.body).to.include({ kind: 'Status', reason: 'NotFound', code: 404 })
    })
  })

  describe('GET /openapi/v3/<group-version>', () => {
    it('serves the document with immutable caching when the hash matches', async () => {
      const { paths } = await indexOf(app)
      const started = Date.now()
      const res = await request(app).get(paths['api/v1']!.serverRelativeURL).set('Accept', 'application/json').expect(200)
      expect(res.headers['content-type']).to.equal('application/json')
      expect(res.headers['cache-control']).to.equal('public, immutable')
      expect(res.headers.vary).to.match(/Accept/)
      const hash = registry.v3Serialized('api/v1')!.hash
      expect(res.headers.etag).to.equal(`"${hash}"`)
      const expires = Date.parse(res.headers.expires as string)
      const year = 365 * 24 * 3600 * 1000
      expect(expires).to.be.within(started + year - 5000, Date.now() + year + 5000)
      expect(res.body).to.deep.equal(registry.v3Document('api/v1'))
      expect(res.body.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch['x-kubernetes-group-version-kind']).to.deep.equal({
        group: '',
        kind: 'ConfigMap',
        version: 'v1',
      })
    })

    it('does not promise immutability without a hash', async () => {
      const res = await request(app).get('/openapi/v3/api/v1').expect(200)
      expect(res.headers['cache-control']).to.equal(undefined)
      expect(res.headers.expires).to.equal(undefined)
      expect(res.headers.etag).to.equal(`"${registry.v3Serialized('api/v1')!.hash}"`)
    })

    it('redirects a stale hash (301) to the current one, relative to the request', async () => {
      const { paths } = await indexOf(app)
      const stale = paths['api/v1']!.serverRelativeURL
      registry.addResource(crontabs)
      registry.removeResource(namespaces)
      const current = registry.v3Serialized('api/v1')!.hash
      const res = await request(app).get(stale).expect(301)
      expect(res.headers.location).to.equal(`./v1?hash=${current}`)
      const followed = await request(app).get(stale).redirects(1).expect(200)
      expect(followed.headers['cache-control']).to.equal('public, immutable')
      expect(followed.body.paths).to.not.have.property('/api/v1/namespaces/{name}')

      const slash = await request(app).get(`/openapi/v3/apis/stable.example.com/v1/?hash=0`).expect(301)
      expect(slash.headers.location).to.equal(`../v1?hash=${registry.v3Serialized('apis/stable.example.com/v1')!.hash}`)
      await request(app).get('/openapi/v3/apis/stable.example.com/v1/?hash=0').redirects(1).expect(200)
    })

    it('answers 304 to a matching If-None-Match', async () => {
      const etag = `"${registry.v3Serialized('api/v1')!.hash}"`
      await request(app).get('/openapi/v3/api/v1').set('If-None-Match', etag).expect(304)
      await request(app).get('/openapi/v3/api/v1').set('If-None-Match', '"stale"').expect(200)
    })

    it('refuses protobuf-only clients with a 406 NotAcceptable Status', async () => {
      for (const accept of [protobufV3MediaType, deprecatedProtobufV3, 'text/html']) {
        const res = await request(app).get('/openapi/v3/api/v1').set('Accept', accept).expect(406)
        expect(res.body).to.include({ kind: 'Status', status: 'Failure', reason: 'NotAcceptable', code: 406 })
        expect(res.headers.vary).to.match(/Accept/)
      }
    })

    it('serves JSON whenever JSON is acceptable at all', async () => {
      for (const accept of [`${protobufV3MediaType}, application/json;q=0.5`, '*/*', 'application/*', 'application/json;as=Table;g=meta.k8s.io;v=v1']) {
        const res = await request(app).get('/openapi/v3/api/v1').set('Accept', accept).expect(200)
        expect(res.headers['content-type'], accept).to.equal('application/json')
      }
    })

    it('answers 404 for a group-version nobody serves', async () => {
      const res = await request(app).get('/openapi/v3/apis/batch/v1').expect(404)
      expect(res.body).to.include({ kind: 'Status', reason: 'NotFound' })
    })
  })

  describe('GET /openapi/v2', () => {
    it('serves the merged Swagger 2.0 document as JSON', async () => {
      registry.addResource(crontabs)
      const res = await request(app).get('/openapi/v2').set('Accept', 'application/json').expect(200)
      expect(res.headers['content-type']).to.equal('application/json')
      expect(res.headers.etag).to.equal(`"${registry.v2Serialized().hash}"`)
      expect(res.body.swagger).to.equal('2.0')
      expect(res.body.paths).to.include.keys('/api/v1/namespaces/{namespace}/configmaps/{name}', '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}')
      await request(app).get('/openapi/v2').set('If-None-Match', res.headers.etag as string).expect(304)
    })

    it('answers the protobuf Accept kubectl sends with protobuf, and 406 for what it has not', async () => {
      for (const accept of [protobufV2MediaType, 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf']) {
        const res = await request(app).get('/openapi/v2').set('Accept', accept).expect(200)
        expect(res.headers['content-type']).to.equal(protobufV2MediaType)
      }
      const res = await request(app).get('/openapi/v2').set('Accept', 'text/html').expect(406)
      expect(res.body).to.include({ reason: 'NotAcceptable' })
    })
  })

  describe('mounted under a path prefix', () => {
    beforeEach(() => {
      app = appWith(registry, '/k8s')
    })

    it('keeps the index rooted at /openapi/v3 so client-go adds its own prefix', async () => {
      const { paths } = await indexOf(app, '/k8s')
      const url = paths['api/v1']!.serverRelativeURL
      expect(url).to.match(/^\/openapi\/v3\/api\/v1\?hash=/)
      const res = await request(app).get(clientGoURL('/k8s', url)).set('Accept', 'application/json').expect(200)
      expect(res.headers['cache-control']).to.equal('public, immutable')
      expect(res.body.openapi).to.equal('3.0.0')
      await request(app).get(url).expect(404)
    })

    it('redirects a stale hash to a URL that keeps the prefix', async () => {
      const res = await request(app).get('/k8s/openapi/v3/api/v1?hash=OLD').expect(301)
      const location = new URL(res.headers.location as string, 'http://host/k8s/openapi/v3/api/v1?hash=OLD')
      expect(location.pathname).to.equal('/k8s/openapi/v3/api/v1')
      expect(location.searchParams.get('hash')).to.equal(registry.v3Serialized('api/v1')!.hash)
      await request(app).get('/k8s/openapi/v3/api/v1?hash=OLD').redirects(1).expect(200)
    })

    it('serves v2 under the prefix too', async () => {
      await request(app).get('/k8s/openapi/v2').expect(200)
    })
  })
})
