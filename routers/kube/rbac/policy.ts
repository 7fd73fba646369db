/**
 * @module routers/kube/rbac/policy
 * What the four rbac.authorization.k8s.io/v1 kinds share (pkg/apis/rbac/validation, the v1
 * defaults and the printers): PolicyRule checks, RoleRef and Subject defaulting and checks, the
 * binding table columns and the Go renderings their error values need.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { goQuote, goStringSlice, isDNS1123Subdomain, isValidPathSegmentName } from '../../../lib/api/validation.js'
import type { TableColumn } from '../../../lib/registry/resource.js'
import { ageColumn } from '../core/helpers.js'
import { isObj, listOf, strOf } from '../json.js'
import type { Obj } from '../json.js'

export const rbacGroup = 'rbac.authorization.k8s.io'

/** A []string field as Go holds it: non-strings are dropped (the decoder refused them already). */
function strings(obj: unknown, key: string): string[] {
  return listOf(obj, key).filter((v): v is string => typeof v === 'string')
}

/** validatePolicyRule: non-resource URLs only on cluster roles, and never mixed with resources. */
function validatePolicyRule(rule: unknown, isNamespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = []
  const verbs = strings(rule, 'verbs')
  const apiGroups = strings(rule, 'apiGroups')
  const resources = strings(rule, 'resources')
  const resourceNames = strings(rule, 'resourceNames')
  const urls = strings(rule, 'nonResourceURLs')
  if (verbs.length === 0) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'))
  if (urls.length > 0) {
    const invalidUrls = (detail: string): FieldError => ({ ...field.invalid(`${path}.nonResourceURLs`, urls, detail), badValueText: goStringSlice(urls) })
    if (isNamespaced) errs.push(invalidUrls('namespaced rules cannot apply to non-resource URLs'))
    if (apiGroups.length > 0 || resources.length > 0 || resourceNames.length > 0) {
      errs.push(invalidUrls('rules cannot apply to both regular resources and non-resource URLs'))
    }
    return errs
  }
  if (apiGroups.length === 0) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'))
  if (resources.length === 0) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'))
  // Required, oddly, in kube too: the message is what matters to clients.
  if (resourceNames.length > 0 && resources.length > 1) errs.push(field.required(`${path}.resourceNames`, 'resource names cannot apply to multiple resources'))
  return errs
}

/** The rules of a Role (namespaced) or ClusterRole. */
export function validateRules(obj: KubeObject, isNamespaced: boolean): FieldError[] {
  return listOf(obj, 'rules').flatMap((rule, i) => validatePolicyRule(rule, isNamespaced, `rules[${i}]`))
}

/**
 * Role.rules and ClusterRole.rules have no omitempty: Go writes `"rules": null` for a role
 * without rules, and clients (kubectl describe, aggregation) see that null.
 */
export function canonicalizeRules(obj: KubeObject): void {
  if (obj['rules'] === undefined) obj['rules'] = null
}

// ---------------------------------------------------------------------------------------------
// Bindings
// ---------------------------------------------------------------------------------------------

/**
 * SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding and SetDefaults_Subject: roleRef is a
 * struct, so it always exists, with the rbac group when none is named; User and Group subjects
 * get the rbac group too, ServiceAccounts the core group ("").
 */
export function defaultBinding(obj: KubeObject): void {
  const ref: Obj = isObj(obj['roleRef']) ? obj['roleRef'] : {}
  if (strOf(ref, 'apiGroup') === '') ref['apiGroup'] = rbacGroup
  // Go writes all three (no omitempty), kind and name as "" when missing.
  obj['roleRef'] = { apiGroup: ref['apiGroup'], kind: ref['kind'] ?? '', name: ref['name'] ?? '' }
  for (const subject of listOf(obj, 'subjects')) {
    if (!isObj(subject) || strOf(subject, 'apiGroup') !== '') continue
    const kind = strOf(subject, 'kind')
    if (kind === 'User' || kind === 'Group') subject['apiGroup'] = rbacGroup
  }
}

function validateSubject(subject: unknown, isNamespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = []
  const name = strOf(subject, 'name')
  const apiGroup = strOf(subject, 'apiGroup')
  if (name === '') errs.push(field.required(`${path}.name`))
  switch (strOf(subject, 'kind')) {
    case 'ServiceAccount':
      // ValidateServiceAccountName is NameIsDNSSubdomain.
      if (name !== '') for (const msg of isDNS1123Subdomain(name)) errs.push(field.invalid(`${path}.name`, name, msg))
      if (apiGroup !== '') errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, ['']))
      // A RoleBinding's ServiceAccount may leave the namespace out; a cluster binding cannot.
      if (!isNamespaced && strOf(subject, 'namespace') === '') errs.push(field.required(`${path}.namespace`))
      break
    case 'User':
      if (name === '') errs.push(field.invalid(`${path}.name`, name, 'user name cannot be empty'))
      if (apiGroup !== rbacGroup) errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, [rbacGroup]))
      break
    case 'Group':
      if (name === '') errs.push(field.invalid(`${path}.name`, name, 'group name cannot be empty'))
      if (apiGroup !== rbacGroup) errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, [rbacGroup]))
      break
    default:
      errs.push(field.notSupported(`${path}.kind`, strOf(subject, 'kind'), ['ServiceAccount', 'User', 'Group']))
  }
  return errs
}

/**
 * ValidateRoleBinding / ValidateClusterRoleBinding: the roleRef must point into the rbac group at
 * a kind the binding may name, by a path-segment name; then each subject.
 */
export function validateBinding(obj: KubeObject, isNamespaced: boolean): FieldError[] {
  const errs: FieldError[] = []
  const ref = obj['roleRef']
  const apiGroup = strOf(ref, 'apiGroup')
  const kind = strOf(ref, 'kind')
  const name = strOf(ref, 'name')
  if (apiGroup !== rbacGroup) errs.push(field.notSupported('roleRef.apiGroup', apiGroup, [rbacGroup]))
  const kinds = isNamespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']
  if (!kinds.includes(kind)) errs.push(field.notSupported('roleRef.kind', kind, kinds))
  if (name === '') errs.push(field.required('roleRef.name'))
  else for (const msg of isValidPathSegmentName(name)) errs.push(field.invalid('roleRef.name', name, msg))
  listOf(obj, 'subjects').forEach((s, i) => errs.push(...validateSubject(s, isNamespaced, `subjects[${i}]`)))
  return errs
}

/** The update check both bindings add: a binding is re-created, never re-pointed. */
export function validateBindingUpdate(obj: KubeObject, old: KubeObject, isNamespaced: boolean): FieldError[] {
  const errs = validateBinding(obj, isNamespaced)
  const ref = obj['roleRef']
  const oldRef = old['roleRef']
  const same = ['apiGroup', 'kind', 'name'].every((k) => strOf(ref, k) === strOf(oldRef, k))
  if (!same) {
    // Go prints the struct with %#v.
    const text = `rbac.RoleRef{APIGroup:${goQuote(strOf(ref, 'apiGroup'))}, Kind:${goQuote(strOf(ref, 'kind'))}, Name:${goQuote(strOf(ref, 'name'))}}`
    errs.push({ ...field.invalid('roleRef', ref, 'cannot change roleRef'), badValueText: text })
  }
  return errs
}

/** rbac.SubjectsStrings: users, groups and "namespace/name" service accounts. */
function subjectsStrings(obj: KubeObject): { users: string[]; groups: string[]; sas: string[] } {
  const out = { users: [] as string[], groups: [] as string[], sas: [] as string[] }
  for (const s of listOf(obj, 'subjects')) {
    const kind = strOf(s, 'kind')
    if (kind === 'ServiceAccount') out.sas.push(`${strOf(s, 'namespace')}/${strOf(s, 'name')}`)
    else if (kind === 'User') out.users.push(strOf(s, 'name'))
    else if (kind === 'Group') out.groups.push(strOf(s, 'name'))
  }
  return out
}

/**
 * printRoleBinding / printClusterRoleBinding columns. The server always prints wide, so the
 * subject cells are always there; kubectl shows them with -o wide (priority 1).
 */
export function bindingColumns(roleRefDescription: string, bindingWord: string): TableColumn[] {
  return [
    { name: 'Role', type: 'string', description: roleRefDescription, cell: (o) => `${strOf(o['roleRef'], 'kind')}/${strOf(o['roleRef'], 'name')}` },
    ageColumn,
    { name: 'Users', type: 'string', priority: 1, description: `Users in the ${bindingWord}`, cell: (o) => subjectsStrings(o).users.join(', ') },
    { name: 'Groups', type: 'string', priority: 1, description: `Groups in the ${bindingWord}`, cell: (o) => subjectsStrings(o).groups.join(', ') },
    { name: 'ServiceAccounts', type: 'string', priority: 1, description: `ServiceAccounts in the ${bindingWord}`, cell: (o) => subjectsStrings(o).sas.join(', ') },
  ]
}
