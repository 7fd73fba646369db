/**
 * @module routers/extensions/schema/pruning
 * Pruning of unknown fields (apiextensions-apiserver pkg/apiserver/schema/pruning/algorithm.go)
 * and the reduction of resource metadata to ObjectMeta (schema/objectmeta): the apiVersion, kind
 * and metadata of the root and of embedded resources are kept, metadata loses the keys ObjectMeta
 * does not have. The removed paths are returned the way kube prints them in fieldValidation
 * warnings and errors: `unknown field "spec.foo"` → "spec.foo", array items as "spec.list[0].x".
 */
import { objectMetaFields } from '../../../lib/api/types.js'
import { isObject, own } from './field-path.js'

type Schema = Record<string, unknown>

const metaFields = new Set(['apiVersion', 'kind', 'metadata'])


/** Item fields of the ObjectMeta lists that are structs (fieldsV1 inside managedFields is free-form). */
const objectMetaListItems: Record<string, ReadonlySet<string>> = {
  ownerReferences: new Set(['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion']),
  managedFields: new Set(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']),
}

function joinKey(parent: string, k: string): string {
  return parent === '' ? k : `${parent}.${k}`
}

class Pruner {
  readonly pruned: string[] = []

  prune(x: unknown, s: Schema | undefined, path: string): void {
    if (s && s['x-kubernetes-preserve-unknown-fields'] === true) {
      this.skipPrune(x, s, path)
      return
    }
    if (Array.isArray(x)) {
      const items = s && isObject(s.items) ? s.items : undefined
      x.forEach((v, i) => this.prune(v, items, `${path}[${i}]`))
      return
    }
    if (!isObject(x)) return
    if (!s) {
      for (const k of Object.keys(x)) {
        this.pruned.push(joinKey(path, k))
        delete x[k]
      }
      return
    }
    const embedded = s['x-kubernetes-embedded-resource'] === true
    const properties = isObject(s.properties) ? s.properties : {}
    const additional = s.additionalProperties
    for (const k of Object.keys(x)) {
      if (embedded && metaFields.has(k)) {
        if (k === 'metadata') this.coerceMetadata(x.metadata, joinKey(path, 'metadata'))
        continue
      }
      const prop = own(properties, k)
      if (isObject(prop)) this.prune(x[k], prop, joinKey(path, k))
      else if (additional !== undefined && additional !== null && additional !== false) {
        this.prune(x[k], isObject(additional) ? additional : undefined, joinKey(path, k))
      } else if (additional === false) {
        // additionalProperties: false keeps the key (validation rejects it) but prunes below it.
        this.prune(x[k], undefined, joinKey(path, k))
      } else {
        if (!metaFields.has(k) || path !== '') this.pruned.push(joinKey(path, k))
        delete x[k]
      }
    }
  }

  private skipPrune(x: unknown, s: Schema, path: string): void {
    if (Array.isArray(x)) {
      const items = isObject(s.items) ? s.items : undefined
      x.forEach((v, i) => this.prune(v, items, `${path}[${i}]`))
      return
    }
    if (!isObject(x)) return
    const embedded = s['x-kubernetes-embedded-resource'] === true
    const properties = isObject(s.properties) ? s.properties : {}
    const additional = isObject(s.additionalProperties) ? s.additionalProperties : undefined
    for (const k of Object.keys(x)) {
      if (embedded && metaFields.has(k)) {
        if (k === 'metadata') this.coerceMetadata(x.metadata, joinKey(path, 'metadata'))
        continue
      }
      const prop = own(properties, k)
      if (isObject(prop)) this.prune(x[k], prop, joinKey(path, k))
      else if (additional) this.prune(x[k], additional, joinKey(path, k))
    }
  }

  /** ObjectMeta round trip: keys ObjectMeta does not know are dropped and reported. */
  coerceMetadata(meta: unknown, path: string): void {
    if (!isObject(meta)) return
    for (const k of Object.keys(meta)) {
      if (!objectMetaFields.has(k)) {
        this.pruned.push(joinKey(path, k))
        delete meta[k]
        continue
      }
      const itemFields = objectMetaListItems[k]
      const list = meta[k]
      if (!itemFields || !Array.isArray(list)) continue
      list.forEach((item, i) => {
        if (!isObject(item)) return
        for (const f of Object.keys(item)) {
          if (itemFields.has(f)) continue
          this.pruned.push(`${joinKey(path, k)}[${i}].${f}`)
          delete item[f]
        }
      })
    }
  }
}

function schemaForField(s: Schema | undefined, k: string): Schema | undefined {
  if (!s) return undefined
  const properties = isObject(s.properties) ? s.properties : {}
  const prop = own(properties, k)
  if (isObject(prop)) return prop
  return isObject(s.additionalProperties) ? s.additionalProperties : undefined
}

/**
 * PruneNonNullableNullsWithoutDefaults (defaulting/prunenulls.go): a null where the schema is
 * neither nullable nor defaulted is dropped silently (a defaulted one is left for defaulting).
 */
export function pruneNonNullableNullsWithoutDefaults(x: unknown, s: Schema | undefined): void {
  if (Array.isArray(x)) {
    const items = s && isObject(s.items) ? s.items : undefined
    for (const v of x) pruneNonNullableNullsWithoutDefaults(v, items)
    return
  }
  if (!isObject(x)) return
  for (const k of Object.keys(x)) {
    const sub = schemaForField(s, k)
    const v = x[k]
    if (v === null && sub !== undefined && sub.nullable !== true && (sub.default === undefined || sub.default === null)) delete x[k]
    else pruneNonNullableNullsWithoutDefaults(v, sub)
  }
}

/**
 * Prunes obj in place against the structural schema s; the root is a resource root (its
 * apiVersion, kind and metadata are kept and metadata is reduced to ObjectMeta). Returns the
 * removed paths, sorted, without a leading dot ("spec.foo", "metadata.bar", "spec.items[0].x").
 */
export function pruneObject(obj: Record<string, unknown>, s: Schema, isResourceRoot = true): string[] {
  const pruner = new Pruner()
  const root = isResourceRoot && s['x-kubernetes-embedded-resource'] !== true ? { ...s, 'x-kubernetes-embedded-resource': true } : s
  pruner.prune(obj, root, '')
  return pruner.pruned.sort()
}

/** Prunes a value (not necessarily a resource) against a schema; used to check defaults. */
export function pruneValue(value: unknown, s: Schema): string[] {
  const pruner = new Pruner()
  pruner.prune(value, s, '')
  return pruner.pruned
}
