/**
 * @module routers/kube/rbac/clusterroles
 * rbac.authorization.k8s.io/v1 ClusterRole (pkg/registry/rbac/clusterrole, ValidateClusterRole):
 * rules like a Role's plus non-resource URLs, and an aggregationRule that needs at least one
 * valid label selector. Aggregation itself (the controller filling rules) comes later.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { validateLabelSelector } from '../../../lib/api/validation.js'
import type { LabelSelectorObject } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { canonicalizeRules, rbacGroup, validateRules } from './policy.js'
import { createdAtColumn } from './roles.js'
import { isObj, listOf } from '../json.js'

function selectorsOf(obj: KubeObject): unknown[] {
  return listOf(obj['aggregationRule'], 'clusterRoleSelectors')
}

function validateClusterRole(obj: KubeObject, allowInvalidLabelValueInSelector: boolean): FieldError[] {
  const errs = validateRules(obj, false)
  const rule = obj['aggregationRule']
  if (rule !== undefined && rule !== null) {
    const path = 'aggregationRule.clusterRoleSelectors'
    const selectors = selectorsOf(obj)
    if (selectors.length === 0) errs.push(field.required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'))
    selectors.forEach((s, i) => {
      if (isObj(s)) errs.push(...validateLabelSelector(s as LabelSelectorObject, { allowInvalidLabelValueInSelector }, `${path}[${i}]`))
    })
  }
  return errs
}

/** The update keeps accepting selector values that were already stored invalid (ratcheting). */
function hasInvalidSelectorValue(old: KubeObject): boolean {
  return selectorsOf(old).some((s) => isObj(s) && validateLabelSelector(s as LabelSelectorObject, {}, '').length > 0)
}

export const clusterroles: ResourceDefinition = {
  group: rbacGroup,
  version: 'v1',
  resource: 'clusterroles',
  singular: 'clusterrole',
  kind: 'ClusterRole',
  listKind: 'ClusterRoleList',
  namespaced: false,
  schema: { model: 'V1ClusterRole' },
  nameValidation: 'path-segment',
  tableColumns: [createdAtColumn],
  strategy: {
    validate: (_ctx, obj) => validateClusterRole(obj, false),
    validateUpdate: (_ctx, obj, old) => validateClusterRole(obj, hasInvalidSelectorValue(old)),
    canonicalize: canonicalizeRules,
  },
}
