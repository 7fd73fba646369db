/**
 * @module lib/endpoints/fieldmanager/managed-fields
 * metadata.managedFields (k8s.io/apimachinery pkg/util/managedfields/internal): decoding entries
 * into per-manager field sets, encoding them back in kube's order, and the two operations of
 * structured-merge-diff's Updater: Update (a write takes the fields it changed) and Apply (a
 * configuration is merged in, fields it no longer sets are pruned, other managers' differing
 * values are conflicts unless forced).
 */
import { isDeepStrictEqual } from 'node:util'
import { FieldSet, pathString } from './fieldset.js'
import type { FieldsV1, PathElement } from './fieldset.js'
import type { TypeNode } from './schema-type.js'
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet } from './typed.js'

export type Operation = 'Apply' | 'Update'

/** One manager's fields, keyed in Managers by its identifier. */
export interface ManagerEntry {
  manager: string
  operation: Operation
  apiVersion: string
  time?: string
  subresource?: string
  set: FieldSet
}

/** Managers by identifier (BuildManagerIdentifier: name, operation, subresource, and apiVersion for Update). */
export type Managers = Map<string, ManagerEntry>

export interface ManagedFieldsEntryJSON {
  manager?: string
  operation?: string
  apiVersion?: string
  time?: string
  fieldsType?: string
  fieldsV1?: FieldsV1
  subresource?: string
}

export function managerIdentifier(manager: string, operation: Operation, apiVersion: string, subresource?: string): string {
  // Every write asks for its manager's identifier; the few distinct ones are built once.
  const cacheKey = `${manager}\u0000${operation}\u0000${apiVersion}\u0000${subresource ?? ''}`
  let cached = identifiers.get(cacheKey)
  if (cached === undefined) {
    const id: Record<string, string> = { manager, operation }
    if (operation === 'Update') id['apiVersion'] = apiVersion
    if (subresource) id['subresource'] = subresource
    cached = JSON.stringify(id)
    // Bounded: managers come from clients (fieldManager, User-Agent).
    if (identifiers.size >= maxCachedIdentifiers) identifiers.clear()
    identifiers.set(cacheKey, cached)
  }
  return cached
}

const identifiers = new Map<string, string>()
const maxCachedIdentifiers = 1000

/** Thrown when managedFields cannot be decoded; callers fall back to the live object's. */
export class ManagedFieldsDecodeError extends Error {}

/** DecodeManagedFields: entries of the same identifier are merged. */
export function decodeManagedFields(entries: unknown): Managers {
  const managers: Managers = new Map()
  if (entries === undefined || entries === null) return managers
  if (!Array.isArray(entries)) throw new ManagedFieldsDecodeError('managedFields must be a list')
  for (const raw of entries) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ManagedFieldsDecodeError('managedFields entry must be an object')
    const e = raw as ManagedFieldsEntryJSON
    if (e.fieldsType !== 'FieldsV1') throw new ManagedFieldsDecodeError(`invalid fieldsType ${JSON.stringify(e.fieldsType ?? '')}`)
    let set: FieldSet
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {})
    } catch (err) {
      throw new ManagedFieldsDecodeError((err as Error).message)
    }
    const operation = e.operation as Operation
    const id = managerIdentifier(String(e.manager ?? ''), operation, String(e.apiVersion ?? ''), e.subresource || undefined)
    const prev = managers.get(id)
    if (prev) {
      prev.set = prev.set.union(set)
      continue
    }
    const entry: ManagerEntry = { manager: String(e.manager ?? ''), operation, apiVersion: String(e.apiVersion ?? ''), set }
    if (typeof e.time === 'string') entry.time = e.time
    if (e.subresource) entry.subresource = e.subresource
    managers.set(id, entry)
  }
  return managers
}

/** encodeManagedFields + sortEncodedManagedFields: Apply before Update, then time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntryJSON[] {
  const entries = [...managers.values()].filter((m) => !m.set.isEmpty())
  entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1
    const pt = p.time ? Date.parse(p.time) : 0
    const qt = q.time ? Date.parse(q.time) : 0
    if (pt !== qt) return pt - qt
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0
  })
  return entries.map((m) => {
    const out: ManagedFieldsEntryJSON = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion }
    if (m.time) out.time = m.time
    out.fieldsType = 'FieldsV1'
    out.fieldsV1 = m.set.toFieldsV1()
    if (m.subresource) out.subresource = m.subresource
    return out
  })
}

/** Fields no manager owns (stripMetaManager): type meta and the server-set metadata. */
const strippedFields = FieldSet.of(
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
)

/** Never pruned, whatever the configurations say: the object's identity. */
const alwaysKept = FieldSet.of(['f:apiVersion'], ['f:kind'], ['f:metadata', 'f:name'], ['f:metadata', 'f:namespace'])

export interface Conflict {
  /** The identifier of the manager that owns the field. */
  manager: string
  path: PathElement[]
}

/** merge.Conflicts: applying would change fields other managers own. */
export class ConflictError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(conflictMessage(conflicts))
    this.name = 'ConflictError'
  }
}

/** printManager: `"m"`, `"m" with subresource "s"`, plus ` using <apiVersion>` for updaters. */
export function printManager(identifier: string): string {
  let parsed: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }
  try {
    parsed = JSON.parse(identifier) as typeof parsed
  } catch {
    return JSON.stringify(identifier)
  }
  let s = JSON.stringify(parsed.manager ?? '')
  if (parsed.subresource) s = `${s} with subresource ${JSON.stringify(parsed.subresource)}`
  if (parsed.operation === 'Update') return `${s} using ${parsed.apiVersion ?? ''}`
  return s
}

/** getConflictMessage in managedfields/internal/conflict.go. */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0]!
    return `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`
  }
  const byManager = new Map<string, string[]>()
  for (const c of conflicts) {
    const list = byManager.get(c.manager) ?? []
    list.push(pathString(c.path))
    byManager.set(c.manager, list)
  }
  const lines: string[] = []
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(m)}:`)
    for (const p of byManager.get(m)!) lines.push(`- ${p}`)
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
}

function cloneManagers(managers: Managers): Managers {
  const out: Managers = new Map()
  for (const [id, m] of managers) out.set(id, { ...m })
  return out
}

/** The owned part of a field set: no stripped metadata, nothing under an ignored (reset) field. */
function owned(set: FieldSet, ignored: FieldSet): FieldSet {
  return set.difference(strippedFields).recursiveDifference(ignored)
}

function withoutManagedFields(obj: Record<string, unknown>): Record<string, unknown> {
  const meta = obj['metadata']
  if (typeof meta !== 'object' || meta === null || !('managedFields' in meta)) return obj
  const { managedFields: _mf, ...rest } = meta as Record<string, unknown>
  return { ...obj, metadata: rest }
}

/**
 * Updater.update: other managers lose the fields this write changed (only when forced) and the
 * fields it removed. Returns the comparison, or throws ConflictError when not forced.
 */
function takeFromOthers(live: unknown, next: unknown, t: TypeNode, managers: Managers, self: string, ignored: FieldSet, force: boolean) {
  const cmp = compare(live, next, t)
  const changed = owned(cmp.modified.union(cmp.added), ignored)
  const removed = owned(cmp.removed, ignored)
  const conflicts: Conflict[] = []
  for (const [id, m] of managers) {
    if (id === self) continue
    const clash = m.set.intersection(changed)
    if (!clash.isEmpty()) {
      if (!force) {
        for (const p of clash.paths()) conflicts.push({ manager: id, path: p })
        continue
      }
      m.set = m.set.difference(clash)
    }
    if (!removed.isEmpty()) m.set = m.set.difference(removed)
  }
  if (conflicts.length > 0) {
    conflicts.sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0))
    throw new ConflictError(conflicts)
  }
  for (const [id, m] of managers) if (m.set.isEmpty()) managers.delete(id)
  return { changed, removed, same: cmp.added.isEmpty() && cmp.modified.isEmpty() && cmp.removed.isEmpty() }
}

export interface OperationContext {
  type: TypeNode
  apiVersion: string
  /** Fields reset by the strategy for this (sub)resource: nobody owns them through it. */
  ignored: FieldSet
  subresource?: string
  now: string
}

/**
 * managedFieldsUpdater.Update over structuredMergeManager.Update: the manager takes the fields this
 * write added or changed, everybody loses the fields it removed; the time moves only on change.
 */
export function updateManagers(live: Record<string, unknown>, next: Record<string, unknown>, managers: Managers, manager: string, ctx: OperationContext): Managers {
  const out = cloneManagers(managers)
  const id = managerIdentifier(manager, 'Update', ctx.apiVersion, ctx.subresource)
  // The current operation is a manager of its own, so its previous fields are treated like anyone's.
  const { changed, removed } = takeFromOthers(withoutManagedFields(live), withoutManagedFields(next), ctx.type, out, '\u0000current-operation', ctx.ignored, true)
  if (changed.isEmpty()) return out
  const prev = out.get(id)
  const entry: ManagerEntry = { manager, operation: 'Update', apiVersion: ctx.apiVersion, time: ctx.now, set: changed.union(prev?.set ?? new FieldSet()).difference(removed) }
  if (ctx.subresource) entry.subresource = ctx.subresource
  out.set(id, entry)
  capUpdateManagers(out)
  return out
}

/** DefaultMaxUpdateManagers: more Update entries than this are folded into "ancient-changes". */
export const maxUpdateManagers = 10

/**
 * capManagersManager: the oldest Update entries beyond the cap are merged, per apiVersion, into
 * one "ancient-changes" entry, so managedFields cannot grow without bound.
 */
function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update')
  if (updaters.length <= maxUpdateManagers) return
  const seconds = (m: ManagerEntry): number => (m.time ? Math.floor(Date.parse(m.time) / 1000) : 0)
  updaters.sort(([ia, a], [ib, b]) => seconds(a) - seconds(b) || (ia < ib ? -1 : ia > ib ? 1 : 0))
  const firstByVersion = new Map<string, string>()
  let length = updaters.length
  for (const [id, m] of updaters) {
    if (length <= maxUpdateManagers) break
    const bucket = managerIdentifier('ancient-changes', 'Update', m.apiVersion)
    const first = firstByVersion.get(m.apiVersion)
    if (first === undefined) {
      firstByVersion.set(m.apiVersion, id)
      continue
    }
    if (!managers.has(bucket)) {
      const firstEntry = managers.get(first)!
      managers.delete(first)
      managers.set(bucket, { manager: 'ancient-changes', operation: 'Update', apiVersion: m.apiVersion, set: firstEntry.set })
    }
    const b = managers.get(bucket)!
    b.set = m.set.union(b.set)
    if (m.time) b.time = m.time
    managers.delete(id)
    length--
  }
}

export interface ApplyResult {
  object: Record<string, unknown>
  managers: Managers
  /** False when the apply changed nothing in the object (ownership may still have changed). */
  changed: boolean
}

/**
 * Updater.Apply: merge the configuration, record it as the applier's set, prune what the applier
 * set last time and no longer sets (unless someone else owns it), and check conflicts.
 */
export function applyConfiguration(
  live: Record<string, unknown>,
  config: Record<string, unknown>,
  managers: Managers,
  manager: string,
  force: boolean,
  ctx: OperationContext,
): ApplyResult {
  const t = ctx.type
  let out = cloneManagers(managers)
  const liveClean = withoutManagedFields(live)
  // skipNonAppliedManager: fields present before the first apply belong to "before-first-apply".
  if (out.size === 0 && Object.keys(liveClean).length > 0) {
    out = updateManagers({}, liveClean, out, 'before-first-apply', ctx)
  }
  const id = managerIdentifier(manager, 'Apply', ctx.apiVersion, ctx.subresource)
  let merged = merge(liveClean, config, t) as Record<string, unknown>
  const last = out.get(id)?.set
  const applied = owned(toFieldSet(config, t), ctx.ignored)
  const entry: ManagerEntry = { manager, operation: 'Apply', apiVersion: ctx.apiVersion, time: out.get(id)?.time ?? ctx.now, set: applied }
  if (ctx.subresource) entry.subresource = ctx.subresource
  out.set(id, entry)
  if (last && !last.isEmpty()) {
    // The applier's unstripped set keeps metadata itself (name), as inside structured-merge-diff.
    let all = toFieldSet(config, t).recursiveDifference(ctx.ignored).union(alwaysKept)
    for (const m of out.values()) all = all.union(m.set)
    const keep = ensureNamedFieldsAreMembers(all, t)
    const toRemove = ensureNamedFieldsAreMembers(last, t).difference(keep)
    if (!toRemove.isEmpty()) merged = removeItems(merged, toRemove, t, keep) as Record<string, unknown>
  }
  takeFromOthers(liveClean, merged, t, out, id, ctx.ignored, force)
  const changed = !isDeepStrictEqual(liveClean, merged)
  if (changed) entry.time = ctx.now
  if (entry.set.isEmpty()) out.delete(id)
  return { object: merged, managers: out, changed }
}
