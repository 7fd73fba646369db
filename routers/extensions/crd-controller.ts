/**
 * @module routers/extensions/crd-controller
 * The apiextensions controllers that follow CRD storage (naming, establishing, finalizing, and
 * the CRD handler's serving of versions): one list-then-watch loop on the CRD Store, so several
 * servers sharing one storage converge on the same state. Before a CRD becomes Established its
 * versions are installed, so a client that waits for Established never sees a 404; discovery and
 * OpenAPI follow the mux in the same step. A deleted CRD's custom resources are deleted, then
 * its finalizer is removed and its endpoints go away with the DELETED event.
 */
import type { Logger } from 'pino'
import { isStatusError, notFound } from '../../lib/api/errors.js'
import type { KubeObject } from '../../lib/api/types.js'
import type { ResourceDefinition } from '../../lib/registry/resource.js'
import { Store } from '../../lib/registry/store.js'
import type { Storage } from '../../lib/storage/interface.js'
import { apiApprovalState, arrOf, conditionOf, isProtectedGroup, objOf, specOf } from './crd-validation.js'
import { crdFinalizer, setCondition } from './crds.js'
import { customResourceDefinitions } from './custom-resource.js'

const crdResource = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }

export interface CRDControllerDeps {
  crds: Store
  storage: () => Storage
  install(def: ResourceDefinition): void
  uninstall(def: ResourceDefinition): void
  logger: Logger
}

type Obj = Record<string, unknown>
const nameKeys = ['plural', 'singular', 'kind', 'listKind'] as const

export class CRDController {
  private readonly deps: CRDControllerDeps
  /** Every CRD as last seen in storage, by name (the informer's cache). */
  private readonly cache = new Map<string, KubeObject>()
  /** What is installed for each CRD and the fingerprint it was built from. */
  private readonly installed = new Map<string, { defs: ResourceDefinition[]; fingerprint: string }>()
  private readonly finalizing = new Set<string>()

  constructor(deps: CRDControllerDeps) {
    this.deps = deps
  }

  /**
   * Lists every stored CRD and installs the established ones; CRDs that went away meanwhile (a
   * relist after a broken watch) are uninstalled. Returns the list's resourceVersion.
   */
  async sync(): Promise<string> {
    const list = await this.deps.crds.list({ namespace: '' })
    const names = new Set(list.items.map((crd) => crd.metadata.name!))
    for (const name of [...this.cache.keys()]) if (!names.has(name)) this.cache.delete(name)
    for (const name of [...this.installed.keys()]) if (!names.has(name)) this.unserve(name)
    for (const crd of list.items) this.cache.set(crd.metadata.name!, crd)
    for (const crd of list.items) if (isEstablished(crd)) this.serve(crd, !!crd.metadata.deletionTimestamp)
    return list.metadata.resourceVersion ?? ''
  }

  /** Reconciles everything listed, then follows the watch until signal aborts. */
  async run(resourceVersion: string, signal: AbortSignal): Promise<void> {
    for (const crd of [...this.cache.values()]) void this.reconcile(crd, signal)
    let rv = resourceVersion
    while (!signal.aborted) {
      try {
        const watcher = await this.deps.crds.watch({ namespace: '' }, { resourceVersion: rv })
        const stop = (): void => watcher.stop()
        signal.addEventListener('abort', stop, { once: true })
        try {
          for await (const event of watcher) {
            if (event.type === 'BOOKMARK') {
              rv = event.object.metadata.resourceVersion ?? rv
              continue
            }
            // An ERROR (e.g. 410 Gone: the revision was compacted) ends this watch: relist.
            if (event.type === 'ERROR') break
            const crd = event.object
            rv = crd.metadata.resourceVersion ?? rv
            const name = crd.metadata.name!
            if (event.type === 'DELETED') {
              this.cache.delete(name)
              this.unserve(name)
              continue
            }
            this.cache.set(name, crd)
            await this.reconcile(crd, signal)
          }
        } finally {
          signal.removeEventListener('abort', stop)
          watcher.stop()
        }
      } catch (err) {
        if (signal.aborted) return
        this.deps.logger.warn({ err }, 'CRD watch failed; relisting')
      }
      // The watch ended (closed, ERROR or failure): relist, then watch again from there.
      if (!signal.aborted) {
        await new Promise((r) => setTimeout(r, 200).unref())
        try {
          rv = await this.sync()
          for (const crd of [...this.cache.values()]) void this.reconcile(crd, signal)
        } catch (err) {
          this.deps.logger.warn({ err }, 'CRD relist failed')
        }
      }
    }
  }

  private serve(crd: KubeObject, terminating = false): void {
    const name = crd.metadata.name!
    const fingerprint = JSON.stringify([crd['spec'], objOf(crd['status'])['acceptedNames'], terminating])
    if (this.installed.get(name)?.fingerprint === fingerprint) return
    this.unserve(name)
    const defs = customResourceDefinitions(crd, { terminating })
    for (const def of defs) this.deps.install(def)
    this.installed.set(name, { defs, fingerprint })
  }

  private unserve(name: string): void {
    const entry = this.installed.get(name)
    if (!entry) return
    for (const def of entry.defs) this.deps.uninstall(def)
    this.installed.delete(name)
  }

  private async reconcile(crd: KubeObject, signal: AbortSignal): Promise<void> {
    try {
      if (crd.metadata.deletionTimestamp) {
        // Still served while instances are deleted, but no new ones.
        if (this.installed.has(crd.metadata.name!)) this.serve(crd, true)
        if ((crd.metadata.finalizers ?? []).includes(crdFinalizer)) void this.finalize(crd, signal)
        return
      }
      const desired = this.desiredStatus(crd)
      if (desired.established) this.serve({ ...crd, status: desired.status })
      if (JSON.stringify(desired.status) !== JSON.stringify(crd['status'] ?? {})) {
        await this.updateStatus(crd.metadata.name!, (status, current) => {
          const next = { ...current, status }
          const d = this.desiredStatus(next)
          return d.status
        })
      }
    } catch (err) {
      if (!(isStatusError(err) && (err.code === 404 || err.code === 409))) this.deps.logger.error({ err, crd: crd.metadata.name }, 'CRD reconcile failed')
    }
  }

  /** The naming and establishing controllers' view of what status should be. */
  private desiredStatus(crd: KubeObject): { status: Obj; established: boolean } {
    const current = structuredClone(crd) as KubeObject
    const spec = specOf(current)
    const names = objOf(spec['names'])
    const group = spec['group']
    const conflict = this.nameConflict(current.metadata.name!, group, names)
    const status = objOf(current['status'])
    current['status'] = status
    if (conflict) {
      setCondition(current, { type: 'NamesAccepted', status: 'False', reason: conflict.reason, message: conflict.message })
      if (!isEstablished(current)) setCondition(current, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' })
    } else {
      status['acceptedNames'] = structuredClone(names)
      setCondition(current, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' })
      if (!isEstablished(current)) setCondition(current, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' })
    }
    if (isProtectedGroup(group)) {
      // The API approval controller: only groups under k8s.io and kubernetes.io get the condition.
      const { state, value } = apiApprovalState(current)
      if (state === 'Approved') setCondition(current, { type: 'KubernetesAPIApprovalPolicyConformant', status: 'True', reason: 'ApprovedAnnotation', message: `approved in ${value}` })
      else if (state === 'Bypassed') setCondition(current, { type: 'KubernetesAPIApprovalPolicyConformant', status: 'False', reason: 'UnapprovedAnnotation', message: `not approved: ${JSON.stringify(value)}` })
      else setCondition(current, { type: 'KubernetesAPIApprovalPolicyConformant', status: 'False', reason: state === 'Missing' ? 'MissingAnnotation' : 'InvalidAnnotation', message: `protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111` })
    }
    return { status: objOf(current['status']), established: isEstablished(current) }
  }

  /** A name of this CRD already accepted by another CRD of the same group (naming controller). */
  private nameConflict(self: string, group: unknown, names: Obj): { reason: string; message: string } | undefined {
    const taken = { plural: new Set<string>(), singular: new Set<string>(), shortNames: new Set<string>(), kind: new Set<string>(), listKind: new Set<string>() }
    for (const other of this.cache.values()) {
      if (other.metadata.name === self || specOf(other)['group'] !== group) continue
      const accepted = objOf(objOf(other['status'])['acceptedNames'])
      for (const k of nameKeys) if (typeof accepted[k] === 'string' && accepted[k]) taken[k].add(accepted[k])
      for (const s of arrOf(accepted['shortNames'])) taken.shortNames.add(String(s))
      // Plural and singular share one namespace of resource names.
      if (typeof accepted['singular'] === 'string') taken.plural.add(accepted['singular'])
      if (typeof accepted['plural'] === 'string') taken.singular.add(accepted['plural'])
    }
    const used = (v: unknown, set: Set<string>): boolean => typeof v === 'string' && set.has(v)
    if (used(names['plural'], taken.plural)) return { reason: 'PluralConflict', message: `"${String(names['plural'])}" is already in use` }
    if (used(names['singular'], taken.singular)) return { reason: 'SingularConflict', message: `"${String(names['singular'])}" is already in use` }
    for (const s of arrOf(names['shortNames'])) if (used(s, taken.shortNames)) return { reason: 'ShortNamesConflict', message: `"${String(s)}" is already in use` }
    if (used(names['kind'], taken.kind)) return { reason: 'KindConflict', message: `"${String(names['kind'])}" is already in use` }
    if (used(names['listKind'], taken.listKind)) return { reason: 'ListKindConflict', message: `"${String(names['listKind'])}" is already in use` }
    return undefined
  }

  private async updateStatus(name: string, compute: (status: Obj, current: KubeObject) => Obj): Promise<KubeObject> {
    const result = await this.deps.crds.update(
      { namespace: '' },
      name,
      (current) => {
        // Another server finalizing the same CRD may have removed it: that is done, not an error.
        if (current === undefined) throw notFound(crdResource, name)
        const next = structuredClone(current)
        next['status'] = compute(structuredClone(objOf(next['status'])), next)
        return next
      },
      { subresource: 'status' },
    )
    return result.object
  }

  /** The finalizing controller: delete every custom resource, then release the CRD. */
  private async finalize(crd: KubeObject, signal: AbortSignal): Promise<void> {
    const name = crd.metadata.name!
    if (this.finalizing.has(name)) return
    this.finalizing.add(name)
    let retry = false
    try {
      const setTerminating = (reason: string, message: string): Promise<KubeObject> =>
        this.updateStatus(name, (status, current) => {
          const c = { ...current, status }
          setCondition(c, { type: 'Terminating', status: 'True', reason, message })
          return objOf(c['status'])
        })
      await setTerminating('InstanceDeletionInProgress', 'CustomResource deletion is in progress')
      const storageDef = customResourceDefinitions({ ...crd, spec: { ...specOf(crd), versions: arrOf(specOf(crd)['versions']).map((v) => ({ ...objOf(v), served: objOf(v)['storage'] === true })) } })[0]
      if (storageDef) {
        const store = new Store(storageDef, this.deps.storage())
        await store.deleteCollection({ namespace: '' }, {})
        const remaining = await store.list({ namespace: '' }, { limit: 1 })
        if (remaining.items.length > 0) {
          retry = true
          await setTerminating('InstanceDeletionCheck', `could not confirm zero CustomResources remaining: ${remaining.items.length} remaining`)
          return
        }
      }
      await setTerminating('InstanceDeletionCompleted', 'removed all instances')
      // Endpoints, discovery and OpenAPI go before the CRD does, so a client that sees the CRD gone
      // never still finds its resources here (other servers follow the DELETED event).
      this.unserve(name)
      await this.deps.crds.update({ namespace: '' }, name, (current) => {
        if (current === undefined) throw notFound(crdResource, name)
        const next = structuredClone(current)
        next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== crdFinalizer)
        return next
      })
    } catch (err) {
      if (!(isStatusError(err) && err.code === 404)) {
        retry = true
        this.deps.logger.error({ err, crd: name }, 'CRD finalization failed')
      }
    } finally {
      this.finalizing.delete(name)
      if (retry && !signal.aborted) {
        setTimeout(() => {
          const latest = this.cache.get(name)
          if (latest) void this.reconcile(latest, signal)
        }, 1000).unref()
      }
    }
  }
}

function isEstablished(crd: KubeObject): boolean {
  return conditionOf(crd, 'Established')?.['status'] === 'True'
}
