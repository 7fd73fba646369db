/**
 * @module routers/extensions/schema/field-path
 * field.Path rendering as apimachinery prints it (Child joins with ".", Key and Index append
 * "[k]" and "[i]"), plus the Go value formatting the schema messages need.
 */

export function child(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`
}

/** Plain object check for decoded JSON (not arrays, not null). */
export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** The JSON type kube-openapi infers from a decoded value (schemaInfoForType). */
export function jsonTypeOf(x: unknown): string {
  if (x === null || x === undefined) return 'null'
  if (Array.isArray(x)) return 'array'
  switch (typeof x) {
    case 'string':
      return 'string'
    case 'boolean':
      return 'boolean'
    case 'number':
      return Number.isInteger(x) ? 'integer' : 'number'
    case 'bigint':
      return 'integer'
    default:
      return 'object'
  }
}

/** Deep copy of a JSON value (runtime.DeepCopyJSONValue). */
export function deepCopyJSON<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x
  return structuredClone(x)
}

/**
 * Go's %#v of a decoded JSON value, which field errors print for maps and slices:
 * map[string]interface {}{"a":1}, []interface {}{"x"}.
 */
export function goSharpV(x: unknown): string {
  if (x === null || x === undefined) return 'interface {}(nil)'
  if (Array.isArray(x)) return `[]interface {}{${x.map(goSharpV).join(', ')}}`
  if (isObject(x)) {
    const parts = Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goSharpV(x[k])}`)
    return `map[string]interface {}{${parts.join(', ')}}`
  }
  if (typeof x === 'string') return JSON.stringify(x)
  return String(x)
}

/** The badValueText a field error needs for v: Go's %#v for maps and slices, else none. */
export function goValueText(v: unknown): { badValueText?: string } {
  return Array.isArray(v) || isObject(v) ? { badValueText: goSharpV(v) } : {}
}

/** o[k] if o has k itself: data keys such as "__proto__" must never reach Object.prototype. */
export function own(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined
}
