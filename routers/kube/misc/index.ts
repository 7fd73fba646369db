/**
 * @module routers/kube/misc
 * Small groups with one or a few kinds each: discovery.k8s.io EndpointSlices, coordination.k8s.io
 * Leases, events.k8s.io Events, scheduling.k8s.io PriorityClasses, storage.k8s.io StorageClasses,
 * CSIDrivers and VolumeAttachments, node.k8s.io RuntimeClasses. events.k8s.io Events are served
 * from the core Events' storage through conversion (event-conversion.ts), as in kube.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isDNS1123Label, isQualifiedName, validateImmutableField } from '../../../lib/api/validation.js'
import { ageCell } from '../../../lib/registry/duration.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn, keepSpec, keepStatus, semanticEqual } from '../apps/workload.js'
import { objsOf } from '../json.js'
import { coreEventToEventsV1, eventsV1ToCoreEvent } from './event-conversion.js'
import { defaultPointer, isObj, objOf, specOf, statusOf, str } from '../json.js'

const maps = objsOf

/** listWithMoreString: three items, then "+ N more...", "<unset>" for none. */
function listWithMore(list: string[]): string {
  if (list.length > 3) return `${list.slice(0, 3).join(',')} + ${list.length - 3} more...`
  return list.join(',') || '<unset>'
}

// ---------------------------------------------------------------------------------------------
// discovery.k8s.io/v1 EndpointSlice
// ---------------------------------------------------------------------------------------------

const addressTypes = ['FQDN', 'IPv4', 'IPv6']

function validateEndpointSlice(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const addressType = obj['addressType']
  if (addressType === undefined || addressType === null || addressType === '') errs.push(field.required('addressType'))
  else if (!addressTypes.includes(str(addressType))) errs.push(field.notSupported('addressType', addressType, addressTypes))
  maps(obj['endpoints']).forEach((ep, i) => {
    const addresses = Array.isArray(ep['addresses']) ? ep['addresses'] : []
    if (addresses.length === 0) errs.push(field.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'))
    else if (addresses.length > 100) errs.push(field.invalid(`endpoints[${i}].addresses`, addresses.length, 'must contain at most 100 addresses'))
  })
  return errs
}

export const endpointslices: ResourceDefinition = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  singular: 'endpointslice',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  namespaced: true,
  schema: { model: 'V1EndpointSlice' },
  tableColumns: [
    { name: 'AddressType', type: 'string', description: 'addressType specifies the type of address carried by this EndpointSlice.', cell: (o) => str(o['addressType']) },
    {
      name: 'Ports',
      type: 'string',
      description: 'ports specifies the list of network ports exposed by each endpoint in this slice.',
      cell: (o) => listWithMore(maps(o['ports']).map((p) => (typeof p['port'] === 'number' ? String(p['port']) : typeof p['name'] === 'string' ? p['name'] : '*'))),
    },
    {
      name: 'Endpoints',
      type: 'string',
      description: 'endpoints is a list of unique endpoints in this slice.',
      cell: (o) => listWithMore(maps(o['endpoints']).flatMap((e) => (Array.isArray(e['addresses']) ? e['addresses'].map(String) : []))),
    },
    ageColumn,
  ],
  strategy: {
    // SetDefaults_EndpointPort: an unnamed port is named "", the protocol is TCP.
    applyDefaults(obj) {
      for (const port of maps(obj['ports'])) {
        defaultPointer(port, 'name', '')
        defaultPointer(port, 'protocol', 'TCP')
      }
    },
    validate: (_ctx, obj) => validateEndpointSlice(obj),
    validateUpdate: (_ctx, obj, old) => [...validateEndpointSlice(obj), ...validateImmutableField(obj['addressType'], old['addressType'], 'addressType')],
    generationChanged: (obj, old) => !semanticEqual({ ...obj, metadata: undefined }, { ...old, metadata: undefined }),
  },
}

// ---------------------------------------------------------------------------------------------
// coordination.k8s.io/v1 Lease
// ---------------------------------------------------------------------------------------------

function validateLease(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs: FieldError[] = []
  const duration = spec['leaseDurationSeconds']
  if (typeof duration === 'number' && duration <= 0) errs.push(field.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'))
  const transitions = spec['leaseTransitions']
  if (typeof transitions === 'number' && transitions < 0) errs.push(field.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'))
  return errs
}

export const leases: ResourceDefinition = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  listKind: 'LeaseList',
  namespaced: true,
  schema: { model: 'V1Lease' },
  tableColumns: [
    { name: 'Holder', type: 'string', description: 'holderIdentity contains the identity of the holder of a current lease.', cell: (o) => str(specOf(o)['holderIdentity']) },
    ageColumn,
  ],
  strategy: {
    validate: (_ctx, obj) => validateLease(obj),
    validateUpdate: (_ctx, obj) => validateLease(obj),
  },
}

// ---------------------------------------------------------------------------------------------
// events.k8s.io/v1 Event
// ---------------------------------------------------------------------------------------------

const eventTypes = ['Normal', 'Warning']

/** ValidateEventCreate for events.k8s.io/v1: the fields the new API made required. */
function validateEvent(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  if (!obj['eventTime']) errs.push(field.required('eventTime', ''))
  const type = str(obj['type'])
  if (!eventTypes.includes(type)) errs.push(field.invalid('type', type, `has invalid value: ${type}`))
  const controller = str(obj['reportingController'])
  if (!controller) errs.push(field.required('reportingController', ''))
  else for (const msg of isQualifiedName(controller)) errs.push(field.invalid('reportingController', controller, msg))
  const instance = str(obj['reportingInstance'])
  if (!instance) errs.push(field.required('reportingInstance', ''))
  else if (instance.length > 128) errs.push(field.invalid('reportingInstance', '', 'can have at most 128 characters'))
  const action = str(obj['action'])
  if (!action) errs.push(field.required('action', ''))
  else if (action.length > 128) errs.push(field.invalid('action', '', 'can have at most 128 characters'))
  const reason = str(obj['reason'])
  if (!reason) errs.push(field.required('reason', ''))
  else if (reason.length > 128) errs.push(field.invalid('reason', '', 'can have at most 128 characters'))
  if (str(obj['note']).length > 1024) errs.push(field.invalid('note', '', 'can have at most 1024 characters'))
  return errs
}

function eventLastSeen(o: KubeObject, now: Date): string {
  const series = objOf(o['series'])['lastObservedTime']
  const ts = typeof series === 'string' ? series : typeof o['eventTime'] === 'string' ? o['eventTime'] : o['deprecatedLastTimestamp']
  return typeof ts === 'string' ? ageCell(ts, now) : '<unknown>'
}

export const eventsV1: ResourceDefinition = {
  group: 'events.k8s.io',
  version: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  listKind: 'EventList',
  namespaced: true,
  shortNames: ['ev'],
  schema: { model: 'EventsV1Event' },
  // core Events' keys: core/v1 is the storage version, and this version converts to and from it.
  storagePrefix: '/registry/events',
  convert: { toStorage: eventsV1ToCoreEvent, fromStorage: coreEventToEventsV1 },
  // AddFieldLabelConversionsForEvent: the core selectors under their events.k8s.io names.
  selectableFields: {
    'regarding.kind': (o) => str(objOf(o['regarding'])['kind']),
    'regarding.namespace': (o) => str(objOf(o['regarding'])['namespace']),
    'regarding.name': (o) => str(objOf(o['regarding'])['name']),
    'regarding.uid': (o) => str(objOf(o['regarding'])['uid']),
    'regarding.apiVersion': (o) => str(objOf(o['regarding'])['apiVersion']),
    'regarding.resourceVersion': (o) => str(objOf(o['regarding'])['resourceVersion']),
    'regarding.fieldPath': (o) => str(objOf(o['regarding'])['fieldPath']),
    reason: (o) => str(o['reason']),
    reportingController: (o) => str(o['reportingController']),
    type: (o) => str(o['type']),
  },
  tableColumns: [
    { name: 'Last Seen', type: 'string', description: 'The time at which the most recent occurrence of this event was recorded.', cell: eventLastSeen },
    { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future', cell: (o) => str(o['type']) },
    { name: 'Reason', type: 'string', description: 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.', cell: (o) => str(o['reason']) },
    {
      name: 'Object',
      type: 'string',
      description: 'The object that this event is about.',
      cell: (o) => `${str(objOf(o['regarding'])['kind']).toLowerCase()}/${str(objOf(o['regarding'])['name'])}`,
    },
    { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.', cell: (o) => str(o['note']).trim() },
  ],
  strategy: {
    // The core Event strategy, which kube shares between both versions: PUT may create.
    allowCreateOnUpdate: true,
    validate: (_ctx, obj) => validateEvent(obj),
    validateUpdate: (_ctx, obj) => validateEvent(obj),
  },
}

// ---------------------------------------------------------------------------------------------
// scheduling.k8s.io/v1 PriorityClass
// ---------------------------------------------------------------------------------------------

const systemPriorityClasses = new Map([
  ['system-node-critical', 2000001000],
  ['system-cluster-critical', 2000000000],
])
const highestUserDefinablePriority = 1000000000
const preemptionPolicies = ['Never', 'PreemptLowerPriority']

/** ValidatePriorityClass. value is an int32 in Go: an absent one is 0, which is allowed. */
function validatePriorityClass(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const name = obj.metadata.name ?? ''
  const value = typeof obj['value'] === 'number' ? obj['value'] : 0
  const system = systemPriorityClasses.get(name)
  if (system !== undefined) {
    if (value !== system) errs.push(field.forbidden('value', `value of ${name} PriorityClass must be ${system}`))
  } else if (name.startsWith('system-')) {
    errs.push(field.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"))
  } else if (value > highestUserDefinablePriority) {
    errs.push(field.forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`))
  }
  const policy = obj['preemptionPolicy']
  if (typeof policy === 'string' && !preemptionPolicies.includes(policy)) errs.push(field.notSupported('preemptionPolicy', policy, preemptionPolicies))
  return errs
}

export const priorityclasses: ResourceDefinition = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  resource: 'priorityclasses',
  singular: 'priorityclass',
  kind: 'PriorityClass',
  listKind: 'PriorityClassList',
  namespaced: false,
  shortNames: ['pc'],
  schema: { model: 'V1PriorityClass' },
  tableColumns: [
    { name: 'Value', type: 'integer', description: 'value represents the integer value of this priority class.', cell: (o) => (typeof o['value'] === 'number' ? o['value'] : 0) },
    { name: 'Global-Default', type: 'boolean', description: 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.', cell: (o) => o['globalDefault'] === true },
    ageColumn,
    { name: 'PreemptionPolicy', type: 'string', description: 'preemptionPolicy is the Policy for preempting pods with lower priority.', cell: (o) => str(o['preemptionPolicy']) || '<unset>' },
  ],
  strategy: {
    // SetDefaults_PriorityClass
    applyDefaults(obj) {
      defaultPointer(obj, 'preemptionPolicy', 'PreemptLowerPriority')
    },
    validate: (_ctx, obj) => validatePriorityClass(obj),
    validateUpdate(_ctx, obj, old) {
      const errs = validatePriorityClass(obj)
      if ((obj['value'] ?? 0) !== (old['value'] ?? 0)) errs.push(field.forbidden('value', 'may not be changed in an update.'))
      errs.push(...validateImmutableField(obj['preemptionPolicy'], old['preemptionPolicy'], 'preemptionPolicy'))
      return errs
    },
  },
}

// ---------------------------------------------------------------------------------------------
// storage.k8s.io/v1 StorageClass, CSIDriver, VolumeAttachment
// ---------------------------------------------------------------------------------------------

const reclaimPolicies = ['Delete', 'Retain']
const bindingModes = ['Immediate', 'WaitForFirstConsumer']

/** ValidateStorageClass */
function validateStorageClass(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const provisioner = str(obj['provisioner'])
  if (!provisioner) errs.push(field.required('provisioner', ''))
  else {
    for (const msg of isQualifiedName(provisioner.toLowerCase())) errs.push(field.invalid('provisioner', provisioner, msg))
  }
  const policy = str(obj['reclaimPolicy'])
  if (!reclaimPolicies.includes(policy)) errs.push(field.notSupported('reclaimPolicy', policy, reclaimPolicies))
  const mode = str(obj['volumeBindingMode'])
  if (!mode) errs.push(field.required('volumeBindingMode', ''))
  else if (!bindingModes.includes(mode)) errs.push(field.notSupported('volumeBindingMode', mode, bindingModes))
  return errs
}

/** ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and binding mode are fixed. */
function validateStorageClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStorageClass(obj)
  if (!semanticEqual(obj['parameters'], old['parameters'])) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'))
  if (obj['provisioner'] !== old['provisioner']) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'))
  if (obj['reclaimPolicy'] !== old['reclaimPolicy']) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'))
  errs.push(...validateImmutableField(obj['volumeBindingMode'], old['volumeBindingMode'], 'volumeBindingMode'))
  return errs
}

const isDefaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class'

export const storageclasses: ResourceDefinition = {
  group: 'storage.k8s.io',
  version: 'v1',
  resource: 'storageclasses',
  singular: 'storageclass',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  namespaced: false,
  shortNames: ['sc'],
  schema: { model: 'V1StorageClass' },
  tableColumns: [
    { name: 'Provisioner', type: 'string', description: 'provisioner indicates the type of the provisioner.', cell: (o) => str(o['provisioner']) },
    { name: 'ReclaimPolicy', type: 'string', description: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.', cell: (o) => str(o['reclaimPolicy']) || 'Delete' },
    { name: 'VolumeBindingMode', type: 'string', description: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.', cell: (o) => str(o['volumeBindingMode']) || 'Immediate' },
    { name: 'AllowVolumeExpansion', type: 'string', description: 'allowVolumeExpansion shows whether the storage class allow volume expand.', cell: (o) => o['allowVolumeExpansion'] === true },
    ageColumn,
  ],
  strategy: {
    // SetDefaults_StorageClass
    applyDefaults(obj) {
      defaultPointer(obj, 'reclaimPolicy', 'Delete')
      defaultPointer(obj, 'volumeBindingMode', 'Immediate')
    },
    validate: (_ctx, obj) => validateStorageClass(obj),
    validateUpdate: (_ctx, obj, old) => validateStorageClassUpdate(obj, old),
  },
}

/** printStorageClass marks the default class in the Name cell; kept here for callers that print. */
export function storageClassDisplayName(o: KubeObject): string {
  const annotation = o.metadata.annotations?.[isDefaultClassAnnotation] ?? o.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class']
  return annotation === 'true' ? `${o.metadata.name ?? ''} (default)` : (o.metadata.name ?? '')
}

/** SetDefaults_CSIDriver (SELinuxMountReadWriteOncePod is on in 1.32). */
function applyCSIDriverDefaults(obj: KubeObject): void {
  const spec = obj['spec']
  if (spec === undefined || spec === null) obj['spec'] = {}
  const s = objOf(obj['spec'])
  defaultPointer(s, 'attachRequired', true)
  defaultPointer(s, 'podInfoOnMount', false)
  defaultPointer(s, 'storageCapacity', false)
  defaultPointer(s, 'fsGroupPolicy', 'ReadWriteOnceWithFSType')
  if (!Array.isArray(s['volumeLifecycleModes']) || s['volumeLifecycleModes'].length === 0) s['volumeLifecycleModes'] = ['Persistent']
  defaultPointer(s, 'requiresRepublish', false)
  defaultPointer(s, 'seLinuxMount', false)
}

const csiImmutable = ['attachRequired', 'podInfoOnMount', 'volumeLifecycleModes']

export const csidrivers: ResourceDefinition = {
  group: 'storage.k8s.io',
  version: 'v1',
  resource: 'csidrivers',
  singular: 'csidriver',
  kind: 'CSIDriver',
  listKind: 'CSIDriverList',
  namespaced: false,
  schema: { model: 'V1CSIDriver' },
  tableColumns: [
    { name: 'AttachRequired', type: 'boolean', description: 'attachRequired indicates this CSI volume driver requires an attach operation.', cell: (o) => specOf(o)['attachRequired'] === true },
    { name: 'PodInfoOnMount', type: 'boolean', description: 'podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.', cell: (o) => specOf(o)['podInfoOnMount'] === true },
    { name: 'StorageCapacity', type: 'boolean', description: 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.', cell: (o) => specOf(o)['storageCapacity'] === true },
    {
      name: 'TokenRequests',
      type: 'string',
      description: 'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication.',
      cell: (o) => maps(specOf(o)['tokenRequests']).map((t) => str(t['audience'])).join(',') || '<unset>',
    },
    { name: 'RequiresRepublish', type: 'boolean', description: 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called.', cell: (o) => specOf(o)['requiresRepublish'] === true },
    {
      name: 'Modes',
      type: 'string',
      description: 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.',
      cell: (o) => (Array.isArray(specOf(o)['volumeLifecycleModes']) ? (specOf(o)['volumeLifecycleModes'] as unknown[]).map(String).join(',') : '') || '<none>',
    },
    ageColumn,
  ],
  strategy: {
    applyDefaults: applyCSIDriverDefaults,
    validateUpdate: (_ctx, obj, old) => csiImmutable.flatMap((k) => validateImmutableField(specOf(obj)[k], specOf(old)[k], `spec.${k}`)),
  },
}

/** ValidateVolumeAttachment: attacher, node and exactly one source. */
function validateVolumeAttachment(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs: FieldError[] = []
  const attacher = str(spec['attacher'])
  if (!attacher) errs.push(field.required('spec.attacher', ''))
  else for (const msg of isQualifiedName(attacher.toLowerCase())) errs.push(field.invalid('spec.attacher', attacher, msg))
  if (!str(spec['nodeName'])) errs.push(field.required('spec.nodeName', ''))
  const source = objOf(spec['source'])
  const pv = source['persistentVolumeName']
  const inline = source['inlineVolumeSpec']
  if ((pv === undefined || pv === null) && !isObj(inline)) errs.push(field.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'))
  else if (pv !== undefined && pv !== null && isObj(inline)) errs.push(field.forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'))
  return errs
}

export const volumeattachments: ResourceDefinition = {
  group: 'storage.k8s.io',
  version: 'v1',
  resource: 'volumeattachments',
  singular: 'volumeattachment',
  kind: 'VolumeAttachment',
  listKind: 'VolumeAttachmentList',
  namespaced: false,
  subresources: ['status'],
  schema: { model: 'V1VolumeAttachment' },
  tableColumns: [
    { name: 'Attacher', type: 'string', format: 'name', description: 'attacher indicates the name of the volume driver that MUST handle this request.', cell: (o) => str(specOf(o)['attacher']) },
    { name: 'PV', type: 'string', description: 'persistentVolumeName represents the name of the persistent volume to attach.', cell: (o) => str(objOf(specOf(o)['source'])['persistentVolumeName']) },
    { name: 'Node', type: 'string', description: 'nodeName represents the node that the volume should be attached to.', cell: (o) => str(specOf(o)['nodeName']) },
    { name: 'Attached', type: 'boolean', description: 'attached indicates the volume is successfully attached.', cell: (o) => statusOf(o)['attached'] === true },
    ageColumn,
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      delete obj['status']
    },
    validate: (_ctx, obj) => validateVolumeAttachment(obj),
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate(_ctx, obj, old) {
      const errs = validateVolumeAttachment(obj)
      if (!semanticEqual(obj['spec'], old['spec'])) errs.push(field.invalid('spec', obj['spec'], 'field is immutable'))
      return errs
    },
  },
}

// ---------------------------------------------------------------------------------------------
// node.k8s.io/v1 RuntimeClass
// ---------------------------------------------------------------------------------------------

function validateRuntimeClass(obj: KubeObject): FieldError[] {
  const handler = str(obj['handler'])
  return isDNS1123Label(handler).map((msg) => field.invalid('handler', handler, msg))
}

export const runtimeclasses: ResourceDefinition = {
  group: 'node.k8s.io',
  version: 'v1',
  resource: 'runtimeclasses',
  singular: 'runtimeclass',
  kind: 'RuntimeClass',
  listKind: 'RuntimeClassList',
  namespaced: false,
  schema: { model: 'V1RuntimeClass' },
  tableColumns: [
    { name: 'Handler', type: 'string', description: 'handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.', cell: (o) => str(o['handler']) },
    ageColumn,
  ],
  strategy: {
    validate: (_ctx, obj) => validateRuntimeClass(obj),
    validateUpdate: (_ctx, obj, old) => [...validateRuntimeClass(obj), ...validateImmutableField(obj['handler'], old['handler'], 'handler')],
  },
}

/** The resources of the small groups, in group order. */
export const miscResources: readonly ResourceDefinition[] = [
  endpointslices,
  leases,
  eventsV1,
  priorityclasses,
  storageclasses,
  csidrivers,
  volumeattachments,
  runtimeclasses,
]
