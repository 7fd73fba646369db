/**
 * @module lib/endpoints/installer
 * APIInstaller in Express terms: a map from group/version/resource to the resource's declaration
 * and Store, and one dispatcher that picks the verb handler with a single lookup on the parsed
 * RequestInfo. Group-versions can be added and removed at run time (CRDs); a request for a
 * group-version this mux does not own falls through with next(), its NextDelegate.
 */
import type { NextFunction, Request, Response } from 'express'
import * as errors from '../api/errors.js'
import type { ResourceDefinition, Verb } from '../registry/resource.js'
import { allVerbs } from '../registry/resource.js'
import type { Store } from '../registry/store.js'
import type { RequestInfo } from './request-info.js'
import { createResource } from './handlers/create.js'
import { deleteCollection, deleteResource } from './handlers/delete.js'
import { getResource } from './handlers/get.js'
import { listResource } from './handlers/list.js'
import { patchResource } from './handlers/patch.js'
import type { StrategicMergePatcher } from './handlers/patch.js'
import type { ApplyTypeResolver } from './fieldmanager/schema-type.js'
import { getScale, patchScale, updateScale } from './handlers/scale.js'
import { updateResource } from './handlers/update.js'
import type { WatchServing } from './handlers/watch.js'
import { requestQuery } from './scope.js'
import type { RequestScope } from './scope.js'

export interface InstalledResource {
  def: ResourceDefinition
  store: Store
}

export interface InstallerOptions {
  watch: WatchServing
  strategicMergePatch?: StrategicMergePatcher
  /** Server-side apply's types of built-in kinds, put on every RequestScope. */
  applyTypes?: ApplyTypeResolver
}

function gvKey(group: string, version: string): string {
  return `${group}/${version}`
}

/** Verbs a subresource serves: status and finalize are read and written, never listed. */
const subresourceVerbs: Record<string, readonly Verb[]> = {
  status: ['get', 'patch', 'update'],
  finalize: ['update'],
  scale: ['get', 'patch', 'update'],
  // POST pods/<name>/binding; served only by a declaration's own handler (see ResourceHandlers).
  binding: ['create'],
}

/** Serves one request; `next` runs the generic handler the installer would have used. */
export type ResourceHandler = (scope: RequestScope, req: Request, res: Response, next: () => Promise<void>) => Promise<void>

/**
 * What a declaration may add beyond ResourceDefinition for verbs the generic handlers cannot
 * serve: keys are a verb ("create") or "<subresource>/<verb>" ("binding/create"). Kept here, not
 * in the registry types, because only the installer reads it (Pod binding, the Service allocator
 * syncing before writes).
 */
export interface ResourceHandlers {
  handlers?: Readonly<Record<string, ResourceHandler>>
}

/** Told about every resource that is added or removed, so OpenAPI and discovery follow at run time. */
export type ResourceMuxListener = (event: 'add' | 'remove', def: ResourceDefinition) => void

export class ResourceMux {
  private readonly resources = new Map<string, Map<string, InstalledResource>>()
  private readonly options: InstallerOptions
  private readonly listeners: ResourceMuxListener[] = []

  onChange(listener: ResourceMuxListener): void {
    this.listeners.push(listener)
  }

  constructor(options: InstallerOptions) {
    this.options = options
  }

  add(def: ResourceDefinition, store: Store): void {
    const key = gvKey(def.group, def.version)
    let gv = this.resources.get(key)
    if (!gv) {
      gv = new Map()
      this.resources.set(key, gv)
    }
    gv.set(def.resource, { def, store })
    for (const l of this.listeners) l('add', def)
  }

  remove(group: string, version: string, resource?: string): void {
    const key = gvKey(group, version)
    const gv = this.resources.get(key)
    if (!gv) return
    const removed = [...gv.values()].filter((r) => resource === undefined || r.def.resource === resource)
    for (const r of removed) gv.delete(r.def.resource)
    if (gv.size === 0) this.resources.delete(key)
    for (const r of removed) for (const l of this.listeners) l('remove', r.def)
  }

  ownsGroupVersion(group: string, version: string): boolean {
    return this.resources.has(gvKey(group, version))
  }

  lookup(group: string, version: string, resource: string): InstalledResource | undefined {
    return this.resources.get(gvKey(group, version))?.get(resource)
  }

  /** Every installed resource, e.g. for the namespace controller's cleanup. */
  all(): InstalledResource[] {
    return [...this.resources.values()].flatMap((gv) => [...gv.values()])
  }

  groupVersionResources(group: string, version: string): InstalledResource[] {
    return [...(this.resources.get(gvKey(group, version))?.values() ?? [])]
  }

  /**
   * Serves a resource request of an owned group-version; anything else goes to next(). Unknown
   * resources inside an owned group-version are go-restful's 404 with empty details.
   */
  async serve(info: RequestInfo, req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!info.isResourceRequest || !this.ownsGroupVersion(info.apiGroup, info.apiVersion)) {
      next()
      return
    }
    const entry = this.lookup(info.apiGroup, info.apiVersion, info.resource)
    if (!entry) throw errors.genericNotFound(true)
    const { def } = entry
    if (info.subresource && !(def.subresources ?? []).includes(info.subresource)) throw errors.genericNotFound(true)
    // Routes exist only where the scope fits: namespaced objects need a namespace except for
    // list and watch across all namespaces; cluster-scoped objects never have one. (A list's name
    // can only come from a metadata.name field selector: a path with a name parses as get.)
    if (def.namespaced && !info.namespace && !(info.verb === 'list' || info.verb === 'watch')) {
      throw errors.genericNotFound(true)
    }
    // /api/v1/namespaces/{name} parses with namespace = name; that is the Namespace itself.
    if (!def.namespaced && info.namespace && !(def.group === '' && def.resource === 'namespaces')) throw errors.genericNotFound(true)
    const verbs = info.subresource ? (subresourceVerbs[info.subresource] ?? []) : (def.verbs ?? allVerbs)
    if (!verbs.includes(info.verb as Verb)) throw errors.methodNotAllowed()
    const scope: RequestScope = {
      def,
      store: entry.store,
      info,
      query: requestQuery(req, res),
      ctx: { namespace: def.namespaced ? info.namespace : '' },
      applyTypes: this.options.applyTypes,
    }
    const own = (def as ResourceDefinition & ResourceHandlers).handlers?.[info.subresource ? `${info.subresource}/${info.verb}` : info.verb]
    if (own) return own(scope, req, res, () => this.serveGeneric(scope, req, res))
    return this.serveGeneric(scope, req, res)
  }

  private async serveGeneric(scope: RequestScope, req: Request, res: Response): Promise<void> {
    const { def, info } = scope
    if (info.subresource === 'scale') {
      // Scale is its own kind (autoscaling/v1) read from and written to the declared replica paths.
      if (!def.scale) throw errors.genericNotFound(true)
      if (info.verb === 'get') return getScale(scope, req, res)
      if (info.verb === 'update') return updateScale(scope, req, res)
      return patchScale(scope, req, res)
    }
    switch (info.verb) {
      case 'get':
        return getResource(scope, req, res)
      case 'list':
      case 'watch':
        return listResource(scope, req, res, this.options.watch)
      case 'create':
        if (info.name) throw errors.methodNotAllowed()
        return createResource(scope, req, res)
      case 'update':
        return updateResource(scope, req, res)
      case 'patch':
        return patchResource(scope, req, res, this.options.strategicMergePatch)
      case 'delete':
        return deleteResource(scope, req, res)
      case 'deletecollection':
        return deleteCollection(scope, req, res)
      default:
        throw errors.methodNotAllowed()
    }
  }
}
