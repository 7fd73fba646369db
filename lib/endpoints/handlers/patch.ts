/**
 * @module lib/endpoints/handlers/patch
 * PATCH (handlers/patch.go): JSON patch (RFC 6902) and JSON merge patch (RFC 7386) applied to the
 * current object inside the Store's read-modify-write, so concurrent writers never lose updates.
 * Strategic merge patch is accepted only where the resource lists it (built-ins); server-side apply
 * (application/apply-patch+yaml) everywhere, creating the object when it does not exist. Every
 * patch records its manager in metadata.managedFields.
 */
import type { Request, Response } from 'express'
import fastJsonPatch from 'fast-json-patch'
import type { Operation } from 'fast-json-patch'
import jsonMergePatch from 'json-merge-patch'
import * as errors from '../../api/errors.js'
import type { KubeObject } from '../../api/types.js'
import { groupVersionString, parseGroupVersion } from '../../api/types.js'
import { checkBodyAgainstURL, checkFields, requestBody } from '../decode.js'
import { applyObject, managerOrUserAgent, recordUpdate, typedPathString } from '../fieldmanager/field-manager.js'
import { contentTypeOf, decodeBytes, negotiateOutput } from '../negotiation.js'
import { addWarnings, writeObject } from '../response-writers.js'
import { writeOptions } from '../scope.js'
import type { FieldValidation, RequestScope } from '../scope.js'
import type { StrategicMergePatchError } from '../strategic-merge-patch.js'

export const jsonPatchType = 'application/json-patch+json'
export const mergePatchType = 'application/merge-patch+json'
export const strategicMergePatchType = 'application/strategic-merge-patch+json'
export const applyPatchType = 'application/apply-patch+yaml'

/** The cap kube-apiserver puts on JSON patch operations. */
const maxJSONPatchOperations = 10000

/** A strategic merge patch implementation, plugged in where the resource supports it. */
export type StrategicMergePatcher = (current: KubeObject, patch: Record<string, unknown>, scope: RequestScope) => KubeObject

export interface PatchRequest {
  dryRun: boolean
  fieldValidation: FieldValidation
  /** The decoded patch document: an operation list (JSON patch) or an object. */
  patch: unknown
}

/**
 * PatchOptions and the patch document of a PATCH request whose content type was already accepted:
 * force only with apply, JSON syntax, JSON patch as a list (at most 10000 operations), other
 * patch types as an object. Shared by the main resource and the scale subresource.
 */
export function decodePatchRequest(scope: RequestScope, req: Request, contentType: string): PatchRequest {
  const { dryRun, fieldValidation } = writeOptions(scope.query, 'PatchOptions')
  if (scope.query.has('force') && contentType !== applyPatchType) {
    throw errors.invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
      { type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' },
    ])
  }
  let patch: unknown
  try {
    patch = decodeBytes(requestBody(req), contentType === applyPatchType ? applyPatchType : 'application/json')
  } catch (err) {
    // applyPatcher: yaml.Unmarshal failing is "error decoding patch: error converting YAML to JSON: yaml: ...".
    throw errors.badRequest(contentType === applyPatchType ? `error decoding patch: ${(err as Error).message}` : (err as Error).message)
  }
  if (contentType === jsonPatchType) {
    if (!Array.isArray(patch)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
    if (patch.length > maxJSONPatchOperations) {
      throw errors.requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${maxJSONPatchOperations}, got ${patch.length}`)
    }
  } else if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`)
  }
  return { dryRun, fieldValidation, patch }
}

export function defaultPatchTypes(): readonly string[] {
  return [jsonPatchType, mergePatchType]
}

/** The content types PATCH of a resource accepts: its declared ones, then apply-patch (always on, as in kube). */
export function acceptedPatchTypes(scope: RequestScope): readonly string[] {
  const declared = scope.def.patchTypes ?? defaultPatchTypes()
  return declared.includes(applyPatchType) ? declared : [...declared, applyPatchType]
}

/** PatchOptions of an apply: fieldManager is required; force is a boolean. */
export function applyOptions(scope: RequestScope): { manager: string; force: boolean } {
  const manager = scope.query.get('fieldManager') ?? ''
  if (!manager) {
    throw errors.invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
      { type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' },
    ])
  }
  const force = scope.query.get('force')
  if (force !== null && !['true', 'false', '1', '0', 'True', 'False', 'TRUE', 'FALSE', 't', 'f', 'T', 'F', ''].includes(force)) {
    throw errors.badRequest(`strconv.ParseBool: parsing ${JSON.stringify(force)}: invalid syntax`)
  }
  return { manager, force: force !== null && ['true', '1', 'True', 'TRUE', 't', 'T'].includes(force) }
}

export async function patchResource(scope: RequestScope, req: Request, res: Response, smp?: StrategicMergePatcher): Promise<void> {
  const n = negotiateOutput(req.headers.accept)
  const name = scope.info.name
  const accepted = acceptedPatchTypes(scope)
  const contentType = contentTypeOf(req.headers['content-type'])
  if (!accepted.includes(contentType) || (contentType === strategicMergePatchType && !smp)) {
    throw errors.unsupportedMediaType(accepted)
  }
  const { dryRun, fieldValidation, patch } = decodePatchRequest(scope, req, contentType)
  const subresource = scope.info.subresource || undefined
  const fm = { def: scope.def, subresource, applyTypes: scope.applyTypes }
  const apply = contentType === applyPatchType ? applyOptions(scope) : undefined
  const manager = apply?.manager ?? managerOrUserAgent(scope.query, req.headers['user-agent'])

  let warnings: string[] = []
  const result = await scope.store.update(
    scope.ctx,
    name,
    (current) => {
      if (apply) {
        // Apply on a missing object starts from an empty one with the URL's name (create-on-apply).
        const live: KubeObject = current ? structuredClone(current) : { metadata: { name, ...(scope.def.namespaced ? { namespace: scope.ctx.namespace } : {}) } }
        const config = structuredClone(patch) as Record<string, unknown>
        checkApplyFields(scope, config)
        const applied = applyObject(fm, live, config, apply)
        const uid = applied.metadata.uid
        if (!current && uid) {
          throw errors.conflict(scope.store.groupResource, name, `uid mismatch: the provided object specified uid ${uid}, and no existing object was found`)
        }
        checkBodyAgainstURL(applied, scope.def.namespaced, scope.ctx.namespace, name)
        return applied
      }
      if (!current) throw errors.notFound(scope.store.groupResource, name)
      const patched = applyPatch(contentType, structuredClone(current), patch, scope, smp)
      if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
        throw errors.badRequest('the patched object is not a JSON object')
      }
      if (contentType !== strategicMergePatchType) checkPatchedTypeMeta(scope, current, patched)
      patched.metadata ??= {}
      warnings = checkFields(scope.def, patched, fieldValidation)
      return patched
    },
    {
      dryRun,
      subresource,
      forceAllowCreate: !!apply && !subresource,
      // Non-apply patches record their manager on the defaulted result (jsonPatcher decodes with defaults).
      beforeWrite: apply ? undefined : (next, current) => void recordUpdate(fm, current, next, manager),
    },
  )
  addWarnings(res, [...warnings, ...result.warnings])
  writeObject(res, result.created ? 201 : 200, result.object, n.mediaType)
}

/** Applies a decoded patch document of the given type to a copy of the current object. */
export function applyPatch(contentType: string, current: KubeObject, patch: unknown, scope: RequestScope, smp?: StrategicMergePatcher): KubeObject {
  if (contentType === jsonPatchType) {
    try {
      return fastJsonPatch.applyPatch(current, patch as Operation[], true, true).newDocument
    } catch {
      throw unprocessable()
    }
  }
  if (contentType === strategicMergePatchType && smp) return smp(current, patch as Record<string, unknown>, scope)
  return jsonMergePatch.apply(current, patch) as KubeObject
}

/**
 * NewGenericServerResponse(422, "", GroupResource{}, "", err, 0, false): a JSON patch that cannot
 * apply (failed test, missing path). isUnexpectedResponse is false, so jsonpatch's own text is
 * dropped and details stay empty; kubectl prints "The request is invalid: the server rejected...".
 */
export function unprocessable(): errors.StatusError {
  return new errors.StatusError({ code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request', details: {} })
}

/**
 * A JSON or merge patch may not change kind or apiVersion: kube decodes the patched JSON into the
 * resource's type, and a decode failure is NewInvalid(GroupKind{}, "", patch: Invalid value: <json>).
 * A removed kind or apiVersion is no failure: the decoder defaults both from the target type.
 */
function checkPatchedTypeMeta(scope: RequestScope, current: KubeObject, patched: KubeObject): void {
  const kind: unknown = patched.kind
  const apiVersion: unknown = patched.apiVersion
  if ((kind === current.kind || kind === undefined || kind === null || kind === '') && (apiVersion === current.apiVersion || apiVersion === undefined || apiVersion === null || apiVersion === '')) return
  let detail: string
  const notString = typeof kind !== 'string' && kind !== undefined && kind !== null ? 'kind' : typeof apiVersion !== 'string' && apiVersion !== undefined && apiVersion !== null ? 'apiVersion' : ''
  if (notString) {
    const v = notString === 'kind' ? kind : apiVersion
    const what = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v
    detail = `couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go struct field .${notString} of type string`
  } else if (typeof kind === 'string' && kind !== '' && kind !== scope.def.kind) {
    const v = parseGroupVersion(typeof apiVersion === 'string' && apiVersion !== '' ? apiVersion : String(current.apiVersion)).version
    detail = `converting (${v}.${kind}) to (${scope.def.version}.${scope.def.kind}): unknown conversion`
  } else detail = `no kind "${scope.def.kind}" is registered for version "${String(apiVersion)}" in scheme "pkg/api/legacyscheme/scheme.go:30"`
  const err = errors.invalid({ group: '', kind: '' }, '', [{ type: 'FieldValueInvalid', field: 'patch', badValue: JSON.stringify(patched), detail }])
  // GroupKind{} and name "" are omitted from details (omitempty).
  const details = err.status.details
  if (details) {
    delete details.kind
    delete details.name
    delete details.group
  }
  throw err
}

/**
 * Server-side apply converts the applied configuration to a typed value first
 * (typeConverter.ObjectToTyped), whatever fieldValidation says: an unknown field or a value of
 * the wrong type fails as "failed to create typed patch object (<gvk>): <path>: <why>". kube
 * answers that as a 500 with no reason (a plain error); bad input must not be a 500 here, so it is a
 * 400 with no reason, which kubectl prints exactly as it prints kube's ("Error from server: ...").
 * The fieldValidation directive never comes into play: the typed conversion fails first.
 */
function checkApplyFields(scope: RequestScope, config: Record<string, unknown>): void {
  const def = scope.def
  if (!def.checkFields) return
  const probe = structuredClone(config) as KubeObject
  const { typeErrors, unknownFields } = def.checkFields(probe)
  const problems: string[] = []
  for (const t of typeErrors) problems.push(typedValueError(t) ?? '')
  if (problems.some((p) => p === '')) {
    // A mismatch the schema walk cannot express as structured-merge-diff does: the decoder's text.
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${typeErrors.join(', ')}`)
  }
  const fm = { def, applyTypes: scope.applyTypes, subresource: scope.info.subresource || undefined }
  problems.push(...unknownFields.map((f) => `${typedPathString(fm, config, f)}: field not declared in schema`))
  if (problems.length === 0) return
  const gv = groupVersionString(def)
  const group = gv.includes('/') ? gv.split('/')[0] : ''
  const text = problems.length === 1 ? problems[0]! : ['errors:', ...problems.map((p) => `  ${p}`)].join('\n')
  throw new errors.StatusError({ code: 400, message: `failed to create typed patch object (${group}/${def.version}, Kind=${def.kind}): ${text}` })
}

/** A Go decoder type error on a numeric field, as structured-merge-diff's validateScalar words it. */
function typedValueError(goError: string): string | undefined {
  const m = /^json: cannot unmarshal (\S+)(?: \S+)? into Go struct field [^.\s]+\.(\S+) of type (int32|int64|float64|float32|int)$/.exec(goError)
  if (!m) return undefined
  const goKind: Record<string, string> = { string: 'string', bool: 'bool', object: 'map[string]interface {}', array: '[]interface {}' }
  const got = goKind[m[1]!]
  if (!got) return undefined
  return `.${m[2]!}: expected numeric (int or float), got ${got}`
}

/**
 * The Status for a strategic merge patch that cannot apply: kube answers 400 for malformed
 * documents, 422 for lists of lists, and passes everything else through as a 500.
 */
export function strategicMergePatchStatusError(err: StrategicMergePatchError, scope: RequestScope): errors.StatusError {
  if (err.code === 400) return errors.badRequest(err.message)
  if (err.code === 422) {
    return new errors.StatusError({ code: 422, reason: 'Invalid', message: err.message, details: { name: scope.info.name, group: scope.def.group || undefined, kind: scope.def.resource } })
  }
  return errors.internalError(err)
}
