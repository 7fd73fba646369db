/**
 * @module openapi/swagger-ui
 * Swagger UI at /openapi/ui/ with a drop-down of every document in the /openapi/v3 index plus the
 * merged v2 one. swagger-ui-express bakes its options into swagger-ui-init.js when the middleware
 * is created, and groups come and go at run time (CRDs, APIServices), so the init script is built
 * per request from the registry while the static assets are served by one middleware.
 *
 * Every URL is relative to the page, so the UI works wherever the router is mounted.
 */
import express from 'express'
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express'
import swaggerUi from 'swagger-ui-express'
import type { OpenAPIRegistry } from './document.js'

export interface SwaggerUIOptions {
  /** The page title; default "kube-express API". */
  title?: string
}

/**
 * The Swagger UI router: `/openapi/ui` redirects to `/openapi/ui/`, which serves the page.
 * @public
 */
export function swaggerUIRouter(registry: OpenAPIRegistry, options: SwaggerUIOptions = {}): Router {
  const router = express.Router()
  const title = options.title ?? 'kube-express API'
  // Assets never change; only the init script depends on the registry. serveFiles (not the global
  // `serve`) keeps swagger-ui-express's state local to this router.
  const [, assets] = swaggerUi.serveFiles(undefined, {}) as [RequestHandler, RequestHandler]
  const page = swaggerUi.generateHTML(undefined, { customSiteTitle: title, explorer: true })

  router.get('/openapi/ui', function swaggerUIPage(req: Request, res: Response): void {
    // The assets are linked as ./swagger-ui.css etc., which only resolve below the trailing slash.
    const url = new URL(req.originalUrl, 'http://localhost')
    if (!url.pathname.endsWith('/')) {
      res.redirect(301, `ui/${url.search}`)
      return
    }
    res.type('html').send(page)
  })

  // Rebuilt only when the registry changed since the last request.
  let init: { generation: number; handler: RequestHandler } | undefined
  router.get('/openapi/ui/swagger-ui-init.js', function swaggerUIInit(req: Request, res: Response, next: NextFunction): void {
    if (init?.generation !== registry.generation) {
      const [handler] = swaggerUi.serveFiles(undefined, { swaggerOptions: { urls: documentURLs(registry) } }) as [RequestHandler]
      init = { generation: registry.generation, handler }
    }
    void init.handler(req, res, next)
  })

  router.use('/openapi/ui', assets)
  return router
}

/** One drop-down entry per served document, relative to /openapi/ui/. */
export function documentURLs(registry: OpenAPIRegistry): Array<{ url: string; name: string }> {
  const urls = Object.entries(registry.v3Index().paths).map(([gvPath, entry]) => ({
    // serverRelativeURL is /openapi/v3/...; from /openapi/ui/ that is ../v3/...
    url: `..${entry.serverRelativeURL.slice('/openapi'.length)}`,
    name: gvPath,
  }))
  urls.push({ url: '../v2', name: 'openapi/v2 (all groups, Swagger 2.0)' })
  return urls
}
