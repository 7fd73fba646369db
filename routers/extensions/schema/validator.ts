/**
 * @module routers/extensions/schema/validator
 * Validation of custom resources against a CRD version's schema. The kube schema is translated
 * once into JSON Schema for ajv (nullable, int-or-string, exclusive bounds, kube's formats; the
 * x-kubernetes-* keywords are left out) and compiled once; ajv's errors are then mapped keyword
 * by keyword onto the field errors kube-apiserver builds from kube-openapi's results
 * (apiserver/validation/validation.go kubeOpenAPIResultToFieldErrors, kube-openapi
 * validation/errors/schema.go). The list-type (listtype/validation.go) and embedded-resource
 * (objectmeta/validation.go) checks walk the object beside ajv.
 */
import { Ajv } from 'ajv'
import type { ErrorObject, ValidateFunction } from 'ajv'
import type { FieldError } from '../../../lib/api/field-errors.js'
import { duplicate, invalid, notSupported, required, tooLong, typeInvalid } from '../../../lib/api/field-errors.js'
import { isDNS1035Label, validateObjectMeta, validatePathSegmentName } from '../../../lib/api/validation.js'
import type { ObjectMeta } from '../../../lib/api/types.js'
import { child, goSharpV, goValueText, index, isObject, jsonTypeOf, own } from './field-path.js'
import { addKubeFormats, knownFormats } from './formats.js'
import { goRegExp } from './go-regexp.js'

type Schema = Record<string, unknown>

/** The kube type name an int-or-string or typed node reports in "must be of type X". */
const KUBE_TYPE = 'x-kube-type'
/** The node's format as written (known or not): kube-openapi's type check reports it for non-strings. */
const KUBE_FORMAT = 'x-kube-format'

const jsonTypes = new Set(['array', 'boolean', 'integer', 'number', 'object', 'string'])

/** Translates a kube JSONSchemaProps into JSON Schema (draft-07) that ajv compiles. */
export function toAjvSchema(s: Schema): Schema {
  const out: Schema = {}
  const intOrString = s['x-kubernetes-int-or-string'] === true
  if (intOrString) {
    out.type = ['integer', 'string']
    out[KUBE_TYPE] = 'integer,string'
  } else if (typeof s.type === 'string' && jsonTypes.has(s.type)) {
    out.type = s.type
    out[KUBE_TYPE] = s.type
  }
  // Only well-formed keywords reach ajv, so a malformed schema can never make compilation throw.
  for (const k of ['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties']) {
    const v = s[k]
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[k] = v
  }
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0) out.multipleOf = s.multipleOf
  if (typeof s.maximum === 'number') {
    if (s.exclusiveMaximum === true) out.exclusiveMaximum = s.maximum
    else out.maximum = s.maximum
  }
  if (typeof s.minimum === 'number') {
    if (s.exclusiveMinimum === true) out.exclusiveMinimum = s.minimum
    else out.minimum = s.minimum
  }
  if (typeof s.pattern === 'string' && s.pattern !== '' && compiles(s.pattern)) out.pattern = s.pattern
  if (typeof s.format === 'string' && s.format !== '') out[KUBE_FORMAT] = s.format
  if (typeof s.format === 'string' && knownFormats.has(s.format) && (out.type === 'string' || out.type === undefined)) out.format = s.format
  if (Array.isArray(s.required)) out.required = (s.required as unknown[]).filter((r) => typeof r === 'string')
  if (Array.isArray(s.enum)) out.enum = s.enum
  if (isObject(s.properties)) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toAjvSchema(isObject(v) ? v : {})]))
  }
  if (isObject(s.additionalProperties)) out.additionalProperties = toAjvSchema(s.additionalProperties)
  else if (s.additionalProperties === false) out.additionalProperties = false
  if (isObject(s.items)) out.items = toAjvSchema(s.items)
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(s[k])) out[k] = (s[k] as unknown[]).map((x) => toAjvSchema(isObject(x) ? x : {}))
  }
  if (isObject(s.not)) out.not = toAjvSchema(s.not)
  // kube-openapi accepts null for a nullable schema before any other check.
  if (s.nullable === true) return { if: { type: 'null' }, then: true, else: out }
  return out
}

function compiles(pattern: string): boolean {
  try {
    goRegExp(pattern)
    return true
  } catch {
    return false
  }
}

/** ajv's regExp hook: Go patterns, ajv's flags (none, since unicode matching is not Go's either). */
function goRegExpEngine(source: string, flags: string): RegExp {
  const re = goRegExp(source)
  return flags ? new RegExp(re.source, re.flags + flags.replace(/[^gimsuy]/g, '').replace(/u/g, '')) : re
}
goRegExpEngine.code = 'goRegExp'

/**
 * Compiles s with ajv. Each compiled CRD schema gets its own ajv instance (pass none), so a
 * deleted CRD's code can be garbage collected; short-lived batches (the defaults of one schema)
 * share one from newAjv().
 */
export function compileAjv(s: Schema, ajv: Ajv = newAjv()): ValidateFunction {
  return ajv.compile(toAjvSchema(s))
}

export function newAjv(): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    verbose: true,
    validateSchema: false,
    addUsedSchema: false,
    code: { optimize: false, regExp: goRegExpEngine },
  })
  addKubeFormats(ajv)
  return ajv
}

// ---------------------------------------------------------------------------------------------
// ajv errors → kube field errors
// ---------------------------------------------------------------------------------------------

/** The kube-openapi name of an instance path: keys joined by ".", array indices as "[i]". */
function kubeName(data: unknown, instancePath: string): string {
  if (instancePath === '') return ''
  let name = ''
  let cur: unknown = data
  for (const raw of instancePath.slice(1).split('/')) {
    const tok = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(cur)) {
      name += `[${tok}]`
      cur = cur[Number(tok)]
    } else {
      name = name === '' ? tok : `${name}.${tok}`
      cur = isObject(cur) ? cur[tok] : undefined
    }
  }
  return name
}

/** Go's %v of a float64 bound (integers print without a fraction). */
function goNumber(n: unknown): string {
  if (typeof n !== 'number') return String(n)
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n)
  return String(n)
}

/** Go's %q. */
function q(s: string): string {
  return JSON.stringify(s)
}

/**
 * Drops the errors of the anyOf/oneOf branches kube-openapi would not report: it keeps only the
 * best failing branch (here: the one with the fewest errors).
 */
function keepBestBranches(errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>()
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue
    const prefix = `${e.schemaPath}/`
    const byBranch = new Map<string, ErrorObject[]>()
    for (const inner of errors) {
      if (!inner.schemaPath.startsWith(prefix)) continue
      const branch = inner.schemaPath.slice(prefix.length).split('/')[0]!
      const list = byBranch.get(branch) ?? []
      list.push(inner)
      byBranch.set(branch, list)
    }
    let best: string | undefined
    for (const [b, list] of byBranch) if (best === undefined || list.length < byBranch.get(best)!.length) best = b
    for (const [b, list] of byBranch) if (b !== best) for (const x of list) dropped.add(x)
  }
  return errors.filter((e) => !dropped.has(e))
}

/** Schema path keywords that step into the instance (one level per occurrence). */
const descending = new Set(['properties', 'items', 'additionalProperties'])
/** Schema path keywords followed by a name or an index that is not an instance step. */
const withArgument = new Set(['properties', 'allOf', 'anyOf', 'oneOf'])

/** The instance path of the node owning a schema path prefix, from an error below it. */
function ownerInstancePath(e: ErrorObject, rest: string[]): string {
  // rest: schema path segments below the owner's branch; the last one is the failing keyword.
  let steps = 0
  for (let i = 0; i < rest.length - 1; i++) {
    const seg = rest[i]!
    if (descending.has(seg)) steps++
    if (withArgument.has(seg)) i++
  }
  const parts = e.instancePath === '' ? [] : e.instancePath.split('/').slice(1)
  const kept = parts.slice(0, Math.max(0, parts.length - steps))
  return kept.length === 0 ? '' : `/${kept.join('/')}`
}

/** Follows a "#/a/b" schema path in the compiled schema. */
function schemaAt(root: unknown, path: string[]): unknown {
  let cur = root
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)]
    else if (isObject(cur)) cur = own(cur, seg)
    else return undefined
  }
  return cur
}

/**
 * kube-openapi's allOf summary: `"<name>" must validate all the schemas (allOf)`, with
 * ". None validated" when every branch failed. ajv has no error of its own for allOf.
 */
function allOfSummaries(errors: readonly ErrorObject[], data: unknown, root: unknown, compositePath: string): FieldError[] {
  const owners = new Map<string, { instancePath: string; failing: Set<string> }>()
  for (const e of errors) {
    const segs = e.schemaPath.replace(/^#\/?/, '').split('/')
    for (let i = 0; i + 1 < segs.length; i++) {
      if (segs[i] !== 'allOf') continue
      const owner = segs.slice(0, i).join('/')
      const entry = owners.get(owner) ?? { instancePath: ownerInstancePath(e, segs.slice(i + 2)), failing: new Set<string>() }
      entry.failing.add(segs[i + 1]!)
      owners.set(owner, entry)
    }
  }
  const out: FieldError[] = []
  for (const [owner, { instancePath, failing }] of owners) {
    const branches = schemaAt(root, [...(owner === '' ? [] : owner.split('/')), 'allOf'])
    const total = Array.isArray(branches) ? branches.length : failing.size
    const none = failing.size >= total ? '. None validated' : ''
    out.push(invalid(compositePath, '', `${q(kubeName(data, instancePath))} must validate all the schemas (allOf)${none}`))
  }
  return out
}

/**
 * Maps ajv's errors for data onto kube's field errors below fldPath ("" for a whole custom
 * resource, whose composite errors then carry kube's "<nil>" path); root is the compiled schema.
 */
export function ajvErrorsToFieldErrors(errors: readonly ErrorObject[], data: unknown, fldPath: string, root?: unknown): FieldError[] {
  const out: FieldError[] = []
  const compositePath = fldPath === '' ? '<nil>' : fldPath
  const kept = keepBestBranches([...errors])
  if (root !== undefined) out.push(...allOfSummaries(kept, data, root, compositePath))
  for (const e of kept) {
    const name = kubeName(data, e.instancePath)
    const errPath = name === '' ? fldPath : child(fldPath, name)
    const value = e.data
    const parent = (e.parentSchema ?? {}) as Schema
    switch (e.keyword) {
      case 'type': {
        let actual = jsonTypeOf(value)
        let expected = typeof parent[KUBE_TYPE] === 'string' ? (parent[KUBE_TYPE] as string) : String((e.params as { type: unknown }).type)
        const format = parent[KUBE_FORMAT]
        if (typeof format === 'string' && actual !== 'string' && actual !== 'array' && actual !== 'null') {
          // typeValidator compares formats first for non-strings: the schema's format against
          // the one inferred from the value (int64, float64, or none).
          expected = format
          actual = actual === 'integer' ? 'int64' : actual === 'number' ? 'float64' : ''
        }
        out.push(typeInvalid(errPath, actual, `${name} in body must be of type ${expected}: ${q(actual)}`))
        break
      }
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty
        out.push(required(child(errPath, missing)))
        break
      }
      case 'enum': {
        const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
        out.push(notSupported(errPath, value, allowed))
        break
      }
      case 'maxLength': {
        const max = (e.params as { limit: number }).limit
        out.push(max === 1 ? { ...tooLong(errPath, max), detail: 'must have at most 1 byte' } : tooLong(errPath, max))
        break
      }
      case 'minLength':
        out.push(invalid(errPath, value, `${name} in body should be at least ${(e.params as { limit: number }).limit} chars long`))
        break
      case 'pattern':
        out.push(invalid(errPath, value, `${name} in body should match '${(e.params as { pattern: string }).pattern}'`))
        break
      case 'maximum':
        out.push(invalid(errPath, value, `${name} in body should be less than or equal to ${goNumber((e.params as { limit: number }).limit)}`))
        break
      case 'exclusiveMaximum':
        out.push(invalid(errPath, value, `${name} in body should be less than ${goNumber((e.params as { limit: number }).limit)}`))
        break
      case 'minimum':
        out.push(invalid(errPath, value, `${name} in body should be greater than or equal to ${goNumber((e.params as { limit: number }).limit)}`))
        break
      case 'exclusiveMinimum':
        out.push(invalid(errPath, value, `${name} in body should be greater than ${goNumber((e.params as { limit: number }).limit)}`))
        break
      case 'multipleOf':
        out.push(invalid(errPath, value, `${name} in body should be a multiple of ${goNumber((e.params as { multipleOf: number }).multipleOf)}`))
        break
      case 'maxItems': {
        const max = (e.params as { limit: number }).limit
        out.push({ type: 'FieldValueTooMany', field: errPath, badValue: Array.isArray(value) ? value.length : -1, detail: `must have at most ${max} ${max === 1 ? 'item' : 'items'}` })
        break
      }
      case 'minItems':
        out.push(invalid(errPath, Array.isArray(value) ? value.length : 0, `${name} in body should have at least ${(e.params as { limit: number }).limit} items`))
        break
      case 'maxProperties': {
        const max = (e.params as { limit: number }).limit
        out.push({ type: 'FieldValueTooMany', field: errPath, badValue: isObject(value) ? Object.keys(value).length : -1, detail: `must have at most ${max} ${max === 1 ? 'item' : 'items'}` })
        break
      }
      case 'minProperties': {
        const min = (e.params as { limit: number }).limit
        out.push(invalid(errPath, isObject(value) ? Object.keys(value).length : 0, `${name} in body should have at least ${min} properties`))
        break
      }
      case 'format': {
        const format = (e.params as { format: string }).format
        out.push(typeInvalid(errPath, value, `${name} in body must be of type ${format}: ${q(String(value))}`))
        break
      }
      case 'additionalProperties': {
        const prop = (e.params as { additionalProperty: string }).additionalProperty
        out.push(invalid(errPath, prop, `${name}.${prop} in body is a forbidden property`))
        break
      }
      case 'anyOf':
        out.push(invalid(compositePath, '', `${q(name)} must validate at least one schema (anyOf)`))
        break
      case 'oneOf': {
        const passing = (e.params as { passingSchemas: number[] | null }).passingSchemas
        const more = passing && passing.length > 1 ? `Found ${passing.length} valid alternatives` : 'Found none valid'
        out.push(invalid(compositePath, '', `${q(name)} must validate one and only one schema (oneOf). ${more}`))
        break
      }
      case 'not':
        out.push(invalid(compositePath, '', `${q(name)} must not validate the schema (not)`))
        break
      case 'if':
        break // the nullable wrapper: the else branch's own errors carry the meaning
      default:
        out.push(invalid(errPath, value ?? '', `${name} in body is invalid: ${e.message ?? e.keyword}`))
    }
  }
  // Go prints map and slice values with %#v.
  return out.map((f) => ('badValue' in f && f.badValueText === undefined ? { ...f, ...goValueText(f.badValue) } : f))
}

// ---------------------------------------------------------------------------------------------
// list types and embedded resources
// ---------------------------------------------------------------------------------------------


function scalarKey(x: unknown): string {
  return JSON.stringify(x)
}

function validateListType(s: Schema, arr: unknown[], p: string, errs: FieldError[]): void {
  const listType = s['x-kubernetes-list-type']
  if (listType === 'set') {
    const seen = new Set<string>()
    const reported = new Set<string>()
    arr.forEach((x, i) => {
      const k = scalarKey(x)
      if (seen.has(k) && !reported.has(k)) {
        reported.add(k)
        errs.push(duplicate(index(p, i), x))
      }
      seen.add(k)
    })
  } else if (listType === 'map') {
    const keys = Array.isArray(s['x-kubernetes-list-map-keys']) ? (s['x-kubernetes-list-map-keys'] as unknown[]).map(String) : []
    const items = isObject(s.items) ? s.items : {}
    const itemProps = isObject(items.properties) ? items.properties : {}
    const seen = new Set<string>()
    arr.forEach((x, i) => {
      if (!isObject(x)) {
        errs.push(invalid(index(p, i), x, 'must be an object for an array of list-type map'))
        return
      }
      const kv: Record<string, unknown> = {}
      for (const k of keys) {
        if (Object.hasOwn(x, k)) kv[k] = x[k]
        else {
          const ps = own(itemProps, k)
          if (isObject(ps) && ps.default !== undefined) kv[k] = ps.default
        }
      }
      const id = scalarKey(keys.map((k) => kv[k]))
      if (seen.has(id)) errs.push({ type: 'FieldValueDuplicate', field: index(p, i), badValue: kv, badValueText: goSharpV(kv) })
      seen.add(id)
    })
  }
}

/** objectmeta.Validate for an embedded resource: apiVersion and kind required, metadata checked. */
function validateEmbedded(x: Record<string, unknown>, p: string, errs: FieldError[]): void {
  if (!Object.hasOwn(x, 'apiVersion')) errs.push(required(child(p, 'apiVersion'), 'must not be empty'))
  if (!Object.hasOwn(x, 'kind')) errs.push(required(child(p, 'kind'), 'must not be empty'))
  for (const k of Object.keys(x).sort()) {
    const v = x[k]
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push(invalid(child(p, 'apiVersion'), v, 'must be a string'))
      else if (v === '') errs.push(invalid(child(p, 'apiVersion'), v, 'must not be empty'))
      else if (v.split('/').length > 2) errs.push(invalid(child(p, 'apiVersion'), v, `unexpected GroupVersion string: ${v}`))
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push(invalid(child(p, 'kind'), v, 'must be a string'))
      else if (v === '') errs.push(invalid(child(p, 'kind'), v, 'must not be empty'))
      else {
        const msgs = isDNS1035Label(v.toLowerCase())
        if (msgs.length > 0) errs.push(invalid(child(p, 'kind'), v, `may have mixed case, but should otherwise match: ${msgs.join(',')}`))
      }
    } else if (k === 'metadata') {
      if (!isObject(v)) {
        errs.push(invalid(child(p, 'metadata'), v, 'must be an object'))
        continue
      }
      const meta = { ...v } as ObjectMeta
      if (typeof meta.name !== 'string' || meta.name === '') meta.name = 'fakename'
      const namespaced = typeof meta.namespace === 'string' && meta.namespace !== ''
      errs.push(...validateObjectMeta(meta, { namespaced, nameValidation: validatePathSegmentName }, child(p, 'metadata')))
    }
  }
}

/** Walks data and schema together for the checks ajv has no keyword for. */
export function validateExtensions(x: unknown, s: Schema | undefined, p: string, isRoot: boolean, errs: FieldError[]): void {
  if (!s) return
  if (Array.isArray(x)) {
    validateListType(s, x, p, errs)
    const items = isObject(s.items) ? s.items : undefined
    x.forEach((v, i) => validateExtensions(v, items, index(p, i), false, errs))
    return
  }
  if (!isObject(x)) return
  if (!isRoot && s['x-kubernetes-embedded-resource'] === true) validateEmbedded(x, p, errs)
  const properties = isObject(s.properties) ? s.properties : {}
  const additional = isObject(s.additionalProperties) ? s.additionalProperties : undefined
  for (const [k, v] of Object.entries(x)) {
    const prop = own(properties, k)
    if (isObject(prop)) validateExtensions(v, prop, child(p, k), false, errs)
    else if (additional) validateExtensions(v, additional, child(p, k), false, errs)
  }
}
