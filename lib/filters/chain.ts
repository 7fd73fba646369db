/**
 * @module lib/filters/chain
 * The filters as one handler (DefaultBuildHandlerChain wraps each handler in the next filter):
 * every filter stays an ordinary Express middleware, but the chain calls them one after the other
 * itself instead of giving each its own router layer, where every step would pay path matching,
 * parameter processing and url bookkeeping that filters never use.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/**
 * Runs filters in order with Express's contract: next() goes on, next(err) leaves the chain with
 * the error (and next('router') leaves it as the router would), next('route') goes on; a filter
 * that throws or returns a rejected promise passes its error to next, as Express's layers do.
 */
export function filterChain(filters: readonly RequestHandler[]): RequestHandler {
  const list = [...filters]
  return function filters(req: Request, res: Response, next: NextFunction): void {
    let index = 0
    const step = (err?: unknown): void => {
      if (err && err !== 'route') return next(err)
      const filter = list[index++]
      if (!filter) return next()
      try {
        const result: unknown = filter(req, res, step)
        if (result instanceof Promise) result.catch((e: unknown) => next(e ?? new Error('Rejected promise')))
      } catch (e) {
        next(e)
      }
    }
    step()
  }
}
