/**
 * @module routers/kube/rbac/roles
 * rbac.authorization.k8s.io/v1 Role (pkg/registry/rbac/role, ValidateRole): namespaced rules that
 * need verbs, api groups and resources, and may not name non-resource URLs. Stored and validated
 * only; the authorizer that reads them comes later.
 */
import type { ResourceDefinition, TableColumn } from '../../../lib/registry/resource.js'
import { creationTimestampDescription } from '../core/helpers.js'
import { canonicalizeRules, rbacGroup, validateRules } from './policy.js'

/** printRole / printClusterRole: the creation time itself, RFC 3339 in UTC, not an age. */
export const createdAtColumn: TableColumn = {
  name: 'Created At',
  type: 'date',
  description: creationTimestampDescription,
  // Stored timestamps are already RFC 3339 in UTC, what Time.UTC().Format(time.RFC3339) prints.
  cell: (o) => o.metadata.creationTimestamp ?? null,
}

export const roles: ResourceDefinition = {
  group: rbacGroup,
  version: 'v1',
  resource: 'roles',
  singular: 'role',
  kind: 'Role',
  listKind: 'RoleList',
  namespaced: true,
  schema: { model: 'V1Role' },
  // minimalNameRequirements: any name that can be a path segment.
  nameValidation: 'path-segment',
  tableColumns: [createdAtColumn],
  strategy: {
    validate: (_ctx, obj) => validateRules(obj, true),
    validateUpdate: (_ctx, obj) => validateRules(obj, true),
    canonicalize: canonicalizeRules,
  },
}
