/**
 * @module routers/kube/apps/daemonsets
 * apps/v1 DaemonSet (pkg/registry/apps/daemonset, SetDefaults_DaemonSet, ValidateDaemonSet):
 * rolling updates one node at a time, a selector that selects the template and never changes,
 * the template generation kept in the deprecated.daemonset.template.generation annotation,
 * generation bumped by spec changes, status only through /status.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { LabelSelectorObject } from '../../../lib/api/labels.js'
import { validateLabelSelector } from '../../../lib/api/validation.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { applyWorkloadTemplateDefaults } from '../core/pod-defaults.js'
import {
  ageColumn,
  collisionCountDecremented,
  containersColumn,
  formatLabelSelector,
  formatLabels,
  goIntOrString,
  goLabelSelector,
  imagesColumn,
  immutableSelector,
  intOrPercentValue,
  invalidGo,
  keepSpec,
  keepStatus,
  nonNegative,
  notMoreThan100Percent,
  selectorIsEmpty,
  selectorMatchesTemplate,
  selectorMismatch,
  selectorOf,
  semanticEqual,
  validateDaemonTemplate,
  validatePositiveIntOrPercent,
  validateStatusCounters,
} from './workload.js'
import { defaultPointer, defaultString, ensureObj, ensureSpec, int, objOf, specOf, statusOf } from '../json.js'

/**
 * apps/v1 has no spec.templateGeneration: the v1 conversion keeps the internal field in this
 * annotation, which every DaemonSet therefore carries.
 */
export const templateGenerationAnnotation = 'deprecated.daemonset.template.generation'

/** SetObjectDefaults_DaemonSet */
export function applyDaemonSetDefaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  const updateStrategy = ensureObj(spec, 'updateStrategy')
  if (updateStrategy) {
    defaultString(updateStrategy, 'type', 'RollingUpdate')
    if (updateStrategy['type'] === 'RollingUpdate') {
      const rollingUpdate = ensureObj(updateStrategy, 'rollingUpdate')
      if (rollingUpdate) {
        defaultPointer(rollingUpdate, 'maxUnavailable', 1)
        defaultPointer(rollingUpdate, 'maxSurge', 0)
      }
    }
  }
  defaultPointer(spec, 'revisionHistoryLimit', 10)
  applyWorkloadTemplateDefaults(obj)
}

function templateGeneration(obj: KubeObject): number {
  const v = Number(obj.metadata.annotations?.[templateGenerationAnnotation])
  return Number.isInteger(v) ? v : 0
}

function setTemplateGeneration(obj: KubeObject, generation: number): void {
  obj.metadata.annotations = { ...obj.metadata.annotations, [templateGenerationAnnotation]: String(generation) }
}

/** ValidateDaemonSetUpdateStrategy and ValidateRollingUpdateDaemonSet. */
function validateUpdateStrategy(strategyIn: unknown): FieldError[] {
  const strategy = objOf(strategyIn)
  const path = 'spec.updateStrategy'
  switch (strategy['type']) {
    case 'OnDelete':
      return []
    case 'RollingUpdate': {
      const rollingUpdate = strategy['rollingUpdate']
      if (rollingUpdate === undefined || rollingUpdate === null) return [field.required(`${path}.rollingUpdate`)]
      const ru = objOf(rollingUpdate)
      const unavailable = ru['maxUnavailable']
      const surge = ru['maxSurge']
      const errs = [
        ...validatePositiveIntOrPercent(unavailable, `${path}.rollingUpdate.maxUnavailable`),
        ...validatePositiveIntOrPercent(surge, `${path}.rollingUpdate.maxSurge`),
        ...notMoreThan100Percent(unavailable, `${path}.rollingUpdate.maxUnavailable`),
        ...notMoreThan100Percent(surge, `${path}.rollingUpdate.maxSurge`),
      ]
      const hasUnavailable = intOrPercentValue(unavailable) !== 0
      const hasSurge = intOrPercentValue(surge) !== 0
      if (hasUnavailable && hasSurge) {
        errs.push(invalidGo(`${path}.rollingUpdate.maxSurge`, surge, goIntOrString(surge), 'may not be set when maxUnavailable is non-zero'))
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(field.required(`${path}.rollingUpdate.maxUnavailable`, 'cannot be 0 when maxSurge is 0'))
      }
      return errs
    }
    default:
      return [field.notSupported(path, strategy, ['RollingUpdate', 'OnDelete'])]
  }
}

/** ValidateDaemonSetSpec: a nil selector only shows as a template mismatch, as in kube. */
function validateDaemonSetSpec(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const sel = spec['selector']
  const errs = validateLabelSelector(sel === null || sel === undefined ? undefined : (objOf(sel) as LabelSelectorObject), {}, 'spec.selector')
  const selector = selectorOf(sel)
  if (selector && !selectorMatchesTemplate(selector, spec)) errs.push(selectorMismatch(spec))
  if (sel !== undefined && sel !== null && selectorIsEmpty(sel)) errs.push(invalidGo('spec.selector', sel, goLabelSelector(sel), 'empty selector is invalid for daemonset'))
  errs.push(...validateDaemonTemplate(spec))
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'))
  errs.push(...validateUpdateStrategy(spec['updateStrategy']))
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'))
  return errs
}

/** validateDaemonSetStatus */
function validateDaemonSetStatus(obj: KubeObject): FieldError[] {
  return validateStatusCounters(
    statusOf(obj),
    [
      'currentNumberScheduled',
      'numberMisscheduled',
      'desiredNumberScheduled',
      'numberReady',
      'observedGeneration',
      'updatedNumberScheduled',
      'numberAvailable',
      'numberUnavailable',
      'collisionCount',
    ],
    [],
  )
}

/** The DaemonSetStatus counters without omitempty. */
const alwaysWrittenStatus = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']

export const daemonsets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  resource: 'daemonsets',
  singular: 'daemonset',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  subresources: ['status'],
  schema: { model: 'V1DaemonSet' },
  tableColumns: [
    {
      name: 'Desired',
      type: 'integer',
      description:
        'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
      cell: (o) => int(statusOf(o)['desiredNumberScheduled']),
    },
    {
      name: 'Current',
      type: 'integer',
      description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
      cell: (o) => int(statusOf(o)['currentNumberScheduled']),
    },
    {
      name: 'Ready',
      type: 'integer',
      description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      cell: (o) => int(statusOf(o)['numberReady']),
    },
    {
      name: 'Up-to-date',
      type: 'integer',
      description: 'The total number of nodes that are running updated daemon pod',
      cell: (o) => int(statusOf(o)['updatedNumberScheduled']),
    },
    {
      name: 'Available',
      type: 'integer',
      description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
      cell: (o) => int(statusOf(o)['numberAvailable']),
    },
    {
      name: 'Node Selector',
      type: 'string',
      description:
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
      cell: (o) => formatLabels(objOf(objOf(specOf(o)['template'])['spec'])['nodeSelector']),
    },
    ageColumn,
    containersColumn,
    imagesColumn,
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description:
        'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
      cell: (o) => formatLabelSelector(specOf(o)['selector']),
    },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
      setTemplateGeneration(obj, 1)
    },
    applyDefaults: applyDaemonSetDefaults,
    validate: (_ctx, obj) => validateDaemonSetSpec(obj),
    canonicalize(obj) {
      const status = ensureObj(obj, 'status')
      if (status) for (const f of alwaysWrittenStatus) defaultPointer(status, f, 0)
    },
    prepareForUpdate(_ctx, obj, old) {
      keepStatus(obj, old)
      // Compared defaulted, as kube compares decoded (and so defaulted) templates.
      applyDaemonSetDefaults(obj)
      const changed = !semanticEqual(objOf(obj['spec'])['template'], objOf(old['spec'])['template'])
      setTemplateGeneration(obj, templateGeneration(old) + (changed ? 1 : 0))
    },
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub !== 'status') return
      keepSpec(obj, old)
      setTemplateGeneration(obj, templateGeneration(old))
    },
    validateUpdate: (_ctx, obj, old) => [...validateDaemonSetSpec(obj), ...immutableSelector(obj, old), ...validateDaemonSetStatus(obj), ...collisionCountDecremented(obj, old)],
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}
