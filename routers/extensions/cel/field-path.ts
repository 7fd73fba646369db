/**
 * @module routers/extensions/cel/field-path
 * The fieldPath of a validation rule (cel.ValidFieldPath in apiextensions-apiserver): a JSON path
 * of field accessors (".a.b") and quoted map keys ("['x.y']") that must exist in the schema; the
 * normalized form ("a.b", "a[x.y]") is appended to the rule's node path on failure.
 */
import type { JSONSchemaProps } from '../schema/index.js'

function objectOf(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function unescapeSingleQuote(s: string): string {
  const map: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', "'": "'", '\\': '\\' }
  return s.replace(/\\./g, (m) => {
    const r = map[m[1]!]
    if (r === undefined) throw new Error(`invalid string literal: invalid escape char ${m}`)
    return r
  })
}

/** Splits into '.', '[', ']' and the text between them, keeping quoted strings whole. */
function tokens(path: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < path.length) {
    const c = path[i]!
    if (c === "'") {
      let j = i + 1
      while (j < path.length && !(path[j] === "'" && path[j - 1] !== '\\')) j++
      out.push(path.slice(i, j + 1))
      i = j + 1
    } else if (c === '.' || c === '[' || c === ']') {
      out.push(c)
      i++
    } else {
      let j = i
      while (j < path.length && !'.[]'.includes(path[j]!) && path[j] !== "'") j++
      out.push(path.slice(i, j))
      i = j
    }
  }
  return out
}

/**
 * Returns the normalized path ("spec.foo[bar]") or throws an Error with kube's reason
 * ("does not refer to a valid field", "expected [ or . but got: x", ...).
 */
export function validFieldPath(jsonPath: string, schema: JSONSchemaProps): string {
  let current: Record<string, unknown> | undefined = schema
  let result = ''
  const append = (name: string): void => {
    const properties = objectOf(current?.properties)
    const additional = objectOf(current?.additionalProperties)
    if (properties) {
      result += result === '' ? name : `.${name}`
      current = objectOf(properties[name])
      if (!current) throw new Error('does not refer to a valid field')
    } else if (additional) {
      result += `[${name}]`
      current = additional
    } else {
      throw new Error('does not refer to a valid field')
    }
  }
  const toks = tokens(jsonPath)
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i]!
    if (tok === '[') {
      const quoted = toks[++i]
      if (quoted === undefined) throw new Error('unexpected end of JSON path')
      if (quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'")) {
        throw new Error(`expected single quoted string but got ${quoted}`)
      }
      append(unescapeSingleQuote(quoted.slice(1, -1)))
      const close = toks[++i]
      if (close === undefined) throw new Error('unexpected end of JSON path')
      if (close !== ']') throw new Error(`expected ] but got ${close}`)
    } else if (tok === '.') {
      const name = toks[++i]
      if (name === undefined) throw new Error('unexpected end of JSON path')
      append(name)
    } else {
      throw new Error(`expected [ or . but got: ${tok}`)
    }
  }
  return result
}
