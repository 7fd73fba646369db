/**
 * @module lib/server/generic-server
 * GenericServer and DelegationTarget (k8s.io/apiserver pkg/server/genericapiserver.go): one API
 * server of the chain. Its `router` serves what it owns and calls next() for the rest, which is
 * its NextDelegate; hooks, health checks and mux-complete signals are collected along the chain
 * so the outermost server reports and waits for all of them.
 */
import express from 'express'
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express'
import * as errors from '../api/errors.js'
import type { DiscoveryGroupVersion } from '../endpoints/discovery/documents.js'
import { apiGroup, apiResourceList, orderGroups } from '../endpoints/discovery/documents.js'
import { writeObject } from '../endpoints/response-writers.js'
import { ResourceMux } from '../endpoints/installer.js'
import type { RequestInfo } from '../endpoints/request-info.js'
import type { ResourceDefinition } from '../registry/resource.js'
import { Store } from '../registry/store.js'
import type { CompletedConfig } from './config.js'
import type { HealthChecker } from './healthz.js'
import { PostStartHook } from './hooks.js'
import type { PostStartHookFunc } from './hooks.js'

/** What a server exposes to the server in front of it. */
export interface DelegationTarget {
  readonly name: string
  /** The server's own routes; what they do not serve reaches the end of the router. */
  readonly router: Router
  /**
   * The router followed by the NextDelegate's handler: what this server does not serve goes on
   * to the next server. The outermost server's handler is the whole chain (after the filters).
   */
  readonly handler: RequestHandler
  nextDelegate(): DelegationTarget | undefined
  postStartHooks(): PostStartHook[]
  healthChecks(): HealthChecker[]
  muxAndDiscoveryCompleteSignals(): Map<string, Promise<void>>
  /** The group-versions this server serves, for the aggregator's merged discovery. */
  discoveryGroupVersions(): DiscoveryGroupVersion[]
  prepareRun(): void
}

/** The end of the chain (NewEmptyDelegateWithCustomHandler): owns nothing but its handler. */
export function emptyDelegate(name: string, handler: Router): DelegationTarget {
  return {
    name,
    router: handler,
    handler,
    nextDelegate: () => undefined,
    postStartHooks: () => [],
    healthChecks: () => [],
    muxAndDiscoveryCompleteSignals: () => new Map(),
    discoveryGroupVersions: () => [],
    prepareRun: () => {},
  }
}

export class GenericServer implements DelegationTarget {
  readonly name: string
  readonly router: Router
  readonly handler: RequestHandler
  readonly config: CompletedConfig
  /** Resources served by this server, looked up by group/version/resource. */
  readonly mux: ResourceMux
  private readonly delegate: DelegationTarget
  private readonly hooks = new Map<string, PostStartHook>()
  private readonly checks: HealthChecker[] = []
  private readonly muxSignals = new Map<string, Promise<void>>()
  /** Group-versions whose discovery this server answers itself (/apis/<g>/<v>, /api/v1). */
  private readonly extraGroupVersions: (() => DiscoveryGroupVersion[])[] = []

  constructor(name: string, config: CompletedConfig, delegate: DelegationTarget) {
    this.name = name
    this.config = config
    this.delegate = delegate
    this.mux = new ResourceMux({ watch: config.watch, strategicMergePatch: config.strategicMergePatch, applyTypes: config.applyTypes })
    this.router = express.Router()
    // Resource requests of owned group-versions; everything else falls through to the next routes
    // the concrete server adds, and finally to next(), the delegate.
    const mux = this.mux
    const server = this
    this.router.use(async function resourceHandler(req: Request, res: Response, next: NextFunction): Promise<void> {
      const info = res.locals['requestInfo'] as RequestInfo
      if (!info.isResourceRequest && server.serveDiscovery(info, req, res)) return
      await mux.serve(info, req, res, next)
    })
    // A resource request for a group-version this server does not serve skips its router and goes
    // straight to the delegate (kube's director hands such paths to its NotFoundHandler). Walking
    // the router's layers only to fall off its end would cost every request for the servers
    // behind this one a pass over each layer and a turn of the event loop (router 2 finishes an
    // exhausted stack with setImmediate).
    this.handler = function serverHandler(req: Request, res: Response, next: NextFunction): void {
      const info = res.locals['requestInfo'] as RequestInfo | undefined
      if (info?.isResourceRequest && !server.servesResourceRequest(info)) {
        void delegate.handler(req, res, next)
        return
      }
      server.router(req, res, function toDelegate(err?: unknown): void {
        if (err !== undefined && err !== null && err !== 'router') return next(err)
        // Called from the router's setImmediate: nothing above would catch a throw here.
        try {
          void delegate.handler(req, res, next)
        } catch (thrown) {
          next(thrown)
        }
      })
    }
  }

  /**
   * Whether a resource request may be served by this server's router: its installed group-versions.
   * A server with routes for other resource paths (the aggregator's remote APIServices) extends it.
   */
  protected servesResourceRequest(info: RequestInfo): boolean {
    return this.mux.ownsGroupVersion(info.apiGroup, info.apiVersion)
  }

  nextDelegate(): DelegationTarget {
    return this.delegate
  }

  /** Installs a resource: its Store on the configured storage, with the server's admission. */
  installResource(def: ResourceDefinition): Store {
    const store = new Store(def, this.config.storage(), this.config.admission)
    this.mux.add(def, store)
    return store
  }

  uninstallGroupVersion(group: string, version: string): void {
    this.mux.remove(group, version)
  }

  addPostStartHook(name: string, fn: PostStartHookFunc): void {
    if (this.hooks.has(name)) throw new Error(`unable to add ${JSON.stringify(name)} because it was already registered`)
    this.hooks.set(name, new PostStartHook(name, fn))
  }

  addHealthCheck(check: HealthChecker): void {
    this.checks.push(check)
  }

  /** A named promise the outermost server waits for before MuxAndDiscoveryComplete. */
  registerMuxAndDiscoveryCompleteSignal(name: string, signal: Promise<void>): void {
    if (this.muxSignals.has(name)) throw new Error(`${JSON.stringify(name)} already registered`)
    this.muxSignals.set(name, signal)
  }

  /** Lets a server report group-versions that are not plain installed resources. */
  addDiscoverySource(source: () => DiscoveryGroupVersion[]): void {
    this.extraGroupVersions.push(source)
  }

  postStartHooks(): PostStartHook[] {
    return [...this.delegate.postStartHooks(), ...this.hooks.values()]
  }

  healthChecks(): HealthChecker[] {
    return [...this.delegate.healthChecks(), ...this.checks, ...[...this.hooks.values()].map((h) => h.healthCheck())]
  }

  muxAndDiscoveryCompleteSignals(): Map<string, Promise<void>> {
    return new Map([...this.delegate.muxAndDiscoveryCompleteSignals(), ...this.muxSignals])
  }

  /** This server's own group-versions (installed resources plus extra sources). */
  ownGroupVersions(): DiscoveryGroupVersion[] {
    const byGV = new Map<string, DiscoveryGroupVersion>()
    for (const { def } of this.mux.all()) {
      const key = `${def.group}/${def.version}`
      const gv = byGV.get(key) ?? { group: def.group, version: def.version, resources: [] }
      gv.resources.push(def)
      byGV.set(key, gv)
    }
    return [...byGV.values(), ...this.extraGroupVersions.flatMap((s) => s())]
  }

  discoveryGroupVersions(): DiscoveryGroupVersion[] {
    return [...this.ownGroupVersions(), ...this.delegate.discoveryGroupVersions()]
  }

  prepareRun(): void {
    this.delegate.prepareRun()
  }

  /**
   * /apis/<g>, /apis/<g>/<v> and /api/<v> for this server's own group-versions (the group and
   * version WebServices of go-restful). Returns false when the path is not one of them.
   */
  private serveDiscovery(info: RequestInfo, req: Request, res: Response): boolean {
    const parts = info.path.split('/').filter(Boolean)
    if (parts[0] !== 'apis' && parts[0] !== 'api') return false
    const own = this.ownGroupVersions()
    let write: (() => void) | undefined
    if (parts[0] === 'api' && parts.length === 2) {
      const gv = own.find((g) => g.group === '' && g.version === parts[1])
      if (gv) write = () => writeObject(res, 200, apiResourceList(gv))
    } else if (parts[0] === 'apis' && parts.length === 3) {
      const gv = own.find((g) => g.group === parts[1] && g.version === parts[2])
      if (gv) write = () => writeObject(res, 200, apiResourceList(gv))
    } else if (parts[0] === 'apis' && parts.length === 2) {
      const group = orderGroups(own.filter((g) => g.group === parts[1]))[0]
      if (group) write = () => writeObject(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group.name, group.versions) })
    }
    if (!write) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed()
    write()
    return true
  }
}
