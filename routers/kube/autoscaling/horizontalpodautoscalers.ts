/**
 * @module routers/kube/autoscaling/horizontalpodautoscalers
 * autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler (pkg/registry/autoscaling/
 * horizontalpodautoscaler, SetDefaults_HorizontalPodAutoscaler, ValidateHorizontalPodAutoscaler).
 * Both versions share one storage in v2 (the storage version); v1 converts on the way in and out
 * (hpa-conversion.ts), so an HPA made through either version is read through both.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition, TableColumn } from '../../../lib/registry/resource.js'
import { ageColumn, keepSpec, keepStatus, semanticEqual } from '../apps/workload.js'
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-conversion.js'
import { defaultPointer, ensureObj, ensureSpec, isObj, objOf, specOf, statusOf, str } from '../json.js'
import type { Obj } from '../json.js'

/** SetDefaults_HorizontalPodAutoscalerBehavior's rules, used for whatever the user left out. */
const defaultScaleUp: Obj = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] }
const defaultScaleDown: Obj = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }

function defaultRules(rules: Obj, defaults: Obj): void {
  for (const [k, v] of Object.entries(defaults)) defaultPointer(rules, k, structuredClone(v))
}

/** v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, 80% CPU when there are no metrics, behavior rules. */
function applyV2Defaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  defaultPointer(spec, 'minReplicas', 1)
  if (!Array.isArray(spec['metrics']) || spec['metrics'].length === 0) {
    spec['metrics'] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]
  }
  // Behavior is defaulted only when given: a nil behavior means the controller's built-in one.
  const behavior = spec['behavior']
  if (isObj(behavior)) {
    const up = ensureObj(behavior, 'scaleUp')
    if (up) defaultRules(up, defaultScaleUp)
    const down = ensureObj(behavior, 'scaleDown')
    if (down) defaultRules(down, defaultScaleDown)
  }
}

/** v1 SetDefaults_HorizontalPodAutoscaler: minReplicas only (the 80% CPU is the controller's). */
function applyV1Defaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (spec) defaultPointer(spec, 'minReplicas', 1)
}

/** validateHorizontalPodAutoscalerSpec's replica and target-reference checks. */
function validateSpec(obj: KubeObject, version: 'v1' | 'v2'): FieldError[] {
  const spec = specOf(obj)
  const errs: FieldError[] = []
  const min = spec['minReplicas']
  const max = typeof spec['maxReplicas'] === 'number' ? spec['maxReplicas'] : 0
  if (typeof min === 'number' && min < 1) errs.push(field.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'))
  if (max < 1) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to 1'))
  if (typeof min === 'number' && max < min) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'))
  const ref = objOf(spec['scaleTargetRef'])
  if (!str(ref['kind'])) errs.push(field.required('spec.scaleTargetRef.kind'))
  if (!str(ref['name'])) errs.push(field.required('spec.scaleTargetRef.name'))
  if (version === 'v1') {
    const target = spec['targetCPUUtilizationPercentage']
    if (typeof target === 'number' && target < 1) errs.push(field.invalid('spec.targetCPUUtilizationPercentage', target, 'must be greater than or equal to 1'))
  } else if (Array.isArray(spec['metrics'])) {
    const types = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']
    spec['metrics'].forEach((m, i) => {
      const type = str(objOf(m)['type'])
      if (!type) errs.push(field.required(`spec.metrics[${i}].type`, 'must specify a metric source type'))
      else if (!types.includes(type)) errs.push(field.notSupported(`spec.metrics[${i}].type`, type, types))
    })
  }
  return errs
}

/** printHorizontalPodAutoscaler's Reference cell: Kind/Name. */
const referenceColumn: TableColumn = {
  name: 'Reference',
  type: 'string',
  description: 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
  cell: (o) => `${str(objOf(specOf(o)['scaleTargetRef'])['kind'])}/${str(objOf(specOf(o)['scaleTargetRef'])['name'])}`,
}

/** formatHPAMetrics, for the Resource and ContainerResource utilization targets most HPAs use. */
function formatV2Targets(o: KubeObject): string {
  const metrics = Array.isArray(specOf(o)['metrics']) ? (specOf(o)['metrics'] as unknown[]).filter(isObj) : []
  if (metrics.length === 0) return '<none>'
  const current = Array.isArray(statusOf(o)['currentMetrics']) ? (statusOf(o)['currentMetrics'] as unknown[]).filter(isObj) : []
  const list: string[] = []
  metrics.forEach((m, i) => {
    const type = str(m['type'])
    const key = type === 'Resource' ? 'resource' : type === 'ContainerResource' ? 'containerResource' : type === 'Pods' ? 'pods' : type === 'Object' ? 'object' : 'external'
    const source = objOf(m[key])
    const target = objOf(source['target'])
    const cur = objOf(objOf(current[i])[key])['current']
    const name = str(source['name']) || str(objOf(source['metric'])['name'])
    if (typeof target['averageUtilization'] === 'number') {
      const c = typeof objOf(cur)['averageUtilization'] === 'number' ? `${objOf(cur)['averageUtilization'] as number}%` : '<unknown>'
      list.push(`${name}: ${c}/${target['averageUtilization']}%`)
    } else {
      const t = target['averageValue'] ?? target['value']
      const c = objOf(cur)['averageValue'] ?? objOf(cur)['value']
      list.push(`${name}: ${c === undefined ? '<unknown>' : String(c)}/${t === undefined ? '<unset>' : String(t)}`)
    }
  })
  return list.length > 3 ? `${list.slice(0, 3).join(', ')} + ${list.length - 3} more...` : list.join(', ')
}

function formatV1Targets(o: KubeObject): string {
  const target = specOf(o)['targetCPUUtilizationPercentage']
  const current = statusOf(o)['currentCPUUtilizationPercentage']
  if (typeof target !== 'number') return '<none>'
  return `cpu: ${typeof current === 'number' ? `${current}%` : '<unknown>'}/${target}%`
}

function columns(targets: (o: KubeObject) => string): TableColumn[] {
  return [
    referenceColumn,
    { name: 'Targets', type: 'string', description: 'metrics contains the specifications for which to use to calculate the desired replica count.', cell: targets },
    {
      name: 'MinPods',
      type: 'string',
      description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.',
      cell: (o) => (typeof specOf(o)['minReplicas'] === 'number' ? String(specOf(o)['minReplicas']) : '<unset>'),
    },
    { name: 'MaxPods', type: 'string', description: 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.', cell: (o) => String(specOf(o)['maxReplicas'] ?? 0) },
    { name: 'Replicas', type: 'string', description: 'currentReplicas is current number of replicas of pods managed by this autoscaler.', cell: (o) => String(statusOf(o)['currentReplicas'] ?? 0) },
    ageColumn,
  ]
}

function strategy(version: 'v1' | 'v2'): ResourceDefinition['strategy'] {
  return {
    prepareForCreate(_ctx, obj) {
      // Status counters without omitempty: v2 has desiredReplicas, v1 both.
      obj['status'] = version === 'v1' ? { currentReplicas: 0, desiredReplicas: 0 } : { desiredReplicas: 0 }
    },
    applyDefaults: version === 'v1' ? applyV1Defaults : applyV2Defaults,
    validate: (_ctx, obj) => validateSpec(obj, version),
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj) => validateSpec(obj, version),
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  }
}

const common = {
  group: 'autoscaling',
  resource: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  kind: 'HorizontalPodAutoscaler',
  listKind: 'HorizontalPodAutoscalerList',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  subresources: ['status'],
} as const

export const horizontalpodautoscalersV2: ResourceDefinition = {
  ...common,
  shortNames: [...common.shortNames],
  categories: [...common.categories],
  subresources: [...common.subresources],
  version: 'v2',
  schema: { model: 'V2HorizontalPodAutoscaler' },
  // kube's etcd key for both versions; v2 is the storage version.
  storagePrefix: '/registry/horizontalpodautoscalers',
  tableColumns: columns(formatV2Targets),
  strategy: strategy('v2'),
}

export const horizontalpodautoscalersV1: ResourceDefinition = {
  ...common,
  shortNames: [...common.shortNames],
  categories: [...common.categories],
  subresources: [...common.subresources],
  version: 'v1',
  schema: { model: 'V1HorizontalPodAutoscaler' },
  // v2's keys: v1 is served from the v2 objects through conversion.
  storagePrefix: '/registry/horizontalpodautoscalers',
  convert: { toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 },
  tableColumns: columns(formatV1Targets),
  strategy: strategy('v1'),
}
