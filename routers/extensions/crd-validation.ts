/**
 * @module routers/extensions/crd-validation
 * apiextensions.k8s.io/v1 CustomResourceDefinition defaulting and validation
 * (apiextensions-apiserver pkg/apis/apiextensions/v1/defaults.go and validation/validation.go):
 * names, scope, versions with exactly one storage version, a structural schema for every
 * version (checked by ./schema) whose CEL rules compile (./cel), subresources and printer columns,
 * and what may not change once the CRD is accepted.
 */
import * as field from '../../lib/api/field-errors.js'
import type { FieldError } from '../../lib/api/field-errors.js'
import type { KubeObject } from '../../lib/api/types.js'
import { compileValidationRules } from './cel/index.js'
import { validateStructuralSchema } from './schema/index.js'

type Obj = Record<string, unknown>

const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

export function objOf(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {}
}

export function arrOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : []
}

export function specOf(crd: KubeObject): Obj {
  return objOf(crd['spec'])
}

export function versionsOf(crd: KubeObject): Obj[] {
  return arrOf(specOf(crd)['versions']).map(objOf)
}

/** The version marked storage: true (validation guarantees exactly one on stored CRDs). */
export function storageVersionOf(crd: KubeObject): string | undefined {
  return versionsOf(crd).find((v) => v['storage'] === true)?.['name'] as string | undefined
}

/** SetDefaults_CustomResourceDefinition: singular, listKind and the conversion strategy. */
export function applyCRDDefaults(crd: KubeObject): void {
  const spec = crd['spec']
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return
  const s = spec as Obj
  const names = s['names']
  if (names !== null && typeof names === 'object' && !Array.isArray(names)) {
    const n = names as Obj
    if (typeof n['kind'] === 'string') {
      if (!n['singular']) n['singular'] = n['kind'].toLowerCase()
      if (!n['listKind']) n['listKind'] = `${n['kind']}List`
    }
  }
  if (s['conversion'] === undefined || s['conversion'] === null) s['conversion'] = { strategy: 'None' }
  const conversion = objOf(s['conversion'])
  if (conversion['strategy'] === undefined) conversion['strategy'] = 'None'
  if (conversion['strategy'] === 'Webhook') {
    const webhook = objOf(conversion['webhook'])
    if (webhook['conversionReviewVersions'] === undefined && conversion['webhook'] !== undefined) webhook['conversionReviewVersions'] = ['v1']
  }
  for (const v of arrOf(s['versions'])) {
    const version = objOf(v)
    const columns = arrOf(version['additionalPrinterColumns'])
    for (const c of columns) {
      const col = objOf(c)
      if (col['priority'] === undefined) col['priority'] = 0
    }
  }
}

function dns1035Errors(path: string, value: unknown, required: boolean): FieldError[] {
  if (value === undefined || value === '') return required ? [field.required(path)] : []
  if (typeof value !== 'string') return [field.invalid(path, value, 'must be a string')]
  if (value.length > 63) return [field.invalid(path, value, 'must be no more than 63 characters')]
  if (!dns1035.test(value)) {
    return [field.invalid(path, value, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")]
  }
  return []
}

function kindErrors(path: string, value: unknown, required: boolean): FieldError[] {
  if (value === undefined || value === '') return required ? [field.required(path)] : []
  if (typeof value !== 'string' || !dns1035.test(value.toLowerCase())) {
    return [field.invalid(path, value, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?')]
  }
  return []
}

/** ValidateCustomResourceDefinitionNames. */
function validateNames(names: Obj, path: string): FieldError[] {
  const errs: FieldError[] = []
  errs.push(...dns1035Errors(`${path}.plural`, names['plural'], true))
  errs.push(...dns1035Errors(`${path}.singular`, names['singular'], true))
  errs.push(...kindErrors(`${path}.kind`, names['kind'], true))
  errs.push(...kindErrors(`${path}.listKind`, names['listKind'], true))
  if (names['listKind'] !== undefined && names['listKind'] === names['kind']) errs.push(field.invalid(`${path}.listKind`, names['listKind'], 'kind and listKind may not be the same'))
  arrOf(names['shortNames']).forEach((s, i) => errs.push(...dns1035Errors(`${path}.shortNames[${i}]`, s, true)))
  arrOf(names['categories']).forEach((s, i) => errs.push(...dns1035Errors(`${path}.categories[${i}]`, s, true)))
  return errs
}

/** ValidateCustomResourceDefinitionSpec, v1 flavour (every version carries its own schema). */
function validateSpec(crd: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errs: FieldError[] = []
  const spec = specOf(crd)
  const group = spec['group']
  if (group === undefined || group === '') errs.push(field.required('spec.group'))
  else if (typeof group !== 'string' || !dns1123Subdomain.test(group) || group.length > 253) {
    errs.push(field.invalid('spec.group', group, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"))
  } else if (!group.includes('.')) errs.push(field.invalid('spec.group', group, 'should be a domain with at least one dot'))

  const scope = spec['scope']
  if (scope === undefined || scope === '') errs.push(field.required('spec.scope'))
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(field.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']))

  errs.push(...validateNames(objOf(spec['names']), 'spec.names'))

  const versions = arrOf(spec['versions'])
  if (versions.length === 0) errs.push(field.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'))
  let storageCount = 0
  const seen = new Set<string>()
  versions.forEach((vIn, i) => {
    const v = objOf(vIn)
    const path = `spec.versions[${i}]`
    if (v['storage'] === true) storageCount++
    const name = v['name']
    if (typeof name !== 'string' || name === '') errs.push(field.required(`${path}.name`))
    else {
      if (!dns1123Label.test(name) || name.length > 63) {
        errs.push(field.invalid(`${path}.name`, name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
      }
      if (seen.has(name)) errs.push(field.invalid('spec.versions', versions, 'must contain unique version names'))
      seen.add(name)
    }
    const schema = objOf(v['schema'])['openAPIV3Schema']
    if (schema === undefined || schema === null) {
      errs.push(field.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'))
    } else {
      const schemaPath = `${path}.schema.openAPIV3Schema`
      const structural = validateStructuralSchema(objOf(schema), schemaPath)
      errs.push(...structural)
      if (structural.length === 0) errs.push(...compileValidationRules(objOf(schema), schemaPath).errors)
    }
    const subresources = objOf(v['subresources'])
    const scale = subresources['scale']
    if (scale !== undefined) {
      const s = objOf(scale)
      const specPath = s['specReplicasPath']
      if (typeof specPath !== 'string' || specPath === '') errs.push(field.required(`${path}.subresources.scale.specReplicasPath`))
      else if (!specPath.startsWith('.spec.')) errs.push(field.invalid(`${path}.subresources.scale.specReplicasPath`, specPath, 'should be a json path under .spec'))
      const statusPath = s['statusReplicasPath']
      if (typeof statusPath !== 'string' || statusPath === '') errs.push(field.required(`${path}.subresources.scale.statusReplicasPath`))
      else if (!statusPath.startsWith('.status.')) errs.push(field.invalid(`${path}.subresources.scale.statusReplicasPath`, statusPath, 'should be a json path under .status'))
      const sel = s['labelSelectorPath']
      if (typeof sel === 'string' && sel !== '' && !sel.startsWith('.spec.') && !sel.startsWith('.status.')) {
        errs.push(field.invalid(`${path}.subresources.scale.labelSelectorPath`, sel, 'should be a json path under either .spec or .status'))
      }
    }
    arrOf(v['additionalPrinterColumns']).forEach((cIn, j) => {
      const c = objOf(cIn)
      const cp = `${path}.additionalPrinterColumns[${j}]`
      if (!c['name']) errs.push(field.required(`${cp}.name`))
      if (!c['type']) errs.push(field.required(`${cp}.type`))
      else if (!['integer', 'number', 'string', 'boolean', 'date'].includes(c['type'] as string)) {
        errs.push(field.notSupported(`${cp}.type`, c['type'], ['integer', 'number', 'string', 'boolean', 'date']))
      }
      if (!c['jsonPath']) errs.push(field.required(`${cp}.jsonPath`))
    })
  })
  if (versions.length > 0 && storageCount !== 1) errs.push(field.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'))

  const conversion = objOf(spec['conversion'])
  const strategy = conversion['strategy']
  if (strategy !== 'None' && strategy !== 'Webhook') errs.push(field.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']))
  else if (strategy === 'Webhook' && conversion['webhook'] === undefined) errs.push(field.required('spec.conversion.webhook', 'required when strategy is set to Webhook'))

  if (old && isEstablished(old)) {
    const oldScope = specOf(old)['scope']
    if (oldScope !== scope) errs.push(field.invalid('spec.scope', scope, 'field is immutable'))
  }
  if (old && specOf(old)['group'] !== group) errs.push(field.invalid('spec.group', group, 'field is immutable'))
  return errs
}

export function conditionOf(crd: KubeObject, type: string): Obj | undefined {
  return arrOf(objOf(crd['status'])['conditions']).map(objOf).find((c) => c['type'] === type)
}

export function isEstablished(crd: KubeObject): boolean {
  return conditionOf(crd, 'Established')?.['status'] === 'True'
}

const approvalAnnotation = 'api-approved.kubernetes.io'

/** IsProtectedCommunityGroup: groups under k8s.io and kubernetes.io need API review approval. */
export function isProtectedGroup(group: unknown): boolean {
  return typeof group === 'string' && (group === 'k8s.io' || group === 'kubernetes.io' || group.endsWith('.k8s.io') || group.endsWith('.kubernetes.io'))
}

export type APIApprovalState = 'Approved' | 'Bypassed' | 'Invalid' | 'Missing'

/** GetAPIApprovalState: a URL approves, "unapproved..." bypasses, anything else is invalid. */
export function apiApprovalState(crd: KubeObject): { state: APIApprovalState; value: string } {
  const value = crd.metadata.annotations?.[approvalAnnotation]
  if (value === undefined) return { state: 'Missing', value: '' }
  if (value.startsWith('unapproved')) return { state: 'Bypassed', value }
  try {
    const url = new URL(value)
    if (url.protocol && url.host) return { state: 'Approved', value }
  } catch {
    // not a URL
  }
  return { state: 'Invalid', value }
}

function validateAPIApproval(crd: KubeObject, old: KubeObject | undefined): FieldError[] {
  if (!isProtectedGroup(specOf(crd)['group'])) return []
  if (old) {
    const before = apiApprovalState(old).state
    if (before === 'Approved' || before === 'Bypassed') return []
  }
  const { state, value } = apiApprovalState(crd)
  const path = `metadata.annotations[${approvalAnnotation}]`
  if (state === 'Missing') return [field.required(path, `protected groups must have approval annotation "${approvalAnnotation}", see https://github.com/kubernetes/enhancements/pull/1111`)]
  if (state === 'Invalid') {
    return [field.invalid(path, value, `protected groups must have approval annotation "${approvalAnnotation}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`)]
  }
  return []
}

/** ValidateCustomResourceDefinition: the name is plural.group, then the spec. */
export function validateCRD(crd: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const spec = specOf(crd)
  const plural = objOf(spec['names'])['plural']
  const name = crd.metadata.name
  if (name !== undefined && name !== `${String(plural)}.${String(spec['group'])}`) {
    errs.push(field.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'))
  }
  errs.push(...validateSpec(crd, old))
  errs.push(...validateAPIApproval(crd, old))
  if (old) {
    // storedVersions must keep the storage version (ValidateCustomResourceDefinitionStoredVersions).
    const stored = arrOf(objOf(crd['status'])['storedVersions'])
    const storage = storageVersionOf(crd)
    if (stored.length > 0 && storage && !stored.includes(storage)) {
      errs.push(field.invalid('status.storedVersions', stored, `must have the storage version ${storage}`))
    }
  }
  return errs
}
