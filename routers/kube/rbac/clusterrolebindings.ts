/**
 * @module routers/kube/rbac/clusterrolebindings
 * rbac.authorization.k8s.io/v1 ClusterRoleBinding (pkg/registry/rbac/clusterrolebinding,
 * ValidateClusterRoleBinding): a roleRef to a ClusterRole that can never change, and subjects
 * whose ServiceAccounts must name their namespace.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { bindingColumns, defaultBinding, rbacGroup, validateBinding, validateBindingUpdate } from './policy.js'

/** rbacv1beta1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"], which the printer quotes. */
const roleRefDescription =
  'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'

export const clusterrolebindings: ResourceDefinition = {
  group: rbacGroup,
  version: 'v1',
  resource: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  kind: 'ClusterRoleBinding',
  listKind: 'ClusterRoleBindingList',
  namespaced: false,
  schema: { model: 'V1ClusterRoleBinding' },
  nameValidation: 'path-segment',
  tableColumns: bindingColumns(roleRefDescription, 'clusterRoleBinding'),
  strategy: {
    applyDefaults: defaultBinding,
    validate: (_ctx, obj) => validateBinding(obj, false),
    validateUpdate: (_ctx, obj, old) => validateBindingUpdate(obj, old, false),
  },
}
