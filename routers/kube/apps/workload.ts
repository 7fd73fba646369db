/**
 * @module routers/kube/apps/workload
 * What the apps/v1 workload kinds share (pkg/apis/apps/validation, pkg/printers): the selector
 * and template checks, int-or-percent rollout parameters, status counters, Go's %#v rendering of
 * the values kube puts in those messages, semantic equality for generation bumps, and the
 * printer cells (containers, images, selectors, age).
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import { labelSelectorFromObject } from '../../../lib/api/labels.js'
import type { LabelSelector, LabelSelectorObject } from '../../../lib/api/labels.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { compareStrings, goQuote, goStringSlice, IS_NEGATIVE_ERROR_MSG, regexError, validateLabelSelector } from '../../../lib/api/validation.js'
import type { TableColumn } from '../../../lib/registry/resource.js'
import { validatePodTemplateSpec } from './pod-template.js'
import { int, isObj, objOf, str } from '../json.js'
import type { Obj } from '../json.js'

/**
 * apiequality.Semantic.DeepEqual over JSON: like deep equality, except that a nil and an empty
 * slice or map (absent, null, [] or {}) are the same.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmptyCollection(a) && isEmptyCollection(b)) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => semanticEqual(v, b[i]))
  }
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (!semanticEqual(a[k], b[k])) return false
    return true
  }
  return a === b
}

function isEmptyCollection(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)
}

// ---------------------------------------------------------------------------------------------
// Go's %#v of the values kube's messages print
// ---------------------------------------------------------------------------------------------

/** %#v of a map[string]string: keys sorted, `map[string]string(nil)` for nil. */
export function goStringMap(m: unknown): string {
  if (m === undefined || m === null) return 'map[string]string(nil)'
  if (!isObj(m)) return JSON.stringify(m)
  const keys = Object.keys(m).sort(compareStrings)
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`
}

/** %#v of a metav1.LabelSelector value (its String() has a pointer receiver, so %#v it is). */
export function goLabelSelector(sel: unknown): string {
  const s = objOf(sel)
  const exprs = s['matchExpressions']
  let exprText = '[]v1.LabelSelectorRequirement(nil)'
  if (Array.isArray(exprs)) {
    const items = exprs.map((e) => {
      const r = objOf(e)
      const values = Array.isArray(r['values']) ? (r['values'] as unknown[]).map(String) : null
      return `v1.LabelSelectorRequirement{Key:${goQuote(str(r['key']))}, Operator:${goQuote(str(r['operator']))}, Values:${goStringSlice(values)}}`
    })
    exprText = `[]v1.LabelSelectorRequirement{${items.join(', ')}}`
  }
  return `v1.LabelSelector{MatchLabels:${goStringMap(s['matchLabels'])}, MatchExpressions:${exprText}}`
}

/** %#v of an intstr.IntOrString. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`
  return `intstr.IntOrString{Type:0, IntVal:${int(v)}, StrVal:""}`
}

/** field.Invalid with a value Go renders with %#v. */
export function invalidGo(path: string, value: unknown, text: string, detail: string): FieldError {
  const e = field.invalid(path, value, detail)
  e.badValueText = text
  return e
}

export function nonNegative(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [field.invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : []
}

// ---------------------------------------------------------------------------------------------
// Selectors and templates
// ---------------------------------------------------------------------------------------------

/** LabelSelectorAsSelector, or undefined when the selector does not convert. */
export function selectorOf(sel: unknown): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(sel === undefined || sel === null ? undefined : (objOf(sel) as LabelSelectorObject))
  } catch {
    return undefined
  }
}

function templateLabels(spec: Obj): Record<string, string> | undefined {
  const labels = objOf(objOf(spec['template'])['metadata'])['labels']
  return isObj(labels) ? (labels as Record<string, string>) : undefined
}

/** The "`selector` does not match template `labels`" error, with the labels as Go prints them. */
export function selectorMismatch(spec: Obj): FieldError {
  const labels = objOf(objOf(spec['template'])['metadata'])['labels']
  return invalidGo('spec.template.metadata.labels', labels ?? null, goStringMap(labels), '`selector` does not match template `labels`')
}

export function selectorMatchesTemplate(selector: LabelSelector, spec: Obj): boolean {
  return selector.matches(templateLabels(spec))
}

/**
 * spec.selector as Deployments, ReplicaSets and StatefulSets check it: required, a valid label
 * selector, and not empty. Returns the converted selector when it converts.
 */
export function validateRequiredSelector(spec: Obj, kindWord: string, invalidDetail: string): { errs: FieldError[]; selector: LabelSelector | undefined } {
  const errs: FieldError[] = []
  const sel = spec['selector']
  if (sel === undefined || sel === null) {
    errs.push(field.required('spec.selector'))
  } else {
    errs.push(...validateLabelSelector(objOf(sel) as LabelSelectorObject, { allowInvalidLabelValueInSelector: false }, 'spec.selector'))
    if (selectorIsEmpty(sel)) errs.push(invalidGo('spec.selector', sel, goLabelSelector(sel), `empty selector is invalid for ${kindWord}`))
  }
  const selector = selectorOf(sel)
  if (!selector) errs.push(invalidGo('spec.selector', sel, goLabelSelector(sel), invalidDetail))
  return { errs, selector }
}

export function selectorIsEmpty(sel: unknown): boolean {
  const s = objOf(sel)
  const labels = isObj(s['matchLabels']) ? Object.keys(s['matchLabels']).length : 0
  const exprs = Array.isArray(s['matchExpressions']) ? s['matchExpressions'].length : 0
  return labels + exprs === 0
}

/**
 * ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets): the selector must select
 * the template, the template must be a valid pod template that restarts Always, without an
 * active deadline.
 */
export function validateTemplateForReplicaSet(spec: Obj, selector: LabelSelector, kindWord: string): FieldError[] {
  const errs: FieldError[] = []
  if (!selector.empty && !selectorMatchesTemplate(selector, spec)) errs.push(selectorMismatch(spec))
  errs.push(...validatePodTemplateSpec(spec['template'], 'spec.template'))
  errs.push(...alwaysRestartingTemplate(spec, kindWord))
  return errs
}

/** The restartPolicy and activeDeadlineSeconds rules every controller's template follows. */
export function alwaysRestartingTemplate(spec: Obj, kindWord: string): FieldError[] {
  const errs: FieldError[] = []
  const podSpec = objOf(objOf(spec['template'])['spec'])
  const restartPolicy = str(podSpec['restartPolicy'])
  if (restartPolicy !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']))
  if (podSpec['activeDeadlineSeconds'] !== undefined && podSpec['activeDeadlineSeconds'] !== null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindWord} is not Supported`))
  }
  return errs
}

/** ValidateImmutableField(spec.selector): the message kubectl users know, with Go's rendering. */
export function immutableSelector(obj: KubeObject, old: KubeObject): FieldError[] {
  const sel = objOf(obj['spec'])['selector']
  if (semanticEqual(sel, objOf(old['spec'])['selector'])) return []
  if (sel === undefined || sel === null) return [invalidGo('spec.selector', null, '"null"', 'field is immutable')]
  return [invalidGo('spec.selector', sel, goLabelSelector(sel), 'field is immutable')]
}

// ---------------------------------------------------------------------------------------------
// Int-or-percent rollout parameters
// ---------------------------------------------------------------------------------------------

const percentPattern = /^[0-9]+%$/

function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && percentPattern.test(v) ? Number(v.slice(0, -1)) : undefined
}

/** getIntOrPercentValue: a percentage's number, else IntValue() (Atoi of a string, 0 if not a number). */
export function intOrPercentValue(v: unknown): number {
  const percent = percentValue(v)
  if (percent !== undefined) return percent
  if (typeof v === 'number') return v
  return typeof v === 'string' && /^[+-]?\d+$/.test(v) ? Number(v) : 0
}

/** ValidatePositiveIntOrPercent */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') {
    if (percentValue(v) !== undefined) return []
    return [invalidGo(path, v, goIntOrString(v), regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%'))]
  }
  return nonNegative(int(v), path)
}

/** IsNotMoreThan100Percent */
export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  const percent = percentValue(v)
  if (percent === undefined || percent <= 100) return []
  return [invalidGo(path, v, goIntOrString(v), 'must not be greater than 100%')]
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

/** Non-negative counters, then "cannot be greater than" pairs: the shape of every Validate*Status. */
export function validateStatusCounters(
  status: Obj,
  nonNegativeFields: readonly string[],
  notAbove: readonly [field: string, bound: string, message: string][],
): FieldError[] {
  const errs: FieldError[] = []
  for (const f of nonNegativeFields) errs.push(...nonNegative(status[f], `status.${f}`))
  for (const [f, bound, message] of notAbove) {
    if (int(status[f]) > int(status[bound])) errs.push(field.invalid(`status.${f}`, int(status[f]), message))
  }
  return errs
}

/** IsDecremented(status.collisionCount): a collision count never goes down. */
export function collisionCountDecremented(obj: KubeObject, old: KubeObject): FieldError[] {
  const now = objOf(obj['status'])['collisionCount']
  const before = objOf(old['status'])['collisionCount']
  if (typeof before !== 'number') return []
  if (typeof now === 'number' && now >= before) return []
  return [field.invalid('status.collisionCount', typeof now === 'number' ? now : 0, 'cannot be decremented')]
}

/** The main endpoint never changes status (PrepareForUpdate of every workload strategy). */
export function keepStatus(obj: KubeObject, old: KubeObject): void {
  if (old['status'] === undefined) delete obj['status']
  else obj['status'] = structuredClone(old['status'])
}

/** The status endpoint never changes spec (the workload StatusStrategies' PrepareForUpdate). */
export function keepSpec(obj: KubeObject, old: KubeObject): void {
  if (old['spec'] === undefined) delete obj['spec']
  else obj['spec'] = structuredClone(old['spec'])
}

// ---------------------------------------------------------------------------------------------
// Printing (pkg/printers/internalversion/printers.go)
// ---------------------------------------------------------------------------------------------

export { ageColumn, creationTimestampDescription } from '../../../lib/registry/table.js'

function templateContainers(o: KubeObject): Obj[] {
  const containers = objOf(objOf(objOf(o['spec'])['template'])['spec'])['containers']
  return Array.isArray(containers) ? containers.map(objOf) : []
}

/** layoutContainerCells: container names and images, comma separated. */
export const containersColumn: TableColumn = {
  name: 'Containers',
  type: 'string',
  priority: 1,
  description: 'Names of each container in the template.',
  cell: (o) => templateContainers(o).map((c) => str(c['name'])).join(','),
}

export const imagesColumn: TableColumn = {
  name: 'Images',
  type: 'string',
  priority: 1,
  description: 'Images referenced by each container in the template.',
  cell: (o) => templateContainers(o).map((c) => str(c['image'])).join(','),
}

/** metav1.FormatLabelSelector: "<none>" for an empty selector, "<error>" for a broken one. */
export function formatLabelSelector(sel: unknown): string {
  const selector = selectorOf(sel === undefined || sel === null ? undefined : sel)
  if (!selector) return '<error>'
  return selector.toString() || '<none>'
}

/** labels.FormatLabels: "k=v" pairs sorted by key, "<none>" when there are none. */
export function formatLabels(m: unknown): string {
  if (!isObj(m) || Object.keys(m).length === 0) return '<none>'
  return Object.keys(m)
    .sort(compareStrings)
    .map((k) => `${k}=${String(m[k])}`)
    .join(',')
}

/** The pod template checks DaemonSets make, on top of the selector ones. */
export function validateDaemonTemplate(spec: Obj): FieldError[] {
  return [...validatePodTemplateSpec(spec['template'], 'spec.template'), ...alwaysRestartingTemplate(spec, 'DaemonSet')]
}
