/**
 * @module routers/kube/policy/poddisruptionbudgets
 * policy/v1 PodDisruptionBudget (pkg/registry/policy/poddisruptionbudget, ValidatePodDisruptionBudget):
 * minAvailable and maxUnavailable exclusive, each a non-negative int or a percentage up to 100%,
 * a valid selector, the eviction policy; status counters start at zero and change only via /status.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { LabelSelectorObject } from '../../../lib/api/labels.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { validateLabelSelector } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn, keepSpec, keepStatus, notMoreThan100Percent, semanticEqual, validatePositiveIntOrPercent } from '../apps/workload.js'
import { isObj, specOf, statusOf } from '../json.js'

const evictionPolicies = ['AlwaysAllow', 'IfHealthyBudget']

function present(v: unknown): boolean {
  return v !== undefined && v !== null
}

/** ValidatePodDisruptionBudgetSpec */
function validatePdb(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs: FieldError[] = []
  if (present(spec['minAvailable']) && present(spec['maxUnavailable'])) {
    errs.push(field.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'))
  }
  for (const key of ['minAvailable', 'maxUnavailable']) {
    if (!present(spec[key])) continue
    errs.push(...validatePositiveIntOrPercent(spec[key], `spec.${key}`), ...notMoreThan100Percent(spec[key], `spec.${key}`))
  }
  if (isObj(spec['selector'])) {
    errs.push(...validateLabelSelector(spec['selector'] as LabelSelectorObject, { allowInvalidLabelValueInSelector: false }, 'spec.selector'))
  }
  const policy = spec['unhealthyPodEvictionPolicy']
  if (typeof policy === 'string' && !evictionPolicies.includes(policy)) errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', policy, evictionPolicies))
  return errs
}

function intOrStringCell(v: unknown): string {
  return present(v) ? String(v) : 'N/A'
}

export const poddisruptionbudgets: ResourceDefinition = {
  group: 'policy',
  version: 'v1',
  resource: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  kind: 'PodDisruptionBudget',
  listKind: 'PodDisruptionBudgetList',
  namespaced: true,
  shortNames: ['pdb'],
  subresources: ['status'],
  schema: { model: 'V1PodDisruptionBudget' },
  tableColumns: [
    { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available simultaneously. This can be either an integer or a string specifying a percentage, e.g. "28%".', cell: (o) => intOrStringCell(specOf(o)['minAvailable']) },
    { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable simultaneously. This can be either an integer or a string specifying a percentage, e.g. "28%".', cell: (o) => intOrStringCell(specOf(o)['maxUnavailable']) },
    { name: 'Allowed Disruptions', type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.', cell: (o) => (typeof statusOf(o)['disruptionsAllowed'] === 'number' ? statusOf(o)['disruptionsAllowed'] : 0) },
    ageColumn,
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      // The four counters have no omitempty in policy/v1.
      obj['status'] = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }
    },
    validate: (_ctx, obj) => validatePdb(obj),
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj) => validatePdb(obj),
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}
