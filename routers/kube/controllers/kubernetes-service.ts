/**
 * @module routers/kube/controllers/kubernetes-service
 * The "kubernetes" Service of the default namespace and its endpoints, as kube-apiserver's
 * bootstrap controller and endpoint reconciler publish them (pkg/controlplane/controller/
 * kubernetesservice, pkg/controlplane/reconcilers): ClusterIP is the first address of the service
 * range, port "https" 443 targets the server's 6443, and the Endpoints and EndpointSlice (both named
 * "kubernetes") list the server's address. That address cannot be 127.0.0.1: endpoint validation
 * refuses loopback addresses, so without --advertise-address kube picks the host's interface
 * address (ChooseHostInterface), and so does this module; a host with no such address gets the
 * Service without endpoints. Objects that exist already (made by another process
 * sharing the storage, or kept from an earlier run) are left as they are.
 */
import { networkInterfaces } from 'node:os'
import type { Logger } from 'pino'
import { isStatusError } from '../../../lib/api/errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { Store } from '../../../lib/registry/store.js'

export const kubernetesServiceName = 'kubernetes'
/** kube-apiserver's --secure-port default, the target port of the Service. */
export const defaultSecurePort = 6443

export interface KubernetesServiceDeps {
  services: Store
  endpoints: Store
  endpointslices: Store
  /** The first usable address of the service range. */
  clusterIP: string
  /** The address in the endpoints (--advertise-address); none: no endpoints are written. */
  advertiseAddress: string | undefined
  securePort?: number
  /** Runs the Service create the way the HTTP path does, after a sync of the IP allocator. */
  allocating<T>(fn: () => Promise<T>): Promise<T>
}

/** The first non-loopback IPv4 address of the host, what kube advertises by default. */
export function hostAddress(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return undefined
}

/** kube's bootstrap controller looks again every EndpointInterval. */
export const reconcileIntervalMs = 10_000

/**
 * Creates obj unless it exists, tolerating AlreadyExists: several processes may bootstrap one
 * storage. The read first keeps the periodic pass from running the Service allocator's sync.
 */
async function createIfAbsent(store: Store, obj: KubeObject, create: (fn: () => Promise<void>) => Promise<void> = (fn) => fn()): Promise<void> {
  try {
    await store.get({ namespace: 'default' }, obj.metadata.name!)
    return
  } catch (err) {
    if (!(isStatusError(err) && err.code === 404)) throw err
  }
  try {
    await create(async () => void (await store.create({ namespace: 'default' }, obj)))
  } catch (err) {
    // Another process made it first.
    if (!(isStatusError(err) && err.code === 409)) throw err
  }
}

export async function ensureKubernetesService(deps: KubernetesServiceDeps): Promise<void> {
  const port = deps.securePort ?? defaultSecurePort
  await createIfAbsent(
    deps.services,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: kubernetesServiceName, labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        clusterIP: deps.clusterIP,
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
    },
    deps.allocating,
  )
  const address = deps.advertiseAddress
  if (!address) return
  await createIfAbsent(deps.endpoints, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    // The apiserver writes the slice itself: the mirroring controller must not copy this one.
    metadata: { name: kubernetesServiceName, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  })
  await createIfAbsent(deps.endpointslices, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: kubernetesServiceName, labels: { 'kubernetes.io/service-name': kubernetesServiceName } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  })
}

/**
 * The bootstrap controller: the objects exist when this resolves, and a deleted one comes back
 * within reconcileIntervalMs until the signal aborts.
 */
export async function runKubernetesServiceController(deps: KubernetesServiceDeps & { logger: Logger; intervalMs?: number }, signal: AbortSignal): Promise<void> {
  await ensureKubernetesService(deps)
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    ensureKubernetesService(deps)
      .catch((err: unknown) => deps.logger.warn({ err }, 'reconciling the kubernetes Service failed'))
      .finally(() => (running = false))
  }, deps.intervalMs ?? reconcileIntervalMs)
  timer.unref()
  signal.addEventListener('abort', () => clearInterval(timer), { once: true })
}
