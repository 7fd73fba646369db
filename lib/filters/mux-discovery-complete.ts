/**
 * @module lib/filters/mux-discovery-complete
 * WithMuxAndDiscoveryComplete: remembers whether a request arrived before MuxAndDiscoveryComplete,
 * so the not-found handler can tell "not installed yet" (503) from "does not exist" (404).
 */
import type { NextFunction, Request, Response } from 'express'

const key = 'muxAndDiscoveryIncomplete'

/** signal: the server's MuxAndDiscoveryComplete, typed by shape (filters sit below lib/server). */
export function muxAndDiscoveryComplete(signal: { readonly signaled: boolean }) {
  return function muxAndDiscoveryComplete(_req: Request, res: Response, next: NextFunction): void {
    if (!signal.signaled) res.locals[key] = true
    next()
  }
}

export function muxIncompleteAtArrival(res: Response): boolean {
  return res.locals[key] === true
}
