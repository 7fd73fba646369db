/**
 * @module routers/kube
 * The kube server (kube-apiserver's controlplane): built-in resources as declarations on the
 * generic Store, the core /api discovery, bootstrap objects (system namespaces, the "kubernetes"
 * Service, the default RBAC policy and system priority classes), the controllers a cluster runs
 * (namespace cleanup, "default" ServiceAccount, kube-root-ca.crt, ClusterRole aggregation) and
 * kube's default admission plugins (admission/). Requests it does not own fall through to its
 * delegate.
 */
import type { NextFunction, Request, Response } from 'express'
import { isStatusError } from '../../lib/api/errors.js'
import type { KubeObject } from '../../lib/api/types.js'
import { aggregatedDiscovery, apiVersions } from '../../lib/endpoints/discovery/documents.js'
import { writeDiscovery } from '../../lib/endpoints/discovery/handlers.js'
import type { RequestInfo } from '../../lib/endpoints/request-info.js'
import type { ResourceDefinition } from '../../lib/registry/resource.js'
import type { Store } from '../../lib/registry/store.js'
import type { CompletedConfig } from '../../lib/server/config.js'
import type { DelegationTarget } from '../../lib/server/generic-server.js'
import { GenericServer } from '../../lib/server/generic-server.js'
import { admissionRegistrationResources } from './admissionregistration/index.js'
import { appsResources } from './apps/index.js'
import { reviewResources } from './authorization/index.js'
import { autoscalingResources } from './autoscaling/index.js'
import { batchResources } from './batch/index.js'
import { miscResources } from './misc/index.js'
import { networkingResources } from './networking/index.js'
import { policyResources } from './policy/index.js'
import { rbacResources } from './rbac/index.js'
import { withKubeStorageLayout } from './storage-layout.js'
import { typedResource } from './typed.js'
import { defaultStorageClassAdmission } from './admission/default-storage-class.js'
import { defaultTolerationSecondsAdmission } from './admission/default-toleration-seconds.js'
import { namespaceLifecycle } from './admission/namespace-lifecycle.js'
import { priorityAdmission } from './admission/priority.js'
import { serviceAccountAdmission } from './admission/service-account.js'
import { hostAddress, runKubernetesServiceController } from './controllers/kubernetes-service.js'
import { runClusterRoleAggregation } from './controllers/clusterrole-aggregation.js'
import { runNamespaceController } from './controllers/namespace-controller.js'
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapPriorityClasses } from './bootstrap/rbac-policy.js'
import { runRootCAPublisher } from './controllers/root-ca-publisher.js'
import { runServiceAccountsController } from './controllers/serviceaccounts-controller.js'
import { configmaps } from './core/configmaps.js'
import { endpoints } from './core/endpoints.js'
import { events } from './core/events.js'
import { limitranges } from './core/limitranges.js'
import { namespaces } from './core/namespaces.js'
import { nodes } from './core/nodes.js'
import { persistentvolumeclaims } from './core/persistentvolumeclaims.js'
import { persistentvolumes } from './core/persistentvolumes.js'
import { podtemplates } from './core/podtemplates.js'
import { resourcequotas } from './core/resourcequotas.js'
import { secrets } from './core/secrets.js'
import { serviceaccounts } from './core/serviceaccounts.js'
import { createServices, services, workloadCoreResources } from './core/workloads.js'

/** The built-in resources this server declares. */
export const builtinResources: readonly ResourceDefinition[] = [
  namespaces,
  configmaps,
  secrets,
  serviceaccounts,
  endpoints,
  podtemplates,
  events,
  limitranges,
  resourcequotas,
  nodes,
  persistentvolumes,
  persistentvolumeclaims,
  ...workloadCoreResources,
  ...appsResources,
  ...batchResources,
  ...autoscalingResources,
  ...policyResources,
  ...networkingResources,
  ...miscResources,
  ...rbacResources,
  ...admissionRegistrationResources,
  ...reviewResources,
]

export { builtinPatchTypes } from './typed.js'

/** Namespaces every cluster has (the system namespaces controller creates them). */
export const systemNamespaces: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease']

export interface KubeServerOptions {
  /** Namespaced Stores of the whole chain, for the namespace controller. */
  namespacedStores: () => Store[]
  /**
   * The address the "kubernetes" endpoints point at (--advertise-address); by default the host's
   * first non-loopback IPv4 address (loopback addresses are invalid in endpoints).
   */
  advertiseAddress?: string
  /** The CA bundle published as kube-root-ca.crt; a placeholder certificate by default. */
  rootCA?: string
  /** How often the "kubernetes" Service and its endpoints are checked (10 s, as kube). */
  bootstrapIntervalMs?: number
}

export class KubeServer extends GenericServer {
  readonly namespaces: Store

  constructor(config: CompletedConfig, delegate: DelegationTarget, options: KubeServerOptions) {
    super('kube-apiserver', config, delegate)
    let ownServices: ReturnType<typeof createServices> | undefined
    for (const shared of builtinResources) {
      // The Service IP/port allocator is state of one server: never shared by chains in a process.
      const def = shared === services ? (ownServices = createServices()) : shared
      // Built-in kinds are typed: unknown fields are checked and strategic merge patch applies.
      this.installResource(typedResource(withKubeStorageLayout(def)))
    }
    this.namespaces = this.mux.lookup('', 'v1', 'namespaces')!.store
    // kube-apiserver's default-on mutating plugins, in its order (AllOrderedPlugins).
    const storeOf = (group: string, resource: string) => (): Store => this.mux.lookup(group, 'v1', resource)!.store
    config.admission.push(
      namespaceLifecycle(() => this.namespaces, config.shutdownController.signal),
      serviceAccountAdmission(storeOf('', 'serviceaccounts')),
      priorityAdmission(storeOf('scheduling.k8s.io', 'priorityclasses')),
      defaultTolerationSecondsAdmission(),
      defaultStorageClassAdmission(storeOf('storage.k8s.io', 'storageclasses')),
    )

    // /api: the legacy APIVersions, or the core group in aggregated discovery.
    const server = this
    this.router.get(['/api', '/api/'], function apiDiscovery(req: Request, res: Response, next: NextFunction): void {
      const info = res.locals['requestInfo'] as RequestInfo
      if (info.isResourceRequest) return next()
      writeDiscovery(req, res, apiVersions, () => aggregatedDiscovery(server.ownGroupVersions().filter((gv) => gv.group === '')))
    })

    // The hooks that write into namespaces start after the system namespaces exist (they run
    // concurrently), so a started server already has default's Service and ServiceAccount.
    let systemNamespacesDone!: () => void
    const systemNamespacesCreated = new Promise<void>((resolve) => (systemNamespacesDone = resolve))
    this.addPostStartHook('start-system-namespaces-controller', async () => {
      try {
        for (const name of systemNamespaces) {
          try {
            await this.namespaces.create({ namespace: '' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
          } catch (err) {
            if (!(isStatusError(err) && err.code === 409)) throw err
          }
        }
      } finally {
        systemNamespacesDone()
      }
    })
    const store = (group: string, resource: string): Store => this.mux.lookup(group, 'v1', resource)!.store
    const allocator = ownServices!.allocator
    this.addPostStartHook('bootstrap-controller', async ({ signal }) => {
      await systemNamespacesCreated
      await runKubernetesServiceController(
        {
          services: store('', 'services'),
          endpoints: store('', 'endpoints'),
          endpointslices: store('discovery.k8s.io', 'endpointslices'),
          clusterIP: allocator.firstIP,
          advertiseAddress: options.advertiseAddress ?? hostAddress(),
          allocating: (fn) => allocator.serialized(store('', 'services'), fn),
          logger: config.logger,
          intervalMs: options.bootstrapIntervalMs,
        },
        signal,
      )
    })
    this.addPostStartHook('start-service-account-controller', async ({ signal }) => {
      await systemNamespacesCreated
      await runServiceAccountsController({ namespaces: this.namespaces, serviceaccounts: store('', 'serviceaccounts'), logger: config.logger }, signal)
    })
    this.addPostStartHook('start-root-ca-cert-publisher', async ({ signal }) => {
      await systemNamespacesCreated
      await runRootCAPublisher({ namespaces: this.namespaces, configmaps: store('', 'configmaps'), rootCA: options.rootCA, logger: config.logger }, signal)
    })
    // Bootstrap objects: several servers may share one storage, so AlreadyExists is success.
    const createAll = async (target: Store, objects: readonly KubeObject[]): Promise<void> => {
      for (const obj of objects) {
        try {
          await target.create({ namespace: '' }, structuredClone(obj))
        } catch (err) {
          if (!(isStatusError(err) && err.code === 409)) throw err
        }
      }
    }
    let rbacBootstrapped!: () => void
    const rbacBootstrapDone = new Promise<void>((resolve) => (rbacBootstrapped = resolve))
    this.addPostStartHook('rbac/bootstrap-roles', async () => {
      try {
        await createAll(store('rbac.authorization.k8s.io', 'clusterroles'), bootstrapClusterRoles)
        await createAll(store('rbac.authorization.k8s.io', 'clusterrolebindings'), bootstrapClusterRoleBindings)
      } finally {
        rbacBootstrapped()
      }
    })
    this.addPostStartHook('scheduling/bootstrap-system-priority-classes', async () => {
      await createAll(store('scheduling.k8s.io', 'priorityclasses'), bootstrapPriorityClasses)
    })
    this.addPostStartHook('start-clusterrole-aggregation-controller', async ({ signal }) => {
      await rbacBootstrapDone
      await runClusterRoleAggregation({ clusterroles: store('rbac.authorization.k8s.io', 'clusterroles'), logger: config.logger }, signal)
    })
    this.addPostStartHook('start-namespace-controller', ({ signal }) => {
      void runNamespaceController({ namespaces: this.namespaces, namespacedStores: options.namespacedStores, logger: config.logger }, signal)
    })
  }
}
