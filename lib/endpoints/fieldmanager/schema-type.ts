/**
 * @module lib/endpoints/fieldmanager/schema-type
 * The type facts server-side apply needs (structured-merge-diff's schema): which objects are
 * structs with named fields and which are maps, which maps and lists are atomic, and how list
 * items are identified (`map` lists by their key fields, `set` lists by value). Read from an
 * OpenAPI v3 schema with the same x-kubernetes-* extensions kube's schemaconv reads; a value with
 * no schema is "deduced" (objects are granular maps, lists atomic), as structured-merge-diff does.
 */
import type { ResourceDefinition } from '../../registry/resource.js'

export type TypeKind = 'struct' | 'map' | 'list' | 'scalar' | 'deduced'

export interface TypeNode {
  readonly kind: TypeKind
  /** x-kubernetes-map-type: atomic (objects), x-kubernetes-list-type: atomic (lists). */
  readonly atomic: boolean
  readonly listType?: 'atomic' | 'set' | 'map'
  readonly keys?: readonly string[]
  /** Values a missing key field takes (schema defaults, e.g. ports' protocol TCP). */
  readonly keyDefaults?: Readonly<Record<string, unknown>>
  /** The type of a field or map value; undefined only for scalars. */
  field(name: string): TypeNode
  /** Whether `name` is a declared field of a struct (not a free map key). */
  isNamedField(name: string): boolean
  /** The type of list items. */
  item(): TypeNode
}

/** Finds the type of a resource, usually from its OpenAPI model; plugged in through config. */
export type ApplyTypeResolver = (def: ResourceDefinition) => TypeNode | undefined

class Deduced implements TypeNode {
  readonly kind = 'deduced' as const
  readonly atomic = false
  field(): TypeNode {
    return deduced
  }
  isNamedField(): boolean {
    return false
  }
  item(): TypeNode {
    return deduced
  }
}

/** Untyped values: objects are granular maps, lists atomic, everything else a scalar. */
export const deduced: TypeNode = new Deduced()

export type OpenAPISchemaObject = Record<string, unknown>

/** Turns OpenAPI v3 schemas (with $ref into `components`) into TypeNodes, lazily and cached. */
export class OpenAPITypes {
  private readonly cache = new Map<OpenAPISchemaObject, TypeNode>()

  /**
   * @param components schemas a `$ref` may name (by "#/components/schemas/<name>" or plain name).
   * @param keyDefaults defaults for list-map key fields the schemas do not declare.
   */
  constructor(
    private readonly components: Readonly<Record<string, OpenAPISchemaObject>> = {},
    private readonly keyDefaults: Readonly<Record<string, unknown>> = {},
  ) {}

  resolve(schema: OpenAPISchemaObject | undefined): OpenAPISchemaObject | undefined {
    let s = schema
    for (let i = 0; s && i < 20; i++) {
      const ref = (s['$ref'] ?? (s['allOf'] as OpenAPISchemaObject[] | undefined)?.[0]?.['$ref']) as string | undefined
      if (!ref) return s
      const name = ref.replace(/^#\/(components\/schemas|definitions)\//, '')
      const target = this.components[name]
      if (!target) return undefined
      // Extensions beside an allOf reference (list and map types on a property) win.
      s = s['allOf'] ? { ...target, ...withoutAllOf(s) } : target
    }
    return s
  }

  node(schema: OpenAPISchemaObject | undefined): TypeNode {
    if (!schema) return deduced
    const cached = this.cache.get(schema)
    if (cached) return cached
    const node = this.build(schema)
    this.cache.set(schema, node)
    return node
  }

  private build(raw: OpenAPISchemaObject): TypeNode {
    const s = this.resolve(raw)
    if (!s) return deduced
    if (s['x-kubernetes-int-or-string'] === true) return scalarNode
    const type = s['type']
    const props = s['properties'] as Record<string, OpenAPISchemaObject> | undefined
    const additional = s['additionalProperties']
    if (type === 'array' || s['items'] !== undefined) {
      const itemsSchema = s['items'] as OpenAPISchemaObject | undefined
      let listType = s['x-kubernetes-list-type'] as TypeNode['listType']
      let keys = s['x-kubernetes-list-map-keys'] as string[] | undefined
      const strategy = String(s['x-kubernetes-patch-strategy'] ?? '')
      const mergeKey = s['x-kubernetes-patch-merge-key'] as string | undefined
      // schemaconv: without a list type, a merge strategy means a list map (with a key) or a set.
      if (!listType && strategy.split(',').includes('merge')) {
        listType = mergeKey ? 'map' : 'set'
        if (mergeKey) keys = [mergeKey]
      }
      if (listType === 'map' && (!keys || keys.length === 0)) listType = 'atomic'
      listType ??= 'atomic'
      const items = this.resolve(itemsSchema)
      const keyDefaults: Record<string, unknown> = {}
      for (const k of keys ?? []) {
        const d = (items?.['properties'] as Record<string, OpenAPISchemaObject> | undefined)?.[k]?.['default']
        if (d !== undefined) keyDefaults[k] = d
        else if (this.keyDefaults[k] !== undefined) keyDefaults[k] = this.keyDefaults[k]
      }
      return new ListNode(listType, listType === 'map' ? keys : undefined, keyDefaults, () => this.node(itemsSchema))
    }
    if (type === 'object' || props || additional !== undefined) {
      const atomic = s['x-kubernetes-map-type'] === 'atomic'
      const elem = typeof additional === 'object' && additional !== null ? (additional as OpenAPISchemaObject) : undefined
      const preserve = s['x-kubernetes-preserve-unknown-fields'] === true || additional === true
      if (props && Object.keys(props).length > 0) {
        return new StructNode(atomic, props, (p) => this.node(p), elem ? () => this.node(elem) : preserve ? () => deduced : undefined)
      }
      if (elem) return new MapNode(atomic, () => this.node(elem))
      return atomic ? new MapNode(true, () => deduced) : deduced
    }
    if (type === undefined && s['x-kubernetes-preserve-unknown-fields'] === true) return deduced
    if (type === undefined) return deduced
    return scalarNode
  }
}

function withoutAllOf(s: OpenAPISchemaObject): OpenAPISchemaObject {
  const { allOf: _allOf, ...rest } = s
  return rest
}

class ScalarNode implements TypeNode {
  readonly kind = 'scalar' as const
  readonly atomic = true
  field(): TypeNode {
    return deduced
  }
  isNamedField(): boolean {
    return false
  }
  item(): TypeNode {
    return deduced
  }
}

const scalarNode: TypeNode = new ScalarNode()

class StructNode implements TypeNode {
  readonly kind = 'struct' as const
  constructor(
    readonly atomic: boolean,
    private readonly props: Record<string, OpenAPISchemaObject>,
    private readonly build: (s: OpenAPISchemaObject) => TypeNode,
    private readonly elem?: () => TypeNode,
  ) {}

  field(name: string): TypeNode {
    const p = Object.hasOwn(this.props, name) ? this.props[name] : undefined
    if (p) return this.build(p)
    return this.elem ? this.elem() : deduced
  }

  isNamedField(name: string): boolean {
    return Object.hasOwn(this.props, name)
  }

  item(): TypeNode {
    return deduced
  }
}

class MapNode implements TypeNode {
  readonly kind = 'map' as const
  constructor(
    readonly atomic: boolean,
    private readonly elem: () => TypeNode,
  ) {}

  field(): TypeNode {
    return this.elem()
  }

  isNamedField(): boolean {
    return false
  }

  item(): TypeNode {
    return deduced
  }
}

class ListNode implements TypeNode {
  readonly kind = 'list' as const
  readonly atomic: boolean
  constructor(
    readonly listType: 'atomic' | 'set' | 'map',
    readonly keys: readonly string[] | undefined,
    readonly keyDefaults: Readonly<Record<string, unknown>>,
    private readonly items: () => TypeNode,
  ) {
    this.atomic = listType === 'atomic'
  }

  field(): TypeNode {
    return deduced
  }

  isNamedField(): boolean {
    return false
  }

  item(): TypeNode {
    return this.items()
  }
}

/**
 * ObjectMeta as structured-merge-diff sees it, for custom resources whose schema says only
 * `metadata: {type: object}`: labels and annotations are granular maps, finalizers a set,
 * ownerReferences a list map by uid, managedFields atomic.
 */
export const objectMetaSchema: OpenAPISchemaObject = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    selfLink: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer' },
    creationTimestamp: { type: 'string' },
    deletionTimestamp: { type: 'string' },
    deletionGracePeriodSeconds: { type: 'integer' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
      items: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { uid: { type: 'string' } } },
    },
    finalizers: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    managedFields: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'object' } },
  },
}

const crdTypes = new WeakMap<object, TypeNode>()

/**
 * The type of a resource: the injected resolver (built-in models), else the declaration's own
 * OpenAPI v3 schema (custom resources, with kube's ObjectMeta for metadata), else deduced.
 */
export function resourceType(def: ResourceDefinition, resolver?: ApplyTypeResolver): TypeNode {
  const injected = resolver?.(def)
  if (injected) return injected
  const schema = def.schema
  if (schema && 'openAPIV3Schema' in schema) {
    const cached = crdTypes.get(schema.openAPIV3Schema)
    if (cached) return cached
    const root = schema.openAPIV3Schema
    const props = { ...((root['properties'] as Record<string, unknown> | undefined) ?? {}), metadata: objectMetaSchema }
    const node = new OpenAPITypes({}, { protocol: 'TCP' }).node({ ...root, type: 'object', properties: props })
    crdTypes.set(schema.openAPIV3Schema, node)
    return node
  }
  return deduced
}
