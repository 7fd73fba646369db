/**
 * @module routers/extensions/crds
 * apiextensions.k8s.io/v1 CustomResourceDefinition (apiextensions-apiserver
 * pkg/registry/customresourcedefinition): cluster-scoped, status only through /status, the
 * storage version recorded in status.storedVersions, generation bumped by spec changes, and
 * deletion that first marks the CRD Terminating with the customresourcecleanup finalizer so the
 * finalizing controller can delete every custom resource before the CRD goes.
 */
import type { KubeObject } from '../../lib/api/types.js'
import type { ResourceDefinition } from '../../lib/registry/resource.js'
import { applyCRDDefaults, arrOf, objOf, storageVersionOf, validateCRD } from './crd-validation.js'

export const crdGroup = 'apiextensions.k8s.io'
export const crdFinalizer = 'customresourcecleanup.apiextensions.k8s.io'

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** SetCRDCondition: replaces the condition of the same type, keeping lastTransitionTime when status is unchanged. */
export function setCondition(crd: KubeObject, condition: { type: string; status: string; reason: string; message: string }): void {
  const status = objOf(crd['status'])
  crd['status'] = status
  const conditions = arrOf(status['conditions']).map(objOf)
  const existing = conditions.find((c) => c['type'] === condition.type)
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  if (existing) {
    if (existing['status'] !== condition.status) existing['lastTransitionTime'] = now
    existing['status'] = condition.status
    existing['reason'] = condition.reason
    existing['message'] = condition.message
  } else {
    conditions.push({ type: condition.type, status: condition.status, lastTransitionTime: now, reason: condition.reason, message: condition.message })
  }
  status['conditions'] = conditions
}

function ensureStoredVersion(crd: KubeObject): void {
  const storage = storageVersionOf(crd)
  if (!storage) return
  const status = objOf(crd['status'])
  crd['status'] = status
  const stored = arrOf(status['storedVersions'])
  if (!stored.includes(storage)) status['storedVersions'] = [...stored, storage]
}

export const crdResource: ResourceDefinition = {
  group: crdGroup,
  version: 'v1',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  schema: { model: 'V1CustomResourceDefinition' },
  subresources: ['status'],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] }
      ensureStoredVersion(obj)
    },
    applyDefaults: applyCRDDefaults,
    validate: (_ctx, obj) => validateCRD(obj),
    prepareForUpdate(_ctx, obj, old) {
      obj['status'] = structuredClone(old['status'])
      ensureStoredVersion(obj)
    },
    validateUpdate: (_ctx, obj, old) => validateCRD(obj, old),
    allowUnconditionalUpdate: false,
    generationChanged: (obj, old) => !isEqual(obj['spec'], old['spec']),
    prepareForSubresourceUpdate(_subresource, _ctx, obj, old) {
      obj['spec'] = structuredClone(old['spec'])
    },
    // Delete marks the CRD first: the finalizing controller removes its custom resources.
    finalizationPending: (obj) => !obj.metadata.deletionTimestamp,
    onMarkedForDeletion(obj) {
      const finalizers = obj.metadata.finalizers ?? []
      if (!finalizers.includes(crdFinalizer)) obj.metadata.finalizers = [...finalizers, crdFinalizer]
      setCondition(obj, {
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionPending',
        message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
      })
    },
  },
}
