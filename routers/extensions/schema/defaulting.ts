/**
 * @module routers/extensions/schema/defaulting
 * Defaulting of custom resources (apiextensions-apiserver pkg/apiserver/schema/defaulting/
 * algorithm.go): a property's `default` fills a missing key, or a null where the property is not
 * nullable; defaults apply inside array items and additionalProperties values too. Every default
 * is deep-copied so objects never share the schema's value.
 */
import { deepCopyJSON, isObject, own } from './field-path.js'

type Schema = Record<string, unknown>

function defaultOf(s: Schema | undefined): unknown {
  return s ? s.default : undefined
}

/** isNonNullableNull: null where the schema does not allow it. */
function nonNullableNull(x: unknown, s: Schema | undefined): boolean {
  return x === null && s !== undefined && s.nullable !== true
}

export function applyDefaults(x: unknown, s: Schema | undefined): void {
  if (!s) return
  if (Array.isArray(x)) {
    const items = isObject(s.items) ? s.items : undefined
    for (let i = 0; i < x.length; i++) {
      const d = defaultOf(items)
      if (nonNullableNull(x[i], items) && d !== undefined && d !== null) x[i] = deepCopyJSON(d)
      applyDefaults(x[i], items)
    }
    return
  }
  if (!isObject(x)) return
  const properties = isObject(s.properties) ? s.properties : {}
  for (const [k, p] of Object.entries(properties)) {
    if (!isObject(p)) continue
    const d = p.default
    if (d === undefined || d === null) continue
    if (!Object.hasOwn(x, k) || nonNullableNull(x[k], p)) x[k] = deepCopyJSON(d)
  }
  const additional = isObject(s.additionalProperties) ? s.additionalProperties : undefined
  for (const [k, v] of Object.entries(x)) {
    const p = own(properties, k)
    if (isObject(p)) applyDefaults(v, p)
    else if (additional) {
      const d = additional.default
      if (nonNullableNull(v, additional) && d !== undefined && d !== null) x[k] = deepCopyJSON(d)
      applyDefaults(x[k], additional)
    }
  }
}
