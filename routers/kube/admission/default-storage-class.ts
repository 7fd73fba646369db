/**
 * @module routers/kube/admission/default-storage-class
 * The DefaultStorageClass admission plugin (plugin/pkg/admission/storage/storageclass/setdefault):
 * a PersistentVolumeClaim created without storageClassName gets the default StorageClass (the
 * one annotated is-default-class "true"; the newest when several are), if there is one.
 */
import type { KubeObject } from '../../../lib/api/types.js'
import type { AdmissionPlugin } from '../../../lib/registry/admission.js'
import type { Store } from '../../../lib/registry/store.js'
import { isObj } from '../json.js'

const defaultClassAnnotations = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class']

/** GetDefaultClass: among the default classes, the newest (then the name first in order). */
async function defaultClass(classes: Store): Promise<KubeObject | undefined> {
  const list = await classes.list({ namespace: '' })
  const defaults = list.items.filter((c) => defaultClassAnnotations.some((a) => c.metadata.annotations?.[a] === 'true'))
  defaults.sort((a, b) => {
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0
    const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0
    return tb - ta || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
  })
  return defaults[0]
}

export function defaultStorageClassAdmission(storageClasses: () => Store): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || attrs.resource.group !== '' || attrs.resource.resource !== 'persistentvolumeclaims' || !attrs.object) return
      const spec = attrs.object['spec']
      // Only a nil storageClassName is defaulted: "" asks for a volume without a class.
      if (!isObj(spec) || (spec['storageClassName'] !== undefined && spec['storageClassName'] !== null)) return
      const cls = await defaultClass(storageClasses())
      if (cls?.metadata.name) spec['storageClassName'] = cls.metadata.name
    },
  }
}
