/**
 * @module openapi/handlers
 * GET /openapi/v3, /openapi/v3/<group-version> and /openapi/v2, with the caching contract of
 * kube-openapi's handler3: the index names every document with `?hash=<SHA-512>`, a request with
 * the current hash may be cached for a year, a stale hash is redirected (301) to the current one,
 * ETag/If-None-Match answer 304. This server speaks no protobuf, so an Accept that allows only
 * protobuf gets 406 (kubectl asks v2 for protobuf only and then falls back, or fails, as it does
 * against any server without v2 protobuf).
 *
 * All routes are relative to the router's mount point; nothing in a body or Location header carries
 * the mount prefix (see v3Index and redirectToCurrentHash for why that is what client-go needs).
 */
import express from 'express'
import type { Request, Response, Router } from 'express'
import * as errors from '../lib/api/errors.js'
import { parseAccept } from '../lib/endpoints/negotiation.js'
import { serializeDocument } from './document.js'
import type { OpenAPIRegistry, SerializedDocument } from './document.js'

/** The media types kube-openapi also serves and this server does not (v3 and v2 protobuf). */
export const protobufV3MediaType = 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf'
export const protobufV2MediaType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'

/** How long a hashed document may be cached: the Expires kube-openapi sets, one year ahead. */
const immutableForMs = 365 * 24 * 60 * 60 * 1000

/**
 * The OpenAPI router; mount it anywhere (`app.use('/k8s', openAPIRouter(registry))`).
 * Unknown group-versions throw a NotFound StatusError for the chain's error middleware.
 * @public
 */
export function openAPIRouter(registry: OpenAPIRegistry): Router {
  const router = express.Router()

  router.get('/openapi/v3', function openAPIV3Index(req: Request, res: Response): void {
    sendDocument(req, res, serializeDocument(registry.v3Index()))
  })

  router.get('/openapi/v3/*gvPath', async function openAPIV3GroupVersion(req: Request, res: Response): Promise<void> {
    res.vary('Accept')
    const gvPath = pathSegments(req.params.gvPath).join('/')
    const doc = registry.v3Serialized(gvPath)
    if (!doc) throw errors.genericNotFound()
    requireJSON(req)
    const hash = typeof req.query.hash === 'string' ? req.query.hash : ''
    if (hash !== '' && hash !== doc.hash) {
      redirectToCurrentHash(req, res, doc.hash)
      return
    }
    if (hash !== '') {
      // The URL names these exact bytes, so any cache may keep them for good.
      res.set('Cache-Control', 'public, immutable')
      res.set('Expires', new Date(Date.now() + immutableForMs).toUTCString())
    }
    sendDocument(req, res, doc)
  })

  router.get('/openapi/v2', async function openAPIV2(req: Request, res: Response): Promise<void> {
    res.vary('Accept')
    requireJSON(req)
    sendDocument(req, res, registry.v2Serialized())
  })

  return router
}

/**
 * 406 unless the Accept header admits JSON. kube-openapi would serve protobuf to a client that
 * prefers it; we have none, so JSON wins whenever it is acceptable at all.
 */
function requireJSON(req: Request): void {
  const acceptsJSON = parseAccept(req.headers.accept).some(
    (c) => (c.type === '*' && c.subtype === '*') || (c.type === 'application' && (c.subtype === '*' || c.subtype === 'json')),
  )
  if (!acceptsJSON) throw errors.notAcceptable(['application/json'])
}

/**
 * 301 to the current `?hash=`. The Location is relative to the request path, so it keeps whatever
 * prefix the client used to reach us (an Express mount or a proxy that adds a path): Go's HTTP
 * client resolves it against the request URL, while kube-openapi's absolute /openapi/v3/... would
 * drop the prefix.
 */
function redirectToCurrentHash(req: Request, res: Response, hash: string): void {
  const path = new URL(req.originalUrl, 'http://localhost').pathname
  const trailingSlash = path.endsWith('/')
  const last = path.replace(/\/+$/, '').split('/').pop() ?? ''
  res.redirect(301, `${trailingSlash ? '../' : './'}${last}?hash=${hash}`)
}

/** Writes JSON bytes as they were hashed: exact Content-Type, quoted ETag, 304 when fresh. */
function sendDocument(req: Request, res: Response, doc: SerializedDocument): void {
  // setHeader, not res.set: Express would turn the type into "application/json; charset=utf-8".
  res.setHeader('Content-Type', 'application/json')
  res.set('ETag', `"${doc.hash}"`)
  res.set('Last-Modified', doc.lastModified.toUTCString())
  if (req.fresh) {
    res.status(304).end()
    return
  }
  res.status(200).send(doc.json)
}

/** Express 5 gives a named wildcard as an array of segments (a string in older routers). */
function pathSegments(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split('/') : []
  return parts.filter((p) => p !== '')
}
