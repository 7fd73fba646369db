/**
 * @module lib/endpoints/fieldmanager/typed
 * Typed operations on JSON objects (structured-merge-diff's typed package): the field set an
 * object sets, the comparison of two objects (added, modified, removed paths), the merge of an
 * applied configuration into a live object, and removal of paths. Every walk is steered by a
 * TypeNode: atomic maps and lists are one leaf, list maps are keyed by their key fields, sets by
 * their values.
 */
import { isDeepStrictEqual } from 'node:util'
import { FieldSet, fieldElement, indexElement, keyElement, valueElement } from './fieldset.js'
import type { Path, PathElement } from './fieldset.js'
import { deduced } from './schema-type.js'
import type { TypeNode } from './schema-type.js'

type JSONObject = Record<string, unknown>

/** A value that does not fit its type (a list map item without its key): kube's typed errors. */
export class TypeError_ extends Error {}

export function isObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object'
}

/** Whether a list is walked item by item (list maps and sets) rather than as one value. */
function isAssociative(t: TypeNode): boolean {
  return t.kind === 'list' && (t.listType === 'map' || t.listType === 'set')
}

/** The path element of one list item (listItemToPathElement). */
export function itemElement(t: TypeNode, item: unknown, index: number, where: () => string): PathElement {
  if (t.listType === 'map') {
    if (!isObject(item)) throw new TypeError_(`${where()}: element ${index}: associative list with keys may not have non-map elements`)
    const key: JSONObject = {}
    for (const k of t.keys ?? []) {
      if (item[k] !== undefined) key[k] = item[k]
      else if (t.keyDefaults?.[k] !== undefined) key[k] = t.keyDefaults[k]
      else throw new TypeError_(`${where()}: element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`)
    }
    return keyElement(key)
  }
  if (t.listType === 'set') {
    if (!isScalar(item)) throw new TypeError_(`${where()}: element ${index}: associative list without keys has an element that's a map type`)
    return valueElement(item)
  }
  return indexElement(index)
}

function childType(t: TypeNode, pe: PathElement): TypeNode {
  return pe.startsWith('f:') ? t.field(pe.slice(2)) : t.item()
}

function describe(path: Path): string {
  return path.map((pe) => (pe.startsWith('f:') ? `.${pe.slice(2)}` : `[${pe.slice(2)}]`)).join('')
}

interface IndexedList {
  order: PathElement[]
  items: Map<PathElement, unknown>
  /** Later items with an already seen key (kube tolerates them in stored objects). */
  duplicates: Map<PathElement, unknown[]>
}

/** Items of an associative list by path element, in order, first occurrence wins. */
function indexList(t: TypeNode, list: unknown[], path: Path): IndexedList {
  const order: PathElement[] = []
  const items = new Map<PathElement, unknown>()
  const duplicates = new Map<PathElement, unknown[]>()
  list.forEach((item, i) => {
    const pe = itemElement(t, item, i, () => describe(path))
    if (items.has(pe)) {
      duplicates.set(pe, [...(duplicates.get(pe) ?? []), item])
      return
    }
    items.set(pe, item)
    order.push(pe)
  })
  return { order, items, duplicates }
}

/** typed.ToFieldSet: every path the object sets, as an applier owns it. */
export function toFieldSet(value: unknown, t: TypeNode): FieldSet {
  const set = new FieldSet()
  walkSet(value, t, [], set)
  return set
}

function walkSet(v: unknown, t: TypeNode, path: PathElement[], set: FieldSet): void {
  if (isObject(v)) {
    if (t.atomic || t.kind === 'list' || t.kind === 'scalar') {
      set.insert(path)
      return
    }
    for (const [k, child] of Object.entries(v)) {
      const p = [...path, fieldElement(k)]
      walkSet(child, t.field(k), p, set)
      if (child === null || (isObject(child) && Object.keys(child).length === 0) || !t.isNamedField(k)) set.insert(p)
    }
    return
  }
  if (Array.isArray(v)) {
    if (!isAssociative(t)) {
      set.insert(path)
      return
    }
    const { order, items } = indexList(t, v, path)
    for (const pe of order) {
      const p = [...path, pe]
      walkSet(items.get(pe), t.item(), p, set)
      set.insert(p)
    }
    return
  }
  set.insert(path)
}

export interface Comparison {
  added: FieldSet
  modified: FieldSet
  removed: FieldSet
}

/** typed.Compare: leaves (scalars, atomic or empty maps and lists) and the containers that appear or vanish. */
export function compare(lhs: unknown, rhs: unknown, t: TypeNode): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() }
  walkCompare(lhs, rhs, t, [], c)
  return c
}

function isEmptyContainer(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0)
}

function walkCompare(l: unknown, r: unknown, t: TypeNode, path: PathElement[], c: Comparison): void {
  const bothObjects = (l === undefined || isObject(l)) && (r === undefined || isObject(r))
  const bothLists = (l === undefined || Array.isArray(l)) && (r === undefined || Array.isArray(r))
  let leaf = true
  if (bothObjects && !(isEmptyContainer(l) && isEmptyContainer(r)) && !t.atomic && t.kind !== 'list' && t.kind !== 'scalar') leaf = false
  if (bothLists && !(isEmptyContainer(l) && isEmptyContainer(r)) && isAssociative(t)) leaf = false
  if (leaf) {
    if (path.length === 0) return
    if (l === undefined) c.added.insert(path)
    else if (r === undefined) c.removed.insert(path)
    else if (!isDeepStrictEqual(l, r)) c.modified.insert(path)
    return
  }
  if (bothObjects) {
    const lo = (l ?? {}) as JSONObject
    const ro = (r ?? {}) as JSONObject
    for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
      walkCompare(lo[k], ro[k], t.field(k), [...path, fieldElement(k)], c)
    }
  } else {
    const li = indexList(t, (l ?? []) as unknown[], path)
    const ri = indexList(t, (r ?? []) as unknown[], path)
    for (const pe of new Set([...li.order, ...ri.order])) walkCompare(li.items.get(pe), ri.items.get(pe), t.item(), [...path, pe], c)
  }
  // Containers that appear or vanish are paths of their own; struct fields are always present in
  // Go's zero values, so kube never reports them (no "." under f:spec), list items it does.
  if (path.length > 0 && !(t.kind === 'struct' && path[path.length - 1]!.startsWith('f:'))) {
    if (l === undefined) c.added.insert(path)
    else if (r === undefined) c.removed.insert(path)
  }
}

/** typed.Merge: the applied configuration (rhs) wins; granular maps and list maps merge per item. */
export function merge(lhs: unknown, rhs: unknown, t: TypeNode, path: PathElement[] = []): unknown {
  if (rhs === undefined) return lhs
  if (lhs === undefined) return structuredClone(rhs)
  if (isObject(lhs) && isObject(rhs) && !t.atomic && t.kind !== 'list' && t.kind !== 'scalar') {
    const out: JSONObject = {}
    for (const [k, v] of Object.entries(lhs)) out[k] = k in rhs ? merge(v, rhs[k], t.field(k), [...path, fieldElement(k)]) : v
    for (const [k, v] of Object.entries(rhs)) if (!(k in lhs)) out[k] = structuredClone(v)
    return out
  }
  if (Array.isArray(lhs) && Array.isArray(rhs) && isAssociative(t)) return mergeList(lhs, rhs, t, path)
  return structuredClone(rhs)
}

/** visitListItems of the merging walker: keeps both orders, shared items where the config puts them. */
function mergeList(lhs: unknown[], rhs: unknown[], t: TypeNode, path: PathElement[]): unknown[] {
  const L = indexList(t, lhs, path)
  const R = indexList(t, rhs, path)
  const shared = R.order.filter((pe) => L.items.has(pe))
  let nextShared = shared.shift()
  const out: unknown[] = []
  const mergeItem = (pe: PathElement): unknown => merge(L.items.get(pe), R.items.get(pe), t.item(), [...path, pe])
  let li = 0
  let ri = 0
  while (li < L.order.length || ri < R.order.length) {
    if (li < L.order.length && ri < R.order.length) {
      const pe = L.order[li]!
      if (pe === R.order[ri]) {
        out.push(mergeItem(pe))
        li++
        ri++
        nextShared = shared.shift()
        continue
      }
      if (R.items.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++
        continue
      }
    }
    if (li < L.order.length) {
      const pe = L.order[li]!
      if (!R.items.has(pe)) {
        // Items the configuration does not name stay as they are, duplicates included.
        out.push(L.items.get(pe), ...(L.duplicates.get(pe) ?? []))
        li++
        continue
      }
    }
    if (ri < R.order.length) {
      const pe = R.order[ri]!
      out.push(mergeItem(pe))
      ri++
      if (nextShared === pe) nextShared = shared.shift()
    }
  }
  return out
}

/**
 * typed.RemoveItems: drops every member path of `remove` from the value. A node some path of
 * `keep` still lies under is not dropped whole; only its removable children go.
 */
export function removeItems(v: unknown, remove: FieldSet, t: TypeNode, keep: FieldSet = new FieldSet(), path: PathElement[] = []): unknown {
  if (isObject(v)) {
    const out: JSONObject = {}
    for (const [k, child] of Object.entries(v)) {
      const pe = fieldElement(k)
      const p = [...path, pe]
      if (remove.members.has(pe) && !keepsUnder(keep, p)) continue
      const sub = remove.children.get(pe)
      out[k] = sub ? removeItems(child, sub, t.field(k), keep, p) : child
    }
    return out
  }
  if (Array.isArray(v) && isAssociative(t)) {
    const out: unknown[] = []
    v.forEach((item, i) => {
      const pe = itemElement(t, item, i, () => describe(path))
      const p = [...path, pe]
      if (remove.members.has(pe) && !keepsUnder(keep, p)) return
      const sub = remove.children.get(pe)
      out.push(sub ? removeItems(item, sub, t.item(), keep, p) : item)
    })
    return out
  }
  return v
}

function keepsUnder(keep: FieldSet, path: Path): boolean {
  let node: FieldSet | undefined = keep
  for (const pe of path) {
    node = node?.children.get(pe)
    if (!node) return false
  }
  return !!node && !node.isEmpty()
}

/**
 * Set.EnsureNamedFieldsAreMembers: the parents of owned paths that are named struct fields become
 * members too (owning spec.replicas owns "spec"), map keys and list items do not.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, t: TypeNode): FieldSet {
  const out = new FieldSet()
  for (const m of set.members) out.members.add(m)
  for (const [pe, child] of set.children) {
    if (pe.startsWith('f:') && t.kind === 'struct' && t.isNamedField(pe.slice(2))) out.members.add(pe)
    out.children.set(pe, ensureNamedFieldsAreMembers(child, childType(t, pe)))
  }
  return out
}

export { deduced }
