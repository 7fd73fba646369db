/**
 * @module routers/kube/core/pods
 * core/v1 Pod (pkg/registry/core/pod: strategy.go, storage BindingREST; printers.go printPod):
 * SetObjectDefaults_Pod, Pending phase and QoS class on create, the pod spec checks shared with
 * workload templates, status only through /status, POST /binding, kube's field selectors and the
 * READY/STATUS/RESTARTS cells. There is no kubelet here, so nothing runs a graceful termination:
 * DELETE removes a pod at once.
 */
import * as errors from '../../../lib/api/errors.js'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { decodeObject } from '../../../lib/endpoints/decode.js'
import type { ResourceHandlers } from '../../../lib/endpoints/installer.js'
import { negotiateOutput } from '../../../lib/endpoints/negotiation.js'
import { writeObject } from '../../../lib/endpoints/response-writers.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { rethrowStorageError } from '../../../lib/registry/storage-errors.js'
import { validatePodSpec } from '../apps/pod-template.js'
import { ageColumn, jsonEqual, keepAllButStatus, keepOldStatus, parseQuantity, scaledValue, timestampSince } from './helpers.js'
import { applyPodDefaults } from './pod-defaults.js'
import { objsOf, specOf, statusOf } from '../json.js'
import { isObj, listOf, mapOf, strOf } from '../json.js'
import type { Obj } from '../json.js'

function maps(v: unknown, key: string): Obj[] {
  return objsOf(listOf(v, key))
}

/** qos.GetPodQOS: BestEffort without cpu/memory requests or limits, Guaranteed when all match. */
export function podQOSClass(pod: KubeObject): string {
  const spec = specOf(pod)
  const requests = new Map<string, bigint>()
  const limits = new Map<string, bigint>()
  let guaranteed = true
  for (const c of [...maps(spec, 'initContainers'), ...maps(spec, 'containers')]) {
    const resources = mapOf(c, 'resources')
    const found = new Set<string>()
    for (const [kind, target] of [['requests', requests], ['limits', limits]] as const) {
      for (const [name, raw] of Object.entries(mapOf(resources, kind))) {
        if (name !== 'cpu' && name !== 'memory') continue
        const q = parseQuantity(raw)
        if (typeof q === 'string') continue
        const v = scaledValue(q, -9)
        if (v <= 0n) continue
        if (kind === 'limits') found.add(name)
        target.set(name, (target.get(name) ?? 0n) + v)
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort'
  if (guaranteed) for (const [name, req] of requests) if (limits.get(name) !== req) guaranteed = false
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable'
}

/** ValidatePodCreate's part this server makes: the pod spec checks workload templates share. */
function validatePod(obj: KubeObject): FieldError[] {
  return validatePodSpec(obj['spec'], 'spec')
}

const podUpdateForbidden =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'

/**
 * ValidatePodUpdate: the spec is fixed but for images, activeDeadlineSeconds and added
 * tolerations. Kube appends a cmp.Diff of the specs to the message; that diff is not reproduced.
 */
function validatePodUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePod(obj)
  const munged = structuredClone(specOf(obj))
  const oldSpec = specOf(old)
  for (const key of ['containers', 'initContainers']) {
    const oldList = maps(oldSpec, key)
    maps(munged, key).forEach((c, i) => {
      if (oldList[i]) c['image'] = oldList[i]!['image']
    })
  }
  for (const key of ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']) {
    if (oldSpec[key] === undefined) delete munged[key]
    else munged[key] = oldSpec[key]
  }
  if (!jsonEqual(munged, oldSpec)) errs.push(field.forbidden('spec', podUpdateForbidden))
  return errs
}

interface PodRow {
  ready: string
  status: string
  restarts: string
}

function isRestartableInit(c: Obj | undefined): boolean {
  return c?.['restartPolicy'] === 'Always'
}

function terminatedReason(t: Obj, prefix: string): string {
  const reason = strOf(t, 'reason')
  if (reason) return prefix + reason
  return t['signal'] ? `${prefix}Signal:${String(t['signal'])}` : `${prefix}ExitCode:${String(t['exitCode'] ?? 0)}`
}

/** printPod's cells: ready/total containers, the reason or phase, restarts with the last one's age. */
function podRow(pod: KubeObject, now: Date): PodRow {
  const spec = specOf(pod)
  const status = statusOf(pod)
  const initSpecs = new Map(maps(spec, 'initContainers').map((c) => [strOf(c, 'name'), c]))
  let restarts = 0
  let restartableInitRestarts = 0
  let total = maps(spec, 'containers').length
  let ready = 0
  let lastRestart = 0
  let lastRestartableInitRestart = 0
  let reason = strOf(status, 'reason') || strOf(status, 'phase')
  for (const cond of maps(status, 'conditions')) {
    if (cond['type'] === 'PodScheduled' && cond['reason'] === 'SchedulingGated') reason = 'SchedulingGated'
  }
  for (const c of initSpecs.values()) if (isRestartableInit(c)) total++
  const finishedAt = (cs: Obj): number => Date.parse(strOf(mapOf(mapOf(cs, 'lastState'), 'terminated'), 'finishedAt')) || 0
  let initializing = false
  const initStatuses = maps(status, 'initContainerStatuses')
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!
    const restartCount = Number(cs['restartCount'] ?? 0)
    restarts += restartCount
    lastRestart = Math.max(lastRestart, finishedAt(cs))
    const restartable = isRestartableInit(initSpecs.get(strOf(cs, 'name')))
    if (restartable) {
      restartableInitRestarts += restartCount
      lastRestartableInitRestart = Math.max(lastRestartableInitRestart, finishedAt(cs))
    }
    const state = mapOf(cs, 'state')
    const terminated = isObj(state['terminated']) ? state['terminated'] : undefined
    const waiting = isObj(state['waiting']) ? state['waiting'] : undefined
    if (terminated && Number(terminated['exitCode'] ?? 0) === 0) continue
    if (restartable && cs['started'] === true) {
      if (cs['ready'] === true) ready++
      continue
    }
    if (terminated) reason = terminatedReason(terminated, 'Init:')
    else if (waiting && strOf(waiting, 'reason') && strOf(waiting, 'reason') !== 'PodInitializing') reason = `Init:${strOf(waiting, 'reason')}`
    else reason = `Init:${i}/${initSpecs.size}`
    initializing = true
    break
  }
  const initialized = maps(status, 'conditions').some((c) => c['type'] === 'Initialized' && c['status'] === 'True')
  if (!initializing || initialized) {
    restarts = restartableInitRestarts
    lastRestart = lastRestartableInitRestart
    let hasRunning = false
    const statuses = maps(status, 'containerStatuses')
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!
      restarts += Number(cs['restartCount'] ?? 0)
      lastRestart = Math.max(lastRestart, finishedAt(cs))
      const state = mapOf(cs, 'state')
      const waiting = mapOf(state, 'waiting')
      const terminated = isObj(state['terminated']) ? state['terminated'] : undefined
      if (strOf(waiting, 'reason')) reason = strOf(waiting, 'reason')
      else if (terminated) reason = terminatedReason(terminated, '')
      else if (cs['ready'] === true && isObj(state['running'])) {
        hasRunning = true
        ready++
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = maps(status, 'conditions').some((c) => c['type'] === 'Ready' && c['status'] === 'True') ? 'Running' : 'NotReady'
    }
  }
  const phase = strOf(status, 'phase')
  if (pod.metadata.deletionTimestamp && strOf(status, 'reason') === 'NodeLost') reason = 'Unknown'
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating'
  const restartText = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${timestampSince(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts)
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText }
}

function readinessGates(pod: KubeObject): string {
  const gates = maps(specOf(pod), 'readinessGates')
  if (gates.length === 0) return '<none>'
  const conditions = maps(statusOf(pod), 'conditions')
  const trueCount = gates.filter((g) => conditions.find((c) => c['type'] === g['conditionType'])?.['status'] === 'True').length
  return `${trueCount}/${gates.length}`
}

const bindingGR = { group: '', resource: 'pods/binding' }

/**
 * BindingREST.Create: sets spec.nodeName (and the binding's annotations) of an unbound pod and
 * marks it scheduled. Like kube it writes storage directly: the pod strategy's update rules,
 * which forbid changing spec.nodeName, are not the binding's.
 */
const bindingHandler: NonNullable<ResourceHandlers['handlers']>[string] = async (scope, req, res) => {
  const n = negotiateOutput(req.headers.accept)
  const name = scope.info.name
  const binding = decodeObject(req, { ...scope.def, kind: 'Binding', checkFields: undefined }, 'Ignore').object
  if (binding.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Binding object')
  const target = mapOf(binding, 'target')
  const errs: FieldError[] = []
  const kind = strOf(target, 'kind')
  if (kind !== '' && kind !== 'Node') errs.push(field.notSupported('target.kind', kind, ['Node', '<empty>']))
  if (!strOf(target, 'name')) errs.push(field.required('target.name'))
  if (errs.length > 0) throw errors.invalid({ group: '', kind: 'Binding' }, name, errs)
  const key = scope.store.key(scope.ctx.namespace, name)
  try {
    await scope.store.storage.guaranteedUpdate(key, (current) => {
      if (!current) throw errors.notFound({ group: '', resource: 'pods' }, name)
      const pod = structuredClone(current)
      if (pod.metadata.deletionTimestamp) throw errors.conflict(bindingGR, name, `pod ${name} is being deleted, cannot be assigned to a host`)
      const spec = isObj(pod['spec']) ? pod['spec'] : (pod['spec'] = {})
      if (strOf(spec, 'nodeName')) throw errors.conflict(bindingGR, name, `pod ${name} is already assigned to node ${JSON.stringify(strOf(spec, 'nodeName'))}`)
      spec['nodeName'] = strOf(target, 'name')
      const annotations = binding.metadata.annotations
      if (annotations && Object.keys(annotations).length > 0) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations }
      const status = isObj(pod['status']) ? pod['status'] : (pod['status'] = {})
      const conditions = maps(status, 'conditions').filter((c) => c['type'] !== 'PodScheduled')
      status['conditions'] = [...conditions, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z') }]
      return pod
    })
  } catch (err) {
    if (errors.isStatusError(err)) throw err
    rethrowStorageError(err, { group: '', resource: 'pods' }, name)
  }
  writeObject(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, n.mediaType)
}

function bool(v: unknown): string {
  return v === true ? 'true' : 'false'
}

export const pods: ResourceDefinition & ResourceHandlers = {
  group: '',
  version: 'v1',
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  listKind: 'PodList',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: ['binding', 'status'],
  schema: { model: 'V1Pod' },
  handlers: { 'binding/create': bindingHandler },
  selectableFields: {
    'spec.nodeName': (o) => strOf(specOf(o), 'nodeName'),
    'spec.restartPolicy': (o) => strOf(specOf(o), 'restartPolicy'),
    'spec.schedulerName': (o) => strOf(specOf(o), 'schedulerName'),
    'spec.serviceAccountName': (o) => strOf(specOf(o), 'serviceAccountName'),
    'spec.hostNetwork': (o) => bool(specOf(o)['hostNetwork']),
    'status.phase': (o) => strOf(statusOf(o), 'phase'),
    // PodIPs[0] is what GetAttrs reads (status.podIP mirrors it).
    'status.podIP': (o) => strOf(maps(statusOf(o), 'podIPs')[0], 'ip') || strOf(statusOf(o), 'podIP'),
    'status.nominatedNodeName': (o) => strOf(statusOf(o), 'nominatedNodeName'),
  },
  tableColumns: [
    { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', cell: (o, now) => podRow(o, now).ready },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', cell: (o, now) => podRow(o, now).status },
    {
      name: 'Restarts',
      type: 'string',
      description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      cell: (o, now) => podRow(o, now).restarts,
    },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, description: 'podIP address allocated to the pod.', cell: (o) => strOf(maps(statusOf(o), 'podIPs')[0], 'ip') || '<none>' },
    { name: 'Node', type: 'string', priority: 1, description: 'NodeName indicates in which node this pod is scheduled.', cell: (o) => strOf(specOf(o), 'nodeName') || '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node.', cell: (o) => strOf(statusOf(o), 'nominatedNodeName') || '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'If specified, all readiness gates will be evaluated for pod readiness.', cell: (o) => readinessGates(o) },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      // The QoS class is computed from the defaulted spec (requests copied from limits).
      applyPodDefaults(obj)
      obj['status'] = { phase: 'Pending', qosClass: podQOSClass(obj) }
    },
    applyDefaults: applyPodDefaults,
    validate: (_ctx, obj) => validatePod(obj),
    prepareForUpdate: (_ctx, obj, old) => keepOldStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepAllButStatus(obj, old)
    },
    validateUpdate: (_ctx, obj, old) => validatePodUpdate(obj, old),
  },
}
