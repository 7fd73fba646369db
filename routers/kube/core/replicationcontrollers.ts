/**
 * @module routers/kube/core/replicationcontrollers
 * core/v1 ReplicationController (pkg/registry/core/replicationcontroller, SetDefaults_
 * ReplicationController, ValidateReplicationController): one replica and a selector taken from
 * the template's labels by default, a template the selector selects, status only through /status,
 * /scale over spec.replicas, generation bumped by spec changes.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { validatePodTemplateSpec } from '../apps/pod-template.js'
import { ageColumn, containersColumn, imagesColumn, keepSpec, keepStatus, nonNegative, semanticEqual, validateStatusCounters } from '../apps/workload.js'
import { formatLabels } from './helpers.js'
import { applyWorkloadTemplateDefaults } from './pod-defaults.js'
import { specOf } from '../json.js'
import { int, isObj, mapOf } from '../json.js'


/** SetDefaults_ReplicationController: the selector (and labels) come from the template's labels. */
export function applyReplicationControllerDefaults(obj: KubeObject): void {
  if (obj['spec'] === undefined || obj['spec'] === null) obj['spec'] = {}
  const spec = obj['spec']
  if (!isObj(spec)) return
  const templateLabels = mapOf(mapOf(spec, 'template'), 'metadata')['labels']
  if (isObj(templateLabels) && Object.keys(templateLabels).length > 0) {
    if (!isObj(spec['selector']) || Object.keys(spec['selector']).length === 0) spec['selector'] = { ...templateLabels }
    if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0) obj.metadata.labels = { ...(templateLabels as Record<string, string>) }
  }
  if (spec['replicas'] === undefined || spec['replicas'] === null) spec['replicas'] = 1
  applyWorkloadTemplateDefaults(obj)
}

/** ValidateReplicationControllerSpec with its template checks. */
function validateRCSpec(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs = [...nonNegative(spec['replicas'], 'spec.replicas'), ...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds')]
  const selector = mapOf(spec, 'selector')
  if (Object.keys(selector).length === 0) errs.push(field.required('spec.selector'))
  const template = spec['template']
  if (!isObj(template)) {
    errs.push(field.required('spec.template'))
    return errs
  }
  const labels = mapOf(mapOf(template, 'metadata'), 'labels')
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    errs.push(field.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'))
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'))
  const restartPolicy = mapOf(template, 'spec')['restartPolicy']
  if (restartPolicy !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']))
  return errs
}

function validateRCStatus(obj: KubeObject): FieldError[] {
  const notAbove = 'cannot be greater than status.replicas'
  return validateStatusCounters(
    mapOf(obj, 'status'),
    ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
    [
      ['fullyLabeledReplicas', 'replicas', notAbove],
      ['readyReplicas', 'replicas', notAbove],
      ['availableReplicas', 'replicas', notAbove],
      ['availableReplicas', 'readyReplicas', 'cannot be greater than readyReplicas'],
    ],
  )
}

export const replicationcontrollers: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  kind: 'ReplicationController',
  listKind: 'ReplicationControllerList',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  subresources: ['scale', 'status'],
  // A map selector: the Scale status.selector renders it the same way as a LabelSelector's matchLabels.
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  schema: { model: 'V1ReplicationController' },
  tableColumns: [
    { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired replicas.', cell: (o) => int(specOf(o)['replicas']) },
    { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas.', cell: (o) => int(mapOf(o, 'status')['replicas']) },
    { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replication controller.', cell: (o) => int(mapOf(o, 'status')['readyReplicas']) },
    ageColumn,
    containersColumn,
    imagesColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'Selector is a label query over pods that should match the Replicas count.', cell: (o) => formatLabels(specOf(o)['selector']) },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    applyDefaults: applyReplicationControllerDefaults,
    validate: (_ctx, obj) => validateRCSpec(obj),
    canonicalize(obj) {
      // ReplicationControllerStatus.replicas has no omitempty.
      const status = obj['status']
      if (isObj(status) && status['replicas'] === undefined) status['replicas'] = 0
    },
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj) => [...validateRCSpec(obj), ...validateRCStatus(obj)],
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}
