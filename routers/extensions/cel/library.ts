/**
 * @module routers/extensions/cel/library
 * The Kubernetes CEL extension functions CRD rules may call (k8s.io/apiserver/pkg/cel/library:
 * lists, regex, quantity, and cel-go's ext sets), on top of @bufbuild/cel's standard functions and
 * its strings extension. Opaque kube types (Quantity) are CEL maps with one private key, since
 * @bufbuild/cel only knows protobuf message types.
 */
import { celEnv, celFunc, celMap, celMethod, CelScalar, isCelError, isCelList, isCelMap, listType, mapType } from '@bufbuild/cel'
import type { CelFunc, CelInput, CelList, CelMap, CelValue } from '@bufbuild/cel'
import { strings } from '@bufbuild/cel/ext'
import {
  addQuantity, compareQuantity, isIntegerQuantity, parseQuantity, quantityAsFloat, quantityAsInteger, quantityFromInt,
  quantitySign, subQuantity,
} from './quantity.js'
import type { Quantity } from './quantity.js'
import { netFuncs } from './library-net.js'

const { BOOL, DOUBLE, DYN, INT, STRING } = CelScalar
const LIST = listType(DYN)
const MAP = mapType(STRING, DYN)

/** The private key of the map standing for a Quantity; not a valid CEL identifier, so rules cannot select it. */
const quantityKey = '@kubernetes.Quantity'

function quantityValue(q: Quantity): CelMap {
  return celMap(new Map<string, string>([[quantityKey, `${q.num}/${q.den}`]]))
}

function asQuantity(v: CelValue): Quantity {
  if (isCelMap(v)) {
    const s = v.get(quantityKey)
    if (typeof s === 'string') {
      const [num, den] = s.split('/')
      return { num: BigInt(num!), den: BigInt(den!) }
    }
  }
  throw new Error('no such overload')
}

function isInt64(n: bigint): boolean {
  return n >= -(2n ** 63n) && n < 2n ** 63n
}

/** CEL's ordering of comparable values (numbers across int/uint/double, strings, bools). */
function compareValues(a: CelValue, b: CelValue): number {
  const na = typeof a === 'bigint' || typeof a === 'number'
  const nb = typeof b === 'bigint' || typeof b === 'number'
  if (na && nb) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
    const x = Number(a)
    const y = Number(b)
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  throw new Error('no such overload')
}

/** CEL equality over the values JSON produces (heterogeneous numbers compare by value). */
export function celEquals(a: CelValue, b: CelValue): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    return typeof a === typeof b ? a === b : Number(a) === Number(b)
  }
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false
    for (let i = 0; i < a.size; i++) if (!celEquals(a.get(i)!, b.get(i)!)) return false
    return true
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false
    for (const [k, v] of a) {
      const w = b.get(k)
      if (w === undefined || !celEquals(v, w)) return false
    }
    return true
  }
  return a === b
}

function listIndex(list: CelList, value: CelValue, last: boolean): bigint {
  let found = -1
  for (let i = 0; i < list.size; i++) {
    if (celEquals(list.get(i)!, value)) {
      found = i
      if (!last) break
    }
  }
  return BigInt(found)
}

function extreme(list: CelList, name: string, sign: number): CelValue {
  if (list.size === 0) throw new Error(`${name} called on empty list`)
  let best: CelValue = list.get(0)!
  for (const v of list) if (compareValues(v, best) * sign > 0) best = v
  return best
}

function sum(list: CelList): CelValue {
  let intSum = 0n
  let doubleSum = 0
  let sawDouble = false
  for (const v of list) {
    if (typeof v === 'bigint') intSum += v
    else if (typeof v === 'number') {
      doubleSum += v
      sawDouble = true
    } else throw new Error('no such overload')
  }
  if (sawDouble) return doubleSum + Number(intSum)
  if (!isInt64(intSum)) throw new Error('integer overflow')
  return intSum
}

function findAll(s: string, pattern: string, limit: bigint): string[] {
  const out: string[] = []
  if (limit === 0n || !re2Matches(s, pattern)) return out
  const re = compileRegex(pattern, 'gu')
  for (const m of s.matchAll(re)) {
    out.push(m[0])
    if (limit > 0n && BigInt(out.length) >= limit) break
  }
  return out
}

/** The standard functions alone, for RE2 `matches`. */
const re2 = celEnv().funcs

/**
 * Whether the pattern matches anywhere, with @bufbuild/cel's RE2 `matches` (linear time): find and
 * findAll only run a JS RegExp, which could backtrack badly, once RE2 says there is a match.
 */
function re2Matches(s: string, pattern: string): boolean {
  const r = re2.find('matches')?.call(0, s, [pattern])
  if (r === undefined) throw new Error('no such overload')
  // RE2's own message, as Go prints it: "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
  if (isCelError(r)) throw new Error(r.message)
  return r === true
}

/** JS regular expressions find the match here; RE2-only syntax JS rejects is a runtime error as in kube. */
function compileRegex(pattern: string, flags: string): RegExp {
  if (/\\[1-9]|\(\?<?[=!]/.test(pattern)) throw new Error('error parsing regexp: invalid or unsupported Perl syntax')
  // RE2 spellings JS lacks: (?P<name>...) groups and a leading (?i)
  let source = pattern.replace(/\(\?P</g, '(?<')
  if (source.startsWith('(?i)')) {
    source = source.slice(4)
    flags += 'i'
  }
  try {
    return new RegExp(source, flags)
  } catch {
    // unicode mode refuses escapes RE2 allows (e.g. "\-" outside a class)
    try {
      return new RegExp(source, flags.replace('u', ''))
    } catch (e) {
      throw new Error(`error parsing regexp: ${(e as Error).message}`, { cause: e })
    }
  }
}

function setContains(a: CelList, b: CelList): boolean {
  for (const x of b) if (listIndex(a, x, false) < 0n) return false
  return true
}

const lists: CelFunc[] = [
  celMethod('isSorted', LIST, [], BOOL, function isSorted(this: CelList) {
    for (let i = 1; i < this.size; i++) if (compareValues(this.get(i - 1)!, this.get(i)!) > 0) return false
    return true
  }),
  celMethod('sum', LIST, [], DYN, function listSum(this: CelList) {
    return sum(this)
  }),
  celMethod('min', LIST, [], DYN, function listMin(this: CelList) {
    return extreme(this, 'min', -1)
  }),
  celMethod('max', LIST, [], DYN, function listMax(this: CelList) {
    return extreme(this, 'max', 1)
  }),
  celMethod('indexOf', LIST, [DYN], INT, function listIndexOf(this: CelList, v: CelValue) {
    return listIndex(this, v, false)
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function listLastIndexOf(this: CelList, v: CelValue) {
    return listIndex(this, v, true)
  }),
]

const regex: CelFunc[] = [
  celMethod('find', STRING, [STRING], STRING, function find(this: string, pattern: string) {
    if (!re2Matches(this, pattern)) return ''
    return compileRegex(pattern, 'u').exec(this)?.[0] ?? ''
  }),
  celMethod('findAll', STRING, [STRING], listType(STRING), function findAllUnlimited(this: string, pattern: string) {
    return findAll(this, pattern, -1n)
  }),
  celMethod('findAll', STRING, [STRING, INT], listType(STRING), function findAllLimited(this: string, pattern: string, n: bigint) {
    return findAll(this, pattern, n)
  }),
]

function quantityOf(s: string): Quantity {
  const q = parseQuantity(s)
  if (!q) throw new Error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
  return q
}

const quantity: CelFunc[] = [
  celFunc('isQuantity', [STRING], BOOL, (s: string) => parseQuantity(s) !== undefined),
  celFunc('quantity', [STRING], MAP, (s: string) => quantityValue(quantityOf(s))),
  celMethod('isInteger', MAP, [], BOOL, function isInteger(this: CelMap) {
    return isIntegerQuantity(asQuantity(this))
  }),
  celMethod('asInteger', MAP, [], INT, function asInteger(this: CelMap) {
    const n = quantityAsInteger(asQuantity(this))
    if (n === undefined) throw new Error('cannot convert value to integer')
    return n
  }),
  celMethod('asApproximateFloat', MAP, [], DOUBLE, function asApproximateFloat(this: CelMap) {
    return quantityAsFloat(asQuantity(this))
  }),
  celMethod('sign', MAP, [], INT, function sign(this: CelMap) {
    return quantitySign(asQuantity(this))
  }),
  celMethod('isLessThan', MAP, [MAP], BOOL, function isLessThan(this: CelMap, o: CelMap) {
    return compareQuantity(asQuantity(this), asQuantity(o)) < 0
  }),
  celMethod('isGreaterThan', MAP, [MAP], BOOL, function isGreaterThan(this: CelMap, o: CelMap) {
    return compareQuantity(asQuantity(this), asQuantity(o)) > 0
  }),
  celMethod('compareTo', MAP, [MAP], INT, function compareTo(this: CelMap, o: CelMap) {
    return BigInt(compareQuantity(asQuantity(this), asQuantity(o)))
  }),
  celMethod('add', MAP, [MAP], MAP, function add(this: CelMap, o: CelMap) {
    return quantityValue(addQuantity(asQuantity(this), asQuantity(o)))
  }),
  celMethod('add', MAP, [INT], MAP, function addInt(this: CelMap, o: bigint) {
    return quantityValue(addQuantity(asQuantity(this), quantityFromInt(o)))
  }),
  celMethod('sub', MAP, [MAP], MAP, function sub(this: CelMap, o: CelMap) {
    return quantityValue(subQuantity(asQuantity(this), asQuantity(o)))
  }),
  celMethod('sub', MAP, [INT], MAP, function subInt(this: CelMap, o: bigint) {
    return quantityValue(subQuantity(asQuantity(this), quantityFromInt(o)))
  }),
]

const sets: CelFunc[] = [
  celFunc('sets.contains', [LIST, LIST], BOOL, (a: CelList, b: CelList) => setContains(a, b)),
  celFunc('sets.equivalent', [LIST, LIST], BOOL, (a: CelList, b: CelList) => setContains(a, b) && setContains(b, a)),
  celFunc('sets.intersects', [LIST, LIST], BOOL, (a: CelList, b: CelList) => {
    for (const x of b) if (listIndex(a, x, false) >= 0n) return true
    return false
  }),
]

/** The private key of the map standing for a CEL optional value (optionalOldSelf's oldSelf). */
const optionalKey = '@optional'

/** optional.of(v) / optional.none() as a map: {'@optional': true, 'value': v} or {'@optional': false}. */
export function optionalValue(v: CelInput | undefined): CelMap {
  const m = new Map<string, CelInput>([[optionalKey, v !== undefined]])
  if (v !== undefined) m.set('value', v)
  return celMap(m)
}

function asOptional(v: CelValue): { present: boolean; value?: CelValue } {
  if (isCelMap(v)) {
    const present = v.get(optionalKey)
    if (typeof present === 'boolean') return { present, value: v.get('value') }
  }
  throw new Error('no such overload')
}

/** A zero value as optional.ofNonZeroValue sees it. */
function isZero(v: CelValue): boolean {
  if (v === null || v === false || v === '' || v === 0 || v === 0n) return true
  if (isCelList(v) || isCelMap(v)) return v.size === 0
  return false
}

const optionals: CelFunc[] = [
  celFunc('optional.of', [DYN], MAP, (v: CelValue) => optionalValue(v)),
  celFunc('optional.none', [], MAP, () => optionalValue(undefined)),
  celFunc('optional.ofNonZeroValue', [DYN], MAP, (v: CelValue) => optionalValue(isZero(v) ? undefined : v)),
  celMethod('hasValue', MAP, [], BOOL, function hasValue(this: CelMap) {
    return asOptional(this).present
  }),
  celMethod('value', MAP, [], DYN, function value(this: CelMap) {
    const o = asOptional(this)
    if (!o.present) throw new Error('optional.none() dereference')
    return o.value!
  }),
  celMethod('orValue', MAP, [DYN], DYN, function orValue(this: CelMap, other: CelValue) {
    const o = asOptional(this)
    return o.present ? o.value! : other
  }),
  celMethod('or', MAP, [MAP], MAP, function or(this: CelMap, other: CelMap) {
    asOptional(other)
    return asOptional(this).present ? this : other
  }),
]

/** Every function a CRD rule may call beyond @bufbuild/cel's standard library. */
export const kubernetesFuncs: CelFunc[] = [...strings, ...lists, ...regex, ...quantity, ...sets, ...netFuncs, ...optionals]

/**
 * Functions of the Kubernetes CEL environment this server does not implement: a rule calling one
 * is refused at CRD write with a message saying so, rather than failing at runtime.
 */
export const unsupportedKubernetesFuncs = new Set([
  'format.dns1123Label', 'format.dns1123Subdomain', 'format.named', 'validate', 'semver', 'isSemver', 'major',
  'minor', 'patch', 'math.greatest', 'math.least', 'math.ceil', 'math.floor', 'math.round', 'math.abs', 'math.sign',
  'math.isNaN', 'math.isInf', 'math.bitAnd', 'math.bitOr', 'math.bitXor', 'math.bitNot', 'math.bitShiftLeft',
  'math.bitShiftRight', 'math.trunc', 'math.isFinite', 'lists.range', 'reverse', 'distinct', 'flatten', 'slice',
  'sort', 'sortBy', 'authorizer', 'base64.encode', 'base64.decode',
])

/** Reports whether a CEL value is a kube Quantity (for messages and type names). */
export function isQuantityValue(v: unknown): boolean {
  return isCelMap(v) && typeof v.get(quantityKey) === 'string' && !isCelError(v)
}
