/**
 * @module routers/kube/typed
 * What makes a declaration a built-in, typed kind: the typed decoder's field checks from its
 * client-node model (unknown fields per fieldValidation, wrong types as 400) and strategic merge
 * patch among the accepted patch types. One function, so every built-in group wraps alike.
 */
import { jsonPatchType, mergePatchType, strategicMergePatchType } from '../../lib/endpoints/handlers/patch.js'
import type { ResourceDefinition } from '../../lib/registry/resource.js'
import { fieldChecker } from '../../openapi/field-checker.js'

/** What PATCH accepts on built-in kinds (apply-patch comes with server-side apply). */
export const builtinPatchTypes: readonly string[] = [jsonPatchType, mergePatchType, strategicMergePatchType]

/**
 * The declaration with field checks and built-in patch types when it names a client-node model;
 * declarations with a ready schema (CRDs) or none are returned as they are.
 */
export function typedResource(def: ResourceDefinition): ResourceDefinition {
  if (!def.schema || !('model' in def.schema)) return def
  return { ...def, checkFields: fieldChecker(def.schema.model, def.kind), patchTypes: def.patchTypes ?? builtinPatchTypes }
}
