/**
 * @module lib/endpoints/fieldmanager/field-manager
 * The FieldManager the write handlers call (k8s.io/apiserver pkg/endpoints/handlers/fieldmanager
 * and managedfields.FieldManager): `update` records the fields a create, update or patch changed
 * under its manager (operation Update), `apply` performs server-side apply. Both read and write
 * metadata.managedFields of the object and never lose a client's write over managedFields
 * bookkeeping (UpdateNoErrors).
 */
import { nowTimestamp } from '../../api/time.js'
import * as errors from '../../api/errors.js'
import type { KubeObject } from '../../api/types.js'
import { groupVersionString } from '../../api/types.js'
import type { ResourceDefinition } from '../../registry/resource.js'
import { FieldSet, fieldElement, indexElement, pathString } from './fieldset.js'
import { ConflictError, ManagedFieldsDecodeError, applyConfiguration, decodeManagedFields, encodeManagedFields, printManager, updateManagers } from './managed-fields.js'
import type { Managers, OperationContext } from './managed-fields.js'
import { TypeError_, compare, itemElement, toFieldSet } from './typed.js'
import { resourceType } from './schema-type.js'
import type { ApplyTypeResolver } from './schema-type.js'

/** validation.FieldManagerMaxLength */
const fieldManagerMaxLength = 128

/** prefixFromUserAgent: what precedes the first "/", printable characters only, at most 128 bytes. */
export function prefixFromUserAgent(userAgent: string | undefined): string {
  const head = (userAgent ?? '').split('/')[0] ?? ''
  let out = ''
  let bytes = 0
  for (const ch of head) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue
    const n = Buffer.byteLength(ch)
    if (bytes + n > fieldManagerMaxLength) break
    out += ch
    bytes += n
  }
  return out
}

/** managerOrUserAgent: the fieldManager query parameter, else the User-Agent's product name. */
export function managerOrUserAgent(query: URLSearchParams, userAgent: string | undefined): string {
  const m = query.get('fieldManager')
  return m ? m : prefixFromUserAgent(userAgent)
}

export interface FieldManagerScope {
  def: ResourceDefinition
  /** The subresource written through ("status", "scale"), recorded on the entry. */
  subresource?: string
  applyTypes?: ApplyTypeResolver
}

/**
 * Fields the (sub)resource's strategy resets, so writing them there owns nothing
 * (GetResetFields): status through the main resource when a status subresource exists, spec
 * through the status subresource.
 */
function ignoredFields(def: ResourceDefinition, subresource: string | undefined): FieldSet {
  if (subresource === 'status') return FieldSet.of(['f:spec'])
  if (!subresource && (def.subresources ?? []).includes('status')) return FieldSet.of(['f:status'])
  return new FieldSet()
}

function operationContext(scope: FieldManagerScope): OperationContext {
  const ctx: OperationContext = {
    type: resourceType(scope.def, scope.applyTypes),
    apiVersion: groupVersionString(scope.def),
    ignored: ignoredFields(scope.def, scope.subresource),
    now: nowTimestamp(),
  }
  if (scope.subresource) ctx.subresource = scope.subresource
  return ctx
}

function decodeOrEmpty(entries: unknown): Managers {
  try {
    return decodeManagedFields(entries)
  } catch (err) {
    if (err instanceof ManagedFieldsDecodeError) return new Map()
    throw err
  }
}

/** isResetManagedFields: `[]` or `[{}]` in a request clears managedFields. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false
  if (entries.length === 0) return true
  return entries.length === 1 && typeof entries[0] === 'object' && entries[0] !== null && Object.keys(entries[0] as object).length === 0
}

/**
 * decodeLiveOrNew: the request's own managedFields when it sends valid, non-empty ones (clients
 * may edit them), nothing when it resets them, otherwise the live object's.
 */
function baseManagers(live: KubeObject | undefined, next: KubeObject, subresource: string | undefined): Managers {
  const requested = next.metadata?.managedFields
  if (subresource) return decodeOrEmpty(live?.metadata?.managedFields)
  if (isReset(requested)) return new Map()
  try {
    const m = decodeManagedFields(requested)
    if (m.size > 0) return m
  } catch (err) {
    if (!(err instanceof ManagedFieldsDecodeError)) throw err
  }
  return decodeOrEmpty(live?.metadata?.managedFields)
}

function setManagedFields(obj: KubeObject, managers: Managers): void {
  const encoded = encodeManagedFields(managers)
  if (encoded.length > 0) obj.metadata.managedFields = encoded
  else delete obj.metadata.managedFields
}

/**
 * FieldManager.UpdateNoErrors: `next` (a new object, not yet stored) gets the managedFields of
 * this write by `manager`; `live` is the stored object, undefined for a create. Returns `next`.
 */
export function recordUpdate(scope: FieldManagerScope, live: KubeObject | undefined, next: KubeObject, manager: string): KubeObject {
  next.metadata ??= {}
  const base = baseManagers(live, next, scope.subresource)
  try {
    const liveBody = live ? { ...live } : {}
    const managers = updateManagers(liveBody, { ...next }, base, manager, operationContext(scope))
    setManagedFields(next, managers)
  } catch (err) {
    // A value the type does not fit (a list map item without its key) must not fail the write.
    if (!(err instanceof TypeError_)) throw err
    if (live?.metadata?.managedFields) next.metadata.managedFields = structuredClone(live.metadata.managedFields)
    else delete next.metadata.managedFields
  }
  return next
}

export interface ApplyOptions {
  manager: string
  force: boolean
}

/**
 * FieldManager.Apply: `config` (the applied object) merged into `live` (an empty object with the
 * URL's name and namespace when the object does not exist). Throws kube's 409 on conflicts.
 */
export function applyObject(scope: FieldManagerScope, live: KubeObject, config: Record<string, unknown>, opts: ApplyOptions): KubeObject {
  const gv = groupVersionString(scope.def)
  const configVersion = typeof config['apiVersion'] === 'string' ? config['apiVersion'] : ''
  if (configVersion !== gv) {
    throw errors.badRequest(`Incorrect version specified in apply patch. Specified patch version: ${configVersion}, expected: ${gv}`)
  }
  const kind = typeof config['kind'] === 'string' ? config['kind'] : ''
  if (kind !== scope.def.kind) throw errors.badRequest(`invalid object type: ${gvkString(gv, kind)}`)
  const meta = config['metadata']
  if (meta !== undefined && meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    throw errors.badRequest('metadata: Invalid value: the object metadata must be a JSON object')
  }
  if (meta && (meta as Record<string, unknown>)['managedFields'] !== undefined) throw errors.badRequest('metadata.managedFields must be nil')
  const managers = decodeOrEmpty(live.metadata?.managedFields)
  const ctx = operationContext(scope)
  try {
    let result
    try {
      result = applyConfiguration(live as Record<string, unknown>, config, managers, opts.manager, opts.force, ctx)
    } catch (err) {
      // lastAppliedManager: kubectl moving from client-side to server-side apply may take the
      // fields its own last-applied configuration still describes, without --force-conflicts.
      if (!(err instanceof ConflictError) || !allowedByLastApplied(err, live, opts.manager, ctx)) throw err
      result = applyConfiguration(live as Record<string, unknown>, config, managers, opts.manager, true, ctx)
    }
    const obj = result.object as KubeObject
    obj.metadata ??= {}
    syncLastApplied(obj, live, config, opts.manager)
    setManagedFields(obj, result.managers)
    return obj
  } catch (err) {
    if (err instanceof ConflictError) throw conflictStatus(err)
    if (err instanceof TypeError_) {
      // kube: a plain error, so a 500 with no reason. Bad input is never a 500 here: a 400 with no
      // reason, which kubectl prints as kube's ("Error from server: failed to create typed patch ...").
      throw new errors.StatusError({ code: 400, message: `failed to create typed patch object (${gvkString(gv, scope.def.kind)}): ${err.message}` })
    }
    throw err
  }
}

/**
 * A decoder-style field path of `value` ("spec.containers[0].bogus") written as structured-merge-diff
 * prints paths (".spec.containers[name=\"c\"].bogus"): list items by their keys where the type
 * declares an associative list, by index otherwise.
 */
export function typedPathString(scope: FieldManagerScope, value: unknown, path: string): string {
  let t = resourceType(scope.def, scope.applyTypes)
  let v: unknown = value
  const elements: string[] = []
  for (const [, name, index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (name !== undefined) {
      elements.push(fieldElement(name))
      t = t.field(name)
      v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined
      continue
    }
    const i = Number(index)
    const item = Array.isArray(v) ? (v[i] as unknown) : undefined
    let element = indexElement(i)
    try {
      if (t.kind === 'list') element = itemElement(t, item, i, () => pathString(elements))
    } catch (err) {
      if (!(err instanceof TypeError_)) throw err
    }
    elements.push(element)
    t = t.kind === 'list' ? t.item() : t
    v = item
  }
  return pathString(elements)
}

const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration'

function lastApplied(obj: KubeObject): string | undefined {
  const v = obj.metadata?.annotations?.[lastAppliedAnnotation]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/**
 * allowedConflictsFromLastApplied: conflicts are allowed on the fields of the last-applied
 * annotation whose live value is still what client-side apply last set.
 */
function allowedByLastApplied(err: ConflictError, live: KubeObject, manager: string, ctx: OperationContext): boolean {
  const text = manager === 'kubectl' ? lastApplied(live) : undefined
  if (!text) return false
  let applied: unknown
  try {
    applied = JSON.parse(text)
  } catch {
    return false
  }
  if (typeof applied !== 'object' || applied === null || Array.isArray(applied)) return false
  try {
    const changed = compare(applied, live, ctx.type).modified
    const allowed = toFieldSet(applied, ctx.type).difference(changed)
    return err.conflicts.every((c) => allowed.has(c.path))
  } catch (e) {
    if (e instanceof TypeError_) return false
    throw e
  }
}

/** lastAppliedUpdater: an apply by "kubectl" keeps an existing last-applied annotation current. */
function syncLastApplied(obj: KubeObject, live: KubeObject, config: Record<string, unknown>, manager: string): void {
  if (manager !== 'kubectl' || !lastApplied(live)) return
  const copy = structuredClone(config) as KubeObject
  const annotations = copy.metadata?.annotations
  if (annotations) delete annotations[lastAppliedAnnotation]
  obj.metadata.annotations = { ...obj.metadata.annotations, [lastAppliedAnnotation]: `${JSON.stringify(sortKeys(copy))}\n` }
}

/** encoding/json writes map keys sorted. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (typeof v !== 'object' || v === null) return v
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k])
  return out
}

function gvkString(gv: string, kind: string): string {
  const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv]
  return `${group}/${version}, Kind=${kind}`
}

/** NewConflictError + errors.NewApplyConflict: 409 Conflict, one FieldManagerConflict cause per field. */
export function conflictStatus(err: ConflictError): errors.StatusError {
  return new errors.StatusError({
    code: 409,
    reason: 'Conflict',
    message: err.message,
    details: {
      causes: err.conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${printManager(c.manager)}`,
        field: pathString(c.path),
      })),
    },
  })
}

