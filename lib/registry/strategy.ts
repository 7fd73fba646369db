/**
 * @module lib/registry/strategy
 * RESTCreateStrategy / RESTUpdateStrategy / RESTDeleteStrategy (k8s.io/apiserver pkg/registry/rest):
 * the per-resource hooks the generic Store calls in a fixed order. Everything has a default, so a
 * simple resource's strategy is an empty object.
 */
import type { FieldError } from '../api/field-errors.js'
import type { KubeObject } from '../api/types.js'

/** What a strategy may know about the request: no Express types below lib/endpoints. */
export interface RequestContext {
  namespace: string
  /** The authenticated user, once authentication lands; undefined means the anonymous/loopback user. */
  user?: { name: string; groups: string[]; uid?: string; extra?: Record<string, string[]> }
}

export interface Strategy {
  /** Clears fields the user may not set on create (status, generation...). Mutates obj. */
  prepareForCreate?(ctx: RequestContext, obj: KubeObject): void
  /** Defaulting applied on create and update before validation (SetDefaults_*). Mutates obj. */
  applyDefaults?(obj: KubeObject): void
  /** Resource-specific validation; ObjectMeta is validated by the Store. Must not mutate. */
  validate?(ctx: RequestContext, obj: KubeObject): FieldError[]
  warningsOnCreate?(ctx: RequestContext, obj: KubeObject): string[]
  /** Normalises the object just before it is stored. */
  canonicalize?(obj: KubeObject): void
  /** Copies over what an update may not change (status on the main endpoint...). Mutates obj. */
  prepareForUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): void
  validateUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): FieldError[]
  warningsOnUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): string[]
  /** PUT may create a missing object (AllowCreateOnUpdate). Default false. */
  allowCreateOnUpdate?: boolean
  /** PUT without metadata.resourceVersion is allowed (AllowUnconditionalUpdate). Default true. */
  allowUnconditionalUpdate?: boolean
  /** Bumps metadata.generation when this returns true for an update (spec changed). Default: never tracked. */
  generationChanged?(obj: KubeObject, old: KubeObject): boolean
  /** DELETE answers with the object instead of a Success Status (ReturnDeletedObject). */
  returnDeletedObject?: boolean
  /** Checked before deletion; throws a StatusError to refuse (e.g. protected namespaces). */
  beforeDelete?(ctx: RequestContext, obj: KubeObject): void | Promise<void>
  /**
   * True while the object still has finalization work beyond metadata.finalizers (a Namespace's
   * spec.finalizers): DELETE then only marks it, and the update that ends the work deletes it.
   */
  finalizationPending?(obj: KubeObject): boolean
  /** Called on the copy that gets its deletionTimestamp (a Namespace turns Terminating). */
  onMarkedForDeletion?(obj: KubeObject): void
  /** prepareForUpdate for a subresource write (status, finalize): what the subresource may change. */
  prepareForSubresourceUpdate?(subresource: string, ctx: RequestContext, obj: KubeObject, old: KubeObject): void
}
