/**
 * @module routers/kube/apps/deployments
 * apps/v1 Deployment (pkg/registry/apps/deployment, SetDefaults_Deployment, ValidateDeployment):
 * rolling-update defaults and the pod template's, the selector that must select the template and
 * never changes, generation bumped by spec or annotation changes, status written only through
 * /status (which in turn keeps spec and labels), and /scale over spec.replicas.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { applyWorkloadTemplateDefaults } from '../core/pod-defaults.js'
import {
  ageColumn,
  collisionCountDecremented,
  containersColumn,
  goIntOrString,
  imagesColumn,
  immutableSelector,
  intOrPercentValue,
  invalidGo,
  keepSpec,
  keepStatus,
  nonNegative,
  notMoreThan100Percent,
  selectorOf,
  semanticEqual,
  validatePositiveIntOrPercent,
  validateRequiredSelector,
  validateStatusCounters,
  validateTemplateForReplicaSet,
} from './workload.js'
import { defaultPointer, defaultString, ensureObj, ensureSpec, int, objOf, specOf, statusOf } from '../json.js'

/** SetObjectDefaults_Deployment: SetDefaults_Deployment, then the pod template's defaults. */
export function applyDeploymentDefaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  defaultPointer(spec, 'replicas', 1)
  const strategy = ensureObj(spec, 'strategy')
  if (strategy) {
    defaultString(strategy, 'type', 'RollingUpdate')
    if (strategy['type'] === 'RollingUpdate') {
      const rollingUpdate = ensureObj(strategy, 'rollingUpdate')
      if (rollingUpdate) {
        defaultPointer(rollingUpdate, 'maxUnavailable', '25%')
        defaultPointer(rollingUpdate, 'maxSurge', '25%')
      }
    }
  }
  defaultPointer(spec, 'revisionHistoryLimit', 10)
  defaultPointer(spec, 'progressDeadlineSeconds', 600)
  applyWorkloadTemplateDefaults(obj)
}

const strategyTypes = ['Recreate', 'RollingUpdate']

/** ValidateDeploymentStrategy and ValidateRollingUpdateDeployment. */
function validateStrategy(strategyIn: unknown): FieldError[] {
  const strategy = objOf(strategyIn)
  const rollingUpdate = strategy['rollingUpdate']
  switch (strategy['type']) {
    case 'Recreate':
      return rollingUpdate === undefined || rollingUpdate === null
        ? []
        : [field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")]
    case 'RollingUpdate': {
      if (rollingUpdate === undefined || rollingUpdate === null) return [field.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')]
      const ru = objOf(rollingUpdate)
      const path = 'spec.strategy.rollingUpdate'
      const errs = [
        ...validatePositiveIntOrPercent(ru['maxUnavailable'], `${path}.maxUnavailable`),
        ...validatePositiveIntOrPercent(ru['maxSurge'], `${path}.maxSurge`),
      ]
      if (intOrPercentValue(ru['maxUnavailable']) === 0 && intOrPercentValue(ru['maxSurge']) === 0) {
        errs.push(invalidGo(`${path}.maxUnavailable`, ru['maxUnavailable'], goIntOrString(ru['maxUnavailable']), 'may not be 0 when `maxSurge` is 0'))
      }
      errs.push(...notMoreThan100Percent(ru['maxUnavailable'], `${path}.maxUnavailable`))
      return errs
    }
    default:
      return [field.notSupported('spec.strategy', strategy, strategyTypes)]
  }
}

/** ValidateDeploymentSpec */
function validateDeploymentSpec(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs = nonNegative(spec['replicas'], 'spec.replicas')
  const selector = validateRequiredSelector(spec, 'deployment', 'invalid label selector')
  errs.push(...selector.errs)
  if (selector.selector) errs.push(...validateTemplateForReplicaSet(spec, selector.selector, 'ReplicaSet'))
  errs.push(...validateStrategy(spec['strategy']))
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'))
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'))
  const deadline = spec['progressDeadlineSeconds']
  if (typeof deadline === 'number') {
    errs.push(...nonNegative(deadline, 'spec.progressDeadlineSeconds'))
    if (deadline <= int(spec['minReadySeconds'])) errs.push(field.invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'))
  }
  return errs
}

const notAboveReplicas = 'cannot be greater than status.replicas'

/** ValidateDeploymentStatus */
function validateDeploymentStatus(obj: KubeObject): FieldError[] {
  return validateStatusCounters(
    statusOf(obj),
    ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'],
    [
      ['updatedReplicas', 'replicas', notAboveReplicas],
      ['readyReplicas', 'replicas', notAboveReplicas],
      ['availableReplicas', 'replicas', notAboveReplicas],
      ['availableReplicas', 'readyReplicas', 'cannot be greater than readyReplicas'],
    ],
  )
}

/**
 * Objects being written through /status: DeploymentStatusStrategy never bumps the generation,
 * even when the write changes annotations, while the Store asks generationChanged either way.
 */
const statusWrites = new WeakSet<KubeObject>()

export const deployments: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: ['scale', 'status'],
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  schema: { model: 'V1Deployment' },
  tableColumns: [
    {
      name: 'Ready',
      type: 'string',
      description: 'Number of the pod with ready state',
      cell: (o) => `${int(statusOf(o)['readyReplicas'])}/${int(specOf(o)['replicas'])}`,
    },
    {
      name: 'Up-to-date',
      type: 'string',
      description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      cell: (o) => int(statusOf(o)['updatedReplicas']),
    },
    {
      name: 'Available',
      type: 'string',
      description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      cell: (o) => int(statusOf(o)['availableReplicas']),
    },
    ageColumn,
    containersColumn,
    imagesColumn,
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
      // printDeployment prints selector.String() as is: empty for an empty selector.
      cell: (o) => selectorOf(specOf(o)['selector'])?.toString() ?? '<invalid>',
    },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    applyDefaults: applyDeploymentDefaults,
    validate: (_ctx, obj) => validateDeploymentSpec(obj),
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub !== 'status') return
      // DeploymentStatusStrategy resets spec and metadata.labels.
      statusWrites.add(obj)
      keepSpec(obj, old)
      if (old.metadata.labels === undefined) delete obj.metadata.labels
      else obj.metadata.labels = structuredClone(old.metadata.labels)
    },
    // Spec is validated on every update (on /status it is the stored one) and status likewise.
    validateUpdate: (_ctx, obj, old) => [
      ...validateDeploymentSpec(obj),
      ...immutableSelector(obj, old),
      ...validateDeploymentStatus(obj),
      ...collisionCountDecremented(obj, old),
    ],
    // Annotations count too: the controller copies them onto the ReplicaSets.
    generationChanged: (obj, old) =>
      !statusWrites.has(obj) && (!semanticEqual(obj['spec'], old['spec']) || !semanticEqual(obj.metadata.annotations, old.metadata.annotations)),
  },
}
