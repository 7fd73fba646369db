/**
 * @module routers/kube/admission/service-account
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount/admission.go), on pod
 * create: the service account defaults to "default" and must exist (403 otherwise), and unless
 * the pod or its account opts out, every container mounts the projected `kube-api-access-xxxxx`
 * volume (bound token, kube-root-ca.crt, namespace) at the well-known path. Image pull secrets
 * come from the account when the pod names none.
 */
import { isStatusError } from '../../../lib/api/errors.js'
import * as errors from '../../../lib/api/errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { AdmissionPlugin } from '../../../lib/registry/admission.js'
import { generateName } from '../../../lib/registry/names.js'
import type { Store } from '../../../lib/registry/store.js'
import { isObj } from '../json.js'
import type { Obj } from '../json.js'

export const defaultServiceAccountName = 'default'
/** DefaultAPITokenMountPath */
export const defaultAPITokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount'
const serviceAccountVolumeName = 'kube-api-access'
/** WarnOnlyBoundTokenExpirationSeconds: 1h plus 7s, so kubelets can tell the admission-made token. */
const boundTokenExpirationSeconds = 3607
const mirrorPodAnnotation = 'kubernetes.io/config.mirror'

/** The projected volume TokenVolumeSource builds. */
function tokenVolume(name: string): Obj {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: boundTokenExpirationSeconds, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  }
}

/** shouldAutomount: the pod's choice wins, then the account's, then true. */
function shouldAutomount(sa: KubeObject, spec: Obj): boolean {
  if (typeof spec['automountServiceAccountToken'] === 'boolean') return spec['automountServiceAccountToken']
  if (typeof sa['automountServiceAccountToken'] === 'boolean') return sa['automountServiceAccountToken']
  return true
}

/** mountServiceAccountToken: one volume, mounted read-only by every container without its own mount there. */
function mountServiceAccountToken(spec: Obj): void {
  const volumes = Array.isArray(spec['volumes']) ? (spec['volumes'] as unknown[]) : []
  const existing = volumes.filter(isObj).find((v) => typeof v['name'] === 'string' && v['name'].startsWith(`${serviceAccountVolumeName}-`))
  const volumeName = existing ? (existing['name'] as string) : generateName(`${serviceAccountVolumeName}-`)
  let needsVolume = false
  for (const key of ['initContainers', 'containers']) {
    const containers = spec[key]
    if (!Array.isArray(containers)) continue
    for (const container of containers.filter(isObj)) {
      const mounts = Array.isArray(container['volumeMounts']) ? (container['volumeMounts'] as unknown[]) : []
      if (mounts.some((m) => isObj(m) && m['mountPath'] === defaultAPITokenMountPath)) continue
      container['volumeMounts'] = [...mounts, { name: volumeName, readOnly: true, mountPath: defaultAPITokenMountPath }]
      needsVolume = true
    }
  }
  if (!existing && needsVolume) spec['volumes'] = [...volumes, tokenVolume(volumeName)]
}

export function serviceAccountAdmission(serviceAccounts: () => Store): AdmissionPlugin {
  return {
    name: 'ServiceAccount',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || attrs.resource.group !== '' || attrs.resource.resource !== 'pods' || !attrs.object) return
      const pod = attrs.object
      if (!isObj(pod['spec'])) return
      const spec = pod['spec']
      if (isObj(pod.metadata.annotations) && mirrorPodAnnotation in pod.metadata.annotations) return
      // The v1 conversion: serviceAccountName falls back to the deprecated serviceAccount.
      let name = typeof spec['serviceAccountName'] === 'string' ? spec['serviceAccountName'] : ''
      if (!name && typeof spec['serviceAccount'] === 'string') name = spec['serviceAccount']
      if (!name) name = defaultServiceAccountName
      spec['serviceAccountName'] = name
      spec['serviceAccount'] = name
      let sa: KubeObject
      try {
        sa = await serviceAccounts().get({ namespace: attrs.namespace }, name)
      } catch (err) {
        if (!(isStatusError(err) && err.code === 404)) throw err
        throw errors.forbidden(
          { group: '', resource: 'pods' },
          attrs.name,
          `error looking up service account ${attrs.namespace}/${name}: serviceaccount "${name}" not found`,
        )
      }
      if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec)
      const pullSecrets = spec['imagePullSecrets']
      if ((!Array.isArray(pullSecrets) || pullSecrets.length === 0) && Array.isArray(sa['imagePullSecrets']) && sa['imagePullSecrets'].length > 0) {
        spec['imagePullSecrets'] = (sa['imagePullSecrets'] as unknown[]).filter(isObj).map((s) => ({ name: s['name'] }))
      }
    },
  }
}
