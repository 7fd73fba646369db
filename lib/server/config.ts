/**
 * @module lib/server/config
 * Server configuration in kube's two steps: a Config with everything optional, then complete()
 * filling defaults into a CompletedConfig, the only thing servers are built from. Bad values fail
 * here, at start-up, with a clear message.
 */
import type { RequestHandler } from 'express'
import pino from 'pino'
import type { Logger } from 'pino'
import type { ApplyTypeResolver } from '../endpoints/fieldmanager/schema-type.js'
import type { StrategicMergePatcher } from '../endpoints/handlers/patch.js'
import type { WatchServing } from '../endpoints/handlers/watch.js'
import type { AdmissionPlugin } from '../registry/admission.js'
import type { StorageFactory } from '../storage/interface.js'
import { memoryStorageFactory } from '../storage/memory/memory-storage.js'
import type { LifecycleSignals } from './lifecycle.js'
import { newLifecycleSignals } from './lifecycle.js'
import type { VersionInfo } from './version.js'
import { defaultVersionInfo } from './version.js'

export interface Config {
  /** Storage for every resource; memory by default (one shared revision counter). */
  storage?: StorageFactory
  logger?: Logger
  /** Non-long-running requests that take longer get a 504 (kube: --request-timeout, 60 s). */
  requestTimeoutMs?: number
  /** Watches without timeoutSeconds end after [min, 2*min) seconds (kube: --min-request-timeout, 1800). */
  minRequestTimeoutSeconds?: number
  maxRequestsInFlight?: number
  maxMutatingRequestsInFlight?: number
  /** Larger request bodies get a 413 (kube: 3 MiB). */
  maxRequestBodyBytes?: number
  /** Time between ShutdownInitiated and closing the listener (kube: --shutdown-delay-duration, 0). */
  shutdownDelayMs?: number
  /** How long shutdown waits for in-flight requests; defaults to the request timeout. */
  shutdownTimeoutMs?: number
  /** How often an idle watch that asked for bookmarks gets one. */
  bookmarkIntervalMs?: number
  /** Filter slots, run in this order after the generic filters (authentication lands here later). */
  authentication?: RequestHandler
  authorization?: RequestHandler
  admission?: AdmissionPlugin[]
  strategicMergePatch?: StrategicMergePatcher
  /** Server-side apply's list and map types of built-in kinds (custom resources bring their schema). */
  applyTypes?: ApplyTypeResolver
  version?: Partial<VersionInfo>
}

export interface CompletedConfig {
  readonly storage: StorageFactory
  readonly logger: Logger
  readonly requestTimeoutMs: number
  readonly minRequestTimeoutSeconds: number
  readonly maxRequestsInFlight: number
  readonly maxMutatingRequestsInFlight: number
  readonly maxRequestBodyBytes: number
  readonly shutdownDelayMs: number
  readonly shutdownTimeoutMs: number
  readonly authentication?: RequestHandler
  readonly authorization?: RequestHandler
  readonly admission: AdmissionPlugin[]
  readonly strategicMergePatch?: StrategicMergePatcher
  readonly applyTypes?: ApplyTypeResolver
  readonly version: VersionInfo
  readonly lifecycle: LifecycleSignals
  /** Aborted at NotAcceptingNewRequest: watches and controllers end. */
  readonly shutdownController: AbortController
  readonly watch: WatchServing
  readonly completed: true
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value ?? fallback
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new TypeError(`invalid configuration: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`)
  }
  return v
}

export function complete(config: Config = {}): CompletedConfig {
  const requestTimeoutMs = positive('requestTimeoutMs', config.requestTimeoutMs, 60_000)
  const minRequestTimeoutSeconds = positive('minRequestTimeoutSeconds', config.minRequestTimeoutSeconds, 1800)
  const shutdownController = new AbortController()
  const lifecycle = newLifecycleSignals()
  return {
    storage: config.storage ?? memoryStorageFactory(),
    logger: config.logger ?? pino({ level: 'silent' }),
    requestTimeoutMs,
    minRequestTimeoutSeconds,
    maxRequestsInFlight: positive('maxRequestsInFlight', config.maxRequestsInFlight, 400),
    maxMutatingRequestsInFlight: positive('maxMutatingRequestsInFlight', config.maxMutatingRequestsInFlight, 200),
    maxRequestBodyBytes: positive('maxRequestBodyBytes', config.maxRequestBodyBytes, 3 * 1024 * 1024),
    shutdownDelayMs: positive('shutdownDelayMs', config.shutdownDelayMs, 0, true),
    shutdownTimeoutMs: positive('shutdownTimeoutMs', config.shutdownTimeoutMs, requestTimeoutMs),
    authentication: config.authentication,
    authorization: config.authorization,
    admission: [...(config.admission ?? [])],
    strategicMergePatch: config.strategicMergePatch,
    applyTypes: config.applyTypes,
    version: { ...defaultVersionInfo(), ...config.version },
    lifecycle,
    shutdownController,
    watch: {
      minRequestTimeoutSeconds,
      bookmarkIntervalMs: positive('bookmarkIntervalMs', config.bookmarkIntervalMs, 60_000),
      // Watches end when the server stops accepting requests, before in-flight requests drain.
      shutdownSignal: lifecycle.notAcceptingNewRequest.abortSignal,
    },
    completed: true,
  }
}
