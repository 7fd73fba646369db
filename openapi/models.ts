/**
 * @module openapi/models
 * Turns @kubernetes/client-node model classes into OpenAPI v3 component schemas named the way
 * kube-apiserver names them (io.k8s.api.core.v1.ConfigMap), so that kubectl explain, kubectl's
 * strategic-merge-patch builder and Swagger UI read our documents like the real ones.
 *
 * client-node keeps only a type map per class at run time; descriptions and which fields are
 * required live in the generated .d.ts files, which are read once per class, lazily, and cached.
 * Merge keys and list types are not in client-node at all: they come from ./patch-metadata.js.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { modelExtensions, propertyExtensions } from './patch-metadata.js'
import type { SchemaExtensions } from './patch-metadata.js'

/** An OpenAPI 3.0 schema object, kept loose on purpose: it is data that goes straight to JSON. */
export type OpenAPISchema = Record<string, unknown>

/** One row of a client-node model's `getAttributeTypeMap()`. */
export interface AttributeType {
  name: string
  baseName: string
  type: string
  format: string
}

const metaPackage = 'io.k8s.apimachinery.pkg.apis.meta'
const corePackage = 'io.k8s.api.core'

export const intOrStringSchemaName = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'
export const quantitySchemaName = 'io.k8s.apimachinery.pkg.api.resource.Quantity'
export const patchSchemaName = `${metaPackage}.v1.Patch`

/**
 * The one table that places client-node classes whose package their name does not tell.
 * client-node drops the API group from class names (V1Deployment is apps, V1ConfigMap is core), so
 * a model's package normally comes from the group of the resource being documented and is
 * inherited by every type it references. The classes listed here are the exceptions: meta/v1
 * types every group shares, core/v1 types other groups embed (found by following every $ref of the
 * real swagger across package boundaries), and subresource kinds served in another group's
 * document. Group-prefixed classes (CoreV1Event, EventsV1Event) need no row.
 */
export const modelPackages: Readonly<Record<string, string>> = {
  V1APIGroup: metaPackage,
  V1APIGroupList: metaPackage,
  V1APIResource: metaPackage,
  V1APIResourceList: metaPackage,
  V1APIVersions: metaPackage,
  V1Condition: metaPackage,
  V1DeleteOptions: metaPackage,
  V1FieldSelectorRequirement: metaPackage,
  V1GroupVersionForDiscovery: metaPackage,
  V1LabelSelector: metaPackage,
  V1LabelSelectorRequirement: metaPackage,
  V1ListMeta: metaPackage,
  V1ManagedFieldsEntry: metaPackage,
  V1ObjectMeta: metaPackage,
  V1OwnerReference: metaPackage,
  V1Preconditions: metaPackage,
  V1ServerAddressByClientCIDR: metaPackage,
  V1Status: metaPackage,
  V1StatusCause: metaPackage,
  V1StatusDetails: metaPackage,
  V1WatchEvent: metaPackage,
  V1EventSource: corePackage,
  V1NodeSelector: corePackage,
  V1ObjectReference: corePackage,
  V1PersistentVolumeClaim: corePackage,
  V1PersistentVolumeSpec: corePackage,
  V1PodTemplateSpec: corePackage,
  V1Toleration: corePackage,
  V1TopologySelectorTerm: corePackage,
  V1TypedLocalObjectReference: corePackage,
  V1Scale: 'io.k8s.api.autoscaling',
}

/**
 * Fields that are resource.Quantity in Kubernetes but plain strings in client-node (the generator
 * flattens the named type away). GA types only, from the same swagger as patch-metadata.
 */
export const quantityFields: Readonly<Record<string, readonly string[]>> = {
  V1CSIStorageCapacity: ['capacity', 'maximumVolumeSize'],
  V1CapacityRequestPolicy: ['default', 'validValues'],
  V1CapacityRequestPolicyRange: ['max', 'min', 'step'],
  V1CapacityRequirements: ['requests'],
  V1ContainerStatus: ['allocatedResources'],
  V1Counter: ['value'],
  V1DeviceCapacity: ['value'],
  V1DeviceRequestAllocationResult: ['consumedCapacity'],
  V1EmptyDirVolumeSource: ['sizeLimit'],
  V1LimitRangeItem: ['default', 'defaultRequest', 'max', 'maxLimitRequestRatio', 'min'],
  V1NodeStatus: ['allocatable', 'capacity'],
  V1Overhead: ['podFixed'],
  V1PersistentVolumeClaimStatus: ['allocatedResources', 'capacity'],
  V1PersistentVolumeSpec: ['capacity'],
  V1PodSpec: ['overhead'],
  V1PodStatus: ['allocatedResources'],
  V1ResourceFieldSelector: ['divisor'],
  V1ResourceQuotaSpec: ['hard'],
  V1ResourceQuotaStatus: ['hard', 'used'],
  V1ResourceRequirements: ['limits', 'requests'],
  V1VolumeResourceRequirements: ['limits', 'requests'],
  V2HPAScalingRules: ['tolerance'],
  V2MetricTarget: ['averageValue', 'value'],
  V2MetricValueStatus: ['averageValue', 'value'],
}

/**
 * The named scalar types every document may reference. The `x-kubernetes-int-or-string` marker is
 * what CRD structural schemas use for the same idea, so a validator built for CRDs accepts both.
 */
export const scalarSchemas: Readonly<Record<string, OpenAPISchema>> = {
  [intOrStringSchemaName]: {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
  [quantitySchemaName]: {
    description:
      'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors. The serialization format is: <quantity> ::= <signedNumber><suffix> (for example "100m", "1Gi", "0.5").',
    oneOf: [{ type: 'string' }, { type: 'number' }],
    'x-kubernetes-int-or-string': true,
  },
  [patchSchemaName]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
}

/** `#/components/schemas/<name>`, the only place our schemas point to. */
/** Follows $ref (or a single allOf $ref, how references with a description are written) to the schema. */
export function resolveSchema(schemas: Record<string, OpenAPISchema>, schema: OpenAPISchema | undefined): OpenAPISchema | undefined {
  const prefix = '#/components/schemas/'
  let s = schema
  for (let i = 0; s && i < 10; i++) {
    const ref = (s['$ref'] ?? (s['allOf'] as OpenAPISchema[] | undefined)?.[0]?.['$ref']) as string | undefined
    if (!ref) return s
    s = schemas[ref.startsWith(prefix) ? ref.slice(prefix.length) : ref]
  }
  return s
}

export function schemaRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` }
}

/** True when client-node exports a model class of that name. */
export function hasModel(model: string): boolean {
  return modelClass(model) !== undefined
}

/**
 * The Go package a group's types live in: "" → io.k8s.api.core, "apps" → io.k8s.api.apps,
 * "rbac.authorization.k8s.io" → io.k8s.api.rbac; the three groups served outside k8s.io/api
 * have their own rows.
 */
export function groupPackage(group: string): string {
  return labelPackage(group === '' ? 'core' : (group.split('.')[0] ?? group))
}

/**
 * The Kubernetes definition name of a client-node class: "V1ConfigMap" → io.k8s.api.core.v1.ConfigMap,
 * "V1Deployment" with group "apps" → io.k8s.api.apps.v1.Deployment, "EventsV1Event" →
 * io.k8s.api.events.v1.Event. `group` is the group of the resource the model is met under; it is
 * ignored for meta types and for classes whose name carries their group.
 */
export function schemaName(model: string, group = ''): string {
  return nameIn(model, groupPackage(group))
}

/** The reverse-DNS definition name kube-apiserver gives CRD schemas: stable.example.com → com.example.stable.v1.CronTab. */
export function customSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`
}

/**
 * Collects component schemas: `add()` one model and everything it references lands in `schemas`.
 * The schemas themselves are cached per module and shared, so callers that decorate one (GVK
 * extensions) copy it first.
 */
export class ModelSchemaCollector {
  readonly schemas: Record<string, OpenAPISchema> = {}

  /**
   * Adds `model` (a client-node class name) met under `group` and its whole closure.
   * @returns the schema name to reference.
   * @throws {TypeError} when client-node has no such model, so a typo fails at registration.
   * @public
   */
  add(model: string, group = ''): string {
    if (!hasModel(model)) throw new TypeError(`@kubernetes/client-node has no model class "${model}"`)
    const pending: Array<[string, string]> = [[model, groupPackage(group)]]
    let rootName = ''
    while (pending.length > 0) {
      const [cls, pkg] = pending.pop() as [string, string]
      const entry = buildModel(cls, pkg)
      rootName ||= entry.name
      if (this.schemas[entry.name]) continue
      this.schemas[entry.name] = entry.schema
      for (const scalar of entry.scalars) this.schemas[scalar] ??= scalarSchemas[scalar] as OpenAPISchema
      for (const dep of entry.models) pending.push(dep)
    }
    return rootName
  }

  /** Adds one of the named scalar schemas (IntOrString, Quantity, Patch). */
  addScalar(name: string): string {
    const schema = scalarSchemas[name]
    if (!schema) throw new TypeError(`unknown scalar schema "${name}"`)
    this.schemas[name] ??= schema
    return name
  }
}

// ---------------------------------------------------------------------------------------------
// private helpers

interface BuiltModel {
  name: string
  schema: OpenAPISchema
  /** Referenced classes with the package they inherit. */
  models: Array<[string, string]>
  scalars: string[]
}

interface ModelDocs {
  description?: string
  properties: Map<string, { description?: string; optional: boolean }>
}

interface ModelClass {
  getAttributeTypeMap(): AttributeType[]
}

const classPrefixes = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/
const built = new Map<string, BuiltModel>()
const docsCache = new Map<string, ModelDocs | null>()
let modelsDir: string | undefined

const objectMetaDescription =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
const listMetaDescription = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'

/** openapi-generator copies IntOrString's own description onto every field of that type; it says nothing about the field. */
const borrowedDescriptions = [/^IntOrString is a type that/, /^Quantity is a fixed-point representation/]

function modelClass(model: string): ModelClass | undefined {
  const value = (k8s as unknown as Record<string, unknown>)[model]
  if (typeof value !== 'function') return undefined
  const candidate = value as unknown as Partial<ModelClass>
  return typeof candidate.getAttributeTypeMap === 'function' ? (value as unknown as ModelClass) : undefined
}

function labelPackage(label: string): string {
  switch (label.toLowerCase()) {
    case 'apiextensions':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions'
    case 'apiregistration':
      return 'io.k8s.kube-aggregator.pkg.apis.apiregistration'
    case 'internal':
      return 'io.k8s.api.apiserverinternal'
    default:
      return `io.k8s.api.${label.toLowerCase()}`
  }
}

function packageOf(model: string, inherited: string): string {
  const listed = modelPackages[model]
  if (listed) return listed
  const prefix = classPrefixes.exec(model)?.[1]
  return prefix ? labelPackage(prefix) : inherited
}

function nameIn(model: string, inherited: string): string {
  const m = classPrefixes.exec(model)
  if (!m) return `${packageOf(model, inherited)}.${model}`
  const [, , version = '', type = ''] = m
  return `${packageOf(model, inherited)}.${version.toLowerCase()}.${type}`
}

function buildModel(model: string, inherited: string): BuiltModel {
  const pkg = packageOf(model, inherited)
  const key = `${pkg}:${model}`
  const cached = built.get(key)
  if (cached) return cached
  const cls = modelClass(model)
  if (!cls) throw new TypeError(`@kubernetes/client-node has no model class "${model}"`)
  const docs = modelDocs(model)
  const models: Array<[string, string]> = []
  const scalars = new Set<string>()
  const properties: Record<string, OpenAPISchema> = {}
  const required: string[] = []
  const quantities = quantityFields[model] ?? []
  for (const attr of cls.getAttributeTypeMap()) {
    const quantity = quantities.includes(attr.baseName)
    let schema = typeSchema(attr.type, attr.format, quantity, pkg, models, scalars)
    const doc = docs?.properties.get(attr.name)
    const own = doc?.description && !borrowedDescriptions.some((re) => re.test(doc.description ?? '')) ? doc.description : undefined
    const description = own ?? referenceDescription(attr.type)
    schema = decorate(schema, description, propertyExtensions(model, attr.baseName))
    properties[attr.baseName] = schema
    if (doc && !doc.optional) required.push(attr.baseName)
  }
  const schema: OpenAPISchema = {}
  if (docs?.description) schema.description = docs.description
  schema.properties = properties
  if (required.length > 0) schema.required = required
  schema.type = 'object'
  Object.assign(schema, copyExtensions(modelExtensions(model)))
  const result: BuiltModel = { name: nameIn(model, inherited), schema, models, scalars: [...scalars] }
  built.set(key, result)
  return result
}

/**
 * openapi-generator drops the description of every field that is a plain reference (metadata,
 * spec, template...), so kubectl explain would print "<no description>" for them. Use the texts
 * kube-apiserver gives the meta fields, and the referenced type's own description for the rest.
 */
function referenceDescription(type: string): string | undefined {
  if (type === 'V1ObjectMeta') return objectMetaDescription
  if (type === 'V1ListMeta') return listMetaDescription
  return hasModel(type) ? modelDocs(type)?.description : undefined
}

/** A property schema: `$ref` siblings are ignored in OpenAPI 3.0, so a described ref goes into allOf like kube does. */
function decorate(schema: OpenAPISchema, description: string | undefined, extensions: SchemaExtensions | undefined): OpenAPISchema {
  if (!description && !extensions) return schema
  const out: OpenAPISchema = '$ref' in schema ? { allOf: [schema] } : { ...schema }
  if (description) out.description = description
  return Object.assign(out, copyExtensions(extensions))
}

function copyExtensions(extensions: SchemaExtensions | undefined): SchemaExtensions {
  if (!extensions) return {}
  const copy: SchemaExtensions = { ...extensions }
  if (extensions['x-kubernetes-list-map-keys']) copy['x-kubernetes-list-map-keys'] = [...extensions['x-kubernetes-list-map-keys']]
  return copy
}

/** Parses client-node's type strings: primitives, Array<T>, { [key: string]: T; } and model names. */
function typeSchema(
  type: string,
  format: string,
  quantity: boolean,
  pkg: string,
  models: Array<[string, string]>,
  scalars: Set<string>,
): OpenAPISchema {
  const t = type.trim()
  const array = /^Array<(.+)>$/.exec(t)
  if (array?.[1]) return { type: 'array', items: typeSchema(array[1], format, quantity, pkg, models, scalars) }
  const map = /^\{\s*\[key: string\]:\s*(.+?);?\s*\}$/.exec(t)
  if (map?.[1]) return { type: 'object', additionalProperties: typeSchema(map[1], format, quantity, pkg, models, scalars) }
  switch (t) {
    case 'string':
      if (quantity) {
        scalars.add(quantitySchemaName)
        return schemaRef(quantitySchemaName)
      }
      return format ? { type: 'string', format } : { type: 'string' }
    case 'number':
      if (quantity) {
        scalars.add(quantitySchemaName)
        return schemaRef(quantitySchemaName)
      }
      if (format === 'int32' || format === 'int64') return { type: 'integer', format }
      return format ? { type: 'number', format } : { type: 'number' }
    case 'boolean':
      return { type: 'boolean' }
    case 'Date':
    case 'V1MicroTime':
      // metav1.Time and metav1.MicroTime are both RFC 3339 strings on the wire.
      return { type: 'string', format: 'date-time' }
    case 'IntOrString':
      scalars.add(intOrStringSchemaName)
      return schemaRef(intOrStringSchemaName)
    case 'any':
    case 'object':
      // RawExtension, FieldsV1, JSON: any JSON value; explain shows it as <Object>.
      return { 'x-kubernetes-preserve-unknown-fields': true }
    default:
      if (hasModel(t)) {
        models.push([t, pkg])
        return schemaRef(nameIn(t, pkg))
      }
      return {}
  }
}

/** Descriptions and required flags from the model's .d.ts; null when the file cannot be read. */
function modelDocs(model: string): ModelDocs | undefined {
  if (docsCache.has(model)) return docsCache.get(model) ?? undefined
  let docs: ModelDocs | null
  try {
    docs = parseDeclaration(readFileSync(join(generatedModelsDir(), `${model}.d.ts`), 'utf8'))
  } catch {
    // Descriptions are a courtesy for kubectl explain; a missing file must not break the document.
    docs = null
  }
  docsCache.set(model, docs)
  return docs ?? undefined
}

function generatedModelsDir(): string {
  // createRequire rather than import.meta.resolve: test runners that load this file as CommonJS
  // (mocha through tsx) have no import.meta.resolve. client-node has no "exports", so both agree.
  modelsDir ??= join(dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')), 'gen', 'models')
  return modelsDir
}

function parseDeclaration(source: string): ModelDocs {
  const docs: ModelDocs = { properties: new Map() }
  const classAt = source.indexOf('export declare class ')
  if (classAt < 0) return docs
  const classDoc = /\/\*\*\s*\n\s*\*\s?([^\n]*)\n\s*\*\/\s*$/.exec(source.slice(0, classAt))
  if (classDoc?.[1]) docs.description = unescapeDoc(classDoc[1])
  const body = source.slice(classAt)
  const member = /(?:\/\*\*\s*\n\s*\*\s?([^\n]*)\n\s*\*\/\s*)?\n\s*'([^']+)'(\?)?:/g
  for (let m = member.exec(body); m; m = member.exec(body)) {
    const [, description, name = '', optional] = m
    docs.properties.set(name, { description: description ? unescapeDoc(description) : undefined, optional: optional === '?' })
  }
  return docs
}

function unescapeDoc(text: string): string {
  return text.trim().replace(/\\(.)/g, '$1')
}
