/**
 * @module routers/kube/core/persistentvolumeclaims
 * core/v1 PersistentVolumeClaim (pkg/registry/core/persistentvolumeclaim,
 * ValidatePersistentVolumeClaim): Filesystem by default, status starts Pending, a claim needs
 * access modes and a positive storage request, dataSource and dataSourceRef mirror each other, and
 * the spec is immutable after creation except the one-time volumeName and, for bound claims, the
 * storage request and volumeAttributesClassName. `name` is kube's historical field selector.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isDNS1123Subdomain, validateImmutableField, validateLabelSelector } from '../../../lib/api/validation.js'
import type { LabelSelectorObject } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import {
  accessModesString,
  ageColumn,
  assertQuantities,
  canonicalizeQuantities,
  compareQuantities,
  jsonEqual,
  keepAllButStatus,
  keepOldStatus,
  parseQuantity,
  quantityText,
  supportedVolumeModes,
  validateAccessModes,
  validatePositiveQuantity,
  validateResourceQuantityValue,
} from './helpers.js'
import type { Quantity } from './helpers.js'
import { betaStorageClassAnnotation } from './persistentvolumes.js'
import { applyPersistentVolumeClaimDefaults } from './pod-defaults.js'
import type { Obj } from '../json.js'
import { ensureMap, isObj, listOf, mapOf, strOf } from '../json.js'

const immutableSpecMsg = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'

function spec(obj: KubeObject): Obj {
  return mapOf(obj, 'spec')
}

function status(obj: KubeObject): Obj {
  return mapOf(obj, 'status')
}

function storageRequest(obj: KubeObject): Quantity | undefined {
  const v = mapOf(mapOf(spec(obj), 'resources'), 'requests')['storage']
  if (v === undefined) return undefined
  const q = parseQuantity(v)
  return typeof q === 'string' ? undefined : q
}

/**
 * SetDefaults_PersistentVolumeClaim(Spec). Phase Pending is also what the PV controller writes for
 * an unbound claim right after create, so a claim shows Pending here as it does in a cluster.
 */
function defaultClaim(obj: KubeObject): void {
  // resources is a non-pointer struct: always written, {} when empty.
  const resources = ensureMap(ensureMap(obj, 'spec'), 'resources')
  assertQuantities('PersistentVolumeClaim', [resources['requests'], resources['limits'], status(obj)['capacity'], status(obj)['allocatedResources']])
  applyPersistentVolumeClaimDefaults(obj)
}

function copyRef(from: Obj, withNamespace: boolean): Obj {
  const out: Obj = {}
  if (from['apiGroup'] !== undefined) out['apiGroup'] = from['apiGroup']
  out['kind'] = from['kind'] ?? ''
  out['name'] = from['name'] ?? ''
  if (withNamespace && from['namespace'] !== undefined) out['namespace'] = from['namespace']
  return out
}

/** NormalizeDataSources: whichever of dataSource and dataSourceRef was given fills the other. */
function normalizeDataSources(s: Obj): void {
  const ds = s['dataSource']
  const ref = s['dataSourceRef']
  if (isObj(ds) && !isObj(ref)) s['dataSourceRef'] = copyRef(ds, false)
  else if (isObj(ref) && !isObj(ds) && !strOf(ref, 'namespace')) s['dataSource'] = copyRef(ref, false)
}

function validateDataSource(ds: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  if (strOf(ds, 'name') === '') errs.push(field.required(`${path}.name`))
  const kind = strOf(ds, 'kind')
  if (kind === '') errs.push(field.required(`${path}.kind`))
  if (strOf(ds, 'apiGroup') === '' && kind !== 'PersistentVolumeClaim') {
    errs.push(field.invalid(path, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
  }
  return errs
}

/** ValidatePersistentVolumeClaimSpec */
function validateClaim(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const s = spec(obj)
  const modes = listOf(s, 'accessModes')
  if (modes.length === 0) errs.push(field.required('spec.accessModes', 'at least 1 access mode is required'))
  if (isObj(s['selector'])) errs.push(...validateLabelSelector(s['selector'] as LabelSelectorObject, {}, 'spec.selector'))
  errs.push(...validateAccessModes(modes, 'spec.accessModes'))
  // kube keys the request off spec.resources, not spec.resources.requests.
  const storage = storageRequest(obj)
  if (!('storage' in mapOf(mapOf(s, 'resources'), 'requests'))) errs.push(field.required('spec.resources[storage]'))
  else if (storage) {
    const positive = validatePositiveQuantity(storage, 'spec.resources[storage]')
    errs.push(...(positive.length > 0 ? positive : validateResourceQuantityValue('storage', storage, 'spec.resources[storage]')))
  }
  const className = s['storageClassName']
  if (typeof className === 'string' && className !== '') {
    for (const msg of isDNS1123Subdomain(className)) errs.push(field.invalid('spec.storageClassName', className, msg))
  }
  const volumeMode = s['volumeMode']
  if (typeof volumeMode === 'string' && !supportedVolumeModes.includes(volumeMode)) errs.push(field.notSupported('spec.volumeMode', volumeMode, supportedVolumeModes))
  if (isObj(s['dataSource'])) errs.push(...validateDataSource(s['dataSource'], 'spec.dataSource'))
  return errs
}

/** ValidatePersistentVolumeClaimUpdate */
function validateClaimUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateClaim(obj)
  const newSpec = structuredClone(spec(obj))
  const oldSpec = structuredClone(spec(old))
  // Semantic equality compares quantities by value: 1Gi equals 1024Mi.
  for (const s of [newSpec, oldSpec]) {
    canonicalizeQuantities(mapOf(s['resources'], 'requests'))
    canonicalizeQuantities(mapOf(s['resources'], 'limits'))
  }
  // The PV controller binds a claim by setting volumeName, once.
  if (strOf(oldSpec, 'volumeName') === '') {
    if (newSpec['volumeName'] === undefined) delete oldSpec['volumeName']
    else oldSpec['volumeName'] = newSpec['volumeName']
  }
  const newAnnotation = obj.metadata.annotations?.[betaStorageClassAnnotation]
  const oldAnnotation = old.metadata.annotations?.[betaStorageClassAnnotation]
  // Moving the class from the beta annotation into spec.storageClassName is allowed once.
  const upgrade =
    oldAnnotation !== undefined &&
    oldSpec['storageClassName'] === undefined &&
    newAnnotation === oldAnnotation &&
    newSpec['storageClassName'] === oldAnnotation
  if (upgrade) delete newSpec['storageClassName']
  else if ((newAnnotation ?? '') !== (oldAnnotation ?? '')) {
    // ValidateImmutableAnnotation joins the path with dots: metadata.annotations.<key>.
    errs.push(field.invalid(`metadata.annotations.${betaStorageClassAnnotation}`, newAnnotation ?? '', 'field is immutable'))
  }
  if (strOf(status(obj), 'phase') === 'Bound') {
    const requests = mapOf(newSpec['resources'], 'requests')
    const oldStorage = mapOf(oldSpec['resources'], 'requests')['storage']
    if (isObj(mapOf(newSpec, 'resources')['requests'])) {
      if (oldStorage === undefined) delete requests['storage']
      else requests['storage'] = oldStorage
    }
    if (oldSpec['volumeAttributesClassName'] === undefined) delete newSpec['volumeAttributesClassName']
    else newSpec['volumeAttributesClassName'] = oldSpec['volumeAttributesClassName']
  }
  // kube appends a cmp.Diff of the two specs, which has no equivalent here.
  if (!jsonEqual(newSpec, oldSpec)) errs.push(field.forbidden('spec', immutableSpecMsg))
  const newSize = storageRequest(obj)
  const oldSize = storageRequest(old)
  if (newSize && oldSize && compareQuantities(newSize, oldSize) < 0) {
    // RecoverVolumeExpansionFailure: shrinking is allowed back down to what the volume reports.
    const statusSize = parseQuantity(mapOf(status(old), 'capacity')['storage'] ?? '0')
    if (typeof statusSize !== 'string' && compareQuantities(newSize, statusSize) <= 0) {
      errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'))
    }
  }
  errs.push(...validateImmutableField(spec(obj)['volumeMode'], spec(old)['volumeMode'], 'volumeMode'))
  return errs
}

function canonicalizeClaim(obj: KubeObject): void {
  const resources = mapOf(spec(obj), 'resources')
  canonicalizeQuantities(resources['requests'])
  canonicalizeQuantities(resources['limits'])
  canonicalizeQuantities(status(obj)['capacity'])
  canonicalizeQuantities(status(obj)['allocatedResources'])
}

/** GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName. */
function storageClass(obj: KubeObject): string {
  const annotations = obj.metadata.annotations ?? {}
  if (betaStorageClassAnnotation in annotations) return annotations[betaStorageClassAnnotation] ?? ''
  return strOf(spec(obj), 'storageClassName')
}

export const persistentvolumeclaims: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  namespaced: true,
  shortNames: ['pvc'],
  subresources: ['status'],
  schema: { model: 'V1PersistentVolumeClaim' },
  tableColumns: [
    {
      name: 'Status',
      type: 'string',
      description: 'phase represents the current phase of PersistentVolumeClaim.',
      cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : strOf(status(o), 'phase')),
    },
    { name: 'Volume', type: 'string', description: 'volumeName is the binding reference to the PersistentVolume backing this claim.', cell: (o) => strOf(spec(o), 'volumeName') },
    {
      name: 'Capacity',
      type: 'string',
      description: 'capacity represents the actual resources of the underlying volume.',
      // Capacity and modes are the bound volume's, so an unbound claim shows neither.
      cell: (o) => (strOf(spec(o), 'volumeName') !== '' ? quantityText(mapOf(status(o), 'capacity')['storage']) : ''),
    },
    {
      name: 'Access Modes',
      type: 'string',
      description: 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1',
      cell: (o) => (strOf(spec(o), 'volumeName') !== '' ? accessModesString(status(o)['accessModes']) : ''),
    },
    { name: 'StorageClass', type: 'string', description: 'StorageClass of the pvc', cell: (o) => storageClass(o) },
    { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pvc', cell: (o) => strOf(spec(o), 'volumeAttributesClassName') || '<unset>' },
    ageColumn,
    {
      name: 'VolumeMode',
      type: 'string',
      priority: 1,
      description: 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.',
      cell: (o) => strOf(spec(o), 'volumeMode') || '<unset>',
    },
  ],
  // "This is a bug, but we need to support it for backward compatibility."
  selectableFields: { name: (o) => o.metadata.name },
  strategy: {
    returnDeletedObject: true,
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
      normalizeDataSources(ensureMap(obj, 'spec'))
    },
    applyDefaults: defaultClaim,
    validate: (_ctx, obj) => validateClaim(obj),
    prepareForUpdate(_ctx, obj, old) {
      keepOldStatus(obj, old)
      normalizeDataSources(ensureMap(obj, 'spec'))
    },
    prepareForSubresourceUpdate: (_sub, _ctx, obj, old) => keepAllButStatus(obj, old),
    validateUpdate: (_ctx, obj, old) => validateClaimUpdate(obj, old),
    canonicalize: canonicalizeClaim,
  },
}
