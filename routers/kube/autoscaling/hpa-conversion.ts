/**
 * @module routers/kube/autoscaling/hpa-conversion
 * HorizontalPodAutoscaler autoscaling/v1 <-> autoscaling/v2 (the storage version), as
 * pkg/apis/autoscaling/v1/conversion.go does it through the internal type: v1's
 * targetCPUUtilizationPercentage is v2's Resource cpu Utilization metric, and what v1 cannot say
 * (other metrics, current metrics, conditions, behavior) travels in round-trip annotations in
 * autoscaling/v1's metric shapes, which reading as v1 writes and writing as v1 consumes.
 */
import type { KubeObject } from '../../../lib/api/types.js'
import { isObj, objOf } from '../json.js'
import type { Obj } from '../json.js'

export const metricSpecsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics'
export const metricStatusesAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics'
export const conditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions'
export const behaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior'
const roundTripAnnotations = [metricSpecsAnnotation, metricStatusesAnnotation, conditionsAnnotation, behaviorAnnotation]

/** autoscaling.DefaultCPUUtilization: v1's implicit target, explicit in v2. */
const defaultCPUUtilization = 80

/** Copies the keys of `from` whose values are set (Go's nil pointers and omitempty). */
function pick(from: Obj, mapping: [string, string][]): Obj {
  const out: Obj = {}
  for (const [src, dst] of mapping) if (from[src] !== undefined && from[src] !== null) out[dst] = from[src]
  return out
}

function isCPUUtilization(m: Obj): boolean {
  const r = objOf(m['resource'])
  return m['type'] === 'Resource' && r['name'] === 'cpu' && objOf(r['target'])['averageUtilization'] !== undefined
}

function metricIdentifier(v1: Obj, nameKey: string, selectorKey: string): Obj {
  return pick(v1, [
    [nameKey, 'name'],
    [selectorKey, 'selector'],
  ])
}

// --- metric specs ------------------------------------------------------------------------------

function v2MetricToV1(m: Obj): Obj {
  const out: Obj = { type: m['type'] }
  const r = objOf(m['resource'])
  const cr = objOf(m['containerResource'])
  const pods = objOf(m['pods'])
  const object = objOf(m['object'])
  const external = objOf(m['external'])
  if (isObj(m['resource'])) {
    const t = objOf(r['target'])
    out['resource'] = { name: r['name'], ...pick(t, [['averageUtilization', 'targetAverageUtilization'], ['averageValue', 'targetAverageValue']]) }
  }
  if (isObj(m['containerResource'])) {
    const t = objOf(cr['target'])
    out['containerResource'] = { name: cr['name'], ...pick(t, [['averageUtilization', 'targetAverageUtilization'], ['averageValue', 'targetAverageValue']]), container: cr['container'] }
  }
  if (isObj(m['pods'])) {
    const id = objOf(pods['metric'])
    out['pods'] = { metricName: id['name'], ...pick(objOf(pods['target']), [['averageValue', 'targetAverageValue']]), ...pick(id, [['selector', 'selector']]) }
  }
  if (isObj(m['object'])) {
    const id = objOf(object['metric'])
    const t = objOf(object['target'])
    out['object'] = { target: object['describedObject'], metricName: id['name'], ...pick(t, [['value', 'targetValue']]), ...pick(id, [['selector', 'selector']]), ...pick(t, [['averageValue', 'averageValue']]) }
  }
  if (isObj(m['external'])) {
    const id = objOf(external['metric'])
    const t = objOf(external['target'])
    out['external'] = { metricName: id['name'], ...pick(id, [['selector', 'metricSelector']]), ...pick(t, [['value', 'targetValue'], ['averageValue', 'targetAverageValue']]) }
  }
  return out
}

function v1MetricToV2(m: Obj): Obj {
  const out: Obj = { type: m['type'] }
  const resourceTarget = (s: Obj): Obj =>
    s['targetAverageUtilization'] !== undefined && s['targetAverageUtilization'] !== null
      ? { type: 'Utilization', averageUtilization: s['targetAverageUtilization'] }
      : { type: 'AverageValue', ...pick(s, [['targetAverageValue', 'averageValue']]) }
  if (isObj(m['resource'])) out['resource'] = { name: m['resource']['name'], target: resourceTarget(m['resource']) }
  if (isObj(m['containerResource'])) {
    const s = m['containerResource']
    out['containerResource'] = { name: s['name'], container: s['container'], target: resourceTarget(s) }
  }
  if (isObj(m['pods'])) {
    const s = m['pods']
    out['pods'] = { metric: metricIdentifier(s, 'metricName', 'selector'), target: { type: 'AverageValue', ...pick(s, [['targetAverageValue', 'averageValue']]) } }
  }
  if (isObj(m['object'])) {
    const s = m['object']
    const type = s['averageValue'] === undefined || s['averageValue'] === null ? 'Value' : 'AverageValue'
    out['object'] = { describedObject: s['target'], target: { type, ...pick(s, [['targetValue', 'value'], ['averageValue', 'averageValue']]) }, metric: metricIdentifier(s, 'metricName', 'selector') }
  }
  if (isObj(m['external'])) {
    const s = m['external']
    const type = s['targetAverageValue'] === undefined || s['targetAverageValue'] === null ? 'Value' : 'AverageValue'
    out['external'] = { metric: metricIdentifier(s, 'metricName', 'metricSelector'), target: { type, ...pick(s, [['targetValue', 'value'], ['targetAverageValue', 'averageValue']]) } }
  }
  return out
}

// --- metric statuses ---------------------------------------------------------------------------

function v2StatusToV1(m: Obj): Obj {
  const out: Obj = { type: m['type'] }
  const current = (s: Obj): Obj => objOf(s['current'])
  if (isObj(m['resource'])) {
    const s = m['resource']
    out['resource'] = { name: s['name'], ...pick(current(s), [['averageUtilization', 'currentAverageUtilization'], ['averageValue', 'currentAverageValue']]) }
  }
  if (isObj(m['containerResource'])) {
    const s = m['containerResource']
    out['containerResource'] = { name: s['name'], ...pick(current(s), [['averageUtilization', 'currentAverageUtilization'], ['averageValue', 'currentAverageValue']]), container: s['container'] }
  }
  if (isObj(m['pods'])) {
    const s = m['pods']
    const id = objOf(s['metric'])
    out['pods'] = { metricName: id['name'], ...pick(current(s), [['averageValue', 'currentAverageValue']]), ...pick(id, [['selector', 'selector']]) }
  }
  if (isObj(m['object'])) {
    const s = m['object']
    const id = objOf(s['metric'])
    out['object'] = { target: s['describedObject'], metricName: id['name'], ...pick(current(s), [['value', 'currentValue']]), ...pick(id, [['selector', 'selector']]), ...pick(current(s), [['averageValue', 'averageValue']]) }
  }
  if (isObj(m['external'])) {
    const s = m['external']
    const id = objOf(s['metric'])
    out['external'] = { metricName: id['name'], ...pick(id, [['selector', 'metricSelector']]), ...pick(current(s), [['value', 'currentValue'], ['averageValue', 'currentAverageValue']]) }
  }
  return out
}

function v1StatusToV2(m: Obj): Obj {
  const out: Obj = { type: m['type'] }
  if (isObj(m['resource'])) {
    const s = m['resource']
    out['resource'] = { name: s['name'], current: pick(s, [['currentAverageUtilization', 'averageUtilization'], ['currentAverageValue', 'averageValue']]) }
  }
  if (isObj(m['containerResource'])) {
    const s = m['containerResource']
    out['containerResource'] = { name: s['name'], container: s['container'], current: pick(s, [['currentAverageUtilization', 'averageUtilization'], ['currentAverageValue', 'averageValue']]) }
  }
  if (isObj(m['pods'])) {
    const s = m['pods']
    out['pods'] = { metric: metricIdentifier(s, 'metricName', 'selector'), current: pick(s, [['currentAverageValue', 'averageValue']]) }
  }
  if (isObj(m['object'])) {
    const s = m['object']
    out['object'] = { metric: metricIdentifier(s, 'metricName', 'selector'), current: pick(s, [['currentValue', 'value'], ['averageValue', 'averageValue']]), describedObject: s['target'] }
  }
  if (isObj(m['external'])) {
    const s = m['external']
    out['external'] = { metric: metricIdentifier(s, 'metricName', 'metricSelector'), current: pick(s, [['currentValue', 'value'], ['currentAverageValue', 'averageValue']]) }
  }
  return out
}

// --- objects -----------------------------------------------------------------------------------

/** DropRoundTripHorizontalPodAutoscalerAnnotations; an emptied map is dropped (omitempty). */
function dropRoundTrip(meta: KubeObject['metadata']): KubeObject['metadata'] {
  const annotations = meta.annotations
  if (!annotations || !roundTripAnnotations.some((k) => k in annotations)) return meta
  const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => !roundTripAnnotations.includes(k)))
  const { annotations: _dropped, ...rest } = meta
  return Object.keys(kept).length === 0 ? rest : { ...rest, annotations: kept }
}

/** A JSON list from an annotation; what does not parse is ignored rather than failing the read. */
function parseList(text: string | undefined): Obj[] | undefined {
  if (text === undefined) return undefined
  try {
    const v: unknown = JSON.parse(text)
    return Array.isArray(v) ? v.filter(isObj) : undefined
  } catch {
    return undefined
  }
}

/** autoscaling/v2 (stored) to autoscaling/v1 (served). */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const spec = objOf(obj['spec'])
  const status = objOf(obj['status'])
  const metrics = Array.isArray(spec['metrics']) ? spec['metrics'].filter(isObj) : []
  const currentMetrics = Array.isArray(status['currentMetrics']) ? status['currentMetrics'].filter(isObj) : []
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : []
  const meta = dropRoundTrip(structuredClone(obj.metadata))
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) }
  const others = metrics.filter((m) => !isCPUUtilization(m)).map(v2MetricToV1)
  if (others.length > 0) annotations[metricSpecsAnnotation] = JSON.stringify(others)
  if (currentMetrics.length > 0) annotations[metricStatusesAnnotation] = JSON.stringify(currentMetrics.map(v2StatusToV1))
  if (conditions.length > 0) annotations[conditionsAnnotation] = JSON.stringify(conditions)
  if (isObj(spec['behavior'])) annotations[behaviorAnnotation] = JSON.stringify(spec['behavior'])
  if (Object.keys(annotations).length > 0) meta.annotations = annotations

  const outSpec: Obj = {}
  if (spec['scaleTargetRef'] !== undefined) outSpec['scaleTargetRef'] = structuredClone(spec['scaleTargetRef'])
  if (spec['minReplicas'] !== undefined) outSpec['minReplicas'] = spec['minReplicas']
  outSpec['maxReplicas'] = spec['maxReplicas'] ?? 0
  // The first cpu Resource metric decides, as the Spec conversion's loop with its break.
  const cpu = metrics.find((m) => m['type'] === 'Resource' && objOf(m['resource'])['name'] === 'cpu')
  const cpuTarget = cpu ? objOf(objOf(cpu['resource'])['target'])['averageUtilization'] : undefined
  if (cpuTarget !== undefined) outSpec['targetCPUUtilizationPercentage'] = cpuTarget

  const outStatus: Obj = {}
  for (const k of ['observedGeneration', 'lastScaleTime']) if (status[k] !== undefined) outStatus[k] = status[k]
  outStatus['currentReplicas'] = status['currentReplicas'] ?? 0
  outStatus['desiredReplicas'] = status['desiredReplicas'] ?? 0
  for (const m of currentMetrics) {
    const r = objOf(m['resource'])
    const cur = objOf(r['current'])['averageUtilization']
    if (m['type'] === 'Resource' && r['name'] === 'cpu' && cur !== undefined) outStatus['currentCPUUtilizationPercentage'] = cur
  }
  const out: KubeObject = { ...obj, apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: outSpec }
  if (obj['status'] !== undefined) out['status'] = outStatus
  return out
}

/** autoscaling/v1 (served) to autoscaling/v2 (stored). */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const spec = objOf(obj['spec'])
  const status = objOf(obj['status'])
  const annotations = obj.metadata.annotations ?? {}
  const outSpec: Obj = {}
  if (spec['scaleTargetRef'] !== undefined) outSpec['scaleTargetRef'] = structuredClone(spec['scaleTargetRef'])
  if (spec['minReplicas'] !== undefined) outSpec['minReplicas'] = spec['minReplicas']
  outSpec['maxReplicas'] = spec['maxReplicas'] ?? 0
  let metrics: Obj[] = []
  const target = spec['targetCPUUtilizationPercentage']
  if (typeof target === 'number') metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }]
  const others = parseList(annotations[metricSpecsAnnotation])
  // The annotation's metrics first, then the cpu one the spec conversion made.
  if (others) metrics = [...others.map(v1MetricToV2), ...metrics]
  // v1's implicit default, explicit in v2.
  if (metrics.length === 0) metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } } }]
  outSpec['metrics'] = metrics
  const behaviorText = annotations[behaviorAnnotation]
  if (behaviorText !== undefined) {
    try {
      const behavior: unknown = JSON.parse(behaviorText)
      if (isObj(behavior)) outSpec['behavior'] = behavior
    } catch {
      // An unreadable annotation is dropped like the other round-trip annotations.
    }
  }

  const outStatus: Obj = {}
  for (const k of ['observedGeneration', 'lastScaleTime']) if (status[k] !== undefined) outStatus[k] = status[k]
  if (typeof status['currentReplicas'] === 'number' && status['currentReplicas'] !== 0) outStatus['currentReplicas'] = status['currentReplicas']
  outStatus['desiredReplicas'] = status['desiredReplicas'] ?? 0
  const current = parseList(annotations[metricStatusesAnnotation])
  if (current) outStatus['currentMetrics'] = current.map(v1StatusToV2)
  else if (typeof status['currentCPUUtilizationPercentage'] === 'number') {
    outStatus['currentMetrics'] = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status['currentCPUUtilizationPercentage'] } } }]
  }
  const conditions = parseList(annotations[conditionsAnnotation])
  if (conditions) outStatus['conditions'] = conditions

  const out: KubeObject = { ...obj, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: dropRoundTrip(structuredClone(obj.metadata)), spec: outSpec }
  if (obj['status'] !== undefined) out['status'] = outStatus
  return out
}
