/**
 * @module lib/filters/timeout
 * WithRequestDeadline + WithTimeoutForNonLongRunningRequests (apiserver
 * pkg/endpoints/filters/request_deadline.go, pkg/server/filters/timeout.go): a request that is not
 * long-running must finish within the server's request timeout (60 s), or within the shorter
 * `?timeout=` the client asked for; otherwise the client gets a 504 Timeout Status and the
 * handler is told to stop through its AbortSignal.
 *
 * Every request also gets `res.locals.signal`, an AbortSignal that aborts when the client goes
 * away, which is what Go's request context does; long-running requests get it too.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { StatusError } from '../api/errors.js'
import { badRequest, requestTimeout as timeoutError } from '../api/errors.js'

/** request_deadline.go's prefix for a malformed `timeout` query parameter. */
const invalidTimeoutInURL = 'invalid timeout specified in the request URL'

/** setTimeout's largest delay; anything above it would fire after 1 ms instead. */
const maxTimerMs = 2 ** 31 - 1

export interface RequestTimeoutOptions {
  /** The server's request timeout (--request-timeout), default 60 s; also the cap for `?timeout=`. */
  timeoutMs?: number
  /** Long-running requests (watch, proxy, exec, ...) have no deadline. */
  isLongRunning?: (req: Request) => boolean
}

/**
 * Returns the `requestTimeout` middleware.
 * - `?timeout=<Go duration>` shortens the deadline when it is positive and below timeoutMs; a
 *   malformed value is a 400 BadRequest, as in kube.
 * - At the deadline `res.locals.signal` aborts with the 504 StatusError as its reason, so a handler
 *   that calls `signal.throwIfAborted()` (or awaits an API taking the signal) ends with that 504.
 * - A handler that ignores the signal still gets its 504: if nothing has been written a tick later,
 *   the filter passes the StatusError to next() itself and mutes the handler's late writes, as
 *   Go's timeout writer discards them.
 * - If the handler had already started its response, no Status can follow: the connection is
 *   destroyed, as Go does with http.ErrAbortHandler.
 * An error such an overtaken handler throws later finds the error middlewares already passed and
 * ends at the router's final handler, which can only close the (finished) connection: one more
 * reason for handlers to honour the signal.
 * @public
 */
export function requestTimeout(options: RequestTimeoutOptions = {}): RequestHandler {
  const timeoutMs = options.timeoutMs ?? 60_000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > maxTimerMs) {
    throw new TypeError(`requestTimeout: timeoutMs must be a positive number of milliseconds up to ${maxTimerMs}, got ${timeoutMs}`)
  }
  const isLongRunning = options.isLongRunning ?? (() => false)

  return function requestTimeout(req: Request, res: Response, next: NextFunction): void {
    const deadline = isLongRunning(req) ? undefined : deadlineOf(req, timeoutMs)
    if (typeof deadline === 'object') return next(deadline)
    // The AbortController is made only when a handler asks for the signal (requestSignal): most
    // requests end without anyone listening, and building one per request is measurable.
    const state: SignalState = {}
    res.locals[signalKey] = state

    const timer = deadline === undefined ? undefined : setTimeout(function onRequestTimeout() {
      const err = timeoutError()
      abort(state, err)
      if (res.writableEnded) return
      if (res.headersSent) {
        res.destroy()
        return
      }
      // One macrotask of grace: a handler that honours the signal rejects within microtasks and
      // reaches the error middleware through the normal path; only a handler that ignores it is
      // overtaken here.
      setImmediate(function writeRequestTimeout() {
        if (res.headersSent || res.destroyed) return
        muteLateWrites(res)
        next(err)
      })
    }, deadline)

    // 'close' comes after 'finish' too, and also when the client goes away first.
    res.once('close', function onResponseClose() {
      clearTimeout(timer)
      if (!res.writableFinished) abort(state, clientGone())
    })
    next()
  }
}

const signalKey = 'requestTimeoutSignal'

/** Why the request was aborted, and the controller once a handler asked for the signal. */
interface SignalState {
  reason?: unknown
  controller?: AbortController
}

function abort(state: SignalState, reason: unknown): void {
  if (state.reason !== undefined) return
  state.reason = reason
  state.controller?.abort(reason)
}

/** The deadline in ms: the server's, or the client's `?timeout=` when that is shorter. */
function deadlineOf(req: Request, timeoutMs: number): number | StatusError {
  const requested = queryParam(req.url, 'timeout')
  if (!requested) return timeoutMs
  let userTimeout: number
  try {
    userTimeout = parseGoDuration(requested)
  } catch (err) {
    return badRequest(`${invalidTimeoutInURL} - ${(err as Error).message}`)
  }
  // 0 means "no timeout of my own"; more than the server allows is capped, as in kube.
  return userTimeout > 0 && userTimeout < timeoutMs ? userTimeout : timeoutMs
}

/** The AbortSignal the timeout filter attached to this request, if it ran. */
export function requestSignal(res: Response): AbortSignal | undefined {
  const state = res.locals[signalKey] as SignalState | undefined
  if (state === undefined) return undefined
  if (state.controller === undefined) {
    state.controller = new AbortController()
    if (state.reason !== undefined) state.controller.abort(state.reason)
  }
  return state.controller.signal
}

const units: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

/**
 * Go's time.ParseDuration, in milliseconds: "300ms", "-1.5h", "2h45m", "0". Throws with Go's
 * error text, which becomes part of the 400 message.
 */
export function parseGoDuration(value: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${goQuote(value)}`)
  let s = value
  let negative = false
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') throw invalid()

  let total = 0
  while (s !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s)!
    const [consumed, whole, fraction] = number
    if (whole === '' && (fraction === undefined || fraction === '')) throw invalid()
    s = s.slice(consumed.length)
    const unitLength = s.search(/[\d.]/)
    const unit = unitLength < 0 ? s : s.slice(0, unitLength)
    if (unit === '') throw new Error(`time: missing unit in duration ${goQuote(value)}`)
    const scale = units[unit]
    if (scale === undefined) throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(value)}`)
    s = s.slice(unit.length)
    total += Number(`${whole || '0'}.${fraction || '0'}`) * scale
  }
  // Go rejects durations beyond int64 nanoseconds (about 292 years).
  if (total > 9_223_372_036_854) throw invalid()
  return negative ? -total : total
}

/** Go's %q for the short ASCII strings seen here; JSON escaping agrees with it on those. */
function goQuote(s: string): string {
  return JSON.stringify(s)
}

/** The first value of a query parameter, read from the URL itself so any query parser setting works. */
function queryParam(url: string, name: string): string | null {
  const q = url.indexOf('?')
  return q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get(name)
}

function clientGone(): Error {
  const err = new Error('the client closed the connection')
  err.name = 'AbortError'
  return err
}

/**
 * After the filter has answered for a handler that ignored its deadline, that handler's own
 * answer must go nowhere: header changes once headers are out, and writes once the response has
 * ended, become no-ops instead of throwing ERR_HTTP_HEADERS_SENT into a request that is over.
 */
function muteLateWrites(res: Response): void {
  const original = { setHeader: res.setHeader, removeHeader: res.removeHeader, writeHead: res.writeHead, write: res.write, end: res.end }

  res.setHeader = function setHeaderUnlessSent(...args: unknown[]) {
    return res.headersSent ? res : Reflect.apply(original.setHeader, res, args)
  } as Response['setHeader']
  res.removeHeader = function removeHeaderUnlessSent(...args: unknown[]) {
    if (!res.headersSent) Reflect.apply(original.removeHeader, res, args)
  } as Response['removeHeader']
  res.writeHead = function writeHeadUnlessSent(...args: unknown[]) {
    return res.headersSent ? res : Reflect.apply(original.writeHead, res, args)
  } as Response['writeHead']
  res.write = function writeUnlessEnded(...args: unknown[]) {
    if (!res.writableEnded) return Reflect.apply(original.write, res, args)
    settleCallback(args)
    return false
  } as Response['write']
  res.end = function endUnlessEnded(...args: unknown[]) {
    if (!res.writableEnded) return Reflect.apply(original.end, res, args)
    settleCallback(args)
    return res
  } as Response['end']
}

/** A muted write still calls its callback, so a handler waiting on it is not left hanging. */
function settleCallback(args: unknown[]): void {
  const callback = args.findLast((a) => typeof a === 'function') as (() => void) | undefined
  if (callback) process.nextTick(callback)
}
