/**
 * @module spec/openapi/swagger-ui.spec
 * Swagger UI at /openapi/ui/: the trailing-slash redirect relative to the mount, the page and its
 * assets, and the drop-down of documents built per request so groups added at run time show up.
 */
import { expect } from 'chai'
import express from 'express'
import type { Express } from 'express'
import request from 'supertest'
import { OpenAPIRegistry } from '../../openapi/document.js'
import { openAPIRouter } from '../../openapi/handlers.js'
import { documentURLs, swaggerUIRouter } from '../../openapi/swagger-ui.js'
import { configmaps, crontabs } from './fixtures.js'

/** The `urls` option swagger-ui-init.js hands to SwaggerUIBundle. */
function urlsIn(initScript: string): Array<{ url: string; name: string }> {
  const json = /var options = ([\s\S]*?);\n\s*url = options/.exec(initScript)?.[1]
  expect(json, 'options in swagger-ui-init.js').to.be.a('string')
  const options = JSON.parse(json as string) as { customOptions: { urls: Array<{ url: string; name: string }> } }
  return options.customOptions.urls
}

describe('openapi/swagger-ui', () => {
  let registry: OpenAPIRegistry

  beforeEach(() => {
    registry = new OpenAPIRegistry()
    registry.addResource(configmaps)
  })

  for (const prefix of ['', '/k8s']) {
    describe(prefix ? `mounted at ${prefix}` : 'mounted at the root', () => {
      let app: Express

      beforeEach(() => {
        app = express()
        const mount = (router: express.Router): void => {
          if (prefix) app.use(prefix, router)
          else app.use(router)
        }
        mount(swaggerUIRouter(registry))
        mount(openAPIRouter(registry))
      })

      it('redirects /openapi/ui to /openapi/ui/ relative to the mount', async () => {
        const res = await request(app).get(`${prefix}/openapi/ui?x=1`).expect(301)
        expect(res.headers.location).to.equal('ui/?x=1')
        expect(new URL(res.headers.location as string, `http://host${prefix}/openapi/ui?x=1`).pathname).to.equal(`${prefix}/openapi/ui/`)
      })

      it('serves the page with relative asset links', async () => {
        const res = await request(app).get(`${prefix}/openapi/ui/`).expect(200)
        expect(res.headers['content-type']).to.match(/^text\/html/)
        expect(res.text).to.contain('<div id="swagger-ui"></div>')
        expect(res.text).to.contain('src="./swagger-ui-init.js"')
        expect(res.text).to.contain('<title>kube-express API</title>')
        await request(app).get(`${prefix}/openapi/ui/swagger-ui.css`).expect(200).expect('Content-Type', /css/)
        await request(app).get(`${prefix}/openapi/ui/swagger-ui-bundle.js`).expect(200).expect('Content-Type', /javascript/)
      })

      it('offers every document of the index, and groups added later without a restart', async () => {
        const first = await request(app).get(`${prefix}/openapi/ui/swagger-ui-init.js`).expect(200).expect('Content-Type', /javascript/)
        const urls = urlsIn(first.text)
        expect(urls.map((u) => u.name)).to.deep.equal(['api/v1', 'openapi/v2 (all groups, Swagger 2.0)'])
        // Each URL resolves, relative to the page, to a document the OpenAPI router serves.
        for (const { url } of urls) {
          const resolved = new URL(url, `http://host${prefix}/openapi/ui/`)
          await request(app).get(`${resolved.pathname}${resolved.search}`).expect(200)
        }

        registry.addResource(crontabs)
        const second = await request(app).get(`${prefix}/openapi/ui/swagger-ui-init.js`).expect(200)
        expect(urlsIn(second.text).map((u) => u.name)).to.deep.equal(['api/v1', 'apis/stable.example.com/v1', 'openapi/v2 (all groups, Swagger 2.0)'])
      })
    })
  }

  it('points each entry at the hashed document, relative to /openapi/ui/', () => {
    const [core] = documentURLs(registry)
    expect(core).to.deep.equal({ url: `../v3/api/v1?hash=${registry.v3Serialized('api/v1')?.hash}`, name: 'api/v1' })
  })
})
