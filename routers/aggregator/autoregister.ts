/**
 * @module routers/aggregator/autoregister
 * The autoregister controller (kube-aggregator pkg/controllers/autoregister and
 * pkg/controlplane/controller/crdregistration): a local APIService for every group-version the
 * servers behind the aggregator serve. Built-in group-versions get kube-apiserver's priorities and
 * the label automanaged=onstart; any other (custom resources) gets 1000/100 and automanaged=true,
 * and is deleted again when its group-version stops being served. APIServices without the label
 * belong to users and are never touched.
 *
 * `sync()` reconciles storage with what the chain serves now. It runs at start and whenever a
 * server says its group-versions changed (routers/chain.ts wires the extensions server's resource
 * mux to it), so the CRD code needs no knowledge of APIServices.
 */
import type { Logger } from 'pino'
import * as errors from '../../lib/api/errors.js'
import { isStatusError } from '../../lib/api/errors.js'
import type { KubeObject } from '../../lib/api/types.js'
import type { DiscoveryGroupVersion } from '../../lib/endpoints/discovery/documents.js'
import { defaultPriority, priorityOf } from '../../lib/endpoints/discovery/priorities.js'
import type { Store } from '../../lib/registry/store.js'
import { apiregistrationGroup, automanagedLabel } from './apiservices.js'

export type AutomanagedMode = 'onstart' | 'true'

interface Desired {
  name: string
  group: string
  version: string
  groupPriorityMinimum: number
  versionPriority: number
  mode: AutomanagedMode
}

/** The local APIService kube-apiserver would register for a served group-version. */
export function desiredAPIService(group: string, version: string): Desired {
  const p = priorityOf(group, version)
  // Groups in kube's table are built-in (onstart); the rest come and go with CRDs.
  const builtin = p !== defaultPriority
  return { name: `${version}.${group}`, group, version, groupPriorityMinimum: p.group, versionPriority: p.version, mode: builtin ? 'onstart' : 'true' }
}

function toObject(d: Desired): KubeObject {
  return {
    apiVersion: `${apiregistrationGroup}/v1`,
    kind: 'APIService',
    metadata: { name: d.name, labels: { [automanagedLabel]: d.mode } },
    spec: { group: d.group, version: d.version, groupPriorityMinimum: d.groupPriorityMinimum, versionPriority: d.versionPriority },
  }
}

export class AutoregisterController {
  private readonly store: Store
  private readonly served: () => DiscoveryGroupVersion[]
  private readonly logger: Logger
  private running: Promise<void> | undefined
  private again = false

  private readonly ready: Promise<void>

  constructor(store: Store, served: () => DiscoveryGroupVersion[], logger: Logger, ready: Promise<void> = Promise.resolve()) {
    this.store = store
    this.served = served
    this.logger = logger
    this.ready = ready
  }

  /** Reconciles automanaged APIServices with the served group-versions; calls coalesce. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      // Until every stored CRD is served, "not served" is not yet known to mean "gone".
      await this.ready
      do {
        this.again = false
        try {
          await this.syncOnce()
        } catch (err) {
          this.logger.warn({ err }, 'autoregister sync failed')
        }
      } while (this.again)
    })().finally(() => (this.running = undefined))
    return this.running
  }

  private async syncOnce(): Promise<void> {
    const desired = new Map<string, Desired>()
    for (const gv of this.served()) {
      const d = desiredAPIService(gv.group, gv.version)
      desired.set(d.name, d)
    }
    const ctx = { namespace: '' }
    const existing = new Map((await this.store.list(ctx)).items.map((o) => [o.metadata.name ?? '', o]))
    for (const d of desired.values()) {
      const cur = existing.get(d.name)
      if (!cur) {
        try {
          await this.store.create(ctx, toObject(d))
        } catch (err) {
          if (!(isStatusError(err) && err.code === 409)) throw err
        }
        continue
      }
      // A user's APIService of the same name wins (kube leaves unlabelled ones alone).
      if (!cur.metadata.labels?.[automanagedLabel]) continue
      const spec = (cur['spec'] ?? {}) as Record<string, unknown>
      const same =
        spec['group'] === d.group && spec['version'] === d.version && spec['groupPriorityMinimum'] === d.groupPriorityMinimum && spec['versionPriority'] === d.versionPriority && spec['service'] === undefined
      if (same && cur.metadata.labels[automanagedLabel] === d.mode) continue
      await this.store.update(ctx, d.name, (obj) => {
        if (!obj) throw errors.notFound({ group: apiregistrationGroup, resource: 'apiservices' }, d.name)
        const next = toObject(d)
        return { ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [automanagedLabel]: d.mode } }, spec: next['spec'] }
      })
    }
    // Only sync-managed ("true") APIServices go away with their group-version, as in kube.
    for (const [name, obj] of existing) {
      if (desired.has(name) || obj.metadata.labels?.[automanagedLabel] !== 'true') continue
      try {
        await this.store.delete(ctx, name)
      } catch (err) {
        if (!(isStatusError(err) && err.code === 404)) throw err
      }
    }
  }
}
