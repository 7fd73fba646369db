/**
 * @module routers/kube/core/nodes
 * core/v1 Node (pkg/registry/core/node, ValidateNode): cluster-scoped, status is written by the
 * kubelet on create and through /status afterwards, taints are unique valid key/effect pairs,
 * podCIDRs and providerID are set once, capacities are valid quantities. `spec.unschedulable` is a
 * field selector; the table shows readiness, roles and kubelet version, wide adds addresses and OS.
 * The proxy subresource is not served.
 */
import { isIP } from 'node:net'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { goQuote, goStringSlice, isValidLabelValue, validateLabelName } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import {
  ageColumn,
  assertQuantities,
  canonicalizeQuantities,
  jsonEqual,
  keepAllButStatus,
  keepOldStatus,
  quantitiesOf,
  validateResourceQuantityValue,
} from './helpers.js'
import { ensureMap, isObj, listOf, mapOf, strOf } from '../json.js'

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute']
const addressesDescription =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP)."
const nodeRolePrefix = 'node-role.kubernetes.io/'
const nodeRoleLabel = 'kubernetes.io/role'
const nodeInfoFields = [
  'machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture',
]

function spec(obj: KubeObject): Record<string, unknown> {
  return mapOf(obj, 'spec')
}

function status(obj: KubeObject): Record<string, unknown> {
  return mapOf(obj, 'status')
}

/**
 * SetDefaults_NodeStatus (allocatable follows capacity) and what the encoder writes for a node that
 * has reported nothing: the structs daemonEndpoints and nodeInfo with their non-omitempty fields.
 */
function defaultNode(obj: KubeObject): void {
  assertQuantities('Node', [status(obj)['capacity'], status(obj)['allocatable']])
  ensureMap(obj, 'spec')
  const st = ensureMap(obj, 'status')
  if (st['allocatable'] === undefined && isObj(st['capacity'])) st['allocatable'] = { ...st['capacity'] }
  const kubelet = ensureMap(ensureMap(st, 'daemonEndpoints'), 'kubeletEndpoint')
  kubelet['Port'] ??= 0
  const info = ensureMap(st, 'nodeInfo')
  for (const k of nodeInfoFields) if (typeof info[k] !== 'string') info[k] = ''
}

/** validateNodeTaints. kube reports them under metadata.taints (its path starts at metadata). */
function validateTaints(taints: unknown[]): FieldError[] {
  const errs: FieldError[] = []
  const unique = new Map<string, Set<string>>()
  taints.forEach((t, i) => {
    const p = `metadata.taints[${i}]`
    const key = strOf(t, 'key')
    errs.push(...validateLabelName(key, `${p}.key`))
    const value = strOf(t, 'value')
    const valueErrs = isValidLabelValue(value)
    if (valueErrs.length > 0) errs.push(field.invalid(`${p}.value`, value, valueErrs.join(';')))
    const effect = strOf(t, 'effect')
    if (effect === '') errs.push(field.required(`${p}.effect`))
    else if (!taintEffects.includes(effect)) errs.push(field.notSupported(`${p}.effect`, effect, taintEffects))
    const keys = unique.get(effect) ?? new Set<string>()
    if (keys.has(key)) {
      const dup = field.duplicate(p, t)
      // Go prints the struct with %#v.
      dup.badValueText = `core.Taint{Key:${goQuote(key)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TimeAdded:(*v1.Time)(nil)}`
      dup.detail = 'taints must be unique by key and effect pair'
      errs.push(dup)
      return
    }
    keys.add(key)
    unique.set(effect, keys)
  })
  return errs
}

/** ValidateNodeResources: capacity and allocatable, paths written with dots as kube writes them. */
function validateNodeResources(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  for (const [name, q] of quantitiesOf(status(obj)['capacity'])) errs.push(...validateResourceQuantityValue(name, q, `status.capacity.${name}`))
  for (const [name, q] of quantitiesOf(status(obj)['allocatable'])) errs.push(...validateResourceQuantityValue(name, q, `status.allocatable.${name}`))
  return errs
}

/** IsValidCIDR */
function validateCIDR(value: string, path: string): FieldError[] {
  const m = /^(.+)\/(\d{1,3})$/.exec(value)
  const family = m ? isIP(m[1]!) : 0
  const ok = m !== null && family !== 0 && Number(m[2]) <= (family === 4 ? 32 : 128)
  return ok ? [] : [field.invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')]
}

function validateNode(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const taints = listOf(spec(obj), 'taints')
  if (taints.length > 0) errs.push(...validateTaints(taints))
  errs.push(...validateNodeResources(obj))
  const cidrs = listOf(spec(obj), 'podCIDRs').map(String)
  cidrs.forEach((c, i) => errs.push(...validateCIDR(c, `spec.podCIDRs[${i}]`)))
  if (cidrs.length > 1) {
    const families = cidrs.map((c) => isIP(c.split('/')[0] ?? ''))
    if (cidrs.length > 2 || families[0] === families[1]) {
      const e = field.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family')
      e.badValueText = goStringSlice(cidrs)
      errs.push(e)
    }
  }
  return errs
}

const podCIDRChange = 'node updates may not change podCIDR except from "" to valid'

function validateNodeUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [...validateNodeResources(obj)]
  const seen: unknown[] = []
  listOf(status(obj), 'addresses').forEach((a, i) => {
    if (seen.some((s) => jsonEqual(s, a))) {
      const dup = field.duplicate(`status.addresses[${i}]`, a)
      dup.badValueText = `core.NodeAddress{Type:${goQuote(strOf(a, 'type'))}, Address:${goQuote(strOf(a, 'address'))}}`
      errs.push(dup)
    }
    seen.push(a)
  })
  const oldCIDRs = listOf(spec(old), 'podCIDRs')
  const newCIDRs = listOf(spec(obj), 'podCIDRs')
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== newCIDRs.length) errs.push(field.forbidden('spec.podCIDRs', podCIDRChange))
    else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(field.forbidden('spec.podCIDRs', podCIDRChange)))
  }
  const oldProvider = strOf(spec(old), 'providerID')
  if (oldProvider !== '' && oldProvider !== strOf(spec(obj), 'providerID')) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'))
  }
  const taints = listOf(spec(obj), 'taints')
  if (taints.length > 0) errs.push(...validateTaints(taints))
  if (strOf(spec(obj), 'externalID') !== strOf(spec(old), 'externalID')) errs.push(field.forbidden('spec.externalID', 'may not be updated'))
  return errs
}

/** printNode's STATUS: Ready / NotReady / Unknown, then SchedulingDisabled when cordoned. */
function nodeStatus(obj: KubeObject): string {
  const ready = listOf(status(obj), 'conditions').find((c) => strOf(c, 'type') === 'Ready')
  const out = [ready === undefined ? 'Unknown' : strOf(ready, 'status') === 'True' ? 'Ready' : 'NotReady']
  if (spec(obj)['unschedulable'] === true) out.push('SchedulingDisabled')
  return out.join(',')
}

/** findNodeRoles; kube's order is a set's, this one is sorted. */
function nodeRoles(obj: KubeObject): string {
  const roles = new Set<string>()
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (k.startsWith(nodeRolePrefix) && k.length > nodeRolePrefix.length) roles.add(k.slice(nodeRolePrefix.length))
    else if (k === nodeRoleLabel && v !== '') roles.add(v)
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>'
}

function nodeAddress(obj: KubeObject, type: string): string {
  const a = listOf(status(obj), 'addresses').find((x) => strOf(x, 'type') === type)
  return a === undefined ? '<none>' : strOf(a, 'address')
}

function nodeInfo(obj: KubeObject, key: string, unknown = ''): string {
  return strOf(mapOf(status(obj), 'nodeInfo'), key) || unknown
}

export const nodes: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'nodes',
  singular: 'node',
  kind: 'Node',
  listKind: 'NodeList',
  namespaced: false,
  shortNames: ['no'],
  subresources: ['status'],
  schema: { model: 'V1Node' },
  tableColumns: [
    { name: 'Status', type: 'string', description: 'The status of the node', cell: (o) => nodeStatus(o) },
    { name: 'Roles', type: 'string', description: 'The roles of the node', cell: (o) => nodeRoles(o) },
    ageColumn,
    { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.', cell: (o) => nodeInfo(o, 'kubeletVersion') },
    { name: 'Internal-IP', type: 'string', priority: 1, description: addressesDescription, cell: (o) => nodeAddress(o, 'InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, description: addressesDescription, cell: (o) => nodeAddress(o, 'ExternalIP') },
    { name: 'OS-Image', type: 'string', priority: 1, description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', cell: (o) => nodeInfo(o, 'osImage', '<unknown>') },
    { name: 'Kernel-Version', type: 'string', priority: 1, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", cell: (o) => nodeInfo(o, 'kernelVersion', '<unknown>') },
    {
      name: 'Container-Runtime',
      type: 'string',
      priority: 1,
      description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      cell: (o) => nodeInfo(o, 'containerRuntimeVersion', '<unknown>'),
    },
  ],
  selectableFields: { 'spec.unschedulable': (o) => String(spec(o)['unschedulable'] === true) },
  strategy: {
    applyDefaults: defaultNode,
    validate: (_ctx, obj) => validateNode(obj),
    prepareForUpdate: (_ctx, obj, old) => keepOldStatus(obj, old),
    prepareForSubresourceUpdate: (_sub, _ctx, obj, old) => keepAllButStatus(obj, old),
    validateUpdate: (_ctx, obj, old) => validateNodeUpdate(obj, old),
    canonicalize(obj) {
      canonicalizeQuantities(status(obj)['capacity'])
      canonicalizeQuantities(status(obj)['allocatable'])
    },
  },
}

