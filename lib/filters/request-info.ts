/**
 * @module lib/filters/request-info
 * WithRequestInfo: parses the RequestInfo once, relative to where the chain is mounted, and keeps
 * it (and the parsed query) on res.locals for every later stage.
 */
import type { NextFunction, Request, Response } from 'express'
import { internalError } from '../api/errors.js'
import { parseRequestInfo } from '../endpoints/request-info.js'
import type { RequestInfo } from '../endpoints/request-info.js'

const byRequest = new WeakMap<Request, RequestInfo>()

/** The RequestInfo of a request that passed the filter (filters that only see req use this). */
export function requestInfoOf(req: Request): RequestInfo | undefined {
  return byRequest.get(req)
}

const longRunningSubresources = new Set(['proxy', 'exec', 'attach', 'portforward', 'log'])

/** Watches and streaming subresources have no deadline and no in-flight budget (LongRunningRequestCheck). */
export function isLongRunning(req: Request): boolean {
  const info = byRequest.get(req)
  if (!info) return false
  return info.verb === 'watch' || longRunningSubresources.has(info.subresource)
}

export function requestInfo() {
  return function requestInfo(req: Request, res: Response, next: NextFunction): void {
    const url = req.url
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1))
    res.locals['query'] = query
    let info: RequestInfo
    try {
      info = parseRequestInfo(req.method, path, query)
    } catch (err) {
      next(internalError(new Error(`failed to create RequestInfo: ${(err as Error).message}`)))
      return
    }
    res.locals['requestInfo'] = info
    byRequest.set(req, info)
    next()
  }
}
