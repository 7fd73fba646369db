/**
 * @module routers/kube/rbac
 * The rbac.authorization.k8s.io/v1 group: Roles, RoleBindings, ClusterRoles and
 * ClusterRoleBindings, as plain declarations. They are stored and validated here; enforcing them
 * is the authorizer's job, which comes later.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { clusterrolebindings } from './clusterrolebindings.js'
import { clusterroles } from './clusterroles.js'
import { rolebindings } from './rolebindings.js'
import { roles } from './roles.js'

export { clusterrolebindings, clusterroles, rolebindings, roles }

/** The rbac.authorization.k8s.io/v1 resources, in discovery order. */
export const rbacResources: readonly ResourceDefinition[] = [clusterrolebindings, clusterroles, rolebindings, roles]
