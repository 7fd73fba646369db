/**
 * @module routers/kube/apps/replicasets
 * apps/v1 ReplicaSet (pkg/registry/apps/replicaset, SetDefaults_ReplicaSet, ValidateReplicaSet):
 * one replica by default, a required selector that selects the template and never changes,
 * generation bumped by spec changes, status only through /status, /scale over spec.replicas,
 * and the status.replicas field selector.
 */
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { applyWorkloadTemplateDefaults } from '../core/pod-defaults.js'
import {
  ageColumn,
  containersColumn,
  formatLabelSelector,
  imagesColumn,
  immutableSelector,
  keepSpec,
  keepStatus,
  nonNegative,
  semanticEqual,
  validateRequiredSelector,
  validateStatusCounters,
  validateTemplateForReplicaSet,
} from './workload.js'
import { defaultPointer, ensureObj, ensureSpec, int, specOf, statusOf } from '../json.js'

/** SetObjectDefaults_ReplicaSet */
export function applyReplicaSetDefaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  defaultPointer(spec, 'replicas', 1)
  applyWorkloadTemplateDefaults(obj)
}

/** ValidateReplicaSetSpec (its empty-selector message does say "deployment"). */
function validateReplicaSetSpec(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs = [...nonNegative(spec['replicas'], 'spec.replicas'), ...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds')]
  const selector = validateRequiredSelector(spec, 'deployment', 'invalid label selector')
  errs.push(...selector.errs)
  if (selector.selector) errs.push(...validateTemplateForReplicaSet(spec, selector.selector, 'ReplicaSet'))
  return errs
}

const notAboveReplicas = 'cannot be greater than status.replicas'

/** ValidateReplicaSetStatus */
function validateReplicaSetStatus(obj: KubeObject): FieldError[] {
  return validateStatusCounters(
    statusOf(obj),
    ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
    [
      ['fullyLabeledReplicas', 'replicas', notAboveReplicas],
      ['readyReplicas', 'replicas', notAboveReplicas],
      ['availableReplicas', 'replicas', notAboveReplicas],
      ['availableReplicas', 'readyReplicas', 'cannot be greater than readyReplicas'],
    ],
  )
}

export const replicasets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  resource: 'replicasets',
  singular: 'replicaset',
  kind: 'ReplicaSet',
  listKind: 'ReplicaSetList',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  subresources: ['scale', 'status'],
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  schema: { model: 'V1ReplicaSet' },
  selectableFields: { 'status.replicas': (o) => String(int(statusOf(o)['replicas'])) },
  tableColumns: [
    {
      name: 'Desired',
      type: 'integer',
      description:
        'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
      cell: (o) => int(specOf(o)['replicas']),
    },
    {
      name: 'Current',
      type: 'integer',
      description: 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
      cell: (o) => int(statusOf(o)['replicas']),
    },
    {
      name: 'Ready',
      type: 'integer',
      description: 'The number of ready replicas for this replica set.',
      cell: (o) => int(statusOf(o)['readyReplicas']),
    },
    ageColumn,
    containersColumn,
    imagesColumn,
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description:
        'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
      cell: (o) => formatLabelSelector(specOf(o)['selector']),
    },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    applyDefaults: applyReplicaSetDefaults,
    validate: (_ctx, obj) => validateReplicaSetSpec(obj),
    // ReplicaSetStatus.replicas has no omitempty: Go always writes it.
    canonicalize(obj) {
      const status = ensureObj(obj, 'status')
      if (status) defaultPointer(status, 'replicas', 0)
    },
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj, old) => [...validateReplicaSetSpec(obj), ...immutableSelector(obj, old), ...validateReplicaSetStatus(obj)],
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}
