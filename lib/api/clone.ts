/**
 * @module lib/api/clone
 * cloneJSON: the copy JSON.parse(JSON.stringify(value)) makes, without building the string. Every
 * write copies the object it is given (the Store from its caller, storage from the Store), and a
 * JSON round trip or structuredClone of an everyday object costs several times a plain walk.
 * Plain data (objects with Object.prototype or no prototype, arrays, strings, finite numbers,
 * booleans, null) is walked here with JSON's rules (undefined, functions and symbols dropped from
 * objects and null in arrays, non-finite numbers null); anything else — a Date, a toJSON method,
 * a class instance, a cycle — is handed to JSON itself, so the result (or the TypeError) is JSON's.
 */

/** Deeper than this, the copy goes through JSON (which reports a cycle as its TypeError). */
const maxDepth = 200

class NotPlain extends Error {}

export function cloneJSON<T>(value: T): T {
  try {
    return walk(value, 0) as T
  } catch (err) {
    if (!(err instanceof NotPlain)) throw err
    return JSON.parse(JSON.stringify(value)) as T
  }
}

function walk(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    // JSON writes -0 as 0 and non-finite numbers as null.
    if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null
    // JSON.stringify throws on a bigint; let it, with its own message.
    if (typeof value === 'bigint') throw new NotPlain()
    return value
  }
  if (depth > maxDepth) throw new NotPlain()
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : walk(item, depth + 1)
    }
    return out
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw new NotPlain()
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key]
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
    // JSON.parse makes "__proto__" an own property; an assignment would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: walk(item, depth + 1), enumerable: true, writable: true, configurable: true })
    else out[key] = walk(item, depth + 1)
  }
  return out
}
