/**
 * @module routers/extensions/cel
 * CEL validation rules of CRD schemas (x-kubernetes-validations), compiled once per CRD version
 * with @bufbuild/cel and the Kubernetes CEL extension functions.
 *
 * Compilation (apiextensions validation.go + schema/cel/compilation.go) walks the schema's
 * properties, items and additionalProperties; evaluation (schema/cel/validation.go) runs each
 * node's rules with `self` bound to the node's value, `oldSelf` to the correlated old value
 * (transition rules run only when there is one), and recurses into present values.
 */
import { celEnv, CelScalar, parse, plan } from '@bufbuild/cel'
import { notSupported } from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { JSONSchemaProps } from '../schema/index.js'
import { checkExpr, formatIssue, schemaType } from './checker.js'
import type { AstExpr, InferredType } from './checker.js'
import { validFieldPath } from './field-path.js'
import { validateNode } from './evaluate.js'
import type { Program, RuleNode } from './evaluate.js'
import { kubernetesFuncs } from './library.js'

export interface CompiledValidationRules {
  /**
   * Rules that do not compile or use something unsupported, with paths below the schemaPath given
   * to compileValidationRules (e.g. "...openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule");
   * the CRD is refused when this is not empty.
   */
  errors: FieldError[]
  /** Whether the schema has any rule at all (no rules: validate is a no-op). */
  hasRules: boolean
  /**
   * Evaluates every rule against obj (and oldObj for transition rules on update; undefined on
   * create), returning kube's field errors (paths like "spec.replicas", messages, reasons).
   */
  validate(obj: unknown, oldObj: unknown): FieldError[]
}

/** apiextensions ValidationRule as JSON. */
interface ValidationRule {
  rule?: unknown
  message?: unknown
  messageExpression?: unknown
  reason?: unknown
  fieldPath?: unknown
  optionalOldSelf?: unknown
}

const env = celEnv({
  funcs: kubernetesFuncs,
  variables: { self: CelScalar.DYN, oldSelf: CelScalar.DYN },
})

const supportedReasons = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired']

function objectOf(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/** Go's %#v of an apiextensions.ValidationRule, which kube prints as the bad value of compile errors. */
function goRule(r: ValidationRule): string {
  const q = (v: unknown): string => JSON.stringify(str(v))
  const reason = r.reason === undefined || r.reason === null ? '(*apiextensions.FieldValueErrorReason)(nil)' : '(*apiextensions.FieldValueErrorReason)(0xc000a3c000)'
  const optional = r.optionalOldSelf === undefined || r.optionalOldSelf === null ? '(*bool)(nil)' : '(*bool)(0xc000a3c008)'
  return `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${optional}}`
}

interface Compiled {
  program?: Program
  issues: string[]
  outputType?: InferredType
  usesOldSelf: boolean
  loopDepth: number
}

/** Parses, checks and plans one expression; issues are cel-go style "ERROR: ..." texts. */
function compileExpression(source: string, selfType: InferredType, oldSelfType: InferredType = selfType): Compiled {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(source)
  } catch (e) {
    const err = e as { rawMessage?: string; location?: { start?: { line?: number; column?: number } }; message?: string }
    const line = err.location?.start?.line ?? 1
    const col = err.location?.start?.column ?? 1
    const message = err.rawMessage ?? String(err.message ?? e).replace(/^syntax error: <input>:\d+:\d+: /, '')
    // kube-apiserver accepts optional selection (self.?field, list[?0]); @bufbuild/cel's parser
    // does not, so say that plainly instead of leaving a bare syntax error on valid kube CEL.
    const optional = /\.\?[A-Za-z_]|\[\?/.test(source) ? ' (optional field selection .?field and [?index] is not supported by kube-express)' : ''
    return { issues: [formatIssue(source, line, col, `Syntax error: ${message}${optional}`)], usesOldSelf: false, loopDepth: 0 }
  }
  const positions: Record<string, number> = {}
  for (const [id, offset] of Object.entries(parsed.sourceInfo?.positions ?? {})) positions[id] = Number(offset)
  let checked: ReturnType<typeof checkExpr>
  let program: Program
  try {
    checked = checkExpr(env, parsed.expr as unknown as AstExpr, positions, source, selfType, oldSelfType)
    if (checked.issues.length > 0) return { issues: checked.issues, usesOldSelf: checked.usesOldSelf, loopDepth: checked.loopDepth }
    program = plan(env, parsed) as unknown as Program
  } catch (e) {
    // a pathologically nested expression overflows the stack of the checker or planner
    const detail = e instanceof RangeError ? 'max recursion depth exceeded' : `program instantiation failed: ${(e as Error).message}`
    return { issues: [formatIssue(source, 1, 1, detail)], usesOldSelf: false, loopDepth: 0 }
  }
  return { program, issues: [], outputType: checked.outputType, usesOldSelf: checked.usesOldSelf, loopDepth: checked.loopDepth }
}

function hasRules(schema: JSONSchemaProps | undefined): boolean {
  if (!schema) return false
  const rules = schema['x-kubernetes-validations']
  if (Array.isArray(rules) && rules.length > 0) return true
  if (hasRules(objectOf(schema.items))) return true
  if (hasRules(objectOf(schema.additionalProperties))) return true
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(schema[key]) && (schema[key] as unknown[]).some((b) => hasRules(objectOf(b)))) return true
  }
  if (hasRules(objectOf(schema.not))) return true
  return Object.values(objectOf(schema.properties) ?? {}).some((p) => hasRules(objectOf(p)))
}

function hasNewlines(s: string): boolean {
  return /[\n\r]/.test(s)
}

/** The checks of one rule's fields that come before compiling it (validation.go's SchemaErrors). */
function ruleFieldErrors(r: ValidationRule, schema: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = []
  const rule = str(r.rule)
  const message = str(r.message)
  const trimmedMsg = message.trim()
  if (rule.trim() === '') {
    errs.push({ type: 'FieldValueRequired', field: `${path}.rule`, detail: 'rule is not specified' })
  } else if (message.length > 0 && trimmedMsg === '') {
    errs.push({ type: 'FieldValueInvalid', field: `${path}.message`, badValue: message, detail: 'message must be non-empty if specified' })
  } else if (message.length > 2048) {
    errs.push({ type: 'FieldValueInvalid', field: `${path}.message`, badValue: `${message.slice(0, 10)}...`, detail: 'message must have a maximum length of 2048 characters' })
  } else if (hasNewlines(trimmedMsg)) {
    errs.push({ type: 'FieldValueInvalid', field: `${path}.message`, badValue: message, detail: 'message must not contain line breaks' })
  } else if (hasNewlines(rule.trim()) && trimmedMsg === '') {
    errs.push({ type: 'FieldValueRequired', field: `${path}.message`, detail: 'message must be specified if rule contains line breaks' })
  }
  const messageExpression = str(r.messageExpression)
  if (messageExpression.length > 0 && messageExpression.trim() === '') {
    errs.push({ type: 'FieldValueRequired', field: `${path}.messageExpression`, detail: 'messageExpression must be non-empty if specified' })
  }
  if (r.reason !== undefined && r.reason !== null && !supportedReasons.includes(str(r.reason))) {
    errs.push(notSupported(`${path}.reason`, r.reason, supportedReasons))
  }
  const fieldPath = str(r.fieldPath)
  if (fieldPath.length > 0 && fieldPath.trim() === '') {
    errs.push({ type: 'FieldValueInvalid', field: `${path}.fieldPath`, badValue: fieldPath, detail: 'fieldPath must be non-empty if specified' })
  }
  if (hasNewlines(fieldPath)) {
    errs.push({ type: 'FieldValueInvalid', field: `${path}.fieldPath`, badValue: fieldPath, detail: 'fieldPath must not contain line breaks' })
  }
  if (fieldPath.length > 0) {
    try {
      validFieldPath(fieldPath, schema)
    } catch (e) {
      errs.push({ type: 'FieldValueInvalid', field: `${path}.fieldPath`, badValue: fieldPath, detail: `fieldPath must be a valid path: ${(e as Error).message}` })
    }
  }
  return errs
}

function compileNode(
  schema: JSONSchemaProps,
  path: string,
  uncorrelatablePath: string | undefined,
  isRoot: boolean,
  errors: FieldError[],
): RuleNode | undefined {
  if (!hasRules(schema)) return undefined
  const node: RuleNode = {
    type: str(schema.type),
    isRoot,
    schema,
    rules: [],
    properties: new Map(),
  }
  const selfType = schemaType(schema, isRoot)
  const rules = Array.isArray(schema['x-kubernetes-validations']) ? (schema['x-kubernetes-validations'] as unknown[]) : []
  const ruleErrors: FieldError[] = []
  rules.forEach((raw, i) => ruleErrors.push(...ruleFieldErrors(objectOf(raw) ?? {}, schema, `${path}.x-kubernetes-validations[${i}]`)))
  errors.push(...ruleErrors)
  // as kube, rules are only compiled when their fields are valid
  if (ruleErrors.length === 0) {
    rules.forEach((raw, i) => {
      const r = objectOf(raw) as ValidationRule
      const rulePath = `${path}.x-kubernetes-validations[${i}]`
      const source = str(r.rule)
      // with optionalOldSelf, oldSelf is an optional (opaque here) rather than a value of the schema's type
      const compiled = compileExpression(source, selfType, r.optionalOldSelf === true ? { kind: 'dyn' } : selfType)
      let failed = false
      if (compiled.issues.length > 0) {
        errors.push({ type: 'FieldValueInvalid', field: `${rulePath}.rule`, badValueText: goRule(r), detail: `compilation failed: ${compiled.issues.join('\n')}` })
        failed = true
      } else if (compiled.outputType && !['bool', 'dyn'].includes(compiled.outputType.kind)) {
        errors.push({ type: 'FieldValueInvalid', field: `${rulePath}.rule`, badValueText: goRule(r), detail: 'cel expression must evaluate to a bool' })
        failed = true
      }
      const ruleFailed = failed
      let messageProgram: Program | undefined
      const messageExpression = str(r.messageExpression)
      if (messageExpression.trim() !== '' && !failed) {
        const m = compileExpression(messageExpression, selfType)
        if (m.issues.length > 0) {
          errors.push({ type: 'FieldValueInvalid', field: `${rulePath}.messageExpression`, badValueText: goRule(r), detail: `messageExpression compilation failed: ${m.issues.join('\n')}` })
          failed = true
        } else if (m.outputType && !['string', 'dyn'].includes(m.outputType.kind)) {
          errors.push({ type: 'FieldValueInvalid', field: `${rulePath}.messageExpression`, badValueText: goRule(r), detail: 'messageExpression must evaluate to a string' })
          failed = true
        }
        messageProgram = m.program
      }
      // as kube, only a rule that compiled is known to be a transition rule
      if (!ruleFailed && compiled.usesOldSelf && uncorrelatablePath !== undefined) {
        errors.push({ type: 'FieldValueInvalid', field: `${rulePath}.rule`, badValue: source, detail: `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatablePath}` })
        failed = true
      }
      if (failed || !compiled.program) return
      const fieldPath = str(r.fieldPath).trim()
      node.rules.push({
        rule: source,
        message: str(r.message),
        program: compiled.program,
        messageProgram,
        usesOldSelf: compiled.usesOldSelf,
        optionalOldSelf: r.optionalOldSelf === true,
        loopDepth: compiled.loopDepth,
        reason: typeof r.reason === 'string' ? r.reason : undefined,
        fieldPath: fieldPath ? validFieldPath(fieldPath, schema) : '',
      })
    })
  }
  // kube also runs rules written inside allOf/anyOf/oneOf/not; this server does not, so it says so
  for (const key of ['allOf', 'anyOf', 'oneOf', 'not']) {
    const value = schema[key]
    const branches = Array.isArray(value) ? value : value === undefined ? [] : [value]
    branches.forEach((b, i) => {
      if (hasRules(objectOf(b))) {
        const at = Array.isArray(value) ? `${path}.${key}[${i}]` : `${path}.${key}`
        errors.push({ type: 'FieldValueForbidden', field: at, detail: `x-kubernetes-validations inside ${key} are not supported by kube-express` })
      }
    })
  }
  for (const [name, prop] of Object.entries(objectOf(schema.properties) ?? {})) {
    const p = objectOf(prop)
    if (!p) continue
    const sub = compileNode(p, `${path}.properties[${name}]`, uncorrelatablePath, false, errors)
    if (sub) node.properties.set(name, sub)
  }
  const additional = objectOf(schema.additionalProperties)
  if (additional) {
    node.additionalProperties = compileNode(additional, `${path}.additionalProperties`, uncorrelatablePath, false, errors)
  }
  const items = objectOf(schema.items)
  if (items) {
    const isMapList = schema['x-kubernetes-list-type'] === 'map'
    const itemsPath = uncorrelatablePath ?? (isMapList ? undefined : `${path}.items`)
    node.items = compileNode(items, `${path}.items`, itemsPath, false, errors)
    if (isMapList && Array.isArray(schema['x-kubernetes-list-map-keys'])) {
      node.listMapKeys = (schema['x-kubernetes-list-map-keys'] as unknown[]).map(String)
    }
  }
  return node
}

export function compileValidationRules(schema: JSONSchemaProps, schemaPath: string): CompiledValidationRules {
  const errors: FieldError[] = []
  const root = compileNode(schema, schemaPath, undefined, true, errors)
  return {
    errors,
    hasRules: root !== undefined,
    validate(obj: unknown, oldObj: unknown): FieldError[] {
      if (!root || errors.length > 0) return []
      const out: FieldError[] = []
      validateNode(root, '', obj, oldObj, oldObj !== undefined && oldObj !== null, false, out)
      return out
    },
  }
}

