/**
 * @module routers/kube/core/workloads
 * The core/v1 kinds that run things: Pods, Services and ReplicationControllers, as declarations
 * the kube server installs through typedResource like every built-in.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { pods } from './pods.js'
import { replicationcontrollers } from './replicationcontrollers.js'
import { createServices, services } from './services.js'

export { createServices, pods, replicationcontrollers, services }

/** Pods, ReplicationControllers and Services (one Service allocator for the process). */
export const workloadCoreResources: readonly ResourceDefinition[] = [pods, replicationcontrollers, services]
