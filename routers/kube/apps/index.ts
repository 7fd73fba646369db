/**
 * @module routers/kube/apps
 * The apps/v1 group: Deployments, ReplicaSets, StatefulSets, DaemonSets and ControllerRevisions,
 * as plain declarations. The kube server installs them through typedResource like every built-in.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { controllerrevisions } from './controllerrevisions.js'
import { daemonsets } from './daemonsets.js'
import { deployments } from './deployments.js'
import { replicasets } from './replicasets.js'
import { statefulsets } from './statefulsets.js'

export { controllerrevisions, daemonsets, deployments, replicasets, statefulsets }

/** The apps/v1 resources, in discovery order (discovery sorts by name anyway). */
export const appsResources: readonly ResourceDefinition[] = [controllerrevisions, daemonsets, deployments, replicasets, statefulsets]
