/**
 * @module routers/extensions/schema/structural
 * The structural-schema rules of a CRD version's openAPIV3Schema, after apiextensions-apiserver:
 * pkg/apiserver/schema/{convert,validation,complete}.go (NewStructural, ValidateStructural) and
 * the schema part of pkg/apis/apiextensions/validation/validation.go
 * (ValidateCustomResourceDefinitionOpenAPISchema, specStandardValidatorV3,
 * validateMapListKeysMapSet). Paths and messages are kube's, below the caller's fldPath.
 */
import type { FieldError } from '../../../lib/api/field-errors.js'
import { forbidden, invalid, notSupported, required } from '../../../lib/api/field-errors.js'
import { child, index, isObject, key } from './field-path.js'
import { goRegExp } from './go-regexp.js'

type Schema = Record<string, unknown>

type Level = 'root' | 'item' | 'field'

// ---------------------------------------------------------------------------------------------
// Accessors on the raw JSON schema (JSONSchemaProps as JSON).
// ---------------------------------------------------------------------------------------------

function str(s: Schema, k: string): string {
  const v = s[k]
  return typeof v === 'string' ? v : ''
}

function flag(s: Schema, k: string): boolean {
  return s[k] === true
}

function props(s: Schema): Record<string, Schema> {
  const p = s.properties
  if (!isObject(p)) return {}
  // A null-prototype map: property names such as "__proto__" or "constructor" stay plain keys.
  const out = Object.create(null) as Record<string, Schema>
  for (const [k, v] of Object.entries(p)) out[k] = isObject(v) ? v : {}
  return out
}

function hasProps(s: Schema): boolean {
  return isObject(s.properties) && Object.keys(s.properties).length > 0
}

function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).sort()
}

/** items as a single schema, or undefined (an array of schemas is reported separately). */
function itemsSchema(s: Schema): Schema | undefined {
  return isObject(s.items) ? s.items : undefined
}

/** additionalProperties as a schema, if it is one. */
function additionalSchema(s: Schema): Schema | undefined {
  return isObject(s.additionalProperties) ? s.additionalProperties : undefined
}

function schemaList(s: Schema, k: string): Schema[] {
  const v = s[k]
  return Array.isArray(v) ? v.map((x) => (isObject(x) ? x : {})) : []
}

function hasDefault(s: Schema): boolean {
  return s.default !== undefined && s.default !== null
}

// ---------------------------------------------------------------------------------------------
// NewStructural's validateUnsupportedFields: shown only when nothing else was reported.
// ---------------------------------------------------------------------------------------------

function unsupportedField(s: Schema): string | undefined {
  if (str(s, 'id')) return "OpenAPIV3Schema 'id' is not supported"
  if (str(s, '$schema')) return "OpenAPIV3Schema 'schema' is not supported"
  if (str(s, '$ref')) return "OpenAPIV3Schema '$ref' is not supported"
  if (isObject(s.patternProperties) && Object.keys(s.patternProperties).length > 0) return "OpenAPIV3Schema 'patternProperties' is not supported"
  if (isObject(s.dependencies) && Object.keys(s.dependencies).length > 0) return "OpenAPIV3Schema 'dependencies' is not supported"
  if (s.additionalItems !== undefined && s.additionalItems !== null) return "OpenAPIV3Schema 'additionalItems' is not supported"
  if (isObject(s.definitions) && Object.keys(s.definitions).length > 0) return "OpenAPIV3Schema 'definitions' is not supported"
  if (Array.isArray(s.items)) return "OpenAPIV3Schema 'items' must be a schema, but is an array"
  if (s['x-kubernetes-preserve-unknown-fields'] === false) return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined"
  for (const sub of [...Object.values(props(s)), ...schemaList(s, 'allOf'), ...schemaList(s, 'anyOf'), ...schemaList(s, 'oneOf')]) {
    const e = unsupportedField(sub)
    if (e) return e
  }
  for (const sub of [itemsSchema(s), additionalSchema(s), isObject(s.not) ? s.not : undefined]) {
    if (!sub) continue
    const e = unsupportedField(sub)
    if (e) return e
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// ValidateStructural: invariants (validation.go) and completeness (complete.go).
// ---------------------------------------------------------------------------------------------

function isIntOrStringPair(list: unknown): boolean {
  if (!Array.isArray(list) || list.length !== 2) return false
  const [a, b] = list as unknown[]
  const only = (x: unknown, t: string): boolean => isObject(x) && x.type === t && Object.keys(x).length === 1
  return only(a, 'integer') && only(b, 'string')
}

function structuralInvariants(s: Schema, lvl: Level, p: string, errs: FieldError[]): void {
  const type = str(s, 'type')
  const items = itemsSchema(s)
  if (type === 'array' && s.items === undefined) errs.push(required(child(p, 'items'), 'must be specified'))
  if (items) structuralInvariants(items, 'item', child(p, 'items'), errs)
  const properties = props(s)
  for (const k of sortedKeys(properties)) structuralInvariants(properties[k]!, 'field', key(child(p, 'properties'), k), errs)

  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    if (lvl === 'root') errs.push(forbidden(child(p, 'additionalProperties'), 'must not be used at the root'))
    const ap = additionalSchema(s)
    if (ap) structuralInvariants(ap, 'field', child(p, 'additionalProperties'), errs)
  }

  const intOrString = flag(s, 'x-kubernetes-int-or-string')
  const preserve = flag(s, 'x-kubernetes-preserve-unknown-fields')
  const embedded = flag(s, 'x-kubernetes-embedded-resource')
  if (intOrString && preserve) {
    errs.push(invalid(child(p, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'))
  }
  if (intOrString && embedded) {
    errs.push(invalid(child(p, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'))
  }

  const skipAnyOf = isIntOrStringPair(s.anyOf)
  const allOf = schemaList(s, 'allOf')
  const skipFirstAllOfAnyOf = allOf.length >= 1 && isIntOrStringPair(allOf[0]!.anyOf)
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, p, errs)

  const checkMetadata = lvl === 'root' || embedded
  if (embedded && type !== 'object') {
    if (type === '') errs.push(required(child(p, 'type'), 'must be object if x-kubernetes-embedded-resource is true'))
    else errs.push(invalid(child(p, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'))
  } else if (type === '' && !intOrString && !preserve) {
    const detail = { root: 'must not be empty at the root', item: 'must not be empty for specified array items', field: 'must not be empty for specified object fields' }[lvl]
    errs.push(required(child(p, 'type'), detail))
  }
  if (embedded && s.additionalProperties !== undefined && s.additionalProperties !== null) {
    errs.push(forbidden(child(p, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'))
  }
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push(invalid(child(p, 'type'), type, 'must be object at the root'))

  for (const k of ['kind', 'apiVersion']) {
    const sub = properties[k]
    if (sub && checkMetadata && str(sub, 'type') !== 'string') {
      errs.push(invalid(child(key(child(p, 'properties'), k), 'type'), str(sub, 'type'), 'must be string'))
    }
  }
  const metadata = properties.metadata
  if (metadata) metadataInvariants(metadata, checkMetadata, lvl, key(child(p, 'properties'), 'metadata'), errs)

  if (embedded && !preserve && !hasProps(s)) {
    errs.push(required(child(p, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'))
  }
}

function metadataInvariants(s: Schema, checkMetadata: boolean, lvl: Level, p: string, errs: FieldError[]): void {
  if (checkMetadata && str(s, 'type') !== 'object') errs.push(invalid(child(p, 'type'), str(s, 'type'), 'must be object'))
  if (lvl !== 'root') return
  // Only type, a default (checked elsewhere) and properties restricted to name/generateName may be
  // set on the root metadata; anything else would change ObjectMeta's meaning.
  const rest = Object.keys(s).filter((k) => k !== 'type' && k !== 'default' && !(k === 'properties' && onlyNameProps(s)))
  const meaningful = rest.filter((k) => !isZero(s[k]))
  if (meaningful.length > 0) {
    errs.push(forbidden(p, 'must not specify anything other than name and generateName, but metadata is implicitly specified'))
  }
}

function onlyNameProps(s: Schema): boolean {
  if (!isObject(s.properties)) return true
  const ks = Object.keys(s.properties)
  return ks.every((k) => k === 'name' || k === 'generateName')
}

/** Go zero values: absent, false, "", empty list or map. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return true
  if (Array.isArray(v)) return v.length === 0
  if (isObject(v)) return Object.keys(v).length === 0
  return false
}

function valueValidation(s: Schema, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, p: string, errs: FieldError[]): void {
  if (!skipAnyOf) schemaList(s, 'anyOf').forEach((x, i) => nestedValueValidation(x, false, lvl, index(child(p, 'anyOf'), i), errs))
  schemaList(s, 'allOf').forEach((x, i) => nestedValueValidation(x, skipFirstAllOfAnyOf && i === 0, lvl, index(child(p, 'allOf'), i), errs))
  schemaList(s, 'oneOf').forEach((x, i) => nestedValueValidation(x, false, lvl, index(child(p, 'oneOf'), i), errs))
  if (isObject(s.not)) nestedValueValidation(s.not, false, lvl, child(p, 'not'), errs)
  const pattern = str(s, 'pattern')
  if (pattern) {
    try {
      goRegExp(pattern)
    } catch (e) {
      errs.push(invalid(child(p, 'pattern'), pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`))
    }
  }
}

/** validateNestedValueValidation: inside anyOf/allOf/oneOf/not only value validations may appear. */
function nestedValueValidation(v: Schema, skipAnyOf: boolean, lvl: Level, p: string, errs: FieldError[]): void {
  valueValidation(v, skipAnyOf, false, lvl, p, errs)
  const items = itemsSchema(v)
  if (items) nestedValueValidation(items, false, lvl, child(p, 'items'), errs)
  const properties = props(v)
  for (const k of sortedKeys(properties)) nestedValueValidation(properties[k]!, false, 'field', key(child(p, 'properties'), k), errs)

  if (str(v, 'type')) errs.push(forbidden(child(p, 'type'), 'must be empty to be structural'))
  if (v.additionalProperties !== undefined && v.additionalProperties !== null) {
    errs.push(forbidden(child(p, 'additionalProperties'), 'must be undefined to be structural'))
  }
  if (hasDefault(v)) errs.push(forbidden(child(p, 'default'), 'must be undefined to be structural'))
  if (str(v, 'title')) errs.push(forbidden(child(p, 'title'), 'must be empty to be structural'))
  if (str(v, 'description')) errs.push(forbidden(child(p, 'description'), 'must be empty to be structural'))
  if (flag(v, 'nullable')) errs.push(forbidden(child(p, 'nullable'), 'must be false to be structural'))
  if (isObject(v.externalDocs)) errs.push(forbidden(child(p, 'externalDocs'), 'must be undefined to be structural'))
  if (flag(v, 'x-kubernetes-preserve-unknown-fields')) errs.push(forbidden(child(p, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'))
  if (flag(v, 'x-kubernetes-embedded-resource')) errs.push(forbidden(child(p, 'x-kubernetes-embedded-resource'), 'must be false to be structural'))
  if (flag(v, 'x-kubernetes-int-or-string')) errs.push(forbidden(child(p, 'x-kubernetes-int-or-string'), 'must be false to be structural'))
  if (Array.isArray(v['x-kubernetes-list-map-keys']) && v['x-kubernetes-list-map-keys'].length > 0) {
    errs.push(forbidden(child(p, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'))
  }
  if (typeof v['x-kubernetes-list-type'] === 'string') errs.push(forbidden(child(p, 'x-kubernetes-list-type'), 'must be undefined to be structural'))
  if (typeof v['x-kubernetes-map-type'] === 'string') errs.push(forbidden(child(p, 'x-kubernetes-map-type'), 'must be undefined to be structural'))
  if (Array.isArray(v['x-kubernetes-validations']) && v['x-kubernetes-validations'].length > 0) {
    errs.push(forbidden(child(p, 'x-kubernetes-validations'), 'must be empty to be structural'))
  }
  if (properties.metadata) errs.push(forbidden(key(child(p, 'properties'), 'metadata'), 'must not be specified in a nested context'))
}

/** complete.go: everything a value validation names must also be specified structurally. */
function completeness(s: Schema, p: string, errs: FieldError[]): void {
  valueValidationCompleteness(s, s, p, p, errs)
}

function valueValidationCompleteness(v: Schema, s: Schema | undefined, sPath: string, vPath: string, errs: FieldError[]): void {
  if (!s) {
    errs.push(required(sPath, `because it is defined in ${vPath}`))
    return
  }
  if (isObject(v.not)) nestedCompleteness(v.not, s, sPath, child(vPath, 'not'), errs)
  schemaList(v, 'allOf').forEach((x, i) => nestedCompleteness(x, s, sPath, index(child(vPath, 'allOf'), i), errs))
  schemaList(v, 'anyOf').forEach((x, i) => nestedCompleteness(x, s, sPath, index(child(vPath, 'anyOf'), i), errs))
  schemaList(v, 'oneOf').forEach((x, i) => nestedCompleteness(x, s, sPath, index(child(vPath, 'oneOf'), i), errs))
}

function nestedCompleteness(v: Schema, s: Schema | undefined, sPath: string, vPath: string, errs: FieldError[]): void {
  if (!s) {
    errs.push(required(sPath, `because it is defined in ${vPath}`))
    return
  }
  valueValidationCompleteness(v, s, sPath, vPath, errs)
  const vItems = itemsSchema(v)
  if (vItems) nestedCompleteness(vItems, itemsSchema(s), child(sPath, 'items'), child(vPath, 'items'), errs)
  const sProps = props(s)
  const vProps = props(v)
  for (const k of sortedKeys(vProps)) {
    const sFld = sProps[k]
    if (!sFld) {
      errs.push(required(key(child(sPath, 'properties'), k), `because it is defined in ${key(child(vPath, 'properties'), k)}`))
    } else {
      nestedCompleteness(vProps[k]!, sFld, key(child(sPath, 'properties'), k), key(child(vPath, 'properties'), k), errs)
    }
  }
}

/** ValidateStructural: invariants plus completeness, sorted by message as kube sorts them. */
export function validateStructural(s: Schema, fldPath: string): FieldError[] {
  const errs: FieldError[] = []
  structuralInvariants(s, 'root', fldPath, errs)
  completeness(s, fldPath, errs)
  return sortByMessage(errs)
}

function sortByMessage(errs: FieldError[]): FieldError[] {
  const text = (e: FieldError): string => `${e.field}: ${e.type} ${e.detail ?? ''}`
  return errs.sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0))
}

// ---------------------------------------------------------------------------------------------
// ValidateCustomResourceDefinitionOpenAPISchema with specStandardValidatorV3.
// ---------------------------------------------------------------------------------------------

interface Ssv {
  allowDefaults: boolean
  disallowDefaultsReason: string
  insideResourceMeta: boolean
}

const openapiV3Types = ['array', 'boolean', 'integer', 'number', 'object', 'string']
const metaFields = new Set(['metadata', 'kind', 'apiVersion'])
const supportedValidationReasons = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired']

function ssvValidate(s: Schema, p: string, ssv: Ssv, errs: FieldError[]): void {
  const type = str(s, 'type')
  if (type && !openapiV3Types.includes(type)) errs.push(notSupported(child(p, 'type'), type, openapiV3Types))
  if (s.default !== undefined && !ssv.allowDefaults) {
    errs.push(forbidden(child(p, 'default'), ssv.disallowDefaultsReason ? `must not be set ${ssv.disallowDefaultsReason}` : 'must not be set'))
  }
  if (str(s, 'id')) errs.push(forbidden(child(p, 'id'), 'id is not supported'))
  if (s.additionalItems !== undefined && s.additionalItems !== null) errs.push(forbidden(child(p, 'additionalItems'), 'additionalItems is not supported'))
  if (isObject(s.patternProperties) && Object.keys(s.patternProperties).length > 0) {
    errs.push(forbidden(child(p, 'patternProperties'), 'patternProperties is not supported'))
  }
  if (isObject(s.definitions) && Object.keys(s.definitions).length > 0) errs.push(forbidden(child(p, 'definitions'), 'definitions is not supported'))
  if (isObject(s.dependencies)) errs.push(forbidden(child(p, 'dependencies'), 'dependencies is not supported'))
  if (type === 'null') errs.push(forbidden(child(p, 'type'), 'type cannot be set to null, use nullable as an alternative'))
  if (Array.isArray(s.items) && s.items.length > 0) errs.push(forbidden(child(p, 'items'), 'items must be a schema object and not an array'))
  if (ssv.insideResourceMeta && flag(s, 'x-kubernetes-embedded-resource')) {
    errs.push(forbidden(child(p, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'))
  }
}

function openAPISchema(s: Schema, p: string, ssv: Ssv, isRoot: boolean, errs: FieldError[]): void {
  ssvValidate(s, p, ssv, errs)
  if (flag(s, 'uniqueItems')) errs.push(forbidden(child(p, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'))

  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    if (hasProps(s) && (s.additionalProperties === false || isObject(s.additionalProperties))) {
      errs.push(forbidden(child(p, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'))
    }
    const ap = additionalSchema(s)
    const sub = ssv.insideResourceMeta ? { ...ssv, allowDefaults: false, disallowDefaultsReason: 'inside additionalProperties applying to object metadata' } : ssv
    if (ap) openAPISchema(ap, child(p, 'additionalProperties'), sub, false, errs)
  }
  const properties = props(s)
  for (const k of sortedKeys(properties)) {
    let sub = ssv
    if ((isRoot || flag(s, 'x-kubernetes-embedded-resource')) && metaFields.has(k)) {
      sub = { ...sub, insideResourceMeta: true }
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${k}` }
    }
    openAPISchema(properties[k]!, key(child(p, 'properties'), k), sub, false, errs)
  }
  if (isObject(s.not)) openAPISchema(s.not, child(p, 'not'), ssv, false, errs)
  schemaList(s, 'allOf').forEach((x, i) => openAPISchema(x, index(child(p, 'allOf'), i), ssv, false, errs))
  schemaList(s, 'oneOf').forEach((x, i) => openAPISchema(x, index(child(p, 'oneOf'), i), ssv, false, errs))
  schemaList(s, 'anyOf').forEach((x, i) => openAPISchema(x, index(child(p, 'anyOf'), i), ssv, false, errs))
  const items = itemsSchema(s)
  if (items) openAPISchema(items, child(p, 'items'), ssv, false, errs)
  else if (Array.isArray(s.items)) schemaList(s, 'items').forEach((x, i) => openAPISchema(x, index(child(p, 'items'), i), ssv, false, errs))

  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(child(p, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'))
  }
  const type = str(s, 'type')
  const mapType = s['x-kubernetes-map-type']
  if (typeof mapType === 'string' && type !== 'object') {
    if (type === '') errs.push(required(child(p, 'type'), 'must be object if x-kubernetes-map-type is specified'))
    else errs.push(invalid(child(p, 'type'), type, 'must be object if x-kubernetes-map-type is specified'))
  }
  if (typeof mapType === 'string' && mapType !== 'atomic' && mapType !== 'granular') {
    errs.push(notSupported(child(p, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']))
  }
  const listType = s['x-kubernetes-list-type']
  if (typeof listType === 'string' && type !== 'array') {
    if (type === '') errs.push(required(child(p, 'type'), 'must be array if x-kubernetes-list-type is specified'))
    else errs.push(invalid(child(p, 'type'), type, 'must be array if x-kubernetes-list-type is specified'))
  } else if (listType === 'set' && items) {
    const it = str(items, 'type')
    if (it === 'array' && typeof items['x-kubernetes-list-type'] === 'string' && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push(invalid(child(child(p, 'items'), 'x-kubernetes-list-type'), items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'))
    } else if (it === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      // kube reports the item's list type here (a nil pointer prints as null).
      errs.push(invalid(child(child(p, 'items'), 'x-kubernetes-map-type'), items['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'))
    }
  }
  if (typeof listType === 'string' && listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
    errs.push(notSupported(child(p, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']))
  }
  const mapKeys = Array.isArray(s['x-kubernetes-list-map-keys']) ? (s['x-kubernetes-list-map-keys'] as unknown[]).map(String) : []
  if (mapKeys.length > 0) {
    if (typeof listType !== 'string') errs.push(required(child(p, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'))
    else if (listType !== 'map') errs.push(invalid(child(p, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'))
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) errs.push(required(child(p, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'))
    if (s.items === undefined || s.items === null) errs.push(required(child(p, 'items'), 'must have a schema if x-kubernetes-list-type is map'))
    if (Array.isArray(s.items)) errs.push(invalid(child(p, 'items'), s.items, 'must only have a single schema if x-kubernetes-list-type is map'))
    if (items && str(items, 'type') !== 'object') {
      errs.push(invalid(child(child(p, 'items'), 'type'), str(items, 'type'), "must be object if parent array's x-kubernetes-list-type is map"))
    }
    if (items && str(items, 'type') === 'object') {
      const itemProps = props(items)
      const seen = new Set<string>()
      for (const k of mapKeys) {
        const ks = itemProps[k]
        if (ks) {
          if (str(ks, 'type') === 'array' || str(ks, 'type') === 'object') {
            errs.push(invalid(child(key(child(child(p, 'items'), 'properties'), k), 'type'), str(items, 'type'), "must be a scalar type if parent array's x-kubernetes-list-type is map"))
          }
        } else {
          errs.push(invalid(child(p, 'x-kubernetes-list-map-keys'), mapKeys, 'entries must all be names of item properties'))
        }
        if (seen.has(k)) errs.push(invalid(child(p, 'x-kubernetes-list-map-keys'), mapKeys, 'must not contain duplicate entries'))
        seen.add(k)
      }
    }
  }
  mapListKeysMapSet(s, p, errs)
  xValidations(s, p, errs)
}

function mapListKeysMapSet(s: Schema, p: string, errs: FieldError[]): void {
  const items = itemsSchema(s)
  const listType = s['x-kubernetes-list-type']
  if (!items || (listType !== 'set' && listType !== 'map')) return
  if (flag(items, 'nullable')) errs.push(forbidden(child(child(p, 'items'), 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${listType}`))
  if (listType !== 'map') return
  const req = new Set(Array.isArray(items.required) ? (items.required as unknown[]).map(String) : [])
  const itemProps = props(items)
  for (const k of Array.isArray(s['x-kubernetes-list-map-keys']) ? (s['x-kubernetes-list-map-keys'] as unknown[]).map(String) : []) {
    const ks = itemProps[k]
    if (!ks) continue
    const kp = key(child(child(p, 'items'), 'properties'), k)
    if (!req.has(k) && !hasDefault(ks)) {
      errs.push(required(child(kp, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'))
    }
    if (flag(ks, 'nullable')) errs.push(forbidden(child(kp, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'))
  }
}

/** The static parts of x-kubernetes-validations; compiling the rules is the CEL module's job. */
function xValidations(s: Schema, p: string, errs: FieldError[]): void {
  const rules = s['x-kubernetes-validations']
  if (!Array.isArray(rules)) return
  rules.forEach((r: unknown, i) => {
    const rule = isObject(r) ? r : {}
    const rp = index(child(p, 'x-kubernetes-validations'), i)
    const ruleText = typeof rule.rule === 'string' ? rule.rule : ''
    const message = typeof rule.message === 'string' ? rule.message : ''
    const hasNewlines = (x: string): boolean => /[\n\r]/.test(x)
    if (ruleText.trim() === '') errs.push(required(child(rp, 'rule'), 'rule is not specified'))
    else if (message.length > 0 && message.trim() === '') errs.push(invalid(child(rp, 'message'), message, 'message must be non-empty if specified'))
    else if (hasNewlines(message.trim())) errs.push(invalid(child(rp, 'message'), message, 'message must not contain line breaks'))
    else if (hasNewlines(ruleText.trim()) && message.trim() === '') {
      errs.push(required(child(rp, 'message'), 'message must be specified if rule contains line breaks'))
    }
    if (typeof rule.messageExpression === 'string' && rule.messageExpression.length > 0 && rule.messageExpression.trim() === '') {
      errs.push(required(child(rp, 'messageExpression'), 'messageExpression must be non-empty if specified'))
    }
    if (typeof rule.reason === 'string' && !supportedValidationReasons.includes(rule.reason)) {
      errs.push(notSupported(child(rp, 'reason'), rule.reason, supportedValidationReasons))
    }
    if (typeof rule.fieldPath === 'string') {
      if (rule.fieldPath.length > 0 && rule.fieldPath.trim() === '') errs.push(invalid(child(rp, 'fieldPath'), rule.fieldPath, 'fieldPath must be non-empty if specified'))
      if (hasNewlines(rule.fieldPath)) errs.push(invalid(child(rp, 'fieldPath'), rule.fieldPath, 'fieldPath must not contain line breaks'))
    }
  })
}

/** The OpenAPI checks of a CRD version's schema (v1 rules: defaults allowed, valid types). */
export function validateOpenAPISchema(s: Schema, fldPath: string): FieldError[] {
  const errs: FieldError[] = []
  if (flag(s, 'nullable')) errs.push(forbidden(child(fldPath, 'nullable'), 'nullable cannot be true at the root'))
  openAPISchema(s, fldPath, { allowDefaults: true, disallowDefaultsReason: '', insideResourceMeta: false }, true, errs)
  return errs
}

export { unsupportedField }
