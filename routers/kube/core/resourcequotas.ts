/**
 * @module routers/kube/core/resourcequotas
 * core/v1 ResourceQuota (pkg/registry/core/resourcequota, ValidateResourceQuota): status is the
 * quota controller's and starts empty, spec.hard and status names are quota resources with
 * non-negative (and for counts whole) values, and the status subresource carries usage. The
 * table prints used/hard per resource from status, requests and limits apart.
 */
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import {
  ageColumn,
  assertQuantities,
  canonicalizeQuantities,
  keepAllButStatus,
  keepOldStatus,
  quantitiesOf,
  quantityText,
  validateResourceQuantityValue,
  validateResourceQuotaResourceName,
} from './helpers.js'
import { mapOf } from '../json.js'

function spec(obj: KubeObject): Record<string, unknown> {
  return mapOf(obj, 'spec')
}

function status(obj: KubeObject): Record<string, unknown> {
  return mapOf(obj, 'status')
}

function validateResourceList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  for (const [name, q] of quantitiesOf(list)) {
    const p = `${path}[${name}]`
    errs.push(...validateResourceQuotaResourceName(name, p), ...validateResourceQuantityValue(name, q, p))
  }
  return errs
}

function validateResourceQuota(obj: KubeObject): FieldError[] {
  return [
    ...validateResourceList(spec(obj)['hard'], 'spec.hard'),
    ...validateResourceList(status(obj)['hard'], 'status.hard'),
    ...validateResourceList(status(obj)['used'], 'status.used'),
  ]
}

/** Every object writes spec and status (non-pointer structs), and decoding refuses bad quantities. */
function defaultResourceQuota(obj: KubeObject): void {
  assertQuantities('ResourceQuota', [spec(obj)['hard'], status(obj)['hard'], status(obj)['used']])
  obj['spec'] = spec(obj)
  obj['status'] = status(obj)
}

function canonicalizeResourceQuota(obj: KubeObject): void {
  canonicalizeQuantities(spec(obj)['hard'])
  canonicalizeQuantities(status(obj)['hard'])
  canonicalizeQuantities(status(obj)['used'])
}

/** printResourceQuota: "<resource>: <used>/<hard>" sorted by name, limits.* in the Limit column. */
function usage(obj: KubeObject, limits: boolean): string {
  const hard = mapOf(status(obj), 'hard')
  const used = mapOf(status(obj), 'used')
  return Object.keys(hard)
    .sort()
    .filter((r) => (r.split('.').length > 1 && r.split('.')[0] === 'limits') === limits)
    .map((r) => `${r}: ${quantityText(used[r])}/${quantityText(hard[r])}`)
    .join(', ')
}

export const resourcequotas: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'resourcequotas',
  singular: 'resourcequota',
  kind: 'ResourceQuota',
  listKind: 'ResourceQuotaList',
  namespaced: true,
  shortNames: ['quota'],
  subresources: ['status'],
  schema: { model: 'V1ResourceQuota' },
  tableColumns: [
    ageColumn,
    { name: 'Request', type: 'string', description: 'Request represents a minimum amount of cpu/memory that a container may consume.', cell: (o) => usage(o, false) },
    {
      name: 'Limit',
      type: 'string',
      description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
      cell: (o) => usage(o, true),
    },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    applyDefaults: defaultResourceQuota,
    validate: (_ctx, obj) => validateResourceQuota(obj),
    prepareForUpdate: (_ctx, obj, old) => keepOldStatus(obj, old),
    prepareForSubresourceUpdate: (_sub, _ctx, obj, old) => keepAllButStatus(obj, old),
    validateUpdate: (_ctx, obj) => validateResourceQuota(obj),
    canonicalize: canonicalizeResourceQuota,
  },
}
