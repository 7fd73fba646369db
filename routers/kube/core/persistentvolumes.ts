/**
 * @module routers/kube/core/persistentvolumes
 * core/v1 PersistentVolume (pkg/registry/core/persistentvolume, ValidatePersistentVolume):
 * cluster-scoped, Retain and Filesystem by default, Pending with a phase transition time on
 * create, exactly one volume source, a positive storage capacity, and a source that never changes.
 * The status subresource belongs to the PV controller; `name` is kube's historical field selector.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { goQuote, isDNS1123Subdomain, validateImmutableField } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { nowTimestamp } from '../../../lib/api/time.js'
import {
  accessModesString,
  ageColumn,
  assertQuantities,
  canonicalizeQuantities,
  jsonEqual,
  keepAllButStatus,
  keepOldStatus,
  quantitiesOf,
  quantityText,
  scaledValue,
  supportedVolumeModes,
  validateAccessModes,
  validatePositiveQuantity,
} from './helpers.js'
import { ensureMap, isObj, listOf, mapOf, strOf } from '../json.js'
import type { Obj } from '../json.js'

/** The PersistentVolumeSource members, in the order ValidatePersistentVolumeSpec visits them. */
export const persistentVolumeSources: readonly string[] = [
  'hostPath', 'glusterfs', 'flocker', 'gcePersistentDisk', 'awsElasticBlockStore', 'nfs', 'rbd', 'quobyte', 'cinder', 'cephfs', 'iscsi',
  'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO', 'local', 'storageos', 'csi',
]
const reclaimPolicies = ['Delete', 'Recycle', 'Retain']
export const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class'

function spec(obj: KubeObject): Obj {
  return mapOf(obj, 'spec')
}

/** SetDefaults_PersistentVolume and SetDefaults_HostPathVolumeSource. */
function defaultPersistentVolume(obj: KubeObject): void {
  assertQuantities('PersistentVolume', [spec(obj)['capacity']])
  const s = ensureMap(obj, 'spec')
  if (!s['persistentVolumeReclaimPolicy']) s['persistentVolumeReclaimPolicy'] = 'Retain'
  if (s['volumeMode'] === undefined || s['volumeMode'] === null) s['volumeMode'] = 'Filesystem'
  const hostPath = s['hostPath']
  if (isObj(hostPath) && hostPath['type'] === undefined) hostPath['type'] = ''
  const st = ensureMap(obj, 'status')
  if (!st['phase']) st['phase'] = 'Pending'
}

/** %#v of a core.ResourceList, which the capacity error prints. */
function goResourceList(capacity: unknown): string {
  const entries = quantitiesOf(capacity).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (!isObj(capacity)) return 'core.ResourceList(nil)'
  return `core.ResourceList{${entries.map(([k, q]) => `${goQuote(k)}:${q.goRepr}`).join(', ')}}`
}

function validateSource(name: string, src: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  const requireString = (key: string): void => {
    if (strOf(src, key) === '') errs.push(field.required(`${path}.${key}`))
  }
  const noBacksteps = (key: string): void => {
    const p = strOf(src, key)
    if (p.split(/[\\/]/).includes('..')) errs.push(field.invalid(`${path}.${key}`, p, "must not contain '..'"))
  }
  switch (name) {
    case 'hostPath':
      requireString('path')
      noBacksteps('path')
      break
    case 'nfs':
      requireString('server')
      requireString('path')
      if (strOf(src, 'path') !== '' && !strOf(src, 'path').startsWith('/')) errs.push(field.invalid(`${path}.path`, strOf(src, 'path'), 'must be an absolute path'))
      break
    case 'local':
      requireString('path')
      noBacksteps('path')
      break
    case 'csi':
      requireString('driver')
      requireString('volumeHandle')
      break
    default:
  }
  return errs
}

/** ValidatePersistentVolumeSpec (for a PersistentVolume object, not an inline spec). */
function validatePersistentVolume(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const s = spec(obj)
  const modes = listOf(s, 'accessModes')
  if (modes.length === 0) errs.push(field.required('spec.accessModes'))
  errs.push(...validateAccessModes(modes, 'spec.accessModes'))

  const capacity = s['capacity']
  const capKeys = isObj(capacity) ? Object.keys(capacity) : []
  if (capKeys.length === 0) errs.push(field.required('spec.capacity'))
  if (!capKeys.includes('storage') || capKeys.length > 1) {
    const e = field.notSupported('spec.capacity', capacity ?? null, ['storage'])
    e.badValueText = goResourceList(capacity)
    errs.push(e)
  }
  for (const [name, q] of quantitiesOf(capacity)) {
    const p = `spec.capacity[${name}]`
    // validateBasicResource: Value() rounds away from zero, so any negative quantity fails here.
    const value = scaledValue(q, 0)
    if (value < 0n) errs.push(field.invalid(p, Number(value), 'must be a valid resource quantity'))
    errs.push(...validatePositiveQuantity(q, p))
  }

  const className = strOf(s, 'storageClassName')
  if (className !== '') for (const msg of isDNS1123Subdomain(className)) errs.push(field.invalid('spec.storageClassName', className, msg))
  const volumeMode = s['volumeMode']
  if (typeof volumeMode === 'string' && !supportedVolumeModes.includes(volumeMode)) errs.push(field.notSupported('spec.volumeMode', volumeMode, supportedVolumeModes))
  const policy = strOf(s, 'persistentVolumeReclaimPolicy')
  if (policy !== '' && !reclaimPolicies.includes(policy)) errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', policy, reclaimPolicies))

  let count = 0
  for (const name of persistentVolumeSources) {
    const src = s[name]
    if (src === undefined || src === null) continue
    if (count > 0) {
      errs.push(field.forbidden(`spec.${name}`, 'may not specify more than 1 volume type'))
      continue
    }
    count++
    errs.push(...validateSource(name, src, `spec.${name}`))
    // The requirement predates the nodeAffinity field and still reports its old annotation path.
    if (name === 'local' && !isObj(s['nodeAffinity'])) errs.push(field.required('metadata.annotations', 'Local volume requires node affinity'))
  }
  if (count === 0) errs.push(field.required('spec', 'must specify a volume type'))
  return errs
}

function volumeSource(obj: KubeObject): Obj {
  const s = spec(obj)
  const out: Obj = {}
  for (const name of persistentVolumeSources) if (s[name] !== undefined && s[name] !== null) out[name] = s[name]
  return out
}

function validatePersistentVolumeUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePersistentVolume(obj)
  if (!jsonEqual(volumeSource(obj), volumeSource(old))) {
    // kube appends a cmp.Diff of the two sources, which has no equivalent here.
    errs.push(field.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'))
  }
  errs.push(...validateImmutableField(spec(obj)['volumeMode'], spec(old)['volumeMode'], 'volumeMode'))
  return errs
}

/** The status strategy: a phase change stamps lastPhaseTransitionTime unless the writer set one. */
function prepareStatusUpdate(obj: KubeObject, old: KubeObject): void {
  keepAllButStatus(obj, old)
  const st = ensureMap(obj, 'status')
  const oldStatus = mapOf(old, 'status')
  const samePhase = strOf(st, 'phase') === strOf(oldStatus, 'phase')
  const given = st['lastPhaseTransitionTime']
  if (samePhase && (given === undefined || given === null)) {
    if (oldStatus['lastPhaseTransitionTime'] !== undefined) st['lastPhaseTransitionTime'] = oldStatus['lastPhaseTransitionTime']
  } else if (!samePhase && (given === undefined || given === null || given === oldStatus['lastPhaseTransitionTime'])) {
    st['lastPhaseTransitionTime'] = nowTimestamp()
  }
}

/** GetPersistentVolumeClass: the beta annotation wins over spec.storageClassName. */
function storageClass(obj: KubeObject): string {
  const annotations = obj.metadata.annotations ?? {}
  if (betaStorageClassAnnotation in annotations) return annotations[betaStorageClassAnnotation] ?? ''
  return strOf(spec(obj), 'storageClassName')
}

function claim(obj: KubeObject): string {
  const ref = spec(obj)['claimRef']
  return isObj(ref) ? `${strOf(ref, 'namespace')}/${strOf(ref, 'name')}` : ''
}

export const persistentvolumes: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  namespaced: false,
  shortNames: ['pv'],
  subresources: ['status'],
  schema: { model: 'V1PersistentVolume' },
  tableColumns: [
    {
      name: 'Capacity',
      type: 'string',
      description: "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
      cell: (o) => quantityText(mapOf(spec(o), 'capacity')['storage']),
    },
    {
      name: 'Access Modes',
      type: 'string',
      description: 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes',
      cell: (o) => accessModesString(spec(o)['accessModes']),
    },
    {
      name: 'Reclaim Policy',
      type: 'string',
      description:
        'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
      cell: (o) => strOf(spec(o), 'persistentVolumeReclaimPolicy'),
    },
    {
      name: 'Status',
      type: 'string',
      description: 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase',
      cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : strOf(mapOf(o, 'status'), 'phase')),
    },
    {
      name: 'Claim',
      type: 'string',
      description:
        'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
      cell: (o) => claim(o),
    },
    { name: 'StorageClass', type: 'string', description: 'StorageClass of the pv', cell: (o) => storageClass(o) },
    { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pv', cell: (o) => strOf(spec(o), 'volumeAttributesClassName') || '<unset>' },
    {
      name: 'Reason',
      type: 'string',
      description: 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
      cell: (o) => strOf(mapOf(o, 'status'), 'reason'),
    },
    ageColumn,
    {
      name: 'VolumeMode',
      type: 'string',
      priority: 1,
      description: 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.',
      cell: (o) => strOf(spec(o), 'volumeMode') || '<unset>',
    },
  ],
  // "This is a bug, but we need to support it for backward compatibility."
  selectableFields: { name: (o) => o.metadata.name },
  strategy: {
    returnDeletedObject: true,
    prepareForCreate(_ctx, obj) {
      obj['status'] = { phase: 'Pending', lastPhaseTransitionTime: nowTimestamp() }
    },
    applyDefaults: defaultPersistentVolume,
    validate: (_ctx, obj) => validatePersistentVolume(obj),
    prepareForUpdate: (_ctx, obj, old) => keepOldStatus(obj, old),
    prepareForSubresourceUpdate: (_sub, _ctx, obj, old) => prepareStatusUpdate(obj, old),
    validateUpdate: (_ctx, obj, old) => validatePersistentVolumeUpdate(obj, old),
    canonicalize: (obj) => canonicalizeQuantities(spec(obj)['capacity']),
  },
}
