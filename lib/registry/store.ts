/**
 * @module lib/registry/store
 * The generic Store (k8s.io/apiserver pkg/registry/generic/registry/store.go): every resource's
 * create, get, list, watch, update, patch and delete, with the order of operations written once.
 * A resource contributes a ResourceDefinition and its Strategy; the backend is any Storage.
 */
import { randomUUID } from 'node:crypto'
import * as errors from '../api/errors.js'
import { cloneJSON } from '../api/clone.js'
import { nowTimestamp } from '../api/time.js'
import type { FieldError } from '../api/field-errors.js'
import type { GroupResource, KubeObject, KubeList } from '../api/types.js'
import { groupVersionString } from '../api/types.js'
import { validateObjectMeta, validateObjectMetaUpdate, validateDeletingFinalizers } from '../api/validation.js'
import type { Storage, Predicate, Preconditions, ResourceVersionMatch, Watcher } from '../storage/interface.js'
import { isStorageError } from '../storage/errors.js'
import type { AdmissionPlugin, AdmissionOperation } from './admission.js'
import { generateName, generateNameAttempts } from './names.js'
import type { ResourceDefinition } from './resource.js'
import { interpretStorageError, rethrowStorageError } from './storage-errors.js'
import type { RequestContext } from './strategy.js'

export interface WriteOptions {
  dryRun?: boolean
}

/**
 * Called on the object about to be written once the strategy has defaulted it, with the stored
 * object (undefined on create). kube-apiserver decodes request bodies with defaults, so its field
 * manager sees defaulted objects; the write handlers record managedFields here for the same result.
 */
export type BeforeWrite = (obj: KubeObject, old: KubeObject | undefined) => void

export interface CreateOptions extends WriteOptions {
  /** Extra warnings found while decoding (unknown fields with fieldValidation=Warn). */
  warnings?: string[]
  beforeWrite?: BeforeWrite
}

export interface UpdateOptions extends WriteOptions {
  subresource?: string
  /** Server-side apply creates what does not exist (patcher.forceAllowCreate). */
  forceAllowCreate?: boolean
  /** The uid a PUT body names: the stored object must have it (rest.Update objInfo.Preconditions). */
  uidPrecondition?: string
  beforeWrite?: BeforeWrite
}

export interface ListParams {
  predicate?: Predicate
  /** Set when the predicate pins metadata.name=X: only that key is read. */
  name?: string
  resourceVersion?: string
  resourceVersionMatch?: ResourceVersionMatch
  limit?: number
  continue?: string
}

export interface WatchParams {
  predicate?: Predicate
  resourceVersion?: string
  bookmarkIntervalMs?: number
}

export interface DeleteParams extends WriteOptions {
  preconditions?: Preconditions
  gracePeriodSeconds?: number
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'
}

export interface WriteResult {
  object: KubeObject
  warnings: string[]
  /** True when an update created the object (201). */
  created?: boolean
}

export interface DeleteResult {
  /** The deleted object, or the object marked for deletion when it cannot go away yet. */
  object: KubeObject
  /** True when the object is gone from storage; false when it only got a deletionTimestamp. */
  deleted: boolean
}

/** A function that produces the new object from the current one (update, patch). */
export type ObjectTransform = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>

export class Store {
  readonly def: ResourceDefinition
  readonly storage: Storage
  readonly groupResource: GroupResource
  readonly apiVersion: string
  private readonly prefix: string
  private readonly admission: readonly AdmissionPlugin[]

  constructor(def: ResourceDefinition, storage: Storage, admission: readonly AdmissionPlugin[] = []) {
    this.def = def
    this.storage = def.decorateStorage ? def.decorateStorage(storage) : storage
    this.groupResource = { group: def.group, resource: def.resource }
    this.apiVersion = groupVersionString(def)
    this.prefix = def.storagePrefix ?? (def.group === '' ? `/registry/${def.resource}` : `/registry/${def.group}/${def.resource}`)
    this.admission = admission
  }

  /** The storage key of an object, or the prefix of a collection when name is empty. */
  key(namespace: string, name = ''): string {
    if (this.def.namespaced) {
      if (!namespace) return `${this.prefix}/`
      return name ? `${this.prefix}/${namespace}/${name}` : `${this.prefix}/${namespace}/`
    }
    return name ? `${this.prefix}/${name}` : `${this.prefix}/`
  }

  /**
   * Objects carry kind and apiVersion on every response (storage keeps them too, like etcd does).
   * A version served from another version's storage (def.convert) converts here, on the way out;
   * an object already in the served version passes unchanged, so calling this twice is harmless.
   */
  private withTypeMeta(obj: KubeObject): KubeObject {
    if (this.def.convert && obj.apiVersion !== this.apiVersion) obj = this.def.convert.fromStorage(obj)
    if (obj.kind !== this.def.kind || obj.apiVersion !== this.apiVersion) obj = { ...obj, apiVersion: this.apiVersion, kind: this.def.kind }
    return this.def.onRead ? this.def.onRead(obj) : obj
  }

  async get(ctx: RequestContext, name: string): Promise<KubeObject> {
    try {
      return this.withTypeMeta(await this.storage.get(this.key(ctx.namespace, name)))
    } catch (err) {
      rethrowStorageError(err, this.groupResource, name)
    }
  }

  /** The object in the storage version, on the way in (def.convert); others are stored as served. */
  private toStorage(obj: KubeObject): KubeObject {
    return this.def.convert && obj.apiVersion === this.apiVersion ? this.def.convert.toStorage(obj) : obj
  }

  /** Selectors of the served version, evaluated on stored objects in the storage version. */
  private servedPredicate(predicate: Predicate | undefined): Predicate | undefined {
    if (!predicate || !this.def.convert) return predicate
    return (obj) => predicate(this.withTypeMeta(obj))
  }

  async list(ctx: RequestContext, params: ListParams = {}): Promise<KubeList> {
    const listKind = this.def.listKind
    if (params.name !== undefined && (this.def.namespaced ? ctx.namespace !== '' : true)) {
      // A field selector that pins the name reads one key, as the etcd3 store does for "metadata.name=X".
      // The revision is read first: a list must never claim a revision newer than what it read,
      // or a watch from it misses the object's deletion (kubectl delete's wait hangs).
      const rv = String(await this.storage.currentRevision())
      const items: KubeObject[] = []
      try {
        const obj = this.withTypeMeta(await this.storage.get(this.key(ctx.namespace, params.name)))
        if (!params.predicate || params.predicate(obj)) items.push(obj)
      } catch (err) {
        if (!isStorageError(err, 'KeyNotFound')) rethrowStorageError(err, this.groupResource, params.name)
      }
      return { apiVersion: this.apiVersion, kind: listKind, metadata: { resourceVersion: rv }, items }
    }
    try {
      const result = await this.storage.list(this.key(ctx.namespace), {
        resourceVersion: params.resourceVersion,
        resourceVersionMatch: params.resourceVersionMatch,
        limit: params.limit,
        continue: params.continue,
        predicate: this.servedPredicate(params.predicate),
      })
      const metadata: KubeList['metadata'] = { resourceVersion: result.resourceVersion }
      if (result.continue) metadata.continue = result.continue
      if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount
      return { apiVersion: this.apiVersion, kind: listKind, metadata, items: result.items.map((o) => this.withTypeMeta(o)) }
    } catch (err) {
      rethrowStorageError(err, this.groupResource, '')
    }
  }

  async watch(ctx: RequestContext, params: WatchParams = {}): Promise<Watcher> {
    try {
      const watcher = await this.storage.watch(this.key(ctx.namespace), {
        resourceVersion: params.resourceVersion,
        predicate: this.servedPredicate(params.predicate),
        bookmarkIntervalMs: params.bookmarkIntervalMs,
      })
      return this.def.convert ? convertedWatcher(watcher, (obj) => this.withTypeMeta(obj)) : watcher
    } catch (err) {
      rethrowStorageError(err, this.groupResource, '')
    }
  }

  /** Fills the fields clients may not set and the server owns (FillObjectMetaSystemFields). */
  private fillSystemFields(obj: KubeObject): void {
    const meta = obj.metadata
    meta.uid = randomUUID()
    meta.creationTimestamp = nowTimestamp()
    delete meta.deletionTimestamp
    delete meta.deletionGracePeriodSeconds
    delete meta.resourceVersion
    delete meta.selfLink
    if (this.def.strategy.generationChanged) meta.generation = 1
    else delete meta.generation
  }

  private validationErrors(ctx: RequestContext, obj: KubeObject, old?: KubeObject): FieldError[] {
    const s = this.def.strategy
    const errs: FieldError[] = validateObjectMeta(obj.metadata, { namespaced: this.def.namespaced, nameValidation: this.def.nameValidation ?? 'subdomain' })
    if (old) {
      errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata))
      errs.push(...validateDeletingFinalizers(obj.metadata, old.metadata))
      if (s.validateUpdate) errs.push(...s.validateUpdate(ctx, obj, old))
    } else if (s.validate) {
      errs.push(...s.validate(ctx, obj))
    }
    return errs
  }

  private async admit(op: AdmissionOperation, ctx: RequestContext, name: string, object?: KubeObject, oldObject?: KubeObject): Promise<void> {
    for (const plugin of this.admission) {
      await plugin.admit({ operation: op, resource: this.def, namespace: ctx.namespace, name, object, oldObject, ctx })
    }
  }

  /**
   * rest.BeforeCreate + Store.Create: system metadata, scope, prepare, defaults, validate,
   * canonicalize, admission, then the write (with generateName retries).
   */
  async create(ctx: RequestContext, input: KubeObject, opts: CreateOptions = {}): Promise<WriteResult> {
    const s = this.def.strategy
    // kind and apiVersion first, as kube-apiserver serialises objects.
    const obj: KubeObject = { apiVersion: this.apiVersion, kind: this.def.kind, ...cloneJSON(input) }
    obj.apiVersion = this.apiVersion
    obj.kind = this.def.kind
    obj.metadata ??= {}
    requireMetadataObject(obj)
    if (this.def.namespaced) obj.metadata.namespace = ctx.namespace
    else delete obj.metadata.namespace
    // Mutating admission (NamespaceLifecycle) runs before the strategy, as in the create handler.
    await this.admit('CREATE', ctx, obj.metadata.name ?? '', obj)
    this.fillSystemFields(obj)
    s.prepareForCreate?.(ctx, obj)
    s.applyDefaults?.(obj)
    opts.beforeWrite?.(obj, undefined)
    const generate = !obj.metadata.name && !!obj.metadata.generateName
    if (generate) obj.metadata.name = generateName(obj.metadata.generateName!)
    const errs = this.validationErrors(ctx, obj)
    if (errs.length > 0) throw errors.invalid({ group: this.def.group, kind: this.def.kind }, obj.metadata.name ?? '', errs)
    const warnings = [...(opts.warnings ?? []), ...(s.warningsOnCreate?.(ctx, obj) ?? [])]
    s.canonicalize?.(obj)
    if (opts.dryRun) {
      // A dry run answers with what would be stored, without a resourceVersion (there is no revision).
      return { object: obj, warnings }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.storage.create(this.key(ctx.namespace, obj.metadata.name!), this.toStorage(obj))
        return { object: this.withTypeMeta(stored), warnings }
      } catch (err) {
        if (generate && isStorageError(err, 'KeyExists')) {
          if (attempt < generateNameAttempts) {
            obj.metadata.name = generateName(obj.metadata.generateName!)
            continue
          }
          throw errors.generateNameConflict(this.groupResource, obj.metadata.name!, 1)
        }
        rethrowStorageError(err, this.groupResource, obj.metadata.name!)
      }
    }
  }

  /**
   * Update and patch: read-modify-write through guaranteedUpdate. `transform` produces the
   * desired object from the current one (PUT: the body; PATCH: the patched current object).
   */
  async update(ctx: RequestContext, name: string, transform: ObjectTransform, opts: UpdateOptions = {}): Promise<WriteResult> {
    const s = this.def.strategy
    const key = this.key(ctx.namespace, name)
    let warnings: string[] = []
    let created = false
    let deleteAfter = false
    let dryRunResult: KubeObject | undefined
    const tryUpdate = async (stored: KubeObject | undefined): Promise<KubeObject> => {
      // The strategy sees both objects in the served version; what is written is converted back.
      const current = stored && this.def.convert ? this.withTypeMeta(stored) : stored
      if (opts.uidPrecondition !== undefined && opts.uidPrecondition !== (current?.metadata.uid ?? '')) {
        // storage.Preconditions.Check fails with an InvalidObj StorageError, which
        // InterpretUpdateError turns into a Conflict carrying the StorageError's text.
        throw errors.conflict(
          this.groupResource,
          name,
          `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${opts.uidPrecondition}, UID in object meta: ${current?.metadata.uid ?? ''}`,
        )
      }
      warnings = []
      created = false
      deleteAfter = false
      const desired: KubeObject = { apiVersion: this.apiVersion, kind: this.def.kind, ...cloneJSON(await transform(current ? this.withTypeMeta(current) : undefined)) }
      desired.metadata ??= {}
      requireMetadataObject(desired)
      desired.apiVersion = this.apiVersion
      desired.kind = this.def.kind
      if (this.def.namespaced) desired.metadata.namespace ??= ctx.namespace
      if (!current) {
        // forceAllowCreate: server-side apply creates what does not exist (patcher.forceAllowCreate).
        if (!s.allowCreateOnUpdate && !opts.forceAllowCreate) throw errors.notFound(this.groupResource, name)
        const result = await this.create(ctx, desired, { dryRun: true, beforeWrite: opts.beforeWrite })
        warnings = result.warnings
        created = true
        if (opts.dryRun) {
          // Nothing may be written: leave guaranteedUpdate without a write.
          dryRunResult = result.object
          throw dryRunCreate
        }
        return this.toStorage(result.object)
      }
      const rv = desired.metadata.resourceVersion
      if (!rv) {
        if (s.allowUnconditionalUpdate === false) {
          throw errors.invalid({ group: this.def.group, kind: this.def.kind }, name, [
            { type: 'FieldValueInvalid', field: 'metadata.resourceVersion', badValueText: '0x0', detail: 'must be specified for an update' },
          ])
        }
      } else if (rv !== current.metadata.resourceVersion) {
        throw errors.conflict(this.groupResource, name, errors.optimisticLockErrorMsg)
      }
      // Fields the server owns carry over from the stored object (rest.BeforeUpdate).
      const meta = desired.metadata
      const oldMeta = current.metadata
      // rest.BeforeUpdate keeps a uid the request names, so ValidateObjectMetaUpdate refuses a change.
      if (!meta.uid) meta.uid = oldMeta.uid
      meta.creationTimestamp = oldMeta.creationTimestamp
      if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp
      else delete meta.deletionTimestamp
      if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds
      else delete meta.deletionGracePeriodSeconds
      if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation
      else delete meta.generation
      delete meta.selfLink
      if (opts.subresource && s.prepareForSubresourceUpdate) s.prepareForSubresourceUpdate(opts.subresource, ctx, desired, current)
      else s.prepareForUpdate?.(ctx, desired, current)
      s.applyDefaults?.(desired)
      opts.beforeWrite?.(desired, current)
      if (s.generationChanged && meta.generation !== undefined && s.generationChanged(desired, current)) meta.generation = (meta.generation ?? 0) + 1
      const errs = this.validationErrors(ctx, desired, current)
      if (errs.length > 0) throw errors.invalid({ group: this.def.group, kind: this.def.kind }, name, errs)
      warnings = s.warningsOnUpdate?.(ctx, desired, current) ?? []
      s.canonicalize?.(desired)
      await this.admit('UPDATE', ctx, name, desired, current)
      meta.resourceVersion = current.metadata.resourceVersion
      // Removing the last finalizer of an object being deleted finishes the deletion.
      deleteAfter = !!meta.deletionTimestamp && !this.mustWaitForFinalizers(desired)
      if (opts.dryRun) {
        dryRunResult = desired
        return stored!
      }
      return this.toStorage(desired)
    }
    try {
      const stored = await this.storage.guaranteedUpdate(key, tryUpdate, { ignoreNotFound: true }).catch((err: unknown) => {
        if (err === dryRunCreate) return undefined
        throw err
      })
      if (!stored) return { object: dryRunResult!, warnings, created: true }
      if (opts.dryRun) return { object: dryRunResult ?? this.withTypeMeta(stored), warnings, created }
      if (deleteAfter) {
        const last = await this.deleteNow(key, name, { uid: stored.metadata.uid, resourceVersion: stored.metadata.resourceVersion })
        return { object: last ?? this.withTypeMeta(stored), warnings }
      }
      return { object: this.withTypeMeta(stored), warnings, created }
    } catch (err) {
      rethrowStorageError(err, this.groupResource, name)
    }
  }

  /** An object with finalizers (or one its strategy still finalizes) is only marked on DELETE. */
  private mustWaitForFinalizers(obj: KubeObject): boolean {
    return (obj.metadata.finalizers?.length ?? 0) > 0 || (this.def.strategy.finalizationPending?.(this.withTypeMeta(obj)) ?? false)
  }

  /** Deletes from storage, tolerating a concurrent delete; returns the last state or undefined. */
  private async deleteNow(key: string, name: string, preconditions?: Preconditions): Promise<KubeObject | undefined> {
    try {
      return this.withTypeMeta(await this.storage.delete(key, { preconditions }))
    } catch (err) {
      if (isStorageError(err, 'KeyNotFound')) return undefined
      throw interpretStorageError(err, this.groupResource, name)
    }
  }

  /**
   * Store.Delete: preconditions, the strategy's veto, admission, then either the object is
   * removed now or, while finalizers remain, marked with a deletionTimestamp and kept.
   */
  async delete(ctx: RequestContext, name: string, params: DeleteParams = {}): Promise<DeleteResult> {
    const key = this.key(ctx.namespace, name)
    let current: KubeObject
    try {
      current = this.withTypeMeta(await this.storage.get(key))
    } catch (err) {
      rethrowStorageError(err, this.groupResource, name)
    }
    checkPreconditions(this.groupResource, name, current, params.preconditions)
    await this.def.strategy.beforeDelete?.(ctx, current)
    await this.admit('DELETE', ctx, name, undefined, current)
    if (this.mustWaitForFinalizers(current)) {
      if (params.dryRun) return { object: this.withTypeMeta(current), deleted: false }
      try {
        const marked = await this.storage.guaranteedUpdate(
          key,
          (obj) => {
            if (obj.metadata.deletionTimestamp) return obj
            const next = this.withTypeMeta(cloneJSON(obj))
            next.metadata.deletionTimestamp = nowTimestamp()
            next.metadata.deletionGracePeriodSeconds = 0
            this.def.strategy.onMarkedForDeletion?.(next)
            return this.toStorage(next)
          },
          { preconditions: params.preconditions },
        )
        if (this.mustWaitForFinalizers(marked)) return { object: this.withTypeMeta(marked), deleted: false }
      } catch (err) {
        rethrowStorageError(err, this.groupResource, name)
      }
    }
    if (params.dryRun) return { object: this.withTypeMeta(current), deleted: true }
    try {
      const last = await this.storage.delete(key, {
        preconditions: params.preconditions,
        // Finalizers may have been added since the object was read: then it may only be marked.
        validateDeletion: (obj) => {
          if (this.mustWaitForFinalizers(obj)) throw finalizersAppeared
        },
      })
      return { object: this.withTypeMeta(last), deleted: true }
    } catch (err) {
      if (err === finalizersAppeared) return this.delete(ctx, name, params)
      rethrowStorageError(err, this.groupResource, name)
    }
  }

  /** DeleteCollection: lists with the same selectors, then deletes each (the list of deleted objects). */
  async deleteCollection(ctx: RequestContext, params: ListParams & DeleteParams): Promise<KubeList> {
    const list = await this.list(ctx, { predicate: params.predicate, name: params.name })
    const items: KubeObject[] = []
    for (const obj of list.items) {
      const objCtx = { ...ctx, namespace: obj.metadata.namespace ?? ctx.namespace }
      try {
        const res = await this.delete(objCtx, obj.metadata.name!, { dryRun: params.dryRun, propagationPolicy: params.propagationPolicy })
        items.push(res.object)
      } catch (err) {
        // Something deleted it first: that is what the caller wanted anyway.
        if (errors.isStatusError(err) && err.code === 404) continue
        throw err
      }
    }
    return { ...list, items }
  }
}

/** A watch whose event objects are converted to the served version (bookmarks carry no object). */
function convertedWatcher(watcher: Watcher, convert: (obj: KubeObject) => KubeObject): Watcher {
  return {
    stop: () => watcher.stop(),
    async *[Symbol.asyncIterator]() {
      for await (const event of watcher) {
        yield event.type === 'BOOKMARK' || event.type === 'ERROR' ? event : { ...event, object: convert(event.object) }
      }
    },
  }
}

/** Thrown inside guaranteedUpdate to leave it without a write (dry-run create on update). */
const dryRunCreate = new Error('dry-run create on update')
/** Thrown inside storage.delete when finalizers appeared after the object was read. */
const finalizersAppeared = new Error('finalizers appeared')

/** metadata must be an object; anything else is a client error, never a TypeError (500). */
function requireMetadataObject(obj: KubeObject): void {
  const m: unknown = obj.metadata
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw errors.badRequest('metadata: Invalid value: the object metadata must be a JSON object')
  }
}

/** RFC 3339 in UTC with second precision, as metav1.Time marshals. */

function checkPreconditions(gr: GroupResource, name: string, obj: KubeObject, p?: Preconditions): void {
  if (!p) return
  if (p.uid && p.uid !== obj.metadata.uid) {
    throw errors.conflict(gr, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`)
  }
  if (p.resourceVersion && p.resourceVersion !== obj.metadata.resourceVersion) {
    throw errors.conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`)
  }
}
