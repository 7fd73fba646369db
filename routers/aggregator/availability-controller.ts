/**
 * @module routers/aggregator/availability-controller
 * The APIService availability controllers (kube-aggregator pkg/controllers/status/local and
 * .../remote/remote_available_controller.go): local APIServices are Available with reason Local;
 * a remote one is probed with GET /apis/<g>/<v> on its resolved endpoint (5 s timeout, 2xx
 * wanted) and gets Passed, or the reason of the first failed check (ServiceNotFound,
 * ServicePortError, EndpointsNotFound, MissingEndpoints, FailedDiscoveryCheck, ...). The status is
 * written only when the condition changed, with lastTransitionTime moving only when the status
 * did. A successful probe also refreshes the remote group-version's discovery and its OpenAPI
 * documents (fetched again only when the remote /openapi/v3 index names a new hash).
 */
import type { Agent } from 'node:https'
import * as errors from '../../lib/api/errors.js'
import type { Logger } from 'pino'
import type { ResourceDefinition } from '../../lib/registry/resource.js'
import type { Store } from '../../lib/registry/store.js'
import type { APIServiceCondition, APIServiceView } from './apiservices.js'
import { apiregistrationGroup, availableCondition } from './apiservices.js'
import type { APIServiceWatcher } from './apiservice-watcher.js'
import { fetchRemoteResources, remoteGet } from './remote-discovery.js'
import { fetchRemoteOpenAPI } from './remote-openapi.js'
import type { RemoteOpenAPI } from './remote-openapi.js'
import { ResolveError } from './service-resolver.js'
import type { ServiceResolver } from './service-resolver.js'

/** Kube's remote controller requeues every 30 s; tests set it lower. */
export const defaultProbeIntervalMs = 30_000

/** What discovery knows of a remote group-version: its resources, stale when the last probe failed. */
export interface RemoteDiscoveryEntry {
  resources: ResourceDefinition[]
  stale: boolean
}

export type RemoteResourcesListener = (group: string, version: string, resources: ResourceDefinition[] | undefined) => void

/** Told when a remote group-version's OpenAPI documents change, or go away (undefined). */
export type RemoteOpenAPIListener = (group: string, version: string, documents: RemoteOpenAPI | undefined) => void

export interface AvailabilityControllerOptions {
  store: Store
  watcher: APIServiceWatcher
  resolver: ServiceResolver
  /** The keep-alive agent carrying the APIService's TLS settings (shared with its proxy). */
  agentFor(view: APIServiceView): Agent
  logger: Logger
  intervalMs?: number
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export class AvailabilityController {
  private readonly opts: AvailabilityControllerOptions
  private interval: number
  private wakeUp: (() => void) | undefined
  private readonly inFlight = new Map<string, Promise<void>>()
  /** Discovery of remote group-versions, by APIService name. */
  readonly discovery = new Map<string, RemoteDiscoveryEntry>()
  private readonly listeners: RemoteResourcesListener[] = []
  /** The OpenAPI of remote group-versions, by APIService name. */
  readonly openapi = new Map<string, RemoteOpenAPI>()
  private readonly openapiListeners: RemoteOpenAPIListener[] = []

  onRemoteOpenAPIChange(listener: RemoteOpenAPIListener): void {
    this.openapiListeners.push(listener)
  }

  private setOpenAPI(view: Pick<APIServiceView, 'name' | 'group' | 'version'>, documents: RemoteOpenAPI | undefined): void {
    const before = this.openapi.get(view.name)
    if (before === documents) return
    if (documents) this.openapi.set(view.name, documents)
    else this.openapi.delete(view.name)
    for (const l of this.openapiListeners) l(view.group, view.version, documents)
  }

  /** Told when a remote group-version's resources change or go away (undefined). */
  onRemoteResourcesChange(listener: RemoteResourcesListener): void {
    this.listeners.push(listener)
  }

  private setResources(view: APIServiceView, resources: ResourceDefinition[] | undefined): void {
    const before = this.discovery.get(view.name)
    if (resources === undefined) {
      if (!before) return
      this.discovery.delete(view.name)
    } else {
      this.discovery.set(view.name, { resources, stale: false })
      if (before && JSON.stringify(before.resources) === JSON.stringify(resources)) return
    }
    for (const l of this.listeners) l(view.group, view.version, resources)
  }

  constructor(opts: AvailabilityControllerOptions) {
    this.opts = opts
    this.interval = opts.intervalMs ?? defaultProbeIntervalMs
  }

  get intervalMs(): number {
    return this.interval
  }

  /** Changes the probe interval; the next round starts at once. */
  set intervalMs(ms: number) {
    if (!Number.isFinite(ms) || ms <= 0) throw new TypeError(`probe interval must be a positive number of milliseconds, got ${ms}`)
    this.interval = ms
    this.wake()
  }

  /** Starts a round now (an APIService changed). */
  wake(): void {
    this.wakeUp?.()
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await Promise.all(this.opts.watcher.all().map((v) => this.check(v.name)))
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.interval)
        function done(): void {
          clearTimeout(timer)
          signal.removeEventListener('abort', done)
          resolve()
        }
        this.wakeUp = done
        signal.addEventListener('abort', done, { once: true })
      })
      this.wakeUp = undefined
    }
  }

  /** Checks one APIService (one check per name at a time) and writes its condition if it changed. */
  check(name: string): Promise<void> {
    const running = this.inFlight.get(name)
    if (running) return running
    const p = this.checkOnce(name)
      .catch((err: unknown) => this.opts.logger.warn({ err, apiservice: name }, 'APIService availability check failed'))
      .finally(() => this.inFlight.delete(name))
    this.inFlight.set(name, p)
    return p
  }

  private async checkOnce(name: string): Promise<void> {
    const view = this.opts.watcher.get(name)
    if (!view) {
      const [version = '', ...rest] = name.split('.')
      this.setResources({ name, group: rest.join('.'), version } as APIServiceView, undefined)
      this.setOpenAPI({ name, group: rest.join('.'), version }, undefined)
      return
    }
    if (!view.service) {
      this.setResources(view, undefined)
      this.setOpenAPI(view, undefined)
    }
    const condition = await this.probe(view)
    if (condition.status !== 'True' || !view.service) {
      const entry = this.discovery.get(name)
      if (entry) entry.stale = true
    }
    await this.writeCondition(view, condition)
  }

  private async probe(view: APIServiceView): Promise<APIServiceCondition> {
    if (!view.service) return { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' }
    let target
    try {
      target = await this.opts.resolver.resolve(view.service)
    } catch (err) {
      if (err instanceof ResolveError) return { type: 'Available', status: 'False', reason: err.reason, message: err.message }
      throw err
    }
    const path = view.group === '' ? `/api/${view.version}` : `/apis/${view.group}/${view.version}`
    const url = `https://${target.host}:${target.port}${path}`
    const agent = this.opts.agentFor(view)
    let body: string
    try {
      const res = await remoteGet(agent, target, path)
      if (res.status < 200 || res.status >= 300) {
        return { type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: bad status from ${url}: ${res.status}` }
      }
      body = res.body
    } catch (err) {
      return { type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: Get "${url}": ${(err as Error).message}` }
    }
    try {
      const resources = await fetchRemoteResources(agent, target, view.group, view.version, body)
      this.setResources(view, resources)
    } catch (err) {
      this.opts.logger.warn({ err, apiservice: view.name }, 'remote discovery unreadable')
      const entry = this.discovery.get(view.name)
      if (entry) entry.stale = true
    }
    // Refreshed with every passing probe; an unavailable server keeps its last documents, as its
    // group stays in discovery, until the APIService goes away.
    try {
      this.setOpenAPI(view, await fetchRemoteOpenAPI(agent, target, view.group, view.version, this.openapi.get(view.name)))
    } catch (err) {
      this.opts.logger.warn({ err, apiservice: view.name }, 'remote OpenAPI unreadable')
    }
    return { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }
  }

  private async writeCondition(view: APIServiceView, condition: APIServiceCondition): Promise<void> {
    const current = availableCondition(view)
    if (current && current.status === condition.status && current.reason === condition.reason && current.message === condition.message) return
    await this.opts.store.update(
      { namespace: '' },
      view.name,
      (obj) => {
        if (!obj) throw errors.notFound({ group: apiregistrationGroup, resource: 'apiservices' }, view.name)
        const status = (typeof obj['status'] === 'object' && obj['status'] !== null ? obj['status'] : {}) as Record<string, unknown>
        const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as APIServiceCondition[]
        const old = conditions.find((c) => c.type === 'Available')
        const next: APIServiceCondition = {
          type: 'Available',
          status: condition.status,
          lastTransitionTime: old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now(),
          reason: condition.reason,
          message: condition.message,
        }
        return { ...obj, status: { ...status, conditions: [...conditions.filter((c) => c.type !== 'Available'), next] } }
      },
      { subresource: 'status' },
    )
  }
}
