/**
 * @module routers/kube/admission/namespace-lifecycle
 * The NamespaceLifecycle admission plugin (plugin/pkg/admission/namespace/lifecycle): objects
 * may not be created in a namespace that does not exist (404) or is being terminated (403).
 *
 * As in kube-apiserver, the namespace comes from an informer cache (./namespace-cache.ts) so a
 * create costs no extra storage read; a namespace the cache does not know is read live (it may
 * have been created a moment ago). A namespace deleted through this server is read live for the
 * next 30 s (kube's forceLiveLookupCache), so its Terminating state is seen at once. A namespace
 * deleted through another server sharing the storage is seen once its watch event arrives: until
 * then a create may still be admitted, the same window kube-apiserver accepts (the namespace
 * controller removes such objects as it finalizes the namespace). Where kube refuses requests
 * until its informer has synced, this plugin reads live meanwhile.
 */
import * as errors from '../../../lib/api/errors.js'
import { StatusError } from '../../../lib/api/errors.js'
import type { AdmissionPlugin } from '../../../lib/registry/admission.js'
import type { Store } from '../../../lib/registry/store.js'
import { NamespaceCache } from './namespace-cache.js'

/** forceLiveLookupTTL of the kube plugin: how long a namespace deleted here is read live. */
const forceLiveLookupTTLMs = 30_000
/** The size of the kube plugin's LRU of such namespaces. */
const forceLiveLookupSize = 100

/**
 * @param namespaceStore the namespaces Store (resolved on first use).
 * @param signal ends the namespace cache's list-watch (server shutdown).
 */
export function namespaceLifecycle(namespaceStore: () => Store, signal?: AbortSignal): AdmissionPlugin {
  const cache = new NamespaceCache(namespaceStore, signal)
  /** Namespaces deleted through this server, oldest first, with when their live lookups may stop. */
  const forceLiveLookup = new Map<string, number>()
  const mustLookUpLive = (name: string): boolean => {
    const until = forceLiveLookup.get(name)
    if (until === undefined) return false
    if (until > Date.now()) return true
    forceLiveLookup.delete(name)
    return false
  }
  const addForceLiveLookup = (name: string): void => {
    forceLiveLookup.delete(name)
    forceLiveLookup.set(name, Date.now() + forceLiveLookupTTLMs)
    // An LRU like kube's: the oldest entry goes first.
    for (const oldest of forceLiveLookup.keys()) {
      if (forceLiveLookup.size <= forceLiveLookupSize) break
      forceLiveLookup.delete(oldest)
    }
  }
  return {
    name: 'NamespaceLifecycle',
    async admit(attrs) {
      if (attrs.operation === 'DELETE' && !attrs.resource.namespaced && attrs.resource.group === '' && attrs.resource.resource === 'namespaces') {
        addForceLiveLookup(attrs.name)
        return
      }
      if (attrs.operation !== 'CREATE' || !attrs.resource.namespaced || !attrs.namespace) return
      let cached = cache.get(attrs.namespace)
      // A namespace deleted here that the cache still shows active is read live (kube's forceLiveLookup).
      if (cached && !cached.metadata.deletionTimestamp && mustLookUpLive(attrs.namespace)) cached = undefined
      // Not in the cache: it may have been created a moment ago, so only a live read can say (kube
      // sleeps missingNamespaceWait for its cache first; a read here costs less than the wait).
      const ns = cached ?? (await namespaceStore().get({ namespace: '' }, attrs.namespace))
      if (ns.metadata.deletionTimestamp) {
        const gr = { group: attrs.resource.group, resource: attrs.resource.resource }
        const base = errors.forbidden(gr, attrs.name, `unable to create new content in namespace ${attrs.namespace} because it is being terminated`)
        throw new StatusError({
          ...base.status,
          details: { ...base.status.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${attrs.namespace} is being terminated`, field: 'metadata.namespace' }] },
        })
      }
    },
  }
}
