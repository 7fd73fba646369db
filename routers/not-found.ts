/**
 * @module routers/not-found
 * The end of the chain (pkg/util/notfoundhandler): a request that arrived before every server
 * had installed its routes gets 503 + Retry-After: 5, so clients retry instead of believing a
 * false 404; afterwards, today's 404 Status.
 */
import type { NextFunction, Request, Response } from 'express'
import * as errors from '../lib/api/errors.js'
import { muxIncompleteAtArrival } from '../lib/filters/mux-discovery-complete.js'

export const notReadyMessage = 'the request has been made before all known HTTP paths have been installed, please try again'

export function notFoundHandler() {
  return function notFound(_req: Request, res: Response, next: NextFunction): void {
    if (muxIncompleteAtArrival(res)) {
      next(errors.serviceUnavailable(notReadyMessage, 5))
      return
    }
    next(errors.genericNotFound())
  }
}
