/**
 * @module routers/kube/json
 * Plain-JSON access shared by every built-in declaration. Objects arrive as decoded JSON, not Go
 * structs, so every read tolerates a missing or mistyped value and answers Go's zero value
 * instead, and defaulting creates the maps it writes into. One module, so the kinds agree on what
 * "absent" means.
 */
import type { KubeObject } from '../../lib/api/types.js'

/** A decoded JSON object. */
export type Obj = Record<string, unknown>

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** v when it is a map, else an empty one (not attached). */
export function objOf(v: unknown): Obj {
  return isObj(v) ? v : {}
}

/** The map at obj[key], or an empty one (not attached) when absent or not a map. */
export function mapOf(obj: unknown, key: string): Obj {
  return objOf(isObj(obj) ? obj[key] : undefined)
}

/** The array at obj[key], or an empty one (not attached). */
export function listOf(obj: unknown, key: string): unknown[] {
  const v = isObj(obj) ? obj[key] : undefined
  return Array.isArray(v) ? v : []
}

/** The maps of an array, others dropped; [] when v is no array. */
export function objsOf(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : []
}

/** Every item of an array as a map ({} for what is not one), so indexes in field paths still match. */
export function objListOf(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(objOf) : []
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/** The string at obj[key], or '' (Go's zero value). */
export function strOf(obj: unknown, key: string): string {
  return str(isObj(obj) ? obj[key] : undefined)
}

/** An int32 as Go holds it: 0 when absent or not a number. */
export function int(v: unknown): number {
  return typeof v === 'number' ? v : 0
}

export function specOf(o: KubeObject): Obj {
  return objOf(o['spec'])
}

export function statusOf(o: KubeObject): Obj {
  return objOf(o['status'])
}

/** A sub-map created when absent or null (a nil pointer being defaulted); undefined when the field holds something else. */
export function ensureObj(parent: Obj, key: string): Obj | undefined {
  const v = parent[key]
  if (v === undefined || v === null) {
    const created: Obj = {}
    parent[key] = created
    return created
  }
  return isObj(v) ? v : undefined
}

/** The map at obj[key], created and attached when absent or not a map: defaulting writes into it. */
export function ensureMap(obj: Obj, key: string): Obj {
  const v = obj[key]
  if (isObj(v)) return v
  const created: Obj = {}
  obj[key] = created
  return created
}

/** obj.spec, created when absent so defaulting has somewhere to write; undefined when malformed. */
export function ensureSpec(obj: KubeObject): Obj | undefined {
  return ensureObj(obj, 'spec')
}

/** A pointer field Go defaults when nil. */
export function defaultPointer(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value
}

/** A string field Go defaults when "". */
export function defaultString(o: Obj, key: string, value: string): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value
}
