/**
 * @module lib/filters/max-in-flight
 * WithMaxInFlightLimit (apiserver pkg/server/filters/maxinflight.go): caps how many requests run
 * at once, with separate budgets for mutating and read-only requests so that a flood of lists
 * cannot starve writes (or the reverse). Over budget the request is refused at once with 429 and
 * Retry-After: 1 rather than queued; client-go retries it. Long-running requests (watch, proxy,
 * exec) are exempt: they hold no server capacity worth budgeting and would exhaust it for hours.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { tooManyRequests } from '../api/errors.js'

/** maxinflight.go's message and retry-after, used for both budgets. */
export const tooManyRequestsMessage = 'Too many requests, please try again later.'
const retryAfterSeconds = 1

const mutatingMethods: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export interface MaxInFlightOptions {
  /** Budget for read-only requests; 0 means unlimited. Default 400 (--max-requests-inflight). */
  maxRequestsInFlight?: number
  /** Budget for mutating requests; 0 means unlimited. Default 200 (--max-mutating-requests-inflight). */
  maxMutatingRequestsInFlight?: number
  /** Long-running requests bypass both budgets. */
  isLongRunning?: (req: Request) => boolean
  /** Which budget a request uses; default: POST, PUT, PATCH and DELETE are mutating. */
  isMutating?: (req: Request) => boolean
}

/**
 * Returns the `maxInFlight` middleware. Over budget it calls next() with a 429 TooManyRequests
 * Status "Too many requests, please try again later." that carries Retry-After: 1.
 * Kube writes that 429 as plain text; a Status is sent here because client-go only reads the code
 * and every other error of this server is a Status.
 * @public
 */
export function maxInFlight(options: MaxInFlightOptions = {}): RequestHandler {
  const readOnlyLimit = checkLimit('maxRequestsInFlight', options.maxRequestsInFlight ?? 400)
  const mutatingLimit = checkLimit('maxMutatingRequestsInFlight', options.maxMutatingRequestsInFlight ?? 200)
  const isLongRunning = options.isLongRunning ?? (() => false)
  const isMutating = options.isMutating ?? ((req: Request) => mutatingMethods.has(req.method))
  const inFlight = { readOnly: 0, mutating: 0 }

  return function maxInFlight(req: Request, res: Response, next: NextFunction): void {
    if (isLongRunning(req)) return next()

    const budget = isMutating(req) ? 'mutating' : 'readOnly'
    const limit = budget === 'mutating' ? mutatingLimit : readOnlyLimit
    if (limit === 0) return next()
    if (inFlight[budget] >= limit) return next(tooManyRequests(tooManyRequestsMessage, retryAfterSeconds))

    inFlight[budget]++
    // 'close' follows 'finish' and also fires when the client goes away first: it releases the
    // slot exactly once whichever way the request ends.
    res.once('close', () => {
      inFlight[budget]--
    })
    next()
  }
}

/** Bad configuration fails when the chain is built, not on the first request. */
function checkLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`maxInFlight: ${name} must be a non-negative integer, got ${value}`)
  return value
}
