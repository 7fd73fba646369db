/**
 * @module lib/registry/resource
 * A resource is a declaration: names, scope, kind, discovery facts, table columns, selectable
 * fields and a Strategy. The installer, discovery, OpenAPI and the generic Store all read this one
 * object, so adding a resource never means copying handler code.
 */
import type { Storage } from '../storage/interface.js'
import type { KubeObject } from '../api/types.js'
import type { Strategy } from './strategy.js'

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch'

export const allVerbs: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

/** A meta.k8s.io/v1 TableColumnDefinition plus the function that computes its cell. */
export interface TableColumn {
  name: string
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date'
  format?: string
  description?: string
  priority?: number
  cell(obj: KubeObject, now: Date): unknown
}

/**
 * Where a kind keeps its replica counts, for the autoscaling/v1 Scale subresource (ScaleREST of
 * Deployments and ReplicaSets, the scale subresource of CRDs). Paths are dotted JSON paths with a
 * leading dot, as CRDs spell them: '.spec.replicas'.
 */
export interface ScaleDefinition {
  /** Read into Scale spec.replicas; Scale writes change only this field. */
  specReplicasPath: string
  /** Read into Scale status.replicas; 0 when absent. */
  statusReplicasPath: string
  /**
   * Read into Scale status.selector: a string is taken as is (CRDs keep a serialized selector in
   * status), a metav1.LabelSelector object is rendered as its selector string (built-ins).
   */
  labelSelectorPath?: string
}

/**
 * Conversion between one served version and the storage version of a kind (kube's conversion
 * functions through the internal version, or a CRD's conversion strategy). The Store calls
 * toStorage on every object it writes in the served version and fromStorage on every stored
 * object it returns (get, list, watch events, update and delete results); selectors and strategy
 * hooks see the served version. Both functions get an object they may not mutate and return a new
 * one with the target apiVersion; metadata passes through unchanged.
 */
export interface VersionConversion {
  toStorage(obj: KubeObject): KubeObject
  fromStorage(obj: KubeObject): KubeObject
}

export interface ResourceDefinition {
  group: string
  version: string
  /** Plural lower-case resource name, the URL segment. */
  resource: string
  singular: string
  kind: string
  listKind: string
  namespaced: boolean
  shortNames?: string[]
  categories?: string[]
  verbs?: readonly Verb[]
  /**
   * The OpenAPI schema model for this kind: a @kubernetes/client-node model class name such as
   * "V1ConfigMap", or a ready OpenAPI v3 schema object (CRDs).
   */
  schema?: { model: string } | { openAPIV3Schema: Record<string, unknown> }
  /** Table columns after Name; Age is the usual last one. Without any, Name + Created At. */
  tableColumns?: TableColumn[]
  /** Field selector labels beyond metadata.name and metadata.namespace, with how to read them. */
  selectableFields?: Record<string, (obj: KubeObject) => string | undefined>
  /** Subresources served beside the main resource ("status", "finalize", "scale"...). */
  subresources?: string[]
  /** The replica paths behind the "scale" subresource; "scale" must also be in subresources. */
  scale?: ScaleDefinition
  /** Content types PATCH accepts; defaults to json-patch and merge-patch. */
  patchTypes?: readonly string[]
  /**
   * Schema check of a decoded object: removes fields the schema does not know (pruning) and
   * reports them with their JSON paths, plus values of the wrong type. Built from the OpenAPI
   * schema by the router that declares the resource.
   */
  checkFields?(obj: KubeObject): { unknownFields: string[]; typeErrors: string[] }
  /** Storage key prefix; defaults to /registry/<resource> for core and /registry/<group>/<resource> otherwise. */
  storagePrefix?: string
  /**
   * For a version served from objects stored in another version (kube's storage version): the
   * conversion both ways. The declarations of all versions share one storagePrefix; the one in
   * the storage version has no convert, every other served version has its own pair.
   */
  convert?: VersionConversion
  /**
   * Runs on every object read from storage before it is served or handed to the strategy, as
   * kube-apiserver's decoder defaults custom resources on read (schema defaults added after an
   * object was written still appear). Returns the object to use; stored objects may be frozen, so
   * it copies before changing anything.
   */
  onRead?: (obj: KubeObject) => KubeObject
  /**
   * Wraps the storage the Store writes through, for resources whose writes must change other
   * stored state atomically with them (the Service IP and port allocator's RangeAllocation objects,
   * as kube's BeginCreate/BeginUpdate hooks do). Applied once when the Store is built.
   */
  decorateStorage?: (storage: Storage) => Storage
  /** How metadata.name is validated (ValidateNameFunc). Default: DNS subdomain. */
  nameValidation?: 'subdomain' | 'label' | 'path-segment'
  strategy: Strategy
}
