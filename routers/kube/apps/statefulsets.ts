/**
 * @module routers/kube/apps/statefulsets
 * apps/v1 StatefulSet (pkg/registry/apps/statefulset, SetDefaults_StatefulSet,
 * ValidateStatefulSet): OrderedReady pods, rolling updates from partition 0, PVCs retained, typed
 * volume claim templates; only replicas, ordinals, template, updateStrategy, the PVC retention
 * policy and minReadySeconds may change; status only through /status; /scale over spec.replicas.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import { validateAnnotations, validateLabels } from '../../../lib/api/validation.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { applyPersistentVolumeClaimDefaults, applyWorkloadTemplateDefaults, canonicalizeClaimSpecQuantities, decodedKind } from '../core/pod-defaults.js'
import {
  ageColumn,
  alwaysRestartingTemplate,
  collisionCountDecremented,
  containersColumn,
  goIntOrString,
  imagesColumn,
  intOrPercentValue,
  invalidGo,
  keepSpec,
  keepStatus,
  nonNegative,
  notMoreThan100Percent,
  selectorMatchesTemplate,
  selectorMismatch,
  semanticEqual,
  validatePositiveIntOrPercent,
  validateRequiredSelector,
  validateStatusCounters,
} from './workload.js'
import { defaultPointer, defaultString, ensureObj, ensureSpec, int, isObj, objOf, specOf, statusOf, str } from '../json.js'

/** SetObjectDefaults_StatefulSet, volume claim templates included. */
export function applyStatefulSetDefaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  defaultString(spec, 'podManagementPolicy', 'OrderedReady')
  const updateStrategy = ensureObj(spec, 'updateStrategy')
  if (updateStrategy) {
    if (!updateStrategy['type']) {
      updateStrategy['type'] = 'RollingUpdate'
      defaultPointer(updateStrategy, 'rollingUpdate', {})
    }
    // Only a rollingUpdate that exists gets its partition: an explicit RollingUpdate may have none.
    const rollingUpdate = updateStrategy['rollingUpdate']
    if (updateStrategy['type'] === 'RollingUpdate' && isObj(rollingUpdate)) defaultPointer(rollingUpdate, 'partition', 0)
  }
  // StatefulSetAutoDeletePVC is on (beta since 1.27).
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy')
  if (retention) {
    defaultString(retention, 'whenDeleted', 'Retain')
    defaultString(retention, 'whenScaled', 'Retain')
  }
  defaultPointer(spec, 'replicas', 1)
  defaultPointer(spec, 'revisionHistoryLimit', 10)
  // serviceName has no omitempty in 1.32: Go writes "" for a StatefulSet without one.
  defaultPointer(spec, 'serviceName', '')
  applyWorkloadTemplateDefaults(obj)
  const claims = spec['volumeClaimTemplates']
  if (Array.isArray(claims)) {
    spec['volumeClaimTemplates'] = claims.map((claim: unknown) => {
      if (!isObj(claim)) return claim
      // The v1 conversion types every claim template (issue 87583); the claim's ObjectMeta is a
      // struct, so its zero creationTimestamp is written as null.
      const { apiVersion: _apiVersion, kind: _kind, ...rest } = claim
      const ordered: Record<string, unknown> = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...rest }
      const metadata = ensureObj(ordered, 'metadata')
      if (metadata && !('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null
      canonicalizeClaimSpecQuantities(isObj(ordered['spec']) ? ordered['spec'] : undefined, decodedKind(obj, 'StatefulSet'))
      applyPersistentVolumeClaimDefaults(ordered)
      return ordered
    })
  }
}

const podManagementPolicies = ['OrderedReady', 'Parallel']
const retentionPolicyTypes = ['Retain', 'Delete']

function validateUpdateStrategy(spec: Record<string, unknown>): FieldError[] {
  const strategy = objOf(spec['updateStrategy'])
  const rollingUpdate = strategy['rollingUpdate']
  const hasRollingUpdate = rollingUpdate !== undefined && rollingUpdate !== null
  switch (str(strategy['type'])) {
    case '':
      return [field.required('spec.updateStrategy')]
    case 'OnDelete':
      return hasRollingUpdate ? [field.invalid('spec.updateStrategy.rollingUpdate', rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")] : []
    case 'RollingUpdate': {
      if (!hasRollingUpdate) return []
      // validateRollingUpdateStatefulSet
      const ru = objOf(rollingUpdate)
      const path = 'spec.updateStrategy.rollingUpdate'
      const errs = nonNegative(ru['partition'], `${path}.partition`)
      const maxUnavailable = ru['maxUnavailable']
      if (maxUnavailable !== undefined && maxUnavailable !== null) {
        errs.push(...validatePositiveIntOrPercent(maxUnavailable, `${path}.maxUnavailable`))
        if (intOrPercentValue(maxUnavailable) === 0) errs.push(invalidGo(`${path}.maxUnavailable`, maxUnavailable, goIntOrString(maxUnavailable), 'cannot be 0'))
        errs.push(...notMoreThan100Percent(maxUnavailable, `${path}.maxUnavailable`))
      }
      return errs
    }
    default:
      return [field.invalid('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'")]
  }
}

/** ValidateStatefulSetSpec: the template's pod spec itself is not validated (kube's TODO). */
function validateStatefulSetSpec(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs: FieldError[] = []
  const policy = str(spec['podManagementPolicy'])
  if (!policy) errs.push(field.required('spec.podManagementPolicy'))
  else if (!podManagementPolicies.includes(policy)) errs.push(field.invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"))
  errs.push(...validateUpdateStrategy(spec))
  const retention = spec['persistentVolumeClaimRetentionPolicy']
  if (isObj(retention)) {
    for (const key of ['whenDeleted', 'whenScaled']) {
      const v = str(retention[key])
      if (!retentionPolicyTypes.includes(v)) errs.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, v, retentionPolicyTypes))
    }
  }
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'))
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'))
  const ordinals = spec['ordinals']
  if (isObj(ordinals)) errs.push(...nonNegative(ordinals['start'], 'spec.ordinals.start'))
  const selector = validateRequiredSelector(spec, 'statefulset', '')
  errs.push(...selector.errs)
  if (selector.selector) {
    // ValidatePodTemplateSpecForStatefulSet
    if (!selector.selector.empty && !selectorMatchesTemplate(selector.selector, spec)) errs.push(selectorMismatch(spec))
    const meta = objOf(objOf(spec['template'])['metadata'])
    errs.push(...validateLabels(isObj(meta['labels']) ? (meta['labels'] as Record<string, string>) : undefined, 'spec.template.labels'))
    errs.push(...validateAnnotations(isObj(meta['annotations']) ? (meta['annotations'] as Record<string, string>) : undefined, 'spec.template.annotations'))
  }
  errs.push(...alwaysRestartingTemplate(spec, 'StatefulSet'))
  return errs
}

/** The spec fields an update may change (ValidateStatefulSetUpdate). */
const mutableSpecFields = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy']

function validateStatefulSetUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStatefulSetSpec(obj)
  const rest = (o: KubeObject) => Object.fromEntries(Object.entries(specOf(o)).filter(([k]) => !mutableSpecFields.includes(k)))
  if (!semanticEqual(rest(obj), rest(old))) {
    errs.push(
      field.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    )
  }
  return errs
}

const notAboveReplicas = 'cannot be greater than status.replicas'

/** ValidateStatefulSetStatus */
function validateStatefulSetStatus(obj: KubeObject): FieldError[] {
  return validateStatusCounters(
    statusOf(obj),
    ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'],
    [
      ['readyReplicas', 'replicas', notAboveReplicas],
      ['currentReplicas', 'replicas', notAboveReplicas],
      ['updatedReplicas', 'replicas', notAboveReplicas],
      ['availableReplicas', 'replicas', notAboveReplicas],
      ['availableReplicas', 'readyReplicas', 'cannot be greater than status.readyReplicas'],
    ],
  )
}

export const statefulsets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  resource: 'statefulsets',
  singular: 'statefulset',
  kind: 'StatefulSet',
  listKind: 'StatefulSetList',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  subresources: ['scale', 'status'],
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  schema: { model: 'V1StatefulSet' },
  tableColumns: [
    {
      name: 'Ready',
      type: 'string',
      description: 'Number of the pod with ready state',
      cell: (o) => `${int(statusOf(o)['readyReplicas'])}/${int(specOf(o)['replicas'])}`,
    },
    ageColumn,
    containersColumn,
    imagesColumn,
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    applyDefaults: applyStatefulSetDefaults,
    validate: (_ctx, obj) => validateStatefulSetSpec(obj),
    // StatefulSetStatus.replicas and availableReplicas have no omitempty.
    canonicalize(obj) {
      const status = ensureObj(obj, 'status')
      if (!status) return
      defaultPointer(status, 'replicas', 0)
      defaultPointer(status, 'availableReplicas', 0)
    },
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj, old) => [...validateStatefulSetUpdate(obj, old), ...validateStatefulSetStatus(obj), ...collisionCountDecremented(obj, old)],
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}
