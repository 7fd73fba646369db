/**
 * @module routers/kube/core/namespaces
 * core/v1 Namespace (pkg/registry/core/namespace): the "kubernetes" finalizer on create, phase
 * Active, the kubernetes.io/metadata.name label, Terminating on delete, the finalize and status
 * subresources, and the namespaces that may never be deleted.
 */
import * as errors from '../../../lib/api/errors.js'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isQualifiedName } from '../../../lib/api/validation.js'
import { ageColumn } from '../../../lib/registry/table.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'

export const namespaceFinalizer = 'kubernetes'
export const metadataNameLabel = 'kubernetes.io/metadata.name'
/** Namespaces the lifecycle admission plugin refuses to delete. */
export const immortalNamespaces: readonly string[] = ['default', 'kube-system', 'kube-public']

interface NamespaceSpec {
  finalizers?: string[]
}

function spec(obj: KubeObject): NamespaceSpec {
  const s = obj['spec']
  if (typeof s === 'object' && s !== null && !Array.isArray(s)) return s as NamespaceSpec
  const created: NamespaceSpec = {}
  obj['spec'] = created
  return created
}

function specFinalizers(obj: KubeObject): string[] {
  const s = obj['spec'] as NamespaceSpec | undefined
  return Array.isArray(s?.finalizers) ? s.finalizers : []
}

function validateFinalizers(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  specFinalizers(obj).forEach((f, i) => {
    // Standard finalizer names are qualified names; "kubernetes" is the one unqualified exception.
    if (f === namespaceFinalizer) return
    for (const msg of isQualifiedName(f)) errs.push(field.invalid(`spec.finalizers[${i}]`, f, msg))
    if (!f.includes('/')) errs.push(field.invalid(`spec.finalizers[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'))
  })
  return errs
}

export const namespaces: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['finalize', 'status'],
  schema: { model: 'V1Namespace' },
  nameValidation: 'label',
  tableColumns: [
    { name: 'Status', type: 'string', description: 'The status of the namespace', cell: (o) => (o['status'] as { phase?: string } | undefined)?.phase ?? '' },
    ageColumn,
  ],
  selectableFields: { 'status.phase': (o) => (o['status'] as { phase?: string } | undefined)?.phase },
  strategy: {
    returnDeletedObject: true,
    prepareForCreate(_ctx, obj) {
      obj['status'] = { phase: 'Active' }
      const s = spec(obj)
      const finalizers = Array.isArray(s.finalizers) ? s.finalizers : []
      if (!finalizers.includes(namespaceFinalizer)) finalizers.push(namespaceFinalizer)
      s.finalizers = finalizers
    },
    applyDefaults(obj) {
      // SetDefaults_Namespace: the immutable name label that selectors can match on.
      if (obj.metadata.name) obj.metadata.labels = { ...obj.metadata.labels, [metadataNameLabel]: obj.metadata.name }
    },
    validate: (_ctx, obj) => validateFinalizers(obj),
    prepareForUpdate(_ctx, obj, old) {
      // The main endpoint changes neither status nor the finalizers of spec.
      obj['status'] = old['status']
      spec(obj).finalizers = [...specFinalizers(old)]
    },
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'finalize') {
        const finalizers = specFinalizers(obj)
        for (const k of Object.keys(obj)) if (k !== 'spec' && k !== 'apiVersion' && k !== 'kind') obj[k] = structuredClone(old[k])
        obj['spec'] = { ...(old['spec'] as object), finalizers }
      } else if (sub === 'status') {
        const status = obj['status']
        for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'apiVersion' && k !== 'kind') obj[k] = structuredClone(old[k])
        obj['status'] = status
      }
    },
    validateUpdate: (_ctx, obj) => validateFinalizers(obj),
    beforeDelete(_ctx, obj) {
      const name = obj.metadata.name ?? ''
      if (immortalNamespaces.includes(name)) {
        throw errors.forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted')
      }
      if (obj.metadata.deletionTimestamp && specFinalizers(obj).length > 0) {
        throw errors.conflict(
          { group: '', resource: 'namespaces' },
          name,
          'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
        )
      }
    },
    finalizationPending: (obj) => specFinalizers(obj).length > 0,
    onMarkedForDeletion(obj) {
      obj['status'] = { ...(obj['status'] as object), phase: 'Terminating' }
    },
  },
}
