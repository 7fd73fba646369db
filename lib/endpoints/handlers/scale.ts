/**
 * @module lib/endpoints/handlers/scale
 * The autoscaling/v1 Scale subresource (registry/apps/deployment/storage ScaleREST and the CRD
 * ScaleREST in apiextensions registry/customresource/etcd.go), for any resource that declares
 * `scale` paths: GET reads replica counts and the selector out of the object; PUT and PATCH turn
 * the current object's Scale into a new Scale, and only its spec.replicas (and resourceVersion
 * precondition) is written back through the Store's update, so the resource's own update strategy
 * still runs: status kept, generation bumped, object validated.
 */
import type { Request, Response } from 'express'
import * as errors from '../../api/errors.js'
import * as field from '../../api/field-errors.js'
import type { FieldError } from '../../api/field-errors.js'
import { labelSelectorFromObject } from '../../api/labels.js'
import type { LabelSelectorObject } from '../../api/labels.js'
import type { KubeObject, ObjectMeta } from '../../api/types.js'
import { objectMetaFields } from '../../api/types.js'
import { validateObjectMeta } from '../../api/validation.js'
import type { ResourceDefinition, ScaleDefinition } from '../../registry/resource.js'
import { checkBodyAgainstURL, checkFields, decodeObject } from '../decode.js'
import { applyObject, managerOrUserAgent, recordUpdate } from '../fieldmanager/field-manager.js'
import type { ApplyOptions } from '../fieldmanager/field-manager.js'
import { contentTypeOf, negotiateOutput } from '../negotiation.js'
import { addWarnings, writeObject } from '../response-writers.js'
import { writeOptions } from '../scope.js'
import type { RequestScope } from '../scope.js'
import { StrategicMergePatchError, strategicMergePatch, tableLookup } from '../strategic-merge-patch.js'
import { acceptedPatchTypes, applyOptions, applyPatch, applyPatchType, decodePatchRequest, strategicMergePatchStatusError } from './patch.js'
import type { StrategicMergePatcher } from './patch.js'
import { writeSingle } from './transform.js'

export const scaleGroupVersion = 'autoscaling/v1'

const int32Max = 2147483647
const int32Min = -2147483648

// The fields of autoscaling/v1 Scale and the ObjectMeta it embeds: everything else is pruned.
const scaleFields: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status'])
const scaleSpecFields: ReadonlySet<string> = new Set(['replicas'])
const scaleStatusFields: ReadonlySet<string> = new Set(['replicas', 'selector'])

/** printers.go scaleColumnDefinitions, used for `kubectl get deploy/x --subresource=scale`. */
const scaleTableColumns: ResourceDefinition['tableColumns'] = [
  {
    name: 'Desired',
    type: 'integer',
    description: 'replicas is the desired number of instances for the scaled object.',
    cell: (o) => (o['spec'] as { replicas?: number } | undefined)?.replicas ?? 0,
  },
  {
    name: 'Available',
    type: 'integer',
    description: 'replicas is the actual number of observed instances of the scaled object.',
    cell: (o) => (o['status'] as { replicas?: number } | undefined)?.replicas ?? 0,
  },
]

/** The Scale kind seen as a resource, so the generic decoder and Table writer can handle it. */
function scaleResource(def: ResourceDefinition): ResourceDefinition {
  return {
    ...def,
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
    listKind: 'ScaleList',
    tableColumns: scaleTableColumns,
    checkFields: checkScaleFields,
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Go's name for a decoded JSON value's type, as fmt's %T prints it. */
function goTypeOf(v: unknown): string {
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64'
  if (Array.isArray(v)) return '[]interface {}'
  if (v === null) return '<nil>'
  return 'map[string]interface {}'
}

/**
 * The JSON value's kind as encoding/json names it in an UnmarshalTypeError: a number carries its
 * text only when it failed to fill an integer field.
 */
function jsonKindOf(v: unknown, intTarget = false): string {
  if (typeof v === 'number') return intTarget ? `number ${v}` : 'number'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'object') return 'object'
  return typeof v
}

/**
 * The typed decoder's view of a Scale: unknown fields are dropped (and reported for
 * fieldValidation), values that cannot go into the Go struct are type errors.
 */
export function checkScaleFields(obj: KubeObject): { unknownFields: string[]; typeErrors: string[] } {
  const unknownFields: string[] = []
  const typeErrors: string[] = []
  const prune = (o: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void => {
    for (const k of Object.keys(o)) {
      if (known.has(k)) continue
      unknownFields.push(prefix + k)
      delete o[k]
    }
  }
  const int32Field = (o: Record<string, unknown>, key: string, goPath: string): void => {
    const v = o[key]
    if (v === undefined || v === null) return
    if (typeof v !== 'number' || !Number.isInteger(v) || v > int32Max || v < int32Min) {
      typeErrors.push(`json: cannot unmarshal ${jsonKindOf(v, true)} into Go struct field ${goPath} of type int32`)
    }
  }
  const struct = (key: string, goType: string, known: ReadonlySet<string>, check: (o: Record<string, unknown>) => void): void => {
    const v = obj[key]
    if (v === undefined || v === null) return
    if (!isMap(v)) {
      typeErrors.push(`json: cannot unmarshal ${jsonKindOf(v)} into Go struct field Scale.${key} of type ${goType}`)
      return
    }
    prune(v, known, `${key}.`)
    check(v)
  }
  prune(obj, scaleFields, '')
  struct('metadata', 'v1.ObjectMeta', objectMetaFields, () => undefined)
  struct('spec', 'v1.ScaleSpec', scaleSpecFields, (o) => int32Field(o, 'replicas', 'Scale.spec.replicas'))
  struct('status', 'v1.ScaleStatus', scaleStatusFields, (o) => {
    int32Field(o, 'replicas', 'Scale.status.replicas')
    const sel = o['selector']
    if (sel !== undefined && sel !== null && typeof sel !== 'string') {
      typeErrors.push(`json: cannot unmarshal ${jsonKindOf(sel)} into Go struct field Scale.status.selector of type string`)
    }
  })
  return { unknownFields, typeErrors }
}

function splitPath(path: string): string[] {
  return path.replace(/^\./, '').split('.')
}

/** unstructured.NestedFieldNoCopy: the value at a dotted path and whether it is there. */
function readPath(obj: KubeObject, path: string): { found: boolean; value: unknown } {
  let cur: unknown = obj
  for (const key of splitPath(path)) {
    if (!isMap(cur) || !Object.hasOwn(cur, key)) return { found: false, value: undefined }
    cur = cur[key]
  }
  return { found: true, value: cur }
}

/** unstructured.SetNestedField: creates missing maps on the way, fails on a non-map. */
function writePath(obj: KubeObject, path: string, value: unknown): void {
  const keys = splitPath(path)
  let cur: Record<string, unknown> = obj
  keys.slice(0, -1).forEach((key, i) => {
    const next = cur[key]
    if (next === undefined || next === null) {
      cur[key] = {}
    } else if (!isMap(next)) {
      throw errors.internalError(new Error(`value cannot be set because .${keys.slice(0, i + 1).join('.')} is not a map[string]interface{}`))
    }
    cur = cur[key] as Record<string, unknown>
  })
  cur[keys[keys.length - 1]!] = value
}

/** unstructured.NestedInt64: absent is 0 (found false), anything but an integer is an error. */
function readReplicas(obj: KubeObject, path: string): { found: boolean; replicas: number } {
  const { found, value } = readPath(obj, path)
  if (!found) return { found: false, replicas: 0 }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw errors.internalError(new Error(`.${splitPath(path).join('.')} accessor error: ${String(value)} is of the type ${goTypeOf(value)}, expected int64`))
  }
  return { found: true, replicas: value }
}

function selectorString(obj: KubeObject, path: string | undefined): string {
  if (!path) return ''
  const { found, value } = readPath(obj, path)
  if (!found || value === null) return ''
  if (typeof value === 'string') return value
  if (isMap(value)) {
    // Built-ins keep a metav1.LabelSelector: scaleFromDeployment renders it, a broken one is a 400.
    try {
      return labelSelectorFromObject(value as LabelSelectorObject).toString()
    } catch (err) {
      throw errors.badRequest((err as Error).message)
    }
  }
  throw errors.internalError(new Error(`.${splitPath(path).join('.')} accessor error: ${String(value)} is of the type ${goTypeOf(value)}, expected string`))
}

/**
 * The Scale of an object (scaleFromDeployment / scaleFromCustomResource). specReplicasFound tells
 * whether the object has a spec replicas value at all (CRDs may lack one).
 */
export function scaleFromObject(scale: ScaleDefinition, obj: KubeObject): { scale: KubeObject; specReplicasFound: boolean } {
  const spec = readReplicas(obj, scale.specReplicasPath)
  const status = readReplicas(obj, scale.statusReplicasPath)
  const selector = selectorString(obj, scale.labelSelectorPath)
  const m = obj.metadata
  // Only these ObjectMeta fields are carried over, in ObjectMeta's JSON order.
  const metadata: ObjectMeta = { name: m.name }
  if (m.namespace) metadata.namespace = m.namespace
  if (m.uid) metadata.uid = m.uid
  if (m.resourceVersion) metadata.resourceVersion = m.resourceVersion
  metadata.creationTimestamp = m.creationTimestamp ?? null
  // ScaleSpec.replicas is omitempty; ScaleStatus.replicas is not, selector is.
  const scaleStatus: Record<string, unknown> = { replicas: status.replicas }
  if (selector) scaleStatus['selector'] = selector
  return {
    scale: { kind: 'Scale', apiVersion: scaleGroupVersion, metadata, spec: spec.replicas !== 0 ? { replicas: spec.replicas } : {}, status: scaleStatus },
    specReplicasFound: spec.found,
  }
}

function scaleDefinitionOf(scope: RequestScope): ScaleDefinition {
  const scale = scope.def.scale
  // The installer dispatches here only for resources that declare their scale paths.
  if (!scale) throw errors.genericNotFound(true)
  return scale
}

/** ValidateScale (pkg/apis/autoscaling/validation): object meta and non-negative replicas. */
function validateScale(def: ResourceDefinition, scale: KubeObject): FieldError[] {
  const errs = validateObjectMeta(scale.metadata, { namespaced: def.namespaced, nameValidation: 'subdomain' })
  const replicas = (scale['spec'] as { replicas?: unknown } | undefined)?.replicas
  if (typeof replicas === 'number' && replicas < 0) errs.push(field.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'))
  return errs
}

interface ScaleWriteResult {
  scale: KubeObject
  warnings: string[]
}

/**
 * scaleUpdatedObjectInfo.UpdatedObject + Store.Update: inside the read-modify-write, the current
 * object's Scale goes through `produce`, is validated, and its replicas (and resourceVersion, the
 * client's precondition) are set on a copy of the object, which the Store then updates.
 */
async function writeScale(
  scope: RequestScope,
  name: string,
  produce: (old: KubeObject) => KubeObject,
  dryRun: boolean,
  manager: string,
  apply?: ApplyOptions,
): Promise<ScaleWriteResult> {
  const scaleDef = scaleDefinitionOf(scope)
  const def = scope.def
  const result = await scope.store.update(
    scope.ctx,
    name,
    (current) => {
      if (!current) throw errors.notFound(scope.store.groupResource, name)
      const old = scaleFromObject(scaleDef, current)
      const next = produce(structuredClone(old.scale))
      next.metadata ??= {}
      if (def.namespaced && !next.metadata.namespace) next.metadata.namespace = scope.ctx.namespace
      const spec = next['spec'] as { replicas?: number | null } | undefined
      const replicas = spec?.replicas ?? null
      if (!old.specReplicasFound && replicas === null) {
        throw errors.badRequest(`the spec replicas field ${JSON.stringify(scaleDef.specReplicasPath)} cannot be empty`)
      }
      const errs = validateScale(def, next)
      if (errs.length > 0) throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, current.metadata.name ?? name, errs)
      const uid = next.metadata.uid
      if (uid && uid !== current.metadata.uid) {
        throw errors.conflict(
          { group: def.group, resource: `${def.resource}/scale` },
          name,
          `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
        )
      }
      const updated = structuredClone(current)
      writePath(updated, scaleDef.specReplicasPath, replicas ?? 0)
      // A resourceVersion in the Scale is the client's precondition; the Store checks it.
      if (next.metadata.resourceVersion) updated.metadata.resourceVersion = next.metadata.resourceVersion
      // The writer owns the replica field of the parent, recorded with subresource "scale" (ScaleHandler).
      const fm = { def, subresource: 'scale', applyTypes: scope.applyTypes }
      if (!apply) return recordUpdate(fm, current, updated, manager)
      // An applied Scale is the parent's replica field applied by the manager through "scale".
      const config: KubeObject = { apiVersion: current.apiVersion, kind: current.kind, metadata: { name: current.metadata.name } }
      writePath(config, scaleDef.specReplicasPath, replicas ?? 0)
      const applied = applyObject(fm, current, config, apply)
      writePath(applied, scaleDef.specReplicasPath, replicas ?? 0)
      if (next.metadata.resourceVersion) applied.metadata.resourceVersion = next.metadata.resourceVersion
      return applied
    },
    { dryRun },
  )
  try {
    return { scale: scaleFromObject(scaleDef, result.object).scale, warnings: result.warnings }
  } catch (err) {
    if (errors.isStatusError(err)) throw errors.badRequest(err.status.message ?? '')
    throw err
  }
}

/** GET .../<name>/scale */
export async function getScale(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept, { transforms: ['Table', 'PartialObjectMetadata'] })
  const obj = await scope.store.get(scope.ctx, scope.info.name)
  const scaleDef = scaleDefinitionOf(scope)
  const { scale, specReplicasFound } = scaleFromObject(scaleDef, obj)
  // Built-ins always have one (defaulted); a custom resource may not.
  if (!specReplicasFound) throw errors.internalError(new Error(`the spec replicas field ${JSON.stringify(scaleDef.specReplicasPath)} does not exist`))
  writeSingle({ ...scope, def: scaleResource(scope.def) }, res, 200, scale, n)
}

/** PUT .../<name>/scale with an autoscaling/v1 Scale body. */
export async function updateScale(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept)
  const name = scope.info.name
  const { dryRun, fieldValidation } = writeOptions(scope.query, 'UpdateOptions')
  const decoded = decodeObject(req, scaleResource(scope.def), fieldValidation)
  const body = decoded.object
  checkBodyAgainstURL(body, scope.def.namespaced, scope.ctx.namespace, name)
  const result = await writeScale(scope, name, () => structuredClone(body), dryRun, managerOrUserAgent(scope.query, req.headers['user-agent']))
  addWarnings(res, [...decoded.warnings, ...result.warnings])
  writeObject(res, 200, result.scale, n.mediaType)
}

/** PATCH .../<name>/scale: the patch applies to the current Scale (kubectl scale sends a merge patch). */
export async function patchScale(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept)
  const name = scope.info.name
  const accepted = acceptedPatchTypes(scope)
  const contentType = contentTypeOf(req.headers['content-type'])
  if (!accepted.includes(contentType)) throw errors.unsupportedMediaType(accepted)
  const { dryRun, fieldValidation, patch } = decodePatchRequest(scope, req, contentType)
  const apply = contentType === applyPatchType ? applyOptions(scope) : undefined
  if (apply) checkAppliedScale(patch as Record<string, unknown>)
  const scaleDef = scaleResource(scope.def)
  let warnings: string[] = []
  const result = await writeScale(
    scope,
    name,
    (old) => {
      const patched = applyScalePatch(scope, contentType, old, patch)
      if (!isMap(patched)) throw errors.badRequest('the patched object is not a JSON object')
      patched.metadata ??= {}
      warnings = checkFields(scaleDef, patched, fieldValidation)
      return patched
    },
    dryRun,
    apply?.manager ?? managerOrUserAgent(scope.query, req.headers['user-agent']),
    apply,
  )
  addWarnings(res, [...warnings, ...result.warnings])
  writeObject(res, 200, result.scale, n.mediaType)
}

/** Scale has no merge keys of its own; ObjectMeta's (finalizers, ownerReferences) still apply. */
const scaleStrategicMerge: StrategicMergePatcher = (current, patch, scope) => {
  try {
    return strategicMergePatch(current, patch, tableLookup({})) as KubeObject
  } catch (err) {
    if (err instanceof StrategicMergePatchError) throw strategicMergePatchStatusError(err, scope)
    throw err
  }
}

function applyScalePatch(scope: RequestScope, contentType: string, current: KubeObject, patch: unknown): KubeObject {
  if (contentType === applyPatchType) {
    // The applied Scale's replicas replace the current ones; the rest of a Scale is read-only.
    const config = patch as KubeObject
    const replicas = (config['spec'] as { replicas?: unknown } | undefined)?.replicas
    const next = structuredClone(current)
    if (replicas !== undefined) next['spec'] = { ...(next['spec'] as object), replicas }
    if (isMap(config.metadata) && typeof config.metadata.resourceVersion === 'string') next.metadata.resourceVersion = config.metadata.resourceVersion
    return next
  }
  return applyPatch(contentType, current, patch, scope, scaleStrategicMerge)
}

/** The version check of an apply, for the Scale kind: autoscaling/v1 Scale, no managedFields. */
function checkAppliedScale(config: Record<string, unknown>): void {
  const version = typeof config['apiVersion'] === 'string' ? config['apiVersion'] : ''
  if (version !== scaleGroupVersion) {
    throw errors.badRequest(`Incorrect version specified in apply patch. Specified patch version: ${version}, expected: ${scaleGroupVersion}`)
  }
  if (config['kind'] !== 'Scale') throw errors.badRequest(`invalid object type: ${scaleGroupVersion}, Kind=${typeof config['kind'] === 'string' ? config['kind'] : ''}`)
  const meta = config['metadata']
  if (isMap(meta) && meta['managedFields'] !== undefined) throw errors.badRequest('metadata.managedFields must be nil')
}
