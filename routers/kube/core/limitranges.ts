/**
 * @module routers/kube/core/limitranges
 * core/v1 LimitRange (pkg/registry/core/limitrange, ValidateLimitRange): Container limits get
 * their default limit from max and their default request from the default limit or min, types
 * and resource names are checked, and min <= defaultRequest <= default <= max must hold per
 * resource. Quantities are written back in canonical form. kube has no printer for this kind.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isQualifiedName } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import type { Quantity } from './helpers.js'
import {
  assertQuantities,
  canonicalizeQuantities,
  compareQuantities,
  invalidQuantity,
  quantitiesOf,
  scaledValue,
  validateContainerResourceName,
  validateResourceName,
} from './helpers.js'
import { isObj, listOf, mapOf, strOf } from '../json.js'
import type { Obj } from '../json.js'

const quantityMaps = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const
const standardLimitTypes = ['Pod', 'Container', 'PersistentVolumeClaim']

function limits(obj: KubeObject): unknown[] {
  return listOf(mapOf(obj, 'spec'), 'limits')
}

/** SetDefaults_LimitRangeItem: only Container limits get defaults. Empty maps are not written. */
function defaultLimitRange(obj: KubeObject): void {
  assertQuantities('LimitRange', limits(obj).flatMap((item) => quantityMaps.map((k) => mapOf(item, k))))
  for (const item of limits(obj)) {
    if (!isObj(item) || item['type'] !== 'Container') continue
    const def: Obj = { ...mapOf(item, 'default') }
    const defReq: Obj = { ...mapOf(item, 'defaultRequest') }
    for (const [k, v] of Object.entries(mapOf(item, 'max'))) if (!(k in def)) def[k] = v
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v
    for (const [k, v] of Object.entries(mapOf(item, 'min'))) if (!(k in defReq)) defReq[k] = v
    if (Object.keys(def).length > 0) item['default'] = def
    if (Object.keys(defReq).length > 0) item['defaultRequest'] = defReq
  }
}

/** validateLimitRangeTypeName */
function validateLimitType(type: string, path: string): FieldError[] {
  const errs = isQualifiedName(type).map((msg) => field.invalid(path, type, msg))
  if (errs.length > 0) return errs
  if (!type.includes('/') && !standardLimitTypes.includes(type)) errs.push(field.invalid(path, type, 'must be a standard limit type or fully qualified'))
  return errs
}

/** validateLimitRangeResourceName: container resources for Pod and Container limits. */
function validateLimitResourceName(type: string, name: string, path: string): FieldError[] {
  return type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, path) : validateResourceName(name, path)
}

function validateLimitRange(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const types = new Set<string>()
  limits(obj).forEach((item, i) => {
    const p = `spec.limits[${i}]`
    const type = strOf(item, 'type')
    errs.push(...validateLimitType(type, `${p}.type`))
    if (types.has(type)) errs.push(field.duplicate(`${p}.type`, type))
    types.add(type)

    const keys = new Set<string>()
    const seen: Record<(typeof quantityMaps)[number], Map<string, Quantity>> = {
      max: new Map(),
      min: new Map(),
      default: new Map(),
      defaultRequest: new Map(),
      maxLimitRequestRatio: new Map(),
    }
    const collect = (k: (typeof quantityMaps)[number]): void => {
      for (const [name, q] of quantitiesOf(mapOf(item, k))) {
        errs.push(...validateLimitResourceName(type, name, `${p}.${k}[${name}]`))
        keys.add(name)
        seen[k].set(name, q)
      }
    }
    collect('max')
    collect('min')
    if (type === 'Pod') {
      if (Object.keys(mapOf(item, 'default')).length > 0) errs.push(field.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"))
      if (Object.keys(mapOf(item, 'defaultRequest')).length > 0) errs.push(field.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"))
    } else {
      collect('default')
      collect('defaultRequest')
    }
    if (type === 'PersistentVolumeClaim' && !('storage' in mapOf(item, 'min')) && !('storage' in mapOf(item, 'max'))) {
      errs.push(field.required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'))
    }
    collect('maxLimitRequestRatio')

    for (const k of keys) {
      const min = seen.min.get(k)
      const max = seen.max.get(k)
      const def = seen.default.get(k)
      const defReq = seen.defaultRequest.get(k)
      const ratio = seen.maxLimitRequestRatio.get(k)
      const gt = (a: Quantity | undefined, b: Quantity | undefined): boolean => !!a && !!b && compareQuantities(a, b) > 0
      if (gt(min, max)) errs.push(invalidQuantity(`${p}.min[${k}]`, min!, `min value ${min!.text} is greater than max value ${max!.text}`))
      if (gt(min, defReq)) errs.push(invalidQuantity(`${p}.defaultRequest[${k}]`, defReq!, `min value ${min!.text} is greater than default request value ${defReq!.text}`))
      if (gt(defReq, max)) errs.push(invalidQuantity(`${p}.defaultRequest[${k}]`, defReq!, `default request value ${defReq!.text} is greater than max value ${max!.text}`))
      if (gt(defReq, def)) errs.push(invalidQuantity(`${p}.defaultRequest[${k}]`, defReq!, `default request value ${defReq!.text} is greater than default limit value ${def!.text}`))
      if (gt(min, def)) errs.push(invalidQuantity(`${p}.default[${k}]`, min!, `min value ${min!.text} is greater than default value ${def!.text}`))
      if (gt(def, max)) errs.push(invalidQuantity(`${p}.default[${k}]`, max!, `default value ${def!.text} is greater than max value ${max!.text}`))
      if (ratio && compareQuantities(ratio, { mantissa: 1n, exponent: 0 }) < 0) {
        errs.push(invalidQuantity(`${p}.maxLimitRequestRatio[${k}]`, ratio, `ratio ${ratio.text} is less than 1`))
      }
      if (ratio && min && max) {
        // The widest ratio min and max allow, in milli-units as Go computes it; more could never be met.
        const limit = Number(scaledValue(max, -3)) / Number(scaledValue(min, -3))
        if (Number(scaledValue(ratio, -3)) / 1000 > limit) {
          errs.push(invalidQuantity(`${p}.maxLimitRequestRatio[${k}]`, ratio, `ratio ${ratio.text} is greater than max/min = ${limit.toFixed(6)}`))
        }
      }
    }
  })
  return errs
}

function canonicalizeLimitRange(obj: KubeObject): void {
  for (const item of limits(obj)) for (const k of quantityMaps) canonicalizeQuantities(mapOf(item, k))
}

export const limitranges: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'limitranges',
  singular: 'limitrange',
  kind: 'LimitRange',
  listKind: 'LimitRangeList',
  namespaced: true,
  shortNames: ['limits'],
  schema: { model: 'V1LimitRange' },
  strategy: {
    applyDefaults: defaultLimitRange,
    validate: (_ctx, obj) => validateLimitRange(obj),
    validateUpdate: (_ctx, obj) => validateLimitRange(obj),
    canonicalize: canonicalizeLimitRange,
  },
}
