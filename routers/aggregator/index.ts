/**
 * @module routers/aggregator
 * The aggregator server (kube-aggregator), the front of the chain: it owns /apis, the merged
 * discovery of every server behind it and of the remote APIServices, in kube-aggregator's priority
 * order, legacy or aggregated (apidiscovery.k8s.io/v2) as the client asks; it serves
 * apiregistration.k8s.io APIServices; it proxies the paths of remote APIServices to the API
 * servers users run themselves. Local group-versions go down the chain with next().
 *
 * Controllers, started as post-start hooks: the APIService watcher (the proxy's route table),
 * autoregistration of local APIServices, and the availability controller that probes remote ones.
 * MuxAndDiscoveryComplete waits until every stored APIService has its route.
 */
import type { NextFunction, Request, Response } from 'express'
import * as errors from '../../lib/api/errors.js'
import type { DiscoveryGroupVersion } from '../../lib/endpoints/discovery/documents.js'
import { aggregatedDiscovery, apiGroup, apiGroupList, orderGroups } from '../../lib/endpoints/discovery/documents.js'
import { writeDiscovery } from '../../lib/endpoints/discovery/handlers.js'
import { writeObject } from '../../lib/endpoints/response-writers.js'
import type { RequestInfo } from '../../lib/endpoints/request-info.js'
import type { Store } from '../../lib/registry/store.js'
import type { CompletedConfig } from '../../lib/server/config.js'
import type { DelegationTarget } from '../../lib/server/generic-server.js'
import { GenericServer } from '../../lib/server/generic-server.js'
import { apiservices, isAvailable } from './apiservices.js'
import type { APIServiceView } from './apiservices.js'
import { APIServiceWatcher } from './apiservice-watcher.js'
import { AutoregisterController } from './autoregister.js'
import { AvailabilityController } from './availability-controller.js'
import type { RemoteOpenAPIListener, RemoteResourcesListener } from './availability-controller.js'
import { RemoteProxy, requestUser, writePlainError } from './proxy.js'
import { ServiceResolver } from './service-resolver.js'
import type { ResolvedEndpoint, StoreLookup } from './service-resolver.js'

export { apiservices, automanagedLabel } from './apiservices.js'
export type { StoreLookup } from './service-resolver.js'
export { setAuthProxyHeaders, requestUser } from './proxy.js'
export { desiredAPIService } from './autoregister.js'
export type { RemoteOpenAPIListener, RemoteResourcesListener } from './availability-controller.js'
export type { RemoteOpenAPI } from './remote-openapi.js'

export interface AggregatorOptions {
  /**
   * How the aggregator reads Services, Endpoints and EndpointSlices to resolve spec.service
   * (routers/chain.ts passes the kube server's Stores). Without it every remote APIService is
   * unavailable with reason ServiceAccessError.
   */
  lookupStore?: StoreLookup
  /** How often remote APIServices are probed, in ms (kube: 30 s). */
  probeIntervalMs?: number
  /** Resolves once the servers behind serve every stored group-version (the CRD informer synced). */
  localGroupVersionsSynced?: Promise<void>
}

/**
 * Told when the group-versions served behind the aggregator change (a CRD version became served
 * or stopped being served): the aggregator then adds or removes their automanaged APIServices.
 */
export interface LocalGroupVersionRegistration {
  localGroupVersionsChanged(): Promise<void>
}

export class AggregatorServer extends GenericServer implements LocalGroupVersionRegistration {
  readonly apiservices: Store
  readonly watcher: APIServiceWatcher
  readonly availability: AvailabilityController
  readonly autoregister: AutoregisterController
  private readonly proxies = new Map<string, { key: string; proxy: RemoteProxy }>()
  private readonly resolver: ServiceResolver
  private readonly resolved = new Map<string, { key: string; at: number; target: ResolvedEndpoint }>()

  constructor(config: CompletedConfig, delegate: DelegationTarget, options: AggregatorOptions = {}) {
    super('kube-aggregator', config, delegate)
    const server = this
    this.apiservices = this.installResource(apiservices)
    const resolver = new ServiceResolver(options.lookupStore ?? (() => undefined))
    this.resolver = resolver
    this.watcher = new APIServiceWatcher(this.apiservices, config.logger)
    this.availability = new AvailabilityController({
      store: this.apiservices,
      watcher: this.watcher,
      resolver,
      agentFor: (view) => this.proxyFor(view).agent,
      logger: config.logger,
      intervalMs: options.probeIntervalMs,
    })
    this.autoregister = new AutoregisterController(this.apiservices, () => this.discoveryGroupVersions(), config.logger, options.localGroupVersionsSynced)
    this.watcher.onChange((name, view) => {
      const cached = this.proxies.get(name)
      this.resolved.delete(name)
      if (cached && (!view || cached.key !== proxyKey(view))) {
        cached.proxy.close()
        this.proxies.delete(name)
      }
      // A new or changed APIService is checked at once, not at the next round.
      void this.availability.check(name)
    })

    this.router.get(['/apis', '/apis/'], function apisDiscovery(req: Request, res: Response, next: NextFunction): void {
      const info = res.locals['requestInfo'] as RequestInfo
      if (info.isResourceRequest) return next()
      // The core group is served at /api; /apis lists the named groups only.
      const named = () => server.mergedGroupVersions().filter((gv) => gv.group !== '')
      writeDiscovery(req, res, () => apiGroupList(named()), () => aggregatedDiscovery(named()))
    })
    this.router.use(async function aggregatorProxy(req: Request, res: Response, next: NextFunction): Promise<void> {
      await server.serveAPIServicePath(req, res, next)
    })

    let routed!: () => void
    this.registerMuxAndDiscoveryCompleteSignal('APIServiceRegistrationControllerInitiallyProcessed', new Promise<void>((resolve) => (routed = resolve)))
    this.addPostStartHook('start-kube-aggregator-informers', ({ signal }) => {
      void this.watcher.run(signal)
    })
    this.addPostStartHook('apiservice-registration-controller', async () => {
      await this.watcher.synced
    })
    this.addPostStartHook('kube-apiserver-autoregistration', async () => {
      await this.watcher.synced
      await this.autoregister.sync()
      await this.waitForRoutes()
      routed()
    })
    this.addPostStartHook('apiservice-status-available-controller', ({ signal }) => {
      void this.availability.run(signal)
      // Kept-alive connections to remote servers end with the server.
      signal.addEventListener('abort', () => {
        for (const { proxy } of this.proxies.values()) proxy.close()
        this.proxies.clear()
      }, { once: true })
    })
  }

  /**
   * Follows the resources of remote group-versions as their servers report them, e.g. to put them
   * into the OpenAPI documents (routers/chain.ts does).
   */
  onRemoteResourcesChange(listener: RemoteResourcesListener): void {
    this.availability.onRemoteResourcesChange(listener)
  }

  /**
   * Follows the OpenAPI documents of remote group-versions as their servers publish them in
   * /openapi/v3 (and /openapi/v2), for the aggregator's OpenAPI service (routers/chain.ts).
   */
  onRemoteOpenAPIChange(listener: RemoteOpenAPIListener): void {
    this.availability.onRemoteOpenAPIChange(listener)
  }

  /** LocalGroupVersionRegistration: reconciles automanaged APIServices with what is served now. */
  localGroupVersionsChanged(): Promise<void> {
    return this.autoregister.sync()
  }

  /** Resolves once every APIService in storage is in the route table. */
  private async waitForRoutes(): Promise<void> {
    for (;;) {
      const stored = (await this.apiservices.list({ namespace: '' })).items
      if (stored.every((o) => this.watcher.get(o.metadata.name ?? '') !== undefined)) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  /**
   * The endpoint of a remote APIService, read from storage at most once a second: kube resolves
   * through informer caches, and a read of the Service and a list of EndpointSlices per proxied
   * request would cost more than the proxying itself.
   */
  private async resolveCached(view: APIServiceView): Promise<ResolvedEndpoint> {
    const key = proxyKey(view)
    const cached = this.resolved.get(view.name)
    const now = Date.now()
    if (cached && cached.key === key && now - cached.at < resolveCacheMs) return cached.target
    const target = await this.resolver.resolve(view.service!)
    this.resolved.set(view.name, { key, at: now, target })
    return target
  }

  private proxyFor(view: APIServiceView): RemoteProxy {
    const key = proxyKey(view)
    const cached = this.proxies.get(view.name)
    if (cached && cached.key === key) return cached.proxy
    cached?.proxy.close()
    const proxy = new RemoteProxy(view)
    this.proxies.set(view.name, { key, proxy })
    return proxy
  }

  /**
   * Local group-versions of the chain, then every remote APIService's group-version with its
   * priorities and the resources its server reported (stale when it is unavailable).
   */
  mergedGroupVersions(): DiscoveryGroupVersion[] {
    const views = this.watcher.all()
    const byGV = new Map(views.map((v) => [`${v.group}/${v.version}`, v]))
    const out: DiscoveryGroupVersion[] = []
    for (const gv of this.discoveryGroupVersions()) {
      const view = byGV.get(`${gv.group}/${gv.version}`)
      if (view?.service) continue
      out.push(view ? { ...gv, priority: { group: view.groupPriorityMinimum, version: view.versionPriority } } : gv)
    }
    for (const view of views) {
      if (!view.service) continue
      const entry = this.availability.discovery.get(view.name)
      out.push({
        group: view.group,
        version: view.version,
        resources: entry?.resources ?? [],
        priority: { group: view.groupPriorityMinimum, version: view.versionPriority },
        stale: !entry || entry.stale || !isAvailable(view),
      })
    }
    return out
  }

  /** apiregistration.k8s.io, and the group-versions of remote APIServices (proxied). */
  protected override servesResourceRequest(info: RequestInfo): boolean {
    return super.servesResourceRequest(info) || this.watcher.forGroupVersion(info.apiGroup, info.apiVersion)?.service !== undefined
  }

  /** /apis/<g> of a group with a remote version, and every path under a remote /apis/<g>/<v>. */
  private async serveAPIServicePath(req: Request, res: Response, next: NextFunction): Promise<void> {
    const info = res.locals['requestInfo'] as RequestInfo
    const parts = info.path.split('/').filter(Boolean)
    if (parts[0] !== 'apis' || parts.length < 2) return next()
    const group = parts[1]!
    if (parts.length === 2) {
      // apiGroupHandler: the group's versions from its APIServices, once one of them is remote.
      const versions = this.mergedGroupVersions().filter((gv) => gv.group === group)
      if (!this.watcher.all().some((v) => v.group === group && v.service)) return next()
      if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed()
      const ordered = orderGroups(versions)[0]!
      writeObject(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, ordered.versions) })
      return
    }
    const view = this.watcher.forGroupVersion(group, parts[2]!)
    if (!view?.service) return next()
    // handler_proxy.go: plain-text 503s, not Status objects.
    if (!isAvailable(view)) return writePlainError(res, 503, 'service unavailable')
    let target
    try {
      target = await this.resolveCached(view)
    } catch {
      return writePlainError(res, 503, 'service unavailable')
    }
    await this.proxyFor(view).serve(req, res, target, requestUser(res))
  }
}

const resolveCacheMs = 1000

/** Views are replaced, never changed, when their APIService changes: the key is built once per view. */
const proxyKeys = new WeakMap<APIServiceView, string>()

/** What a proxy and a resolved endpoint depend on: the Service and the TLS settings. */
function proxyKey(view: APIServiceView): string {
  let key = proxyKeys.get(view)
  if (key === undefined) {
    key = JSON.stringify([view.service, view.caBundle?.toString('base64') ?? '', view.insecureSkipTLSVerify])
    proxyKeys.set(view, key)
  }
  return key
}
