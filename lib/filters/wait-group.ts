/**
 * @module lib/filters/wait-group
 * WithWaitGroup + WithWatchTerminationDuringShutdown (apiserver pkg/server/filters/waitgroup.go,
 * watch_termination.go): counts the requests in flight so that a graceful shutdown can wait for
 * them, and from NotAcceptingNewRequest on refuses new ones with 503 + Retry-After: 1 (there is
 * a good chance the client's retry reaches another server). Long-running requests (watches) are
 * counted apart, because nobody should wait for a watch to end by itself: they get a shutdown
 * signal instead and end their streams when it fires.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { StatusError } from '../api/errors.js'

/** with_retry_after.go: probes and metrics scraping are served until the very end. */
const exemptPathPrefixes = ['/readyz', '/livez', '/healthz', '/metrics']

export interface InFlightTrackerOptions {
  /** Long-running requests are tracked apart and receive the shutdown signal. */
  isLongRunning?: (req: Request) => boolean
  /**
   * Requests still served (untracked) after new requests stop being accepted. Default, as in
   * kube: paths under /readyz, /livez, /healthz, /metrics (relative to where the chain is mounted)
   * and the server's own loopback client (User-Agent "kube-apiserver/...").
   */
  isExempt?: (req: Request) => boolean
  /** When given, NotAcceptingNewRequest stops accepting, exactly as stopAccepting() does. */
  signals?: NotAcceptingSignals
}

/**
 * The one lifecycle signal this filter reads, typed by shape: filters sit below lib/server, and
 * the server's LifecycleSignals satisfies it.
 */
export interface NotAcceptingSignals {
  readonly notAcceptingNewRequest: { readonly signaled: boolean; readonly abortSignal: AbortSignal }
}

/**
 * The wait group of one server chain.
 * @public
 */
export class InFlightTracker {
  readonly #isLongRunning: (req: Request) => boolean
  readonly #isExempt: (req: Request) => boolean
  readonly #signals: NotAcceptingSignals | undefined
  // Aborted when new requests stop being accepted; long-running handlers watch it.
  readonly #shutdown = new AbortController()
  #count = 0
  #longRunningCount = 0
  // Resolvers of pending wait()/waitLongRunning() calls, released when their count reaches 0.
  readonly #drained = new Set<() => void>()
  readonly #longRunningDrained = new Set<() => void>()

  constructor(options: InFlightTrackerOptions = {}) {
    this.#isLongRunning = options.isLongRunning ?? (() => false)
    this.#isExempt = options.isExempt ?? isExemptByDefault
    this.#signals = options.signals
    // Synchronous, so a watch started in the same tick as the signal still gets told.
    options.signals?.notAcceptingNewRequest.abortSignal.addEventListener('abort', () => this.stopAccepting(), { once: true })
  }

  /** Non-long-running requests in flight. */
  get count(): number {
    return this.#count
  }

  /** Long-running requests (watches) in flight. */
  get longRunningCount(): number {
    return this.#longRunningCount
  }

  get accepting(): boolean {
    return !this.#shutdown.signal.aborted && !this.#signals?.notAcceptingNewRequest.signaled
  }

  /** Aborts when new requests stop being accepted; also on `res.locals.shutdownSignal`. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal
  }

  /** Refuse new requests from now on and tell long-running ones to end. Idempotent. */
  stopAccepting(): void {
    if (!this.#shutdown.signal.aborted) this.#shutdown.abort(new Error('apiserver is shutting down'))
  }

  /**
   * Like SafeWaitGroup.Wait: stops accepting, then resolves true once every non-long-running
   * request has finished, or false when timeoutMs (if given) elapses first.
   */
  wait(timeoutMs?: number): Promise<boolean> {
    this.stopAccepting()
    return waitForZero(() => this.#count, this.#drained, timeoutMs)
  }

  /** Resolves true once every long-running request has ended, false on timeout. */
  waitLongRunning(timeoutMs?: number): Promise<boolean> {
    return waitForZero(() => this.#longRunningCount, this.#longRunningDrained, timeoutMs)
  }

  /**
   * Returns the `waitGroup` middleware. It sets `res.locals.shutdownSignal` on every request it
   * lets through; once not accepting, non-exempt requests get 503 ServiceUnavailable
   * "apiserver is shutting down" with Retry-After: 1.
   */
  middleware(): RequestHandler {
    const track = (req: Request, res: Response, next: NextFunction): void => this.#track(req, res, next)
    // A named function rather than the arrow itself, for stack traces and Express's layer names.
    return function waitGroup(req: Request, res: Response, next: NextFunction): void {
      track(req, res, next)
    }
  }

  #track(req: Request, res: Response, next: NextFunction): void {
    if (!this.accepting) {
      if (!this.#isExempt(req)) return next(shuttingDown())
      res.locals.shutdownSignal = this.#shutdown.signal
      return next()
    }

    const longRunning = this.#isLongRunning(req)
    if (longRunning) this.#longRunningCount++
    else this.#count++
    res.locals.shutdownSignal = this.#shutdown.signal

    // 'close' comes right after 'finish', and also when the client disconnects, so an abandoned
    // request is not waited for. One listener: it fires once per response.
    res.once('close', () => {
      if (longRunning) {
        if (--this.#longRunningCount === 0) releaseAll(this.#longRunningDrained)
      } else if (--this.#count === 0) {
        releaseAll(this.#drained)
      }
    })
    next()
  }
}

/** The shutdown signal the wait group attached to this request, if it ran. */
export function shutdownSignalOf(res: Response): AbortSignal | undefined {
  return res.locals.shutdownSignal as AbortSignal | undefined
}

/** waitgroup.go's answer: 503, no details in the body, Retry-After: 1 as a header only. */
function shuttingDown(): StatusError {
  return new StatusError({ code: 503, reason: 'ServiceUnavailable', message: 'apiserver is shutting down' }, { 'Retry-After': '1' })
}

function isExemptByDefault(req: Request): boolean {
  if ((req.get('User-Agent') ?? '').startsWith('kube-apiserver/')) return true
  return exemptPathPrefixes.some((prefix) => req.path.startsWith(prefix))
}

function waitForZero(count: () => number, waiters: Set<() => void>, timeoutMs: number | undefined): Promise<boolean> {
  if (count() === 0) return Promise.resolve(true)
  return new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout | undefined
    const onDrained = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    waiters.add(onDrained)
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        waiters.delete(onDrained)
        resolve(false)
      }, timeoutMs)
    }
  })
}

function releaseAll(waiters: Set<() => void>): void {
  for (const release of waiters) release()
  waiters.clear()
}
