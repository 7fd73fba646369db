/**
 * @module openapi/patch-meta-lookup
 * Strategic merge patch metadata for a built-in kind, read from the same OpenAPI schema kubectl
 * reads when it builds the patch (x-kubernetes-patch-strategy / -merge-key), so client and server
 * agree on every merge key. Lookups are cached per model and path.
 */
import type { KubeObject } from '../lib/api/types.js'
import * as errors from '../lib/api/errors.js'
import { strategicMergePatchStatusError } from '../lib/endpoints/handlers/patch.js'
import type { StrategicMergePatcher } from '../lib/endpoints/handlers/patch.js'
import { StrategicMergePatchError, strategicMergePatch } from '../lib/endpoints/strategic-merge-patch.js'
import type { PatchMeta, PatchMetaLookup } from '../lib/endpoints/strategic-merge-patch.js'
import { ModelSchemaCollector, resolveSchema } from './models.js'
import type { OpenAPISchema } from './models.js'


/** The lookup for one client-node model: path = map field names from the root. */
export function patchMetaLookup(model: string): PatchMetaLookup {
  const collector = new ModelSchemaCollector()
  const root = collector.add(model)
  const schemas = collector.schemas
  const cache = new Map<string, PatchMeta | undefined>()
  return function lookup(path: readonly string[]): PatchMeta | undefined {
    const key = path.join('\u0000')
    if (cache.has(key)) return cache.get(key)
    let schema = resolveSchema(schemas, schemas[root])
    let prop: OpenAPISchema | undefined
    for (const segment of path) {
      // Lists do not add a path segment: step into their items first.
      while (schema && schema['type'] === 'array') schema = resolveSchema(schemas, schema['items'] as OpenAPISchema)
      const props = schema?.['properties'] as Record<string, OpenAPISchema> | undefined
      const additional = schema?.['additionalProperties']
      prop = props?.[segment] ?? (typeof additional === 'object' && additional !== null ? (additional as OpenAPISchema) : undefined)
      schema = resolveSchema(schemas, prop)
      if (!prop) break
    }
    let meta: PatchMeta | undefined
    const strategy = (prop?.['x-kubernetes-patch-strategy'] ?? schema?.['x-kubernetes-patch-strategy']) as string | undefined
    if (prop && strategy) {
      meta = { strategies: strategy.split(',').map((s) => s.trim()) as PatchMeta['strategies'] }
      const mergeKey = prop['x-kubernetes-patch-merge-key'] as string | undefined
      if (mergeKey) meta.mergeKey = mergeKey
    }
    cache.set(key, meta)
    return meta
  }
}

/** The StrategicMergePatcher the chain plugs into the patch handler for built-in kinds. */
export function schemaStrategicMergePatcher(): StrategicMergePatcher {
  const lookups = new Map<string, PatchMetaLookup>()
  return function strategicMerge(current, patch, scope): KubeObject {
    const schema = scope.def.schema
    if (!schema || !('model' in schema)) throw errors.unsupportedMediaType(scope.def.patchTypes ?? [])
    let lookup = lookups.get(schema.model)
    if (!lookup) {
      lookup = patchMetaLookup(schema.model)
      lookups.set(schema.model, lookup)
    }
    try {
      return strategicMergePatch(current, patch, lookup) as KubeObject
    } catch (err) {
      if (err instanceof StrategicMergePatchError) throw strategicMergePatchStatusError(err, scope)
      throw err
    }
  }
}
