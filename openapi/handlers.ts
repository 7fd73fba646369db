/**
 * @module openapi/handlers
 * GET /openapi/v3, /openapi/v3/<group-version> and /openapi/v2, with the caching contract of
 * kube-openapi's handler3: the index names every document with `?hash=<SHA-512>`, a request with
 * the current hash may be cached for a year, a stale hash is redirected (301) to the current one,
 * ETag/If-None-Match answer 304. /openapi/v2 also comes as protobuf (a gnostic openapi.v2.Document,
 * see ./protobuf-v2.ts), the only form client-go's OpenAPISchema asks for: kubectl reads it when a
 * kind is missing from /openapi/v3. The v3 documents are JSON only, so an Accept that allows only
 * their protobuf gets 406.
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
import { encodeOpenAPIV2Document } from './protobuf-v2.js'

/** The v3 protobuf media type kube-openapi also serves and this server does not. */
export const protobufV3MediaType = 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf'
/** The v2 protobuf media type: what kube-openapi answers with, whichever spelling was asked for. */
export const protobufV2MediaType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'
/** kube-openapi's deprecated spelling, still the one client-go's OpenAPISchema sends. */
export const deprecatedProtobufV2MediaType = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf'

/** The /openapi/v2 representations in kube-openapi's order of preference for a wildcard clause. */
const v2Representations = [
  { subtype: 'json', protobuf: false },
  { subtype: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', protobuf: true },
  { subtype: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', protobuf: true },
] as const

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

  // The protobuf of each v2 document, made on first request: the registry hands out the same
  // SerializedDocument until a change rebuilds it, so a new document is a cache miss.
  const v2Protobuf = new WeakMap<SerializedDocument, Buffer>()

  router.get('/openapi/v2', async function openAPIV2(req: Request, res: Response): Promise<void> {
    res.vary('Accept')
    const doc = registry.v2Serialized()
    if (!negotiateV2(req)) {
      sendDocument(req, res, doc)
      return
    }
    let protobuf = v2Protobuf.get(doc)
    if (!protobuf) {
      protobuf = encodeOpenAPIV2Document(registry.v2Document())
      v2Protobuf.set(doc, protobuf)
    }
    // Like kube-openapi: the ETag and Last-Modified are the JSON document's (Vary: Accept keeps
    // caches apart), and both protobuf spellings are answered with the current one.
    sendDocument(req, res, doc, { body: protobuf, contentType: protobufV2MediaType })
  })

  return router
}

/**
 * Whether /openapi/v2 answers in protobuf (true) or JSON (false), as kube-openapi's handler picks:
 * the first Accept clause, by q, that names or wildcards one of its representations, JSON first
 * for a wildcard. 406 when no clause fits.
 */
function negotiateV2(req: Request): boolean {
  for (const clause of parseAccept(req.headers.accept)) {
    if (clause.type !== 'application' && clause.type !== '*') continue
    const match = v2Representations.find((r) => clause.subtype === '*' || clause.subtype === r.subtype)
    if (match) return match.protobuf
  }
  throw errors.notAcceptable(['application/json', protobufV2MediaType, deprecatedProtobufV2MediaType])
}

/**
 * 406 unless the Accept header admits JSON (v3 documents). kube-openapi would serve v3 protobuf to
 * a client that prefers it; we have none, so JSON wins whenever it is acceptable at all.
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

/**
 * Writes JSON bytes as they were hashed (or another representation of the same document): exact
 * Content-Type, quoted ETag, 304 when fresh.
 */
function sendDocument(req: Request, res: Response, doc: SerializedDocument, as?: { body: Buffer; contentType: string }): void {
  // setHeader, not res.set: Express would turn the type into "application/json; charset=utf-8".
  res.setHeader('Content-Type', as?.contentType ?? 'application/json')
  res.set('ETag', `"${doc.hash}"`)
  res.set('Last-Modified', doc.lastModified.toUTCString())
  if (req.fresh) {
    res.status(304).end()
    return
  }
  res.status(200).send(as?.body ?? doc.json)
}

/** Express 5 gives a named wildcard as an array of segments (a string in older routers). */
function pathSegments(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split('/') : []
  return parts.filter((p) => p !== '')
}
