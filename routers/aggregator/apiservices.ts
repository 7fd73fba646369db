/**
 * @module routers/aggregator/apiservices
 * apiregistration.k8s.io/v1 APIService (kube-aggregator pkg/apis/apiregistration: types.go,
 * validation/validation.go, v1/defaults.go; pkg/registry/apiservice): the declaration, kube's
 * validation and messages, the status subresource split, and the Table kubectl prints
 * (NAME SERVICE AVAILABLE AGE). Plus the typed accessors the rest of the aggregator reads
 * APIServices through, since objects arrive as plain decoded JSON.
 */
import { Buffer } from 'node:buffer'
import * as field from '../../lib/api/field-errors.js'
import type { FieldError } from '../../lib/api/field-errors.js'
import type { KubeObject } from '../../lib/api/types.js'
import { isDNS1035Label, isDNS1123Subdomain, isValidPathSegmentName } from '../../lib/api/validation.js'
import { jsonPatchType, mergePatchType } from '../../lib/endpoints/handlers/patch.js'
import type { ResourceDefinition } from '../../lib/registry/resource.js'
import { ageColumn } from '../../lib/registry/table.js'
import { fieldChecker } from '../../openapi/field-checker.js'

export const apiregistrationGroup = 'apiregistration.k8s.io'

/** The label autoregistered APIServices carry (autoregister_controller.go AutoRegisterManagedLabel). */
export const automanagedLabel = 'kube-aggregator.kubernetes.io/automanaged'

export interface ServiceReference {
  namespace: string
  name: string
  port: number
}

export interface APIServiceCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  lastTransitionTime?: string
  reason?: string
  message?: string
}

/** The fields of an APIService the aggregator acts on, read defensively from the stored JSON. */
export interface APIServiceView {
  name: string
  group: string
  version: string
  service?: ServiceReference
  groupPriorityMinimum: number
  versionPriority: number
  insecureSkipTLSVerify: boolean
  /** Decoded PEM bytes of spec.caBundle, if any. */
  caBundle?: Buffer
  conditions: APIServiceCondition[]
}

type JsonMap = Record<string, unknown>

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function mapOf(obj: unknown, key: string): JsonMap {
  const v = isMap(obj) ? obj[key] : undefined
  return isMap(v) ? v : {}
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0
}

/** spec.caBundle is []byte on the wire: base64 text. Undecodable text counts as its raw length. */
function caBundleBytes(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || v === '') return undefined
  return Buffer.from(v, 'base64')
}

export function viewOf(obj: KubeObject): APIServiceView {
  const spec = mapOf(obj, 'spec')
  const svc = isMap(spec['service']) ? spec['service'] : undefined
  const conditions = (Array.isArray(mapOf(obj, 'status')['conditions']) ? (mapOf(obj, 'status')['conditions'] as unknown[]) : []).filter(isMap)
  return {
    name: obj.metadata.name ?? '',
    group: str(spec['group']),
    version: str(spec['version']),
    service: svc ? { namespace: str(svc['namespace']), name: str(svc['name']), port: typeof svc['port'] === 'number' ? svc['port'] : 443 } : undefined,
    groupPriorityMinimum: num(spec['groupPriorityMinimum']),
    versionPriority: num(spec['versionPriority']),
    insecureSkipTLSVerify: spec['insecureSkipTLSVerify'] === true,
    caBundle: caBundleBytes(spec['caBundle']),
    conditions: conditions.map((c) => ({
      type: str(c['type']),
      status: (['True', 'False', 'Unknown'].includes(str(c['status'])) ? c['status'] : 'Unknown') as APIServiceCondition['status'],
      lastTransitionTime: str(c['lastTransitionTime']) || undefined,
      reason: str(c['reason']) || undefined,
      message: str(c['message']) || undefined,
    })),
  }
}

export function availableCondition(view: APIServiceView): APIServiceCondition | undefined {
  return view.conditions.find((c) => c.type === 'Available')
}

export function isAvailable(view: APIServiceView): boolean {
  return availableCondition(view)?.status === 'True'
}

/** ValidateAPIService, message for message. */
export function validateAPIService(obj: KubeObject): FieldError[] {
  const spec = mapOf(obj, 'spec')
  const group = str(spec['group'])
  const version = str(spec['version'])
  const name = obj.metadata.name ?? ''
  const requiredName = `${version}.${group}`
  const errs: FieldError[] = []
  // The name function of ValidateObjectMeta: a path segment (the Store checks that, with
  // nameValidation below), and then exactly version.group.
  if (name !== '' && isValidPathSegmentName(name).length === 0 && name !== requiredName) {
    errs.push(field.invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: "${requiredName}"`))
  }
  if (group === '' && version !== 'v1') errs.push(field.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'))
  if (group !== '') for (const msg of isDNS1123Subdomain(group)) errs.push(field.invalid('spec.group', group, msg))
  for (const msg of isDNS1035Label(version)) errs.push(field.invalid('spec.version', version, msg))

  const gpm = num(spec['groupPriorityMinimum'])
  if (gpm <= 0 || gpm > 20000) errs.push(field.invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'))
  const vp = num(spec['versionPriority'])
  if (vp <= 0 || vp > 1000) errs.push(field.invalid('spec.versionPriority', vp, 'must be positive and less than 1000'))

  const insecure = spec['insecureSkipTLSVerify'] === true
  const ca = caBundleBytes(spec['caBundle'])
  const service = spec['service']
  if (!isMap(service)) {
    if (ca && ca.length > 0) errs.push(field.invalid('spec.caBundle', `${ca.length} bytes`, 'local APIServices may not have a caBundle'))
    if (insecure) errs.push(field.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'))
    return errs
  }
  if (str(service['namespace']) === '') errs.push(field.required('spec.service.namespace'))
  if (str(service['name']) === '') errs.push(field.required('spec.service.name'))
  if (insecure && ca && ca.length > 0) errs.push(field.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'))
  return errs
}

/** ValidateAPIServiceStatus: condition statuses are True, False or Unknown. */
function validateStatus(obj: KubeObject): FieldError[] {
  const conditions = mapOf(obj, 'status')['conditions']
  if (!Array.isArray(conditions)) return []
  const errs: FieldError[] = []
  conditions.forEach((c, i) => {
    const status = isMap(c) ? c['status'] : undefined
    if (status !== 'True' && status !== 'False' && status !== 'Unknown') {
      errs.push(field.notSupported(`status.conditions[${i}].status`, status ?? '', ['False', 'True', 'Unknown']))
    }
  })
  return errs
}

/** SetDefaults_ServiceReference: port 443. */
function applyDefaults(obj: KubeObject): void {
  const spec = mapOf(obj, 'spec')
  const service = spec['service']
  if (isMap(service) && service['port'] === undefined) service['port'] = 443
}

/** The Available column (pkg/registry/apiservice/etcd getCondition): True, or "False (Reason)". */
function availableCell(obj: KubeObject): string {
  const c = availableCondition(viewOf(obj))
  if (!c) return 'Unknown'
  if (c.status === 'True' || !c.reason) return c.status
  return `${c.status} (${c.reason})`
}

function serviceCell(obj: KubeObject): string {
  const svc = viewOf(obj).service
  return svc ? `${svc.namespace}/${svc.name}` : 'Local'
}

export const apiservices: ResourceDefinition = {
  group: apiregistrationGroup,
  version: 'v1',
  resource: 'apiservices',
  singular: 'apiservice',
  kind: 'APIService',
  listKind: 'APIServiceList',
  namespaced: false,
  categories: ['api-extensions'],
  schema: { model: 'V1APIService' },
  checkFields: fieldChecker('V1APIService', 'APIService'),
  patchTypes: [jsonPatchType, mergePatchType],
  subresources: ['status'],
  // "v1." (the core group) is no DNS subdomain: kube validates the name as a path segment.
  nameValidation: 'path-segment',
  tableColumns: [
    { name: 'Service', type: 'string', description: 'The reference to the service that hosts this API endpoint.', cell: serviceCell },
    { name: 'Available', type: 'string', description: 'Whether this service is available.', cell: availableCell },
    ageColumn,
  ],
  strategy: {
    // apiServerStrategy.PrepareForCreate: the status starts empty.
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    applyDefaults,
    validate: (_ctx, obj) => validateAPIService(obj),
    prepareForUpdate(_ctx, obj, old) {
      obj['status'] = structuredClone(old['status'] ?? {})
    },
    validateUpdate: (_ctx, obj) => [...validateAPIService(obj), ...validateStatus(obj)],
    // apiServerStatusStrategy: only status changes, metadata changes are dropped.
    prepareForSubresourceUpdate(_sub, _ctx, obj, old) {
      for (const k of new Set([...Object.keys(obj), ...Object.keys(old)])) {
        if (k === 'status' || k === 'metadata' || k === 'apiVersion' || k === 'kind') continue
        if (old[k] === undefined) delete obj[k]
        else obj[k] = structuredClone(old[k])
      }
      for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        if (old.metadata[k] === undefined) delete obj.metadata[k]
        else obj.metadata[k] = structuredClone(old.metadata[k]) as never
      }
    },
    generationChanged: (obj, old) => JSON.stringify(obj['spec']) !== JSON.stringify(old['spec']),
  },
}
