/**
 * @module lib/api/types
 * The object model shared by every layer, shaped like apimachinery's metav1 types so that
 * objects on the wire are plain JSON and line up with @kubernetes/client-node's KubernetesObject.
 */

/** metav1.ObjectMeta: only the fields the server itself reads or writes are typed. */
export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string | null
  deletionTimestamp?: string | null
  deletionGracePeriodSeconds?: number | null
  labels?: Record<string, string>
  annotations?: Record<string, string>
  finalizers?: string[]
  ownerReferences?: unknown[]
  managedFields?: unknown[]
  [key: string]: unknown
}

/** The JSON names of metav1.ObjectMeta's fields: what pruning and strict decoding accept in metadata. */
export const objectMetaFields: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
])

/** Any API object: TypeMeta + ObjectMeta + whatever the kind adds (spec, status, data, ...). */
export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  [key: string]: unknown
}

export interface ListMeta {
  resourceVersion?: string
  continue?: string
  remainingItemCount?: number
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string
  kind: string
  metadata: ListMeta
  items: T[]
}

export interface GroupVersion {
  group: string
  version: string
}

export interface GroupVersionKind extends GroupVersion {
  kind: string
}

export interface GroupVersionResource extends GroupVersion {
  resource: string
}

/** schema.GroupResource; its String() form appears in error messages ("deployments.apps"). */
export interface GroupResource {
  group: string
  resource: string
}

/** The fixed set of metav1.StatusReason values (apimachinery pkg/apis/meta/v1/types.go). */
export type StatusReason =
  | ''
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'StoreReadError'
  | 'Timeout'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable'

export interface StatusCause {
  reason?: string
  message?: string
  field?: string
}

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: StatusCause[]
  retryAfterSeconds?: number
}

/** metav1.Status, the one wire type for errors (and for some successful deletes). */
export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: ListMeta
  status: 'Success' | 'Failure'
  message?: string
  reason?: StatusReason
  details?: StatusDetails
  code: number
}

/** Formats a GroupVersion the way Kubernetes does: "v1" for core, "apps/v1" otherwise. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`
}

/** Parses "apps/v1" or "v1" into a GroupVersion. */
export function parseGroupVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/')
  if (slash < 0) return { group: '', version: apiVersion }
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) }
}

/** GroupResource.String(): "configmaps" or "deployments.apps". */
export function groupResourceString(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`
}
