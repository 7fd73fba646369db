/**
 * @module lib/filters/panic-recovery
 * WithPanicRecovery for Express. In Go a panic is recovered by a deferred function in the
 * outermost filter; in Express every synchronous throw and rejected promise already arrives at the
 * error middlewares, so recovery is an error middleware placed after the routers and before the
 * Status writer. It turns anything that is not a StatusError (a bug, a "panic") into a logged
 * 500 InternalError, so the process survives and the client gets a Status it understands.
 */
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express'
import type { Logger } from 'pino'
import { internalError, isStatusError } from '../api/errors.js'

export interface PanicRecoveryOptions {
  /** Where panics (with their stack) are logged. */
  logger: Logger
}

/**
 * Returns the `panicRecovery` error middleware.
 * - StatusError: passed on unchanged (an expected API error, not a panic).
 * - AbortError whose cause is a StatusError: the cause is passed on. Node's AbortSignal-aware
 *   APIs reject with such an error when the timeout filter aborts the request signal, and the
 *   client should see the filter's 504, not a 500.
 * - Anything else: logged with its stack, then passed on as a 500 InternalError Status
 *   "Internal error occurred: <message>".
 * - If the response has already started, no Status can be written any more: the connection is
 *   destroyed so the client sees a truncated response instead of a silently short one.
 * - If the response has already been completed (work that went on after a timeout), the error is
 *   only logged; destroying a finished connection would just break keep-alive.
 * @public
 */
export function panicRecovery(options: PanicRecoveryOptions): ErrorRequestHandler {
  const { logger } = options
  return function panicRecovery(err: unknown, req: Request, res: Response, next: NextFunction): void {
    const context = { method: req.method, url: req.originalUrl, auditID: res.locals.auditID as string | undefined }

    if (res.writableEnded) {
      logger.warn({ ...context, err }, `error after the response to ${req.method} ${req.originalUrl} was complete`)
      return
    }

    const cause = abortCause(err)
    if (cause) err = cause

    if (res.headersSent) {
      logger.error({ ...context, err }, `apiserver panic'd on ${req.method} ${req.originalUrl} after the response started`)
      res.destroy()
      return
    }

    if (isStatusError(err)) return next(err)

    logger.error({ ...context, err }, `apiserver panic'd on ${req.method} ${req.originalUrl}`)
    next(internalError(err))
  }
}

function abortCause(err: unknown): unknown {
  if (err instanceof Error && err.name === 'AbortError' && isStatusError(err.cause)) return err.cause
  return undefined
}
