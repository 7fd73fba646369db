/**
 * @module routers/aggregator/service-resolver
 * Resolving an APIService's spec.service (namespace, name, port) to a host and port to dial
 * (kube-aggregator pkg/apiserver/resolvers.go and the checks of
 * controllers/status/remote/remote_available_controller.go), reading the Service and its
 * EndpointSlices or Endpoints from the chain's own storage.
 *
 * kube-apiserver dials the Service's ClusterIP unless --enable-aggregator-routing is set; there is
 * no service network here, so routing always goes to an endpoint address, as with that flag. An
 * ExternalName Service resolves to its externalName and the APIService's port.
 *
 * The aggregator never imports the kube server: it gets a StoreLookup (wired in routers/chain.ts)
 * that finds the Stores of services, endpoints and endpointslices wherever they are installed.
 */
import { isStatusError } from '../../lib/api/errors.js'
import type { KubeObject } from '../../lib/api/types.js'
import type { Store } from '../../lib/registry/store.js'
import type { ServiceReference } from './apiservices.js'

/** Finds the Store of a served resource; undefined when nothing serves it. */
export type StoreLookup = (group: string, version: string, resource: string) => Store | undefined

/** Why a Service could not be resolved, with kube's condition reason. */
export class ResolveError extends Error {
  readonly reason: 'ServiceNotFound' | 'ServiceAccessError' | 'ServicePortError' | 'EndpointsNotFound' | 'EndpointsAccessError' | 'MissingEndpoints'
  constructor(reason: ResolveError['reason'], message: string) {
    super(message)
    this.reason = reason
  }
}

export interface ResolvedEndpoint {
  host: string
  port: number
}

type JsonMap = Record<string, unknown>

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function maps(v: unknown): JsonMap[] {
  return Array.isArray(v) ? v.filter(isMap) : []
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

export class ServiceResolver {
  private readonly lookup: StoreLookup
  /** Rotates among ready addresses so that several replicas share the load. */
  private counter = 0

  constructor(lookup: StoreLookup) {
    this.lookup = lookup
  }

  private async getService(ref: ServiceReference): Promise<KubeObject> {
    const services = this.lookup('', 'v1', 'services')
    if (!services) throw new ResolveError('ServiceAccessError', 'services are not served by this server')
    try {
      return await services.get({ namespace: ref.namespace }, ref.name)
    } catch (err) {
      if (isStatusError(err) && err.code === 404) throw new ResolveError('ServiceNotFound', `service/${ref.name} in "${ref.namespace}" is not present`)
      throw new ResolveError('ServiceAccessError', `service/${ref.name} in "${ref.namespace}" cannot be read: ${(err as Error).message}`)
    }
  }

  /** The host and port to dial for ref, or a ResolveError with kube's reason and message. */
  async resolve(ref: ServiceReference): Promise<ResolvedEndpoint> {
    const svc = await this.getService(ref)
    const spec = isMap(svc['spec']) ? svc['spec'] : {}
    if (spec['type'] === 'ExternalName') {
      const host = str(spec['externalName'])
      if (host === '') throw new ResolveError('ServiceAccessError', `service/${ref.name} in "${ref.namespace}" has no externalName`)
      return { host, port: ref.port }
    }
    const svcPort = maps(spec['ports']).find((p) => p['port'] === ref.port)
    if (!svcPort) throw new ResolveError('ServicePortError', `service/${ref.name} in "${ref.namespace}" is not listening on port ${ref.port}`)
    const portName = str(svcPort['name'])
    const candidates = (await this.fromEndpointSlices(ref, portName)) ?? (await this.fromEndpoints(ref, portName))
    if (candidates.length === 0) {
      throw new ResolveError('MissingEndpoints', `endpoints for service/${ref.name} in "${ref.namespace}" have no addresses with port name "${portName}"`)
    }
    return candidates[this.counter++ % candidates.length]!
  }

  /** Ready addresses of the Service's EndpointSlices; undefined when it has no slices at all. */
  private async fromEndpointSlices(ref: ServiceReference, portName: string): Promise<ResolvedEndpoint[] | undefined> {
    const slices = this.lookup('discovery.k8s.io', 'v1', 'endpointslices')
    if (!slices) return undefined
    let items: KubeObject[]
    try {
      items = (await slices.list({ namespace: ref.namespace })).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === ref.name)
    } catch (err) {
      throw new ResolveError('EndpointsAccessError', `failed to list endpointslices for service/${ref.name} in "${ref.namespace}": ${(err as Error).message}`)
    }
    if (items.length === 0) return undefined
    const out: ResolvedEndpoint[] = []
    for (const slice of items) {
      const port = maps(slice['ports']).find((p) => str(p['name']) === portName)
      if (!port || typeof port['port'] !== 'number') continue
      for (const ep of maps(slice['endpoints'])) {
        const ready = isMap(ep['conditions']) ? ep['conditions']['ready'] : undefined
        if (ready === false) continue
        for (const address of Array.isArray(ep['addresses']) ? ep['addresses'] : []) {
          if (typeof address === 'string' && address !== '') out.push({ host: address, port: port['port'] })
        }
      }
    }
    return out
  }

  private async fromEndpoints(ref: ServiceReference, portName: string): Promise<ResolvedEndpoint[]> {
    const endpoints = this.lookup('', 'v1', 'endpoints')
    if (!endpoints) throw new ResolveError('EndpointsNotFound', `cannot find endpoints for service/${ref.name} in "${ref.namespace}"`)
    let ep: KubeObject
    try {
      ep = await endpoints.get({ namespace: ref.namespace }, ref.name)
    } catch (err) {
      if (isStatusError(err) && err.code === 404) throw new ResolveError('EndpointsNotFound', `cannot find endpoints for service/${ref.name} in "${ref.namespace}"`)
      throw new ResolveError('EndpointsAccessError', `service/${ref.name} in "${ref.namespace}" cannot be read: ${(err as Error).message}`)
    }
    const out: ResolvedEndpoint[] = []
    for (const subset of maps(ep['subsets'])) {
      const port = maps(subset['ports']).find((p) => str(p['name']) === portName)
      if (!port || typeof port['port'] !== 'number') continue
      for (const address of maps(subset['addresses'])) {
        const ip = str(address['ip'])
        if (ip !== '') out.push({ host: ip, port: port['port'] })
      }
    }
    return out
  }
}
