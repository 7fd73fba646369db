/**
 * @module openapi/document
 * OpenAPIRegistry: the group-versions this server documents and the OpenAPI documents built from
 * their ResourceDefinitions, shaped like kube-apiserver's /openapi/v3/<gv> (one OpenAPI 3.0
 * document per group-version) and /openapi/v2 (one Swagger 2.0 document for everything).
 *
 * kubectl reads three things from a v3 document and nothing works without them: the PATCH
 * operation of each kind carrying `x-kubernetes-group-version-kind` and an inline `fieldValidation`
 * parameter (or `kubectl apply --validate=strict` falls back to the protobuf v2 document and
 * fails), the patch content types (strategic merge only where listed), and `components.schemas`
 * with the same GVK extension (kubectl explain). Documents are built lazily and cached per
 * group-version; every change drops the caches it affects, so groups come and go at run time.
 */
import { createHash } from 'node:crypto'
import type { ResourceDefinition, Verb } from '../lib/registry/resource.js'
import { allVerbs } from '../lib/registry/resource.js'
import type { GroupVersionKind } from '../lib/api/types.js'
import {
  ModelSchemaCollector,
  customSchemaName,
  hasModel,
  intOrStringSchemaName,
  patchSchemaName,
  quantitySchemaName,
  schemaRef,
} from './models.js'
import type { OpenAPISchema } from './models.js'

/** An OpenAPI object kept as plain JSON data. */
export type OpenAPIObject = Record<string, unknown>

export interface OpenAPIV3Document {
  openapi: '3.0.0'
  info: { title: string; version: string }
  paths: Record<string, OpenAPIObject>
  components: { schemas: Record<string, OpenAPISchema> }
}

export interface OpenAPIV2Document {
  swagger: '2.0'
  info: { title: string; version: string }
  paths: Record<string, OpenAPIObject>
  definitions: Record<string, OpenAPISchema>
}

/** The body of GET /openapi/v3 (kube-openapi handler3.OpenAPIV3Discovery). */
export interface OpenAPIV3Index {
  paths: Record<string, { serverRelativeURL: string }>
}

/** A document as served: its JSON bytes, their hash (ETag and ?hash=) and when it was built. */
export interface SerializedDocument {
  json: Buffer
  /** Upper-case hex SHA-512 of `json`, like kube-openapi's computeETag. */
  hash: string
  lastModified: Date
}

export interface OpenAPIRegistryOptions {
  /** `info.title`; kube-apiserver says "Kubernetes". */
  title?: string
  /** `info.version`, the Kubernetes version this server claims. */
  version?: string
  /**
   * PATCH content types of resources whose definition lists none. Pass the patch handler's own
   * default so the documents never promise a type the server refuses.
   */
  defaultPatchTypes?: readonly string[]
}

/** The PATCH content types documented for a resource that lists none (see OpenAPIRegistryOptions). */
export const defaultPatchTypes: readonly string[] = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']

/** The document path of a group-version: "api/v1" for core, "apis/<group>/<version>" otherwise. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`
}

/** JSON bytes plus their upper-case hex SHA-512 (kube-openapi's computeETag), stamped now. */
export function serializeDocument(document: object): SerializedDocument {
  const json = Buffer.from(JSON.stringify(document))
  return { json, hash: createHash('sha512').update(json).digest('hex').toUpperCase(), lastModified: new Date() }
}

/**
 * The served group-versions and their resources, mutable at run time like kube-openapi's
 * OpenAPIService (UpdateGroupVersion / DeleteGroupVersion).
 */
export class OpenAPIRegistry {
  private readonly title: string
  private readonly version: string
  private readonly patchTypes: readonly string[]
  /** gvPath → resource name → definition. */
  private readonly groupVersions = new Map<string, Map<string, ResourceDefinition>>()
  private readonly v3Cache = new Map<string, { document: OpenAPIV3Document; serialized: SerializedDocument }>()
  private v2Cache: { document: OpenAPIV2Document; serialized: SerializedDocument } | undefined
  private changes = 0
  /**
   * Pre-built documents of group-versions served elsewhere (an aggregated API server's own
   * /openapi/v3 document, and the part of its /openapi/v2 that is about that group-version). They
   * replace whatever the registry would build from its definitions for that path.
   */
  private readonly external = new Map<string, { v3: OpenAPIV3Document; v2?: OpenAPIV2Document }>()

  constructor(options: OpenAPIRegistryOptions = {}) {
    this.title = options.title ?? 'Kubernetes'
    this.version = options.version ?? 'v1.32.0'
    this.patchTypes = options.defaultPatchTypes ?? defaultPatchTypes
  }

  /** Bumped by every change; lets callers notice that documents were rebuilt. */
  get generation(): number {
    return this.changes
  }

  /**
   * Adds a resource, or replaces the one with the same group, version and resource name.
   * @throws {TypeError} when the definition names no group-version/resource, or a client-node model
   * that does not exist: bad declarations fail when they are registered, not on the first GET.
   * @public
   */
  addResource(def: ResourceDefinition): void {
    if (!def.version || !def.resource || !def.kind) throw new TypeError('a ResourceDefinition needs version, resource and kind')
    if (def.schema && 'model' in def.schema && !hasModel(def.schema.model)) {
      throw new TypeError(`${def.resource}: @kubernetes/client-node has no model class "${def.schema.model}"`)
    }
    const path = groupVersionPath(def.group, def.version)
    let resources = this.groupVersions.get(path)
    if (!resources) {
      resources = new Map()
      this.groupVersions.set(path, resources)
    }
    resources.set(def.resource, def)
    this.invalidate(path)
  }

  /** Removes one resource (matched by group, version and resource name); an emptied group-version disappears. */
  removeResource(def: Pick<ResourceDefinition, 'group' | 'version' | 'resource'>): boolean {
    const path = groupVersionPath(def.group, def.version)
    const resources = this.groupVersions.get(path)
    if (!resources?.delete(def.resource)) return false
    if (resources.size === 0) this.groupVersions.delete(path)
    this.invalidate(path)
    return true
  }

  /** Removes a whole group-version, e.g. when the last CRD serving it goes away. */
  removeGroupVersion(group: string, version: string): boolean {
    const path = groupVersionPath(group, version)
    if (!this.groupVersions.delete(path)) return false
    this.invalidate(path)
    return true
  }

  /**
   * Serves a pre-built document for group/version (kube-aggregator's UpdateAPIService for a remote
   * APIService): v3 is served as it is, v2 (its paths and definitions) goes into /openapi/v2 in
   * place of a conversion of v3. Replaces any earlier external document of that group-version.
   */
  setExternalGroupVersion(group: string, version: string, documents: { v3: OpenAPIV3Document; v2?: OpenAPIV2Document }): void {
    const path = groupVersionPath(group, version)
    this.external.set(path, documents)
    this.invalidate(path)
  }

  /** Stops serving the external document of group/version (the APIService went away). */
  removeExternalGroupVersion(group: string, version: string): boolean {
    const path = groupVersionPath(group, version)
    if (!this.external.delete(path)) return false
    this.invalidate(path)
    return true
  }

  /** The document paths served under /openapi/v3/, sorted: ["api/v1", "apis/apps/v1", ...]. */
  groupVersionPaths(): string[] {
    return [...new Set([...this.groupVersions.keys(), ...this.external.keys()])].sort()
  }

  /** The definitions of one group-version path, in registration order. */
  resources(gvPath: string): ResourceDefinition[] {
    return [...(this.groupVersions.get(gvPath)?.values() ?? [])]
  }

  /** The OpenAPI 3.0 document of one group-version path ("api/v1"), or undefined if not served. */
  v3Document(gvPath: string): OpenAPIV3Document | undefined {
    return this.v3Entry(gvPath)?.document
  }

  /** The serialized v3 document with its hash, built once per change of that group-version. */
  v3Serialized(gvPath: string): SerializedDocument | undefined {
    return this.v3Entry(gvPath)?.serialized
  }

  /**
   * The /openapi/v3 index. URLs are rooted at /openapi/v3 without any mount prefix on purpose:
   * client-go (openapi/client.go) then keeps its own configured path prefix, so a server mounted at
   * /k8s, or behind a proxy that adds one, is still reached at <prefix>/openapi/v3/<gv>.
   */
  v3Index(): OpenAPIV3Index {
    const paths: OpenAPIV3Index['paths'] = {}
    for (const gvPath of this.groupVersionPaths()) {
      const serialized = this.v3Serialized(gvPath) as SerializedDocument
      paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${serialized.hash}` }
    }
    return { paths }
  }

  /** The Swagger 2.0 document merging every group-version. */
  v2Document(): OpenAPIV2Document {
    return this.v2Entry().document
  }

  v2Serialized(): SerializedDocument {
    return this.v2Entry().serialized
  }

  private v3Entry(gvPath: string): { document: OpenAPIV3Document; serialized: SerializedDocument } | undefined {
    const cached = this.v3Cache.get(gvPath)
    if (cached) return cached
    const resources = this.groupVersions.get(gvPath)
    const external = this.external.get(gvPath)?.v3
    if (!resources && !external) return undefined
    const document = external ?? buildV3Document([...resources!.values()], { title: this.title, version: this.version }, this.patchTypes)
    const entry = { document, serialized: serializeDocument(document) }
    this.v3Cache.set(gvPath, entry)
    return entry
  }

  private v2Entry(): { document: OpenAPIV2Document; serialized: SerializedDocument } {
    if (this.v2Cache) return this.v2Cache
    const paths = this.groupVersionPaths()
    const documents = paths.filter((p) => !this.external.get(p)?.v2).map((gvPath) => this.v3Document(gvPath) as OpenAPIV3Document)
    const v2Documents = paths.flatMap((p) => this.external.get(p)?.v2 ?? [])
    const document = buildV2Document(documents, { title: this.title, version: this.version }, v2Documents)
    this.v2Cache = { document, serialized: serializeDocument(document) }
    return this.v2Cache
  }

  private invalidate(gvPath: string): void {
    this.v3Cache.delete(gvPath)
    this.v2Cache = undefined
    this.changes++
  }
}

// ---------------------------------------------------------------------------------------------
// private helpers: v3 document

const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1'
const listMetaName = `${metaV1}.ListMeta`
const statusName = `${metaV1}.Status`
const deleteOptionsName = `${metaV1}.DeleteOptions`
const watchEventName = `${metaV1}.WatchEvent`

const responseTypes = ['application/json', 'application/yaml']
const listResponseTypes = [...responseTypes, 'application/json;stream=watch']
const requestTypes = ['application/json', 'application/yaml']

const apiVersionDescription =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'
const kindDescription =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'

/** The query parameters of kube-apiserver, worded as in its OpenAPI. */
const parameterText = {
  allowWatchBookmarks:
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.',
  continue:
    'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token.',
  dryRun:
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  fieldManager:
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  fieldManagerPatch:
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).',
  fieldSelector: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  fieldValidation:
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  force:
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  gracePeriodSeconds:
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  labelSelector: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  limit:
    'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. Setting a limit may return fewer than the requested amount of items (up to zero items) in the event all requested objects are filtered out and clients should only use the presence of the continue field to determine whether more results are available.',
  namespace: 'object name and auth scope, such as for teams and projects',
  orphanDependents:
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  pretty: "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  propagationPolicy:
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  resourceVersion:
    'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  resourceVersionMatch:
    'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  sendInitialEvents:
    '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent. The bookmark will report the ResourceVersion (RV) corresponding to the set of objects, and be marked with `"k8s.io/initial-events-end": "true"` annotation. Afterwards, the watch stream will proceed as usual, sending watch events corresponding to changes (subsequent to the RV) to objects watched.',
  timeoutSeconds: 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.',
  watch: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
} as const

type ParameterName = keyof typeof parameterText
type ParameterType = 'string' | 'integer' | 'boolean'

const parameterTypes: Record<ParameterName, ParameterType> = {
  allowWatchBookmarks: 'boolean',
  continue: 'string',
  dryRun: 'string',
  fieldManager: 'string',
  fieldManagerPatch: 'string',
  fieldSelector: 'string',
  fieldValidation: 'string',
  force: 'boolean',
  gracePeriodSeconds: 'integer',
  labelSelector: 'string',
  limit: 'integer',
  namespace: 'string',
  orphanDependents: 'boolean',
  pretty: 'string',
  propagationPolicy: 'string',
  resourceVersion: 'string',
  resourceVersionMatch: 'string',
  sendInitialEvents: 'boolean',
  timeoutSeconds: 'integer',
  watch: 'boolean',
}

const listParameters: ParameterName[] = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch',
]
const writeParameters: ParameterName[] = ['dryRun', 'fieldManager', 'fieldValidation']
const patchParameters: ParameterName[] = ['dryRun', 'fieldManagerPatch', 'fieldValidation', 'force']
const deleteParameters: ParameterName[] = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy']

/** What a subresource's operations look like; unknown subresources are left out of the documents. */
const subresourceShapes: Record<string, { verbs: Verb[]; gvk?: GroupVersionKind; model?: string }> = {
  status: { verbs: ['get', 'update', 'patch'] },
  scale: { verbs: ['get', 'update', 'patch'], gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, model: 'V1Scale' },
  finalize: { verbs: ['update'] },
}

/** The operation describes a request kind; everything else about it follows from the definition. */
interface OperationSpec {
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist'
  operationId: string
  description: string
  gvk: GroupVersionKind
  parameters: ParameterName[]
  requestSchema?: string
  requestTypes?: readonly string[]
  requestRequired?: boolean
  responses: Array<{ code: string; description: string; schema?: string }>
  responseTypes: readonly string[]
}

function buildV3Document(defs: ResourceDefinition[], info: { title: string; version: string }, patchTypes: readonly string[]): OpenAPIV3Document {
  const collector = new ModelSchemaCollector()
  const paths: Record<string, OpenAPIObject> = {}
  collector.add('V1Status')
  addGVK(collector.schemas, statusName, { group: '', version: 'v1', kind: 'Status' })
  for (const def of defs) addResourcePaths(def, collector, paths, patchTypes)
  const sortedPaths: Record<string, OpenAPIObject> = {}
  for (const key of Object.keys(paths).sort()) sortedPaths[key] = paths[key] as OpenAPIObject
  const schemas: Record<string, OpenAPISchema> = {}
  for (const key of Object.keys(collector.schemas).sort()) schemas[key] = collector.schemas[key] as OpenAPISchema
  return { openapi: '3.0.0', info: { ...info }, paths: sortedPaths, components: { schemas } }
}

function addResourcePaths(
  def: ResourceDefinition,
  collector: ModelSchemaCollector,
  paths: Record<string, OpenAPIObject>,
  defaultTypes: readonly string[],
): void {
  const verbs = new Set<Verb>(def.verbs ?? allVerbs)
  const gvk: GroupVersionKind = { group: def.group, version: def.version, kind: def.kind }
  const { kindName, listName } = addKindSchemas(def, collector)
  const prefix = def.group === '' ? `/api/${def.version}` : `/apis/${def.group}/${def.version}`
  const idPrefix = `${groupOperationPrefix(def.group)}${capitalize(def.version)}`
  const scope = def.namespaced ? 'Namespaced' : ''
  const kind = def.kind
  const tags = [operationTag(def.group, def.version)]
  const collection = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.resource}` : `${prefix}/${def.resource}`
  const item = `${collection}/{name}`
  const scopeParams = def.namespaced ? [pathParameter('namespace', parameterText.namespace)] : []
  const nameParam = pathParameter('name', `name of the ${kind}`)
  const deleteReturnsObject = def.strategy?.returnDeletedObject === true
  if (verbs.has('delete') || verbs.has('deletecollection')) {
    collector.add('V1DeleteOptions')
    addGVK(collector.schemas, deleteOptionsName, { group: def.group, version: def.version, kind: 'DeleteOptions' })
  }
  if (verbs.has('watch')) {
    collector.add('V1WatchEvent')
    addGVK(collector.schemas, watchEventName, { group: def.group, version: def.version, kind: 'WatchEvent' })
  }
  if (verbs.has('patch')) collector.addScalar(patchSchemaName)
  const patchTypes = def.patchTypes ?? defaultTypes

  const collectionOps: Record<string, OperationSpec> = {}
  if (verbs.has('list')) {
    collectionOps.get = {
      action: 'list',
      operationId: `list${idPrefix}${scope}${kind}`,
      description: `list or watch objects of kind ${kind}`,
      gvk,
      parameters: listParameters,
      responses: [{ code: '200', description: 'OK', schema: listName }],
      responseTypes: listResponseTypes,
    }
  }
  if (verbs.has('create')) {
    collectionOps.post = {
      action: 'post',
      operationId: `create${idPrefix}${scope}${kind}`,
      description: `create a ${kind}`,
      gvk,
      parameters: writeParameters,
      requestSchema: kindName,
      requestRequired: true,
      responses: [
        { code: '200', description: 'OK', schema: kindName },
        { code: '201', description: 'Created', schema: kindName },
        { code: '202', description: 'Accepted', schema: kindName },
      ],
      responseTypes,
    }
  }
  if (verbs.has('deletecollection')) {
    collectionOps.delete = {
      action: 'deletecollection',
      operationId: `delete${idPrefix}Collection${scope}${kind}`,
      description: `delete collection of ${kind}`,
      gvk,
      parameters: [...deleteParameters, ...listParameters.filter((p) => p !== 'watch' && p !== 'allowWatchBookmarks')],
      requestSchema: deleteOptionsName,
      responses: [{ code: '200', description: 'OK', schema: statusName }],
      responseTypes,
    }
  }
  setPath(paths, collection, [...scopeParams, queryParameter('pretty')], collectionOps, tags)

  const itemOps: Record<string, OperationSpec> = {}
  if (verbs.has('get')) {
    itemOps.get = {
      action: 'get',
      operationId: `read${idPrefix}${scope}${kind}`,
      description: `read the specified ${kind}`,
      gvk,
      parameters: [],
      responses: [{ code: '200', description: 'OK', schema: kindName }],
      responseTypes,
    }
  }
  if (verbs.has('update')) itemOps.put = replaceOperation(`replace${idPrefix}${scope}${kind}`, `replace the specified ${kind}`, gvk, kindName)
  if (verbs.has('patch')) {
    itemOps.patch = patchOperation(`patch${idPrefix}${scope}${kind}`, `partially update the specified ${kind}`, gvk, kindName, patchTypes)
  }
  if (verbs.has('delete')) {
    const deleted = deleteReturnsObject ? kindName : statusName
    itemOps.delete = {
      action: 'delete',
      operationId: `delete${idPrefix}${scope}${kind}`,
      description: `delete a ${kind}`,
      gvk,
      parameters: deleteParameters,
      requestSchema: deleteOptionsName,
      responses: [
        { code: '200', description: 'OK', schema: deleted },
        { code: '202', description: 'Accepted', schema: deleted },
      ],
      responseTypes,
    }
  }
  setPath(paths, item, [nameParam, ...scopeParams, queryParameter('pretty')], itemOps, tags)

  // kubectl get -A lists a namespaced resource across namespaces at /api/v1/<resource>.
  if (def.namespaced && verbs.has('list')) {
    const allNamespaces = {
      get: {
        action: 'list',
        operationId: `list${idPrefix}${kind}ForAllNamespaces`,
        description: `list or watch objects of kind ${kind}`,
        gvk,
        parameters: listParameters,
        responses: [{ code: '200', description: 'OK', schema: listName }],
        responseTypes: listResponseTypes,
      } satisfies OperationSpec,
    }
    setPath(paths, `${prefix}/${def.resource}`, [queryParameter('pretty')], allNamespaces, tags)
  }

  if (verbs.has('watch')) {
    const deprecated = "deprecated: use the 'watch' parameter with a list operation instead"
    const watchCollection = def.namespaced ? `${prefix}/watch/namespaces/{namespace}/${def.resource}` : `${prefix}/watch/${def.resource}`
    const watchOne = (operationId: string, description: string, action: 'watch' | 'watchlist'): Record<string, OperationSpec> => ({
      get: { action, operationId, description, gvk, parameters: listParameters, responses: [{ code: '200', description: 'OK', schema: watchEventName }], responseTypes: listResponseTypes },
    })
    setPath(
      paths,
      watchCollection,
      [...scopeParams, queryParameter('pretty')],
      watchOne(`watch${idPrefix}${scope}${kind}List`, `watch individual changes to a list of ${kind}. ${deprecated}.`, 'watchlist'),
      tags,
    )
    setPath(
      paths,
      `${watchCollection}/{name}`,
      [nameParam, ...scopeParams, queryParameter('pretty')],
      watchOne(`watch${idPrefix}${scope}${kind}`, `watch changes to an object of kind ${kind}. ${deprecated}, filtered to a single item with the 'fieldSelector' parameter.`, 'watch'),
      tags,
    )
    if (def.namespaced) {
      setPath(
        paths,
        `${prefix}/watch/${def.resource}`,
        [queryParameter('pretty')],
        watchOne(`watch${idPrefix}${kind}ListForAllNamespaces`, `watch individual changes to a list of ${kind}. ${deprecated}.`, 'watchlist'),
        tags,
      )
    }
  }

  for (const subresource of def.subresources ?? []) {
    const shape = subresourceShapes[subresource]
    if (!shape) continue
    const subGVK = shape.gvk ?? gvk
    const subName = shape.model ? collector.add(shape.model, subGVK.group) : kindName
    if (shape.gvk) addGVK(collector.schemas, subName, shape.gvk)
    const suffix = capitalize(subresource)
    const ops: Record<string, OperationSpec> = {}
    if (shape.verbs.includes('get')) {
      ops.get = {
        action: 'get',
        operationId: `read${idPrefix}${scope}${kind}${suffix}`,
        description: `read ${subresource} of the specified ${kind}`,
        gvk: subGVK,
        parameters: [],
        responses: [{ code: '200', description: 'OK', schema: subName }],
        responseTypes,
      }
    }
    if (shape.verbs.includes('update')) {
      ops.put = replaceOperation(`replace${idPrefix}${scope}${kind}${suffix}`, `replace ${subresource} of the specified ${kind}`, subGVK, subName)
    }
    if (shape.verbs.includes('patch')) {
      collector.addScalar(patchSchemaName)
      ops.patch = patchOperation(`patch${idPrefix}${scope}${kind}${suffix}`, `partially update ${subresource} of the specified ${kind}`, subGVK, subName, patchTypes)
    }
    setPath(paths, `${item}/${subresource}`, [nameParam, ...scopeParams, queryParameter('pretty')], ops, tags)
  }
}

function replaceOperation(operationId: string, description: string, gvk: GroupVersionKind, schema: string): OperationSpec {
  return {
    action: 'put',
    operationId,
    description,
    gvk,
    parameters: writeParameters,
    requestSchema: schema,
    requestRequired: true,
    responses: [
      { code: '200', description: 'OK', schema },
      { code: '201', description: 'Created', schema },
    ],
    responseTypes,
  }
}

function patchOperation(operationId: string, description: string, gvk: GroupVersionKind, schema: string, patchTypes: readonly string[]): OperationSpec {
  return {
    action: 'patch',
    operationId,
    description,
    gvk,
    parameters: patchParameters,
    requestSchema: patchSchemaName,
    requestTypes: patchTypes,
    requestRequired: true,
    responses: [
      { code: '200', description: 'OK', schema },
      { code: '201', description: 'Created', schema },
    ],
    responseTypes,
  }
}

/** Adds the operations to a path item; an empty item is not written. */
function setPath(
  paths: Record<string, OpenAPIObject>,
  path: string,
  parameters: OpenAPIObject[],
  operations: Record<string, OperationSpec>,
  tags: string[],
): void {
  const methods = Object.keys(operations)
  if (methods.length === 0) return
  const item: OpenAPIObject = paths[path] ?? { parameters }
  for (const method of methods) item[method] = v3Operation(operations[method] as OperationSpec, tags)
  paths[path] = item
}

function v3Operation(spec: OperationSpec, tags: string[]): OpenAPIObject {
  const op: OpenAPIObject = {
    description: spec.description,
    operationId: spec.operationId,
  }
  // Inline, never $ref: kubectl's query-param verifier only looks at op.parameters[].name.
  if (spec.parameters.length > 0) op.parameters = spec.parameters.map(queryParameter)
  if (spec.requestSchema) {
    const content: Record<string, unknown> = {}
    for (const type of spec.requestTypes ?? requestTypes) content[type] = { schema: schemaRef(spec.requestSchema) }
    op.requestBody = spec.requestRequired ? { content, required: true } : { content }
  }
  const responses: Record<string, unknown> = {}
  for (const r of spec.responses) {
    if (!r.schema) {
      responses[r.code] = { description: r.description }
      continue
    }
    const content: Record<string, unknown> = {}
    for (const type of spec.responseTypes) content[type] = { schema: schemaRef(r.schema) }
    responses[r.code] = { content, description: r.description }
  }
  responses['401'] = { description: 'Unauthorized' }
  op.responses = responses
  op.tags = tags
  op['x-kubernetes-action'] = spec.action
  op['x-kubernetes-group-version-kind'] = gvkObject(spec.gvk)
  return op
}

function queryParameter(name: ParameterName): OpenAPIObject {
  // The wire name of fieldManagerPatch is fieldManager; only its description differs on PATCH.
  const wireName = name === 'fieldManagerPatch' ? 'fieldManager' : name
  return { description: parameterText[name], in: 'query', name: wireName, schema: { type: parameterTypes[name], uniqueItems: true } }
}

function pathParameter(name: string, description: string): OpenAPIObject {
  return { description, in: 'path', name, required: true, schema: { type: 'string', uniqueItems: true } }
}

/** Key order group, kind, version as kube's JSON has it; explain compares these maps for equality. */
function gvkObject(gvk: GroupVersionKind): { group: string; kind: string; version: string } {
  return { group: gvk.group, kind: gvk.kind, version: gvk.version }
}

function addGVK(schemas: Record<string, OpenAPISchema>, name: string, gvk: GroupVersionKind): void {
  const schema = schemas[name]
  if (!schema) return
  const existing = (schema['x-kubernetes-group-version-kind'] as ReturnType<typeof gvkObject>[] | undefined) ?? []
  if (existing.some((e) => e.group === gvk.group && e.version === gvk.version && e.kind === gvk.kind)) return
  // The collector's schemas are shared between documents: decorate a copy.
  schemas[name] = { ...schema, 'x-kubernetes-group-version-kind': [...existing, gvkObject(gvk)] }
}

/** Puts the kind and list schemas in place and returns their names. */
function addKindSchemas(def: ResourceDefinition, collector: ModelSchemaCollector): { kindName: string; listName: string } {
  const gvk = { group: def.group, version: def.version, kind: def.kind }
  const listGVK = { ...gvk, kind: def.listKind }
  const objectMeta = collector.add('V1ObjectMeta')
  let kindName: string
  let listName: string | undefined
  const schema = def.schema
  if (schema && 'model' in schema) {
    kindName = collector.add(schema.model, def.group)
    const listModel = schema.model.endsWith(def.kind) ? `${schema.model.slice(0, -def.kind.length)}${def.listKind}` : undefined
    if (listModel && hasModel(listModel)) listName = collector.add(listModel, def.group)
  } else {
    kindName = def.group === '' ? `io.k8s.api.core.${def.version}.${def.kind}` : customSchemaName(def.group, def.version, def.kind)
    collector.schemas[kindName] = customKindSchema(def, objectMeta)
  }
  addGVK(collector.schemas, kindName, gvk)
  if (!listName) {
    listName = def.group === '' ? `io.k8s.api.core.${def.version}.${def.listKind}` : customSchemaName(def.group, def.version, def.listKind)
    collector.add('V1ListMeta')
    collector.schemas[listName] = listSchema(def, kindName)
  }
  addGVK(collector.schemas, listName, listGVK)
  return { kindName, listName }
}

/** A CRD's structural schema (or, without one, any object) with the TypeMeta/ObjectMeta kube-apiserver adds. */
function customKindSchema(def: ResourceDefinition, objectMeta: string): OpenAPISchema {
  const given = def.schema && 'openAPIV3Schema' in def.schema ? structuredClone(def.schema.openAPIV3Schema) : undefined
  const schema: OpenAPISchema = given ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
  const properties = (schema.properties as Record<string, OpenAPISchema> | undefined) ?? {}
  schema.properties = {
    ...properties,
    apiVersion: { description: apiVersionDescription, type: 'string' },
    kind: { description: kindDescription, type: 'string' },
    metadata: {
      allOf: [schemaRef(objectMeta)],
      description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    },
  }
  schema.type ??= 'object'
  return schema
}

function listSchema(def: ResourceDefinition, kindName: string): OpenAPISchema {
  return {
    description: `${def.listKind} is a list of ${def.kind}`,
    properties: {
      apiVersion: { description: apiVersionDescription, type: 'string' },
      items: {
        description: `List of ${def.resource}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: schemaRef(kindName),
        type: 'array',
      },
      kind: { description: kindDescription, type: 'string' },
      metadata: {
        allOf: [schemaRef(listMetaName)],
        description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      },
    },
    required: ['items'],
    type: 'object',
  }
}

/**
 * The operationId infix kube-apiserver derives from the group (endpoints/openapi
 * GetOperationIDAndTagsFromRoute): "" → Core, "rbac.authorization.k8s.io" → RbacAuthorization,
 * "stable.example.com" → StableExampleCom.
 */
function groupOperationPrefix(group: string): string {
  return toOperationID(group === '' ? 'core' : group.replace(/\.k8s\.io$/, ''), true)
}

function operationTag(group: string, version: string): string {
  return `${toOperationID(group === '' ? 'core' : group.replace(/\.k8s\.io$/, ''), false)}_${toOperationID(version, false)}`
}

/** ToValidOperationID: letters kept, anything else dropped and the next letter capitalized. */
function toOperationID(s: string, capitalizeFirst: boolean): string {
  let out = ''
  let upper = capitalizeFirst
  for (const [i, ch] of [...s].entries()) {
    if (/\p{L}|_/u.test(ch) || (i !== 0 && /\d/.test(ch))) {
      out += upper ? ch.toUpperCase() : ch
      upper = false
    } else {
      upper = true
    }
  }
  return out
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

// ---------------------------------------------------------------------------------------------
// private helpers: v2 document and serialization

/** Swagger 2.0 has no oneOf: the named scalars take the shape kube's v2 document gives them. */
const v2Scalars: Record<string, OpenAPISchema> = {
  [intOrStringSchemaName]: { format: 'int-or-string', type: 'string' },
  [quantitySchemaName]: { type: 'string' },
}

function buildV2Document(documents: OpenAPIV3Document[], info: { title: string; version: string }, v2Documents: OpenAPIV2Document[] = []): OpenAPIV2Document {
  const paths: Record<string, OpenAPIObject> = {}
  const definitions: Record<string, OpenAPISchema> = {}
  for (const doc of documents) {
    for (const [path, item] of Object.entries(doc.paths)) paths[path] = v2PathItem(item)
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      const converted = v2Schema(name, schema)
      const existing = definitions[name]
      definitions[name] = existing ? mergeGVKs(existing, converted) : converted
    }
  }
  // Swagger 2.0 documents of other servers, merged as kube-aggregator merges them: their paths
  // are their own; a definition both sides have (the shared meta/v1 types) keeps ours, with the
  // group-version-kinds of both.
  for (const doc of v2Documents) {
    for (const [path, item] of Object.entries(doc.paths ?? {})) paths[path] ??= item as OpenAPIObject
    for (const [name, schema] of Object.entries(doc.definitions ?? {})) {
      const existing = definitions[name]
      definitions[name] = existing ? mergeGVKs(existing, schema as OpenAPISchema) : (schema as OpenAPISchema)
    }
  }
  const sortedPaths: Record<string, OpenAPIObject> = {}
  for (const key of Object.keys(paths).sort()) sortedPaths[key] = paths[key] as OpenAPIObject
  const sortedDefinitions: Record<string, OpenAPISchema> = {}
  for (const key of Object.keys(definitions).sort()) sortedDefinitions[key] = definitions[key] as OpenAPISchema
  return { swagger: '2.0', info: { ...info }, paths: sortedPaths, definitions: sortedDefinitions }
}

function v2Schema(name: string, schema: OpenAPISchema): OpenAPISchema {
  const scalar = v2Scalars[name]
  if (scalar) return { description: schema.description, ...scalar }
  return rewriteRefs(schema) as OpenAPISchema
}

/** Status, DeleteOptions and WatchEvent appear in every group-version, each time with that GV's GVK. */
function mergeGVKs(a: OpenAPISchema, b: OpenAPISchema): OpenAPISchema {
  type GVK = ReturnType<typeof gvkObject>
  const left = (a['x-kubernetes-group-version-kind'] as GVK[] | undefined) ?? []
  const right = (b['x-kubernetes-group-version-kind'] as GVK[] | undefined) ?? []
  if (right.length === 0) return a
  const merged = [...left]
  for (const g of right) if (!merged.some((e) => e.group === g.group && e.version === g.version && e.kind === g.kind)) merged.push(g)
  return { ...a, 'x-kubernetes-group-version-kind': merged }
}

function v2PathItem(item: OpenAPIObject): OpenAPIObject {
  const out: OpenAPIObject = {}
  for (const [key, value] of Object.entries(item)) {
    if (key === 'parameters') out.parameters = (value as OpenAPIObject[]).map(v2Parameter)
    else out[key] = v2Operation(value as OpenAPIObject)
  }
  return out
}

function v2Operation(op: OpenAPIObject): OpenAPIObject {
  const parameters: OpenAPIObject[] = []
  let consumes: string[] = ['*/*']
  const body = op.requestBody as { content: Record<string, { schema: OpenAPISchema }>; required?: boolean } | undefined
  if (body) {
    consumes = Object.keys(body.content)
    const first = Object.values(body.content)[0]
    parameters.push({ in: 'body', name: 'body', ...(body.required ? { required: true } : {}), schema: rewriteRefs(first?.schema ?? {}) })
  }
  for (const p of (op.parameters as OpenAPIObject[] | undefined) ?? []) parameters.push(v2Parameter(p))
  const produces = new Set<string>()
  const responses: Record<string, unknown> = {}
  for (const [code, response] of Object.entries(op.responses as Record<string, { description: string; content?: Record<string, { schema: OpenAPISchema }> }>)) {
    const content = response.content ?? {}
    for (const type of Object.keys(content)) produces.add(type)
    const schema = Object.values(content)[0]?.schema
    responses[code] = schema ? { description: response.description, schema: rewriteRefs(schema) } : { description: response.description }
  }
  const out: OpenAPIObject = { consumes, description: op.description, operationId: op.operationId }
  if (parameters.length > 0) out.parameters = parameters
  out.produces = [...produces]
  out.responses = responses
  out.schemes = ['https']
  out.tags = op.tags
  out['x-kubernetes-action'] = op['x-kubernetes-action']
  out['x-kubernetes-group-version-kind'] = op['x-kubernetes-group-version-kind']
  return out
}

function v2Parameter(p: OpenAPIObject): OpenAPIObject {
  const { schema, ...rest } = p as OpenAPIObject & { schema?: OpenAPISchema }
  return { ...rest, ...(schema ?? {}) }
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/definitions/') : rewriteRefs(v)
  }
  return out
}
