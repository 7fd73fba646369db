/**
 * @module lib/endpoints/decode
 * Turns a request body into the object a create or update works on, with the checks and
 * messages of the typed decoder (handlers/rest.go transformDecodeError, create.go, update.go):
 * media type, syntax, apiVersion and kind against the URL, unknown fields per fieldValidation.
 */
import type { Request } from 'express'
import * as errors from '../api/errors.js'
import type { KubeObject } from '../api/types.js'
import { groupVersionString, parseGroupVersion } from '../api/types.js'
import type { ResourceDefinition } from '../registry/resource.js'
import { contentTypeOf, decodeBytes, summarizeData } from './negotiation.js'
import { decodeProtobuf, protobufMediaType } from './protobuf.js'
import type { FieldValidation } from './scope.js'

const bodyMediaTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']

export function requestBody(req: Request): Buffer {
  const body: unknown = req.body
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0)
}

export interface Decoded {
  object: KubeObject
  warnings: string[]
}

/**
 * Decodes a full object for POST and PUT. The kind defaults to the resource's kind (typed clients
 * may omit it); a different apiVersion or kind is a 400, unknown fields follow fieldValidation.
 */
export function decodeObject(req: Request, def: ResourceDefinition, fieldValidation: FieldValidation): Decoded {
  let contentType = contentTypeOf(req.headers['content-type'])
  if (contentType === '') contentType = 'application/json'
  if (contentType !== 'application/json' && contentType !== 'application/yaml' && contentType !== protobufMediaType) {
    throw errors.unsupportedMediaType(bodyMediaTypes)
  }
  const body = requestBody(req)
  const gv = groupVersionString(def)
  let value: unknown
  try {
    // kubectl's typed client (create namespace, create configmap...) sends protobuf.
    value = contentType === protobufMediaType ? decodeProtobuf(body).object : decodeBytes(body, contentType)
  } catch (err) {
    // The YAML serializer fails in yaml.YAMLToJSON, before the kind is looked for, with goyaml's bare
    // "yaml: line N: ..." (only sigs.k8s.io/yaml.Unmarshal adds "error converting YAML to JSON").
    const message = (err as Error).message
    const why = contentType === 'application/yaml' ? message.replace(/^error converting YAML to JSON: /, '') : `couldn't get version/kind; ${message}`
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${def.kind}): ${why} (${summarizeData(body)})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${def.kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${goTypeName(value)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (${summarizeData(body)})`)
  }
  const obj = value as KubeObject
  const apiVersion = typeof obj.apiVersion === 'string' && obj.apiVersion !== '' ? obj.apiVersion : gv
  const kind = typeof obj.kind === 'string' && obj.kind !== '' ? obj.kind : def.kind
  if (kind !== def.kind) {
    const v = parseGroupVersion(apiVersion).version
    throw errors.badRequest(`${kind} in version "${v}" cannot be handled as a ${def.kind}: converting (${v}.${kind}) to (${def.version}.${def.kind}): unknown conversion`)
  }
  if (apiVersion !== gv) {
    throw errors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${gv})`)
  }
  if (obj.metadata !== undefined && (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata))) {
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ${goTypeName(obj.metadata)} into Go struct field ${def.kind}.metadata of type v1.ObjectMeta`)
  }
  obj.apiVersion = apiVersion
  obj.kind = kind
  obj.metadata ??= {}
  return { object: obj, warnings: checkFields(def, obj, fieldValidation) }
}

/**
 * Schema checks on a decoded object: type errors are always a 400 (the typed decoder cannot hold
 * them); unknown fields are dropped, and reported per fieldValidation.
 */
export function checkFields(def: ResourceDefinition, obj: KubeObject, fieldValidation: FieldValidation): string[] {
  if (!def.checkFields) return []
  const { typeErrors, unknownFields } = def.checkFields(obj)
  if (typeErrors.length > 0) {
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${typeErrors.join(', ')}`)
  }
  if (unknownFields.length === 0 || fieldValidation === 'Ignore') return []
  if (fieldValidation === 'Strict') {
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`)
  }
  return unknownFields.map((f) => `unknown field "${f}"`)
}

function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (v === null) return 'null'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number') return 'number'
  if (typeof v === 'boolean') return 'bool'
  return 'object'
}

/**
 * The body's name and namespace against the URL (create.go, update.go): a body namespace that
 * differs is a 400; with `name` (PUT) a different body name is a 400 too.
 */
export function checkBodyAgainstURL(obj: KubeObject, namespaced: boolean, urlNamespace: string, name?: string): void {
  if (name !== undefined && obj.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`)
  }
  const ns = obj.metadata.namespace
  if (namespaced && ns && ns !== urlNamespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
  }
}
