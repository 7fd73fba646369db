/**
 * @module lib/filters/cache-control
 * WithCacheControl (apiserver pkg/endpoints/filters/cachecontrol.go): every response is
 * `Cache-Control: no-cache, private` unless it says otherwise, because every answer depends on
 * who asked (authentication and authorization run on every request) and must not be shared by
 * caches.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/** kube-apiserver's default for responses that do not choose their own caching. */
export const defaultCacheControl = 'no-cache, private'

/**
 * Returns the `cacheControl` middleware. Like the Go filter it sets the header before the request
 * goes on, unless an outer layer already did; a handler that wants something else (discovery and
 * OpenAPI answer `public`) simply overwrites it with res.set, and error responses keep the default.
 * @public
 */
export function cacheControl(value: string = defaultCacheControl): RequestHandler {
  return function cacheControl(_req: Request, res: Response, next: NextFunction): void {
    if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', value)
    next()
  }
}
