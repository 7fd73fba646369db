/**
 * @module openapi/apply-types
 * Server-side apply's type facts for built-in kinds, from the same client-node models and
 * x-kubernetes-* extensions (openapi/patch-metadata.ts) the OpenAPI documents and strategic merge
 * patch use, so apply, SMP and the published schema agree on list keys and atomic types. Custom
 * resources are typed by the fieldmanager itself from their declaration's openAPIV3Schema.
 */
import { OpenAPITypes } from '../lib/endpoints/fieldmanager/schema-type.js'
import type { ApplyTypeResolver, TypeNode } from '../lib/endpoints/fieldmanager/schema-type.js'
import { ModelSchemaCollector } from './models.js'

/** Key fields kube's schemas default (ContainerPort, ServicePort, EndpointPort: protocol TCP). */
const keyDefaults = { protocol: 'TCP' }

/** The ApplyTypeResolver the chain plugs into config.applyTypes; one TypeNode per model, cached. */
export function schemaApplyTypes(): ApplyTypeResolver {
  const byModel = new Map<string, TypeNode | undefined>()
  return function applyTypes(def): TypeNode | undefined {
    const schema = def.schema
    if (!schema || !('model' in schema)) return undefined
    if (byModel.has(schema.model)) return byModel.get(schema.model)
    let node: TypeNode | undefined
    try {
      const collector = new ModelSchemaCollector()
      const root = collector.add(schema.model)
      node = new OpenAPITypes(collector.schemas, keyDefaults).node(collector.schemas[root])
    } catch {
      // A model client-node does not have: the fieldmanager falls back to deduced types.
      node = undefined
    }
    byModel.set(schema.model, node)
    return node
  }
}
