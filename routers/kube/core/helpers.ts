/**
 * @module routers/kube/core/helpers
 * What several core/v1 declarations share: the Age column, plain-JSON field access, the status
 * subresource split, resource.Quantity (parse, compare, print as apimachinery does), resource
 * name rules (pkg/apis/core/helper) and the printers' small formatting helpers.
 */
import * as errors from '../../../lib/api/errors.js'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { goQuote, isQualifiedName } from '../../../lib/api/validation.js'
import { humanDuration } from '../../../lib/registry/duration.js'


import { isObj } from '../json.js'

/** apiequality.Semantic.DeepEqual on decoded JSON (quantities are canonical by then). */
export { jsonEqual } from '../../../lib/api/validation.js'

// ---------------------------------------------------------------------------------------------
// The status subresource split (the *StatusStrategy PrepareForUpdate pairs).
// ---------------------------------------------------------------------------------------------

/** Main endpoint: status is what the stored object has (PrepareForUpdate of the main strategy). */
export function keepOldStatus(obj: KubeObject, old: KubeObject): void {
  if (old['status'] === undefined) delete obj['status']
  else obj['status'] = structuredClone(old['status'])
}

/**
 * Status endpoint: everything but status comes from the stored object, and metadata changes are
 * dropped the way ResetObjectMetaForStatus drops them (labels, annotations, finalizers, owners).
 */
export function keepAllButStatus(obj: KubeObject, old: KubeObject): void {
  for (const k of new Set([...Object.keys(obj), ...Object.keys(old)])) {
    if (k === 'status' || k === 'metadata' || k === 'apiVersion' || k === 'kind') continue
    if (old[k] === undefined) delete obj[k]
    else obj[k] = structuredClone(old[k])
  }
  const meta = obj.metadata
  for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    if (old.metadata[k] === undefined) delete meta[k]
    else meta[k] = structuredClone(old.metadata[k]) as never
  }
}

// ---------------------------------------------------------------------------------------------
// Table columns (pkg/printers/internalversion/printers.go)
// ---------------------------------------------------------------------------------------------

export { ageColumn, creationTimestampDescription } from '../../../lib/registry/table.js'

/** translateTimestampSince for any timestamp field: "<unknown>" when unset. */
export function timestampSince(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>'
  const t = Date.parse(ts)
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t)
}

/** labels.FormatLabels: sorted k=v pairs, "<none>" for none. */
export function formatLabels(labels: unknown): string {
  if (!isObj(labels)) return '<none>'
  const keys = Object.keys(labels).sort()
  if (keys.length === 0) return '<none>'
  return keys.map((k) => `${k}=${String(labels[k])}`).join(',')
}

/** GetAccessModesAsString: RWO, ROX, RWX, RWOP in that fixed order, duplicates once. */
export function accessModesString(modes: unknown): string {
  const set = new Set(Array.isArray(modes) ? modes : [])
  const out: string[] = []
  if (set.has('ReadWriteOnce')) out.push('RWO')
  if (set.has('ReadOnlyMany')) out.push('ROX')
  if (set.has('ReadWriteMany')) out.push('RWX')
  if (set.has('ReadWriteOncePod')) out.push('RWOP')
  return out.join(',')
}

// ---------------------------------------------------------------------------------------------
// resource.Quantity (apimachinery pkg/api/resource/quantity.go). Values are exact: a bigint
// mantissa times a power of ten, which every Quantity is once parsing rounded it to 1n.
// ---------------------------------------------------------------------------------------------

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent'

export interface Quantity {
  mantissa: bigint
  exponent: number
  format: QuantityFormat
  /** Quantity.String(): the input when it was already canonical (the cached s), else canonical. */
  text: string
  /** fmt's %#v of the parsed struct, which field errors print for a Quantity value. */
  goRepr: string
}

const quantityRegex = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'
/** ErrFormatWrong, ErrSuffix and ErrNumeric: the decoder's own words. */
export const quantityFormatError = `quantities must match the regular expression '${quantityRegex}'`
const quantitySuffixError = "unable to parse quantity's suffix"

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 }
const decimalSuffixOf = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]))
const binarySuffixOf = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e / 10, s]))
const int64Max = 9223372036854775807n

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** parseQuantityString, character for character: sign, numerator, denominator, suffix. */
function splitQuantity(str: string): { positive: boolean; num: string; denom: string; suffix: string } | undefined {
  const end = str.length
  let pos = 0
  let positive = true
  if (str[0] === '-') {
    positive = false
    pos++
  } else if (str[0] === '+') {
    pos++
  }
  while (pos < end && str[pos] === '0') pos++
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' }
  let i = pos
  while (i < end && isDigit(str[i])) i++
  if (i >= end) return { positive, num: str.slice(pos), denom: '', suffix: '' }
  const num = str.slice(pos, i) || '0'
  pos = i
  let denom = ''
  if (str[pos] === '.') {
    pos++
    i = pos
    while (i < end && isDigit(str[i])) i++
    denom = str.slice(pos, i)
    if (i >= end) return { positive, num, denom, suffix: '' }
    pos = i
  }
  const suffixStart = pos
  i = pos
  while (i < end && 'eEinumkKMGTP'.includes(str[i]!)) i++
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) }
  pos = i
  if (str[pos] === '-' || str[pos] === '+') pos++
  i = pos
  while (i < end && isDigit(str[i])) i++
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) }
  return undefined
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  if (suffix in decimalSuffixes) return { base: 10, exponent: decimalSuffixes[suffix]!, format: 'DecimalSI' }
  if (suffix in binarySuffixes) return { base: 2, exponent: binarySuffixes[suffix]!, format: 'BinarySI' }
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const e = Number(suffix.slice(1))
    if (Number.isSafeInteger(e) && Math.abs(e) < 2 ** 31) return { base: 10, exponent: e, format: 'DecimalExponent' }
  }
  return undefined
}

function goQuantityRepr(value: bigint, scale: number, s: string, format: QuantityFormat): string {
  return `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${goQuote(s)}, Format:${goQuote(format)}}`
}

/**
 * ParseQuantity on what the JSON decoder hands it (a string, or a number's text). Returns the
 * Quantity, or the decoder's error message.
 */
export function parseQuantity(input: unknown): Quantity | string {
  if (typeof input !== 'string' && typeof input !== 'number') return quantityFormatError
  const str = String(input).trim()
  if (str === '') return quantityFormatError
  if (str === '0') return { mantissa: 0n, exponent: 0, format: 'DecimalSI', text: '0', goRepr: goQuantityRepr(0n, 0, '0', 'DecimalSI') }
  const parts = splitQuantity(str)
  if (!parts) return quantityFormatError
  const sfx = interpretSuffix(parts.suffix)
  if (!sfx) return quantitySuffixError
  const { positive, num, denom } = parts
  const sign = positive ? 1n : -1n
  let mantissa: bigint
  let exponent: number
  if (sfx.base === 10) {
    mantissa = sign * BigInt(num + denom)
    exponent = sfx.exponent - denom.length
  } else {
    mantissa = sign * BigInt(num + denom) * (1n << BigInt(sfx.exponent))
    exponent = -denom.length
  }
  // Anything finer than 1n rounds up (away from zero): asking for some resource gets some.
  if (exponent < -9) {
    const d = 10n ** BigInt(-9 - exponent)
    const m = mantissa < 0n ? -mantissa : mantissa
    let q = m / d
    if (q * d !== m) q += 1n
    mantissa = mantissa < 0n ? -q : q
    exponent = -9
  }
  const q: Quantity = { mantissa, exponent, format: sfx.format, text: '', goRepr: '' }
  const canonical = formatQuantity(q)
  q.text = canonical
  // Off the int64 fast path Go holds an *inf.Dec and %#v prints its address, which nothing can
  // reproduce; the canonical text stands in for it.
  q.goRepr = `resource.Quantity{i:resource.int64Amount{value:0, scale:0}, d:resource.infDecAmount{Dec:${canonical}}, s:"", Format:${goQuote(sfx.format)}}`
  // The int64 fast path of ParseQuantity decides what %#v shows and whether the input is kept as s.
  let precision: number
  let scale: number
  let multiplier = 1n
  if (sfx.format === 'BinarySI') {
    scale = 0
    if (sfx.exponent >= 0 && denom.length === 0) {
      multiplier = 1n << BigInt(sfx.exponent)
      precision = 15 - num.length - Math.trunc((sfx.exponent * 3) / 10) - 1
    } else {
      precision = -1
    }
  } else {
    scale = sfx.exponent
    precision = 18 - (num.length + denom.length)
  }
  if (precision >= 0) {
    scale -= denom.length
    if (scale >= -9) {
      const shifted = num + denom
      const value = BigInt(shifted)
      const result = value * multiplier
      if (result <= int64Max) {
        const cached =
          sfx.format === 'BinarySI'
            ? sfx.exponent % 10 === 0 && (value & 7n) !== 0n
            : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0'
        if (cached) q.text = str
        q.goRepr = goQuantityRepr(positive ? result : -result, scale, cached ? str : '', sfx.format)
      }
    }
  }
  return q
}

/** Quantity.CanonicalizeBytes: the form kube-apiserver writes back ("1500m", "2Gi", "1k", "0"). */
export function formatQuantity(q: Pick<Quantity, 'mantissa' | 'exponent' | 'format'>): string {
  if (q.mantissa === 0n) return '0'
  let format = q.format
  if (format === 'BinarySI') {
    const integral = q.exponent >= 0 || q.mantissa % 10n ** BigInt(-q.exponent) === 0n
    if (compareQuantities(q, { mantissa: -1024n, exponent: 0 }) > 0 && compareQuantities(q, { mantissa: 1024n, exponent: 0 }) < 0) format = 'DecimalSI'
    else if (!integral) format = 'DecimalSI'
    else {
      let n = q.exponent >= 0 ? q.mantissa * 10n ** BigInt(q.exponent) : q.mantissa / 10n ** BigInt(-q.exponent)
      let times = 0
      const abs = (x: bigint): bigint => (x < 0n ? -x : x)
      while (abs(n) >= 1024n && n % 1024n === 0n) {
        n /= 1024n
        times++
      }
      return `${n}${binarySuffixOf.get(times) ?? ''}`
    }
  }
  let m = q.mantissa
  let e = q.exponent
  while ((m >= 10n || m <= -10n) && m % 10n === 0n) {
    m /= 10n
    e++
  }
  while (e % 3 !== 0) {
    m *= 10n
    e--
  }
  if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`
  const suffix = decimalSuffixOf.get(e)
  return suffix !== undefined ? `${m}${suffix}` : `${m}e${e}`
}

/** Quantity.Cmp */
export function compareQuantities(a: Pick<Quantity, 'mantissa' | 'exponent'>, b: Pick<Quantity, 'mantissa' | 'exponent'>): number {
  const e = Math.min(a.exponent, b.exponent)
  const x = a.mantissa * 10n ** BigInt(a.exponent - e)
  const y = b.mantissa * 10n ** BigInt(b.exponent - e)
  return x < y ? -1 : x > y ? 1 : 0
}

/** ScaledValue: the value in units of 10^scale, rounded away from zero (AsScaledInt64). */
export function scaledValue(q: Pick<Quantity, 'mantissa' | 'exponent'>, scale: number): bigint {
  const shift = q.exponent - scale
  if (shift >= 0) return q.mantissa * 10n ** BigInt(shift)
  const d = 10n ** BigInt(-shift)
  const t = q.mantissa / d
  if (t * d === q.mantissa) return t
  return q.mantissa < 0n ? t - 1n : t + 1n
}

/** Quantity.String() of a stored value; a missing one is the zero Quantity, "0". */
export function quantityText(v: unknown): string {
  if (v === undefined || v === null) return '0'
  const q = parseQuantity(v)
  return typeof q === 'string' ? String(v) : q.text
}

/**
 * The decoder's check of quantity fields: an unparsable value makes the whole body a 400, as
 * `<Kind> in version "v1" cannot be handled as a <Kind>: <error>`. Called from defaulting, which
 * is where the decoded object first reaches the strategy.
 */
export function assertQuantities(kind: string, maps: readonly unknown[]): void {
  for (const m of maps) {
    if (!isObj(m)) continue
    for (const v of Object.values(m)) {
      const q = parseQuantity(v)
      if (typeof q === 'string') throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${q}`)
    }
  }
}

/** Rewrites a ResourceList's values the way they are encoded back: Quantity.String(). */
export function canonicalizeQuantities(m: unknown): void {
  if (!isObj(m)) return
  for (const [k, v] of Object.entries(m)) {
    const q = parseQuantity(v)
    if (typeof q !== 'string') m[k] = q.text
  }
}

/** field.Invalid with a Quantity value: Go prints the struct with %#v. */
export function invalidQuantity(path: string, q: Quantity, detail: string): FieldError {
  const e = field.invalid(path, q.text, detail)
  e.badValueText = q.goRepr
  return e
}

// ---------------------------------------------------------------------------------------------
// Resource names (pkg/apis/core/helper/helpers.go) and their validation (validation.go).
// ---------------------------------------------------------------------------------------------

const standardResources = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services',
  'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage',
  'services.nodeports', 'services.loadbalancers',
])

const standardQuotaResources = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu',
  'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
])

const integerResources = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
])

function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-')
}

/** IsQuotaHugePageResourceName */
function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-')
}

/** IsNativeResource: unqualified, or in the kubernetes.io domain. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/')
}

/** IsExtendedResourceName: a qualified name outside kubernetes.io that is not a requests. name. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false
  return isQualifiedName(`requests.${name}`).length === 0
}

/** IsStandardContainerResourceName */
export function isStandardContainerResourceName(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || isHugePageResourceName(name)
}

/** IsIntegerResourceName: object counts and extended resources, which have no fractions. */
export function isIntegerResourceName(name: string): boolean {
  return integerResources.has(name) || isExtendedResourceName(name)
}

/** validateResourceName: a qualified name, and a standard one when unqualified. */
export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => field.invalid(path, name, msg))
  if (errs.length > 0) return errs
  if (!name.includes('/') && !(standardResources.has(name) || isQuotaHugePageResourceName(name))) {
    errs.push(field.invalid(path, name, 'must be a standard resource type or fully qualified'))
  }
  return errs
}

/** ValidateResourceQuotaResourceName */
export function validateResourceQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path)
  if (!name.includes('/') && !(standardQuotaResources.has(name) || isQuotaHugePageResourceName(name))) {
    errs.push(field.invalid(path, name, 'must be a standard resource for quota'))
  }
  return errs
}

/** validateContainerResourceName */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path)
  if (!name.includes('/')) {
    if (!isStandardContainerResourceName(name)) errs.push(field.invalid(path, name, 'must be a standard resource for containers'))
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(field.invalid(path, name, "doesn't follow extended resource name standard"))
  }
  return errs
}

export const isNegativeErrorMsg = 'must be greater than or equal to 0'
export const isNotIntegerErrorMsg = 'must be an integer'
export const isNotPositiveErrorMsg = 'must be greater than zero'

/** ValidateNonnegativeQuantity: the value prints as its String(), quoted. */
export function validateNonnegativeQuantity(q: Quantity, path: string): FieldError[] {
  return q.mantissa < 0n ? [field.invalid(path, q.text, isNegativeErrorMsg)] : []
}

/** ValidatePositiveQuantityValue */
export function validatePositiveQuantity(q: Quantity, path: string): FieldError[] {
  return q.mantissa <= 0n ? [field.invalid(path, q.text, isNotPositiveErrorMsg)] : []
}

/** ValidateResourceQuantityValue: non-negative, and whole for integer resources. */
export function validateResourceQuantityValue(resource: string, q: Quantity, path: string): FieldError[] {
  const errs = validateNonnegativeQuantity(q, path)
  if (isIntegerResourceName(resource) && scaledValue(q, -3) % 1000n !== 0n) errs.push(invalidQuantity(path, q, isNotIntegerErrorMsg))
  return errs
}

/** The parsed quantities of a ResourceList; unparsable values were refused by assertQuantities. */
export function quantitiesOf(m: unknown): [string, Quantity][] {
  if (!isObj(m)) return []
  const out: [string, Quantity][] = []
  for (const [k, v] of Object.entries(m)) {
    const q = parseQuantity(v)
    if (typeof q !== 'string') out.push([k, q])
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Small value checks several kinds share.
// ---------------------------------------------------------------------------------------------

/** supportedAccessModes, sorted. */
export const supportedAccessModes: readonly string[] = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod']

/** supportedVolumeModes, sorted. */
export const supportedVolumeModes: readonly string[] = ['Block', 'Filesystem']

/** The access-mode rules PersistentVolumeSpec and PersistentVolumeClaimSpec share. */
export function validateAccessModes(modes: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = []
  let rwop = false
  let other = false
  for (const mode of modes) {
    if (!supportedAccessModes.includes(mode as string)) errs.push(field.notSupported(path, mode, supportedAccessModes))
    if (mode === 'ReadWriteOncePod') rwop = true
    else if (supportedAccessModes.includes(mode as string)) other = true
  }
  if (rwop && other) errs.push(field.forbidden(path, 'may not use ReadWriteOncePod with other access modes'))
  return errs
}
