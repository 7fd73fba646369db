/**
 * @module routers/kube/admission/namespace-lifecycle
 * The NamespaceLifecycle admission plugin (plugin/pkg/admission/namespace/lifecycle): objects
 * may not be created in a namespace that does not exist (404) or is being terminated (403).
 */
import * as errors from '../../../lib/api/errors.js'
import { StatusError } from '../../../lib/api/errors.js'
import type { AdmissionPlugin } from '../../../lib/registry/admission.js'
import type { Store } from '../../../lib/registry/store.js'

export function namespaceLifecycle(namespaceStore: () => Store): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || !attrs.resource.namespaced || !attrs.namespace) return
      const ns = await namespaceStore().get({ namespace: '' }, attrs.namespace)
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
