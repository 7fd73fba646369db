/**
 * @module openapi/field-checker
 * The typed decoder's view of a built-in object, from the same OpenAPI schemas the documents
 * serve: fields the type does not have are pruned and reported (fieldValidation Strict/Warn), and
 * values of the wrong JSON type are reported as the Go decoder words them.
 */
import type { KubeObject } from '../lib/api/types.js'
import { ModelSchemaCollector, resolveSchema } from './models.js'
import type { OpenAPISchema } from './models.js'

export interface FieldCheckResult {
  unknownFields: string[]
  typeErrors: string[]
}


function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'boolean') return 'bool'
  return typeof v
}

function goType(s: OpenAPISchema): string {
  switch (s['type']) {
    case 'string':
      return 'string'
    case 'integer':
      return s['format'] === 'int32' ? 'int32' : 'int64'
    case 'number':
      return 'float64'
    case 'boolean':
      return 'bool'
    case 'array':
      return '[]interface {}'
    default:
      return 'map[string]interface {}'
  }
}

/** Builds the checker for one client-node model (e.g. "V1ConfigMap"), compiled once. */
export function fieldChecker(model: string, kind: string): (obj: KubeObject) => FieldCheckResult {
  const collector = new ModelSchemaCollector()
  const root = collector.add(model)
  const schemas = collector.schemas
  return function checkFields(obj: KubeObject): FieldCheckResult {
    const result: FieldCheckResult = { unknownFields: [], typeErrors: [] }
    walk(schemas, schemas[root] ?? {}, obj, '', kind, result, kind)
    return result
  }
}

/** A value of the wrong JSON type, worded as encoding/json does (top level: walk runs on every field of every write). */
function typeMismatch(schema: OpenAPISchema, value: unknown, goPath: string, out: FieldCheckResult): void {
  // encoding/json names the number itself only when it cannot fill an integer ("number 1.5").
  const what = typeof value === 'number' && schema['type'] === 'integer' ? `number ${String(value)}` : jsonType(value)
  out.typeErrors.push(`json: cannot unmarshal ${what} into Go struct field ${goPath} of type ${goType(schema)}`)
}

/** path is the JSON path kube prints for unknown fields; goPath the struct path Go's decoder prints. */
function walk(schemas: Record<string, OpenAPISchema>, schemaIn: OpenAPISchema, value: unknown, path: string, kind: string, out: FieldCheckResult, goPath: string): void {
  if (value === null || value === undefined) return
  const schema = resolveSchema(schemas, schemaIn) ?? {}
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'number' && typeof value !== 'string') typeMismatch(schema, value, goPath, out)
    return
  }
  const type = schema['type'] as string | undefined
  const properties = schema['properties'] as Record<string, OpenAPISchema> | undefined
  const additional = schema['additionalProperties'] as OpenAPISchema | boolean | undefined
  if (type === 'string') {
    if (typeof value !== 'string') typeMismatch(schema, value, goPath, out)
    return
  }
  if (type === 'integer' || type === 'number') {
    if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))) typeMismatch(schema, value, goPath, out)
    return
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') typeMismatch(schema, value, goPath, out)
    return
  }
  if (type === 'array') {
    if (!Array.isArray(value)) return typeMismatch(schema, value, goPath, out)
    const items = schema['items'] as OpenAPISchema | undefined
    if (items) value.forEach((v, i) => walk(schemas, items, v, `${path}[${i}]`, kind, out, goPath))
    return
  }
  if (properties || (additional && typeof additional === 'object')) {
    if (typeof value !== 'object' || Array.isArray(value)) return typeMismatch(schema, value, goPath, out)
    const obj = value as Record<string, unknown>
    for (const key of Object.keys(obj)) {
      const child = path ? `${path}.${key}` : key
      const prop = properties?.[key]
      if (prop) walk(schemas, prop, obj[key], child, kind, out, `${goPath}.${key}`)
      else if (additional && typeof additional === 'object') walk(schemas, additional, obj[key], child, kind, out, goPath)
      else {
        out.unknownFields.push(child)
        // The typed decoder has nowhere to put it: the field is dropped.
        delete obj[key]
      }
    }
  }
}
