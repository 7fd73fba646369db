/**
 * @module routers/extensions/cel/evaluate
 * Evaluation of compiled rules against a custom resource (schema/cel/validation.go): each node's
 * rules run with `self` bound to its value and `oldSelf` to the correlated old value, recursing
 * into present properties, map values and list items; failures become kube's field errors.
 */
import { celError, isCelError } from '@bufbuild/cel'
import type { CelInput, CelResult } from '@bufbuild/cel'
import type { FieldError, FieldErrorType } from '../../../lib/api/field-errors.js'
import type { JSONSchemaProps } from '../schema/index.js'
import { optionalValue } from './library.js'
import { toCelValue } from './values.js'

export type Program = (ctx: Record<string, CelInput>) => CelResult

export interface CompiledRule {
  rule: string
  message: string
  program: Program
  messageProgram?: Program
  usesOldSelf: boolean
  /** optionalOldSelf: the rule also runs without an old value, oldSelf being optional.none(). */
  optionalOldSelf: boolean
  loopDepth: number
  reason?: string
  fieldPath: string
}

/** The rules of one schema node and the nodes below it that have rules. */
export interface RuleNode {
  type: string
  isRoot: boolean
  schema: JSONSchemaProps
  rules: CompiledRule[]
  properties: Map<string, RuleNode>
  items?: RuleNode
  additionalProperties?: RuleNode
  /** x-kubernetes-list-type=map keys, which let old list items be correlated with new ones. */
  listMapKeys?: string[]
}

function objectOf(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  const x = objectOf(a)
  const y = objectOf(b)
  if (!x || !y) return false
  const keys = Object.keys(x)
  return keys.length === Object.keys(y).length && keys.every((k) => k in y && deepEqual(x[k], y[k]))
}

/** field.Path rendering: the root is "<nil>" (a nil *field.Path), children "a.b", keys "a[k]", indexes "a[0]". */
function fieldText(path: string): string {
  return path === '' ? '<nil>' : path
}

function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`
}

/** cel-go's error texts for the runtime errors @bufbuild/cel words differently. */
function runtimeErrorText(message: string): string {
  const noField = /^field not found: (.*)$/.exec(message)
  if (noField) return `no such key: ${noField[1]}`
  const bounds = /^index (-?\d+) out of bounds/.exec(message)
  // cel-go adds "in list size 'N'"; @bufbuild/cel does not report the size
  if (bounds) return `index '${bounds[1]}' out of range in list`
  if (/divide by zero/.test(message)) return 'division by zero'
  if (/overflow/.test(message)) return 'integer overflow'
  if (/modulus by zero|modulo by zero/.test(message)) return 'modulus by zero'
  if (/^found no matching overload|^unbound function|no such overload/.test(message)) return 'no such overload'
  return message
}

function fieldErrorForReason(path: string, type: string, detail: string, reason: string | undefined): FieldError {
  const field = fieldText(path)
  const kind: FieldErrorType = (reason as FieldErrorType | undefined) ?? 'FieldValueInvalid'
  switch (kind) {
    case 'FieldValueForbidden':
      return { type: kind, field, detail }
    case 'FieldValueRequired':
      return { type: kind, field, detail }
    case 'FieldValueDuplicate':
      return { type: kind, field, badValue: type }
    default:
      return { type: 'FieldValueInvalid', field, badValue: type, detail }
  }
}

function ruleErrorString(r: CompiledRule): string {
  return r.message.trim() !== '' ? r.message.trim() : r.rule.trim()
}

function evaluateMessage(r: CompiledRule, ctx: Record<string, CelInput>): string | undefined {
  if (!r.messageProgram) return undefined
  let result: CelResult
  try {
    result = r.messageProgram(ctx)
  } catch {
    return undefined
  }
  if (typeof result !== 'string') return undefined
  const trimmed = result.trim()
  // kube falls back to the static message for empty, multi-line or overlong results
  if (trimmed === '' || /\n/.test(trimmed) || trimmed.length > 5 * 1024) return undefined
  return trimmed
}

/**
 * kube's per-call cost limit, approximated: nested comprehensions over the largest list or map
 * of the value cost about size^depth steps, and @bufbuild/cel cannot interrupt an evaluation.
 */
const perCallLimit = 10_000_000

function largestCollection(value: unknown, limit: number): number {
  let largest = 0
  const stack: unknown[] = [value]
  let visited = 0
  while (stack.length > 0 && visited < limit) {
    const v = stack.pop()
    visited++
    if (Array.isArray(v)) {
      largest = Math.max(largest, v.length)
      stack.push(...v)
    } else if (v && typeof v === 'object') {
      const values = Object.values(v)
      largest = Math.max(largest, values.length)
      stack.push(...values)
    }
  }
  return largest
}

function exceedsCostLimit(r: CompiledRule, self: unknown, oldSelf: unknown): boolean {
  if (r.loopDepth < 2) return false
  const size = Math.max(largestCollection(self, 1_000_000), r.usesOldSelf ? largestCollection(oldSelf, 1_000_000) : 0)
  return size ** r.loopDepth > perCallLimit
}

function validateRules(node: RuleNode, path: string, obj: unknown, oldObj: unknown, hasOld: boolean, ratchet: boolean, out: FieldError[]): void {
  if (node.rules.length === 0) return
  const ctx: Record<string, CelInput> = { self: toCelValue(obj, node.schema, node.isRoot) }
  if (hasOld) ctx.oldSelf = toCelValue(oldObj, node.schema, node.isRoot)
  for (const r of node.rules) {
    if (r.usesOldSelf && !hasOld && !r.optionalOldSelf) continue
    // kube binds oldSelf as an optional for these rules (and the plain value for messageExpression)
    const ruleCtx = r.optionalOldSelf ? { self: ctx.self!, oldSelf: optionalValue(hasOld ? ctx.oldSelf : undefined) } : ctx
    if (exceedsCostLimit(r, obj, oldObj)) {
      out.push({
        type: 'FieldValueInvalid',
        field: fieldText(path),
        badValue: node.type,
        detail: `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(r)}`,
      })
      return
    }
    let result: CelResult
    try {
      result = r.program(ruleCtx)
    } catch (e) {
      // the planner reports errors as values; anything thrown is still an evaluation error
      result = celError(e)
    }
    if (isCelError(result) || result instanceof Error) {
      const text = runtimeErrorText((result as Error).message)
      const detail = text === 'no such overload'
        ? `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(r)}`
        : `${text} evaluating rule: ${ruleErrorString(r)}`
      out.push({ type: 'FieldValueInvalid', field: fieldText(path), badValue: node.type, detail })
      continue
    }
    if (result === true) continue
    // CRDValidationRatcheting: an unchanged value keeps passing even if it breaks a (non-transition) rule
    if (!r.usesOldSelf && ratchet) continue
    const errPath = r.fieldPath ? childPath(path, r.fieldPath) : path
    const detail = evaluateMessage(r, ctx) ?? (r.message.trim() !== '' ? r.message.trim() : `failed rule: ${r.rule.trim()}`)
    out.push(fieldErrorForReason(errPath, node.type, detail, r.reason))
  }
}

/** The old item a new map-list item correlates with: the one with the same values of the list-map keys. */
function correlatedItem(keys: string[], item: unknown, oldItems: unknown[]): unknown {
  const it = objectOf(item)
  if (!it) return undefined
  return oldItems.find((o) => {
    const old = objectOf(o)
    return old !== undefined && keys.every((k) => deepEqual(old[k], it[k]))
  })
}

/**
 * hasOld: the old value is correlated with this node; ratchet: the nearest correlatable node is
 * unchanged, so errors of non-transition rules are dropped (kube turns them into warnings).
 */
export function validateNode(node: RuleNode, path: string, obj: unknown, oldObj: unknown, hasOld: boolean, parentRatchet: boolean, out: FieldError[]): void {
  if (obj === null || obj === undefined) return
  const correlated = hasOld && oldObj !== null && oldObj !== undefined
  const ratchet = correlated ? deepEqual(obj, oldObj) : parentRatchet
  validateRules(node, path, obj, oldObj, correlated, ratchet, out)
  if (Array.isArray(obj)) {
    if (!node.items) return
    const oldItems = correlated && Array.isArray(oldObj) ? oldObj : []
    obj.forEach((item, i) => {
      const oldItem = node.listMapKeys ? correlatedItem(node.listMapKeys, item, oldItems) : undefined
      const itemCorrelated = oldItem !== undefined
      validateNode(node.items!, `${path}[${i}]`, item, oldItem, itemCorrelated, ratchet, out)
    })
    return
  }
  const o = objectOf(obj)
  if (!o) return
  const old = correlated ? objectOf(oldObj) : undefined
  for (const [k, v] of Object.entries(o)) {
    const sub = node.properties.get(k)
    if (sub) {
      validateNode(sub, childPath(path, k), v, old?.[k], old !== undefined && k in old, ratchet, out)
    } else if (node.additionalProperties) {
      validateNode(node.additionalProperties, `${path}[${k}]`, v, old?.[k], old !== undefined && k in old, ratchet, out)
    }
  }
}
