/**
 * @module lib/server/run
 * Listening and graceful shutdown, in kube-apiserver's order (genericapiserver.go RunWithContext):
 * ShutdownInitiated (readyz red) → shutdown delay → AfterShutdownDelayDuration →
 * NotAcceptingNewRequest (listener closed, watches end, late requests 503) → in-flight requests
 * drained (bounded) → InFlightRequestsDrained → connections closed → HTTPServerStoppedListening.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Application } from 'express'
import type { Logger } from 'pino'
import type { InFlightTracker } from '../filters/wait-group.js'
import type { LifecycleSignals } from './lifecycle.js'

export interface RunOptions {
  port?: number
  host?: string
  /** Aborting it starts the graceful shutdown (the CLI wires SIGINT and SIGTERM). */
  signal?: AbortSignal
}

export interface RunningServer {
  /** The base URL clients use, e.g. http://127.0.0.1:6443. */
  url: string
  port: number
  host: string
  server: Server
  /** Resolves when the shutdown sequence has finished. */
  stopped: Promise<void>
}

export interface RunDeps {
  app: Application
  lifecycle: LifecycleSignals
  tracker: InFlightTracker
  logger: Logger
  shutdownDelayMs: number
  shutdownTimeoutMs: number
  /** Starts hooks and controllers once listening; returns their stop function. */
  start: () => Promise<() => Promise<void>>
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export async function runServer(deps: RunDeps, opts: RunOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1'
  const server = createServer(deps.app)
  // Watches and slow clients must not be cut by Node's defaults; the filters own timeouts.
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 6443, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${urlHost}:${address.port}`
  const stopHooks = await deps.start()
  const { lifecycle, tracker, logger } = deps

  const stopped = new Promise<void>((resolve) => {
    const shutdown = async (): Promise<void> => {
      lifecycle.shutdownInitiated.signal()
      logger.info('shutdown initiated')
      if (deps.shutdownDelayMs > 0) await delay(deps.shutdownDelayMs)
      lifecycle.afterShutdownDelayDuration.signal()
      lifecycle.preShutdownHooksStopped.signal()
      lifecycle.notAcceptingNewRequest.signal()
      tracker.stopAccepting()
      const closed = new Promise<void>((r) => server.close(() => r()))
      server.closeIdleConnections()
      const drained = await tracker.wait(deps.shutdownTimeoutMs)
      if (!drained) logger.warn({ inFlight: tracker.count }, 'shutdown timeout: requests still in flight')
      lifecycle.inFlightRequestsDrained.signal()
      await tracker.waitLongRunning(1000)
      await stopHooks()
      server.closeAllConnections()
      await closed
      lifecycle.httpServerStoppedListening.signal()
      logger.info('stopped listening')
      resolve()
    }
    if (opts.signal?.aborted) void shutdown()
    else opts.signal?.addEventListener('abort', () => void shutdown(), { once: true })
  })
  return { url, port: address.port, host: address.address, server, stopped }
}
