/**
 * @module routers/extensions/cel/checker
 * The compile-time checks @bufbuild/cel does not offer publicly (it has no exported type checker):
 * undeclared references and functions, unknown fields of schema objects, and the output type of a
 * rule (bool) or messageExpression (string), inferred from the schema where it can be. Errors are
 * rendered as cel-go's issues.String(): "ERROR: <input>:1:6: ..." with the source line and a caret.
 */
import type { CelEnv, CelFunc } from '@bufbuild/cel'
import type { JSONSchemaProps } from '../schema/index.js'
import { escapePropertyName } from './escaping.js'
import { unsupportedKubernetesFuncs } from './library.js'

/** A structural view of the parsed AST (cel.expr.Expr of @bufbuild/cel-spec), only what is read here. */
export interface AstExpr {
  id: bigint
  exprKind:
    | { case: 'identExpr'; value: { name: string } }
    | { case: 'constExpr'; value: { constantKind: { case: string | undefined; value?: unknown } } }
    | { case: 'selectExpr'; value: { operand?: AstExpr; field: string; testOnly: boolean } }
    | { case: 'callExpr'; value: { target?: AstExpr; function: string; args: AstExpr[] } }
    | { case: 'listExpr'; value: { elements: AstExpr[] } }
    | { case: 'structExpr'; value: { messageName: string; entries: { keyKind: { case: string; value: unknown }; value?: AstExpr }[] } }
    | {
        case: 'comprehensionExpr'
        value: {
          iterVar: string
          iterVar2: string
          iterRange?: AstExpr
          accuVar: string
          accuInit?: AstExpr
          loopCondition?: AstExpr
          loopStep?: AstExpr
          result?: AstExpr
        }
      }
    | { case: undefined; value?: undefined }
}

export type Kind =
  | 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null_type' | 'google.protobuf.Timestamp'
  | 'google.protobuf.Duration' | 'list' | 'map' | 'dyn' | 'type'

export interface InferredType {
  kind: Kind
  /** The schema a list or map (object) came from, to type fields, items and values. */
  schema?: JSONSchemaProps
  /** Objects that show apiVersion, kind and a reduced metadata (resource root, embedded resources). */
  resource?: boolean
  /** The reduced metadata of a resource (name, generateName). */
  metadata?: boolean
}

const DYN: InferredType = { kind: 'dyn' }

const metadataSchema: JSONSchemaProps = {
  type: 'object',
  properties: { name: { type: 'string' }, generateName: { type: 'string' } },
}

/** The CEL type of values of a schema node, as model.SchemaDeclType gives it. */
export function schemaType(schema: JSONSchemaProps | undefined, isRoot = false): InferredType {
  if (!schema) return DYN
  if (schema['x-kubernetes-int-or-string'] === true) return DYN
  const resource = isRoot || schema['x-kubernetes-embedded-resource'] === true
  switch (schema.type) {
    case 'integer':
      return { kind: 'int' }
    case 'number':
      return { kind: 'double' }
    case 'boolean':
      return { kind: 'bool' }
    case 'string':
      if (schema.format === 'date-time') return { kind: 'google.protobuf.Timestamp' }
      if (schema.format === 'duration') return { kind: 'google.protobuf.Duration' }
      return { kind: 'string' }
    case 'array':
      return { kind: 'list', schema }
    case 'object':
      return { kind: 'map', schema, resource }
    default:
      return resource ? { kind: 'map', schema, resource } : DYN
  }
}

function child(schema: JSONSchemaProps | undefined, key: string): JSONSchemaProps | undefined {
  const v = schema?.[key]
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JSONSchemaProps) : undefined
}

/** Where an expression starts, as 1-based line and column of the source. */
function location(source: string, offset: number): { line: number; col: number } {
  const cps = Array.from(source)
  let line = 1
  let col = 1
  for (let i = 0; i < offset && i < cps.length; i++) {
    if (cps[i] === '\n') {
      line++
      col = 1
    } else col++
  }
  return { line, col }
}

/** One cel-go issue: "ERROR: <input>:L:C: msg" followed by the source line and a caret under column C. */
export function formatIssue(source: string, line: number, col: number, message: string): string {
  const text = source.split('\n')[line - 1] ?? ''
  return `ERROR: <input>:${line}:${col}: ${message}\n | ${text}\n | ${'.'.repeat(Math.max(0, col - 1))}^`
}

export interface CheckResult {
  issues: string[]
  outputType: InferredType
  /** Whether the expression reads oldSelf (a transition rule). */
  usesOldSelf: boolean
  /** How deeply comprehensions (all, exists, map, ...) nest, for the runtime cost guard. */
  loopDepth: number
}

/** Types whose mix in a comparison cel-go's checker refuses (no heterogeneous overloads). */
const scalarKinds = new Set<Kind>(['int', 'uint', 'double', 'string', 'bool', 'bytes', 'google.protobuf.Timestamp', 'google.protobuf.Duration'])

const typeIdents = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn'])

/** Operators the planner implements itself rather than through the function registry. */
const plannerOperators = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '_!=_', '_==_'])

const boolResults = new Set([
  '_&&_', '_||_', '!_', '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '@in', '@not_strictly_false', 'matches',
  'startsWith', 'endsWith', 'contains',
])

const conversionResults: Record<string, Kind> = {
  int: 'int', uint: 'uint', double: 'double', string: 'string', bool: 'bool', bytes: 'bytes', size: 'int',
  timestamp: 'google.protobuf.Timestamp', duration: 'google.protobuf.Duration', type: 'type',
}

/**
 * Checks a parsed expression against the environment and the schema of `self`; positions come
 * from the parser's source info (offsets in code points).
 */
export function checkExpr(
  env: CelEnv,
  root: AstExpr,
  positions: Record<string, number>,
  source: string,
  selfType: InferredType,
  oldSelfType: InferredType = selfType,
): CheckResult {
  const issues: string[] = []
  let usesOldSelf = false
  let depth = 0
  let loopDepth = 0
  const report = (e: AstExpr, message: string): void => {
    let offset = positions[String(e.id)] ?? 0
    // cel-go places a call at its opening parenthesis, @bufbuild/cel at its name
    if (e.exprKind.case === 'callExpr' && /^[a-zA-Z]/.test(e.exprKind.value.function)) {
      const cps = Array.from(source)
      const paren = cps.indexOf('(', offset)
      if (paren >= 0) offset = paren
    }
    const { line, col } = location(source, offset)
    issues.push(formatIssue(source, line, col, message))
  }

  const overloads = (name: string): CelFunc[] => {
    const group = env.funcs.find(name)
    return group ? [...group] : []
  }

  const resultOf = (name: string): InferredType => {
    if (boolResults.has(name)) return { kind: 'bool' }
    if (name in conversionResults) return { kind: conversionResults[name]! }
    const results = new Set(overloads(name).map((f) => f.result.name))
    if (results.size === 1) {
      const only = [...results][0]!
      if (only === 'list' || only === 'map') return { kind: only }
      if (only !== 'dyn') return { kind: only as Kind }
    }
    return DYN
  }

  const selectField = (operand: InferredType, field: string, e: AstExpr): InferredType => {
    if (operand.kind !== 'map' || !operand.schema) return DYN
    const schema = operand.schema
    if (operand.resource && (field === 'apiVersion' || field === 'kind') && !child(schema, 'properties')?.[field]) {
      return { kind: 'string' }
    }
    if (operand.resource && field === 'metadata') return { kind: 'map', schema: metadataSchema, metadata: true }
    const properties = child(schema, 'properties') as Record<string, JSONSchemaProps> | undefined
    if (properties) {
      for (const [name, prop] of Object.entries(properties)) {
        if (escapePropertyName(name) === field) return schemaType(prop)
      }
      if (schema['x-kubernetes-preserve-unknown-fields'] !== true) report(e, `undefined field '${field}'`)
      return DYN
    }
    const additional = child(schema, 'additionalProperties')
    if (additional) return schemaType(additional)
    return DYN
  }

  const elementType = (t: InferredType): InferredType => {
    if (t.kind === 'list') return schemaType(child(t.schema, 'items'))
    if (t.kind === 'map') return t.schema && child(t.schema, 'properties') ? DYN : { kind: 'string' }
    return DYN
  }

  const visit = (e: AstExpr | undefined, scope: Map<string, InferredType>): InferredType => {
    if (!e) return DYN
    const k = e.exprKind
    switch (k.case) {
      case 'constExpr': {
        const c = k.value.constantKind.case
        const kinds: Record<string, Kind> = {
          boolValue: 'bool', int64Value: 'int', uint64Value: 'uint', doubleValue: 'double', stringValue: 'string',
          bytesValue: 'bytes', nullValue: 'null_type',
        }
        return { kind: (c && kinds[c]) || 'dyn' }
      }
      case 'identExpr': {
        const name = k.value.name
        const local = scope.get(name)
        if (local) return local
        if (name === 'self') return selfType
        if (name === 'oldSelf') {
          usesOldSelf = true
          return oldSelfType
        }
        if (typeIdents.has(name)) return { kind: 'type' }
        report(e, `undeclared reference to '${name}' (in container '')`)
        return DYN
      }
      case 'selectExpr': {
        const operand = visit(k.value.operand, scope)
        const t = selectField(operand, k.value.field, e)
        return k.value.testOnly ? { kind: 'bool' } : t
      }
      case 'listExpr':
        for (const el of k.value.elements) visit(el, scope)
        return { kind: 'list' }
      case 'structExpr':
        if (k.value.messageName) {
          report(e, `undeclared reference to '${k.value.messageName}' (in container '')`)
          return DYN
        }
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value as AstExpr, scope)
          visit(entry.value, scope)
        }
        return { kind: 'map' }
      case 'comprehensionExpr': {
        const c = k.value
        const range = visit(c.iterRange, scope)
        const accu = visit(c.accuInit, scope)
        const inner = new Map(scope)
        inner.set(c.accuVar, accu)
        if (c.iterVar2) {
          inner.set(c.iterVar, range.kind === 'list' ? { kind: 'int' } : DYN)
          inner.set(c.iterVar2, elementType(range))
        } else {
          inner.set(c.iterVar, elementType(range))
        }
        depth++
        loopDepth = Math.max(loopDepth, depth)
        visit(c.loopCondition, inner)
        visit(c.loopStep, inner)
        depth--
        const resultScope = new Map(scope)
        resultScope.set(c.accuVar, accu)
        return visit(c.result, resultScope)
      }
      case 'callExpr':
        return visitCall(e, k.value, scope)
      default:
        return DYN
    }
  }

  const visitCall = (
    e: AstExpr,
    call: { target?: AstExpr; function: string; args: AstExpr[] },
    scope: Map<string, InferredType>,
  ): InferredType => {
    let name = call.function
    let target = call.target
    // a.b(x) where a is not a variable is the namespaced function "a.b" (sets.contains, math.greatest)
    if (target?.exprKind.case === 'identExpr') {
      const ns = target.exprKind.value.name
      if (!scope.has(ns) && ns !== 'self' && ns !== 'oldSelf' && overloads(`${ns}.${name}`).length + (unsupportedKubernetesFuncs.has(`${ns}.${name}`) ? 1 : 0) > 0) {
        name = `${ns}.${name}`
        target = undefined
      }
    }
    const targetType = target ? visit(target, scope) : undefined
    const argTypes = call.args.map((a) => visit(a, scope))
    if (['_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_'].includes(name)) {
      const [l, r] = [argTypes[0]!.kind, argTypes[1]!.kind]
      const numeric = (t: Kind): boolean => t === 'int' || t === 'uint' || t === 'double'
      const ordering = name !== '_==_' && name !== '_!=_'
      if (scalarKinds.has(l) && scalarKinds.has(r) && l !== r && !(ordering && numeric(l) && numeric(r))) {
        report(e, `found no matching overload for '${name}' applied to '(${l}, ${r})'`)
      }
      return { kind: 'bool' }
    }
    if (plannerOperators.has(name)) {
      if (name === '_?_:_') return argTypes[1]?.kind === argTypes[2]?.kind ? argTypes[1]! : DYN
      if (name === '_[_]') return elementOrValue(argTypes[0]!)
      return { kind: 'bool' }
    }
    const candidates = overloads(name)
    if (candidates.length === 0) {
      const note = unsupportedKubernetesFuncs.has(name)
        ? `: the Kubernetes CEL function '${name}' is not supported by kube-express`
        : ''
      report(e, `undeclared reference to '${name}' (in container '')${note}`)
      return DYN
    }
    const fits = candidates.some((f) => (f.target !== undefined) === (target !== undefined) && f.arguments.length === call.args.length)
    if (!fits) {
      const args = argTypes.map((t) => t.kind).join(', ')
      report(e, `found no matching overload for '${name}' applied to '${targetType ? `${targetType.kind}.` : ''}(${args})'`)
      return DYN
    }
    if (['_+_', '_-_', '_*_', '_/_', '_%_', '-_'].includes(name)) {
      const left = argTypes[0]!
      if (left.kind === 'list') return { kind: 'list' }
      if (name === '_-_' && left.kind === 'google.protobuf.Timestamp' && argTypes[1]?.kind === 'google.protobuf.Timestamp') {
        return { kind: 'google.protobuf.Duration' }
      }
      return left.kind === 'dyn' ? (argTypes[1] ?? DYN) : { kind: left.kind }
    }
    return resultOf(name)
  }

  const elementOrValue = (t: InferredType): InferredType => {
    if (t.kind === 'list') return schemaType(child(t.schema, 'items'))
    if (t.kind === 'map' && t.schema && !child(t.schema, 'properties')) return schemaType(child(t.schema, 'additionalProperties'))
    return DYN
  }

  const outputType = visit(root, new Map())
  return { issues, outputType, usesOldSelf, loopDepth }
}
