/**
 * @module routers/kube/policy
 * The policy/v1 group: PodDisruptionBudgets (evictions are a pods subresource, not declared here).
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { poddisruptionbudgets } from './poddisruptionbudgets.js'

export { poddisruptionbudgets }

export const policyResources: readonly ResourceDefinition[] = [poddisruptionbudgets]
