/**
 * @module lib/server/lifecycle
 * Named one-shot lifecycle signals, after apiserver pkg/server/lifecycle_signals.go. Each marks an
 * event in the server's life (shutdown initiated, requests drained, ...) so that the parts that
 * react to it (readyz, the in-flight tracker, the not-found handler, run()) wait on one shared
 * object instead of calling each other, and tests can drive a shutdown step by step.
 *
 * Timeline of a graceful shutdown (default mode: the listener closes when new requests stop being
 * accepted; kube-apiserver's --shutdown-send-retry-after mode is not implemented):
 *
 * T0: ShutdownInitiated: SIGTERM received (or run()'s AbortSignal fired)
 *   - /readyz starts failing through its `shutdown` check, so load balancers drain us
 *   - pre-shutdown hooks start
 *
 * T0 + shutdownDelay: AfterShutdownDelayDuration
 *   - the delay (kube's --shutdown-delay-duration, default 0s, often 70s in real deployments)
 *     gives load balancers time to notice the red /readyz while we still serve normally
 *
 * T0 + shutdownDelay, once pre-shutdown hooks are done as well: PreShutdownHooksStopped, then
 * NotAcceptingNewRequest
 *   - the HTTP server stops listening: new TCP connections are refused
 *   - a request that still reaches the chain (on a kept-alive connection) gets
 *     503 "apiserver is shutting down" with Retry-After: 1
 *   - active watches and other long-running requests end their streams (their shutdown signal
 *     fires); clients re-list and re-watch against another server
 *
 * HTTPServerStoppedListening: the listener is closed (right after NotAcceptingNewRequest)
 *
 * up to the request timeout (60s) later: InFlightRequestsDrained
 *   - every non-long-running request has finished (or the wait timed out)
 *   - audit backends and storage can be shut down, then the process exits
 *
 * Start-up events:
 * - MuxAndDiscoveryComplete: every known HTTP path has a handler; until then the not-found handler
 *   answers 503 + Retry-After: 5 instead of a false 404
 * - HasBeenReady: /readyz succeeded for the first time
 */

export type LifecycleSignalName =
  | 'ShutdownInitiated'
  | 'AfterShutdownDelayDuration'
  | 'PreShutdownHooksStopped'
  | 'NotAcceptingNewRequest'
  | 'InFlightRequestsDrained'
  | 'HTTPServerStoppedListening'
  | 'HasBeenReady'
  | 'MuxAndDiscoveryComplete'

/** Every signal name, in the order the events happen in a server's life. */
export const lifecycleSignalNames: readonly LifecycleSignalName[] = [
  'MuxAndDiscoveryComplete',
  'HasBeenReady',
  'ShutdownInitiated',
  'AfterShutdownDelayDuration',
  'PreShutdownHooksStopped',
  'NotAcceptingNewRequest',
  'HTTPServerStoppedListening',
  'InFlightRequestsDrained',
]

/**
 * One named event. Signaling is idempotent: once signaled it stays signaled, and every waiter,
 * past or future, is released.
 * @public
 */
export class LifecycleSignal {
  readonly name: LifecycleSignalName
  // An AbortController is the one-shot primitive Node already has: it gives synchronous state,
  // listeners, and an AbortSignal that Node APIs (timers, events.once, fetch) accept directly.
  readonly #controller = new AbortController()
  readonly #signaled: Promise<void>

  constructor(name: LifecycleSignalName) {
    this.name = name
    const signal = this.#controller.signal
    this.#signaled = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
  }

  /** Marks the event as happened. Calling it again does nothing. */
  signal(): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new Error(`lifecycle signal ${this.name}`))
  }

  get signaled(): boolean {
    return this.#controller.signal.aborted
  }

  /** Resolves once the event has been signaled; every call returns the same promise. */
  wait(): Promise<void> {
    return this.#signaled
  }

  /**
   * An AbortSignal that aborts when this event is signaled, for code that must react
   * synchronously (a promise callback runs a microtask later) or hand the event to a Node API.
   */
  get abortSignal(): AbortSignal {
    return this.#controller.signal
  }
}

/**
 * The signals of one server chain. Delegates share the outermost server's instance, as kube's
 * delegation copies them outwards, so every part of the chain sees the same events.
 * @public
 */
export class LifecycleSignals {
  /** SIGTERM received: readyz goes red, pre-shutdown hooks run. */
  readonly shutdownInitiated = new LifecycleSignal('ShutdownInitiated')
  /** The shutdown delay has elapsed since ShutdownInitiated. */
  readonly afterShutdownDelayDuration = new LifecycleSignal('AfterShutdownDelayDuration')
  /** Every pre-shutdown hook has returned. */
  readonly preShutdownHooksStopped = new LifecycleSignal('PreShutdownHooksStopped')
  /** From now on new requests are refused (503) and long-running requests end. */
  readonly notAcceptingNewRequest = new LifecycleSignal('NotAcceptingNewRequest')
  /** Every non-long-running request in flight has finished. */
  readonly inFlightRequestsDrained = new LifecycleSignal('InFlightRequestsDrained')
  /** The HTTP listener is closed. */
  readonly httpServerStoppedListening = new LifecycleSignal('HTTPServerStoppedListening')
  /** /readyz succeeded for the first time. */
  readonly hasBeenReady = new LifecycleSignal('HasBeenReady')
  /** Every known HTTP path has a handler; the not-found handler may now answer 404. */
  readonly muxAndDiscoveryComplete = new LifecycleSignal('MuxAndDiscoveryComplete')

  /** Looks a signal up by its name, e.g. from configuration or a log line. */
  byName(name: LifecycleSignalName): LifecycleSignal {
    const signal = this.all().find((s) => s.name === name)
    // The union type makes this unreachable unless a caller casts an arbitrary string.
    if (!signal) throw new TypeError(`unknown lifecycle signal ${JSON.stringify(name)}`)
    return signal
  }

  /** Every signal, in the order of lifecycleSignalNames. */
  all(): LifecycleSignal[] {
    const byName: Record<LifecycleSignalName, LifecycleSignal> = {
      ShutdownInitiated: this.shutdownInitiated,
      AfterShutdownDelayDuration: this.afterShutdownDelayDuration,
      PreShutdownHooksStopped: this.preShutdownHooksStopped,
      NotAcceptingNewRequest: this.notAcceptingNewRequest,
      InFlightRequestsDrained: this.inFlightRequestsDrained,
      HTTPServerStoppedListening: this.httpServerStoppedListening,
      HasBeenReady: this.hasBeenReady,
      MuxAndDiscoveryComplete: this.muxAndDiscoveryComplete,
    }
    return lifecycleSignalNames.map((name) => byName[name])
  }
}

/** A fresh set of unsignaled signals for one server chain. */
export function newLifecycleSignals(): LifecycleSignals {
  return new LifecycleSignals()
}
