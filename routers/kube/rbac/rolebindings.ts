/**
 * @module routers/kube/rbac/rolebindings
 * rbac.authorization.k8s.io/v1 RoleBinding (pkg/registry/rbac/rolebinding, ValidateRoleBinding):
 * a roleRef to a Role or ClusterRole that can never change, and User, Group or ServiceAccount
 * subjects. Stored and validated only; no escalation check until authorization lands.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { bindingColumns, defaultBinding, rbacGroup, validateBinding, validateBindingUpdate } from './policy.js'

/** rbacv1beta1.RoleBinding{}.SwaggerDoc()["roleRef"], which the printer quotes. */
const roleRefDescription =
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'

export const rolebindings: ResourceDefinition = {
  group: rbacGroup,
  version: 'v1',
  resource: 'rolebindings',
  singular: 'rolebinding',
  kind: 'RoleBinding',
  listKind: 'RoleBindingList',
  namespaced: true,
  schema: { model: 'V1RoleBinding' },
  nameValidation: 'path-segment',
  tableColumns: bindingColumns(roleRefDescription, 'roleBinding'),
  strategy: {
    applyDefaults: defaultBinding,
    validate: (_ctx, obj) => validateBinding(obj, true),
    validateUpdate: (_ctx, obj, old) => validateBindingUpdate(obj, old, true),
  },
}
