/**
 * @module routers/extensions/cel/quantity
 * resource.Quantity as the Kubernetes CEL quantity library sees it (apimachinery
 * pkg/api/resource): parsing of "100m", "1Gi", "1e3", exact comparison and arithmetic. Values are
 * kept as exact rationals (bigint numerator / denominator) so that 0.1 + 0.2 compares as 0.3.
 */

export interface Quantity {
  num: bigint
  den: bigint
}

/** The grammar resource.ParseQuantity accepts: a signed decimal number and an optional suffix. */
const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/

const binarySuffix: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n }
const decimalSuffix: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a
  b = b < 0n ? -b : b
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

function normalize(num: bigint, den: bigint): Quantity {
  if (den < 0n) {
    num = -num
    den = -den
  }
  const g = gcd(num, den)
  return g > 1n ? { num: num / g, den: den / g } : { num, den }
}

/** Parses a quantity string, or returns undefined when it is not one (as ParseQuantity errors). */
export function parseQuantity(s: string): Quantity | undefined {
  // An exponent written with e/E is only allowed to be modest; huge ones would build huge bigints.
  const m = quantityPattern.exec(s.trim() === s ? s : '')
  if (!m) return undefined
  const [, sign, digits, suffix = ''] = m
  const [intPart = '', fracPart = ''] = digits!.split('.')
  let num = BigInt((intPart || '0') + fracPart)
  let den = 10n ** BigInt(fracPart.length)
  if (sign === '-') num = -num
  if (suffix in binarySuffix) {
    num *= 2n ** binarySuffix[suffix]!
  } else {
    const exp = suffix in decimalSuffix ? decimalSuffix[suffix]! : Number(suffix.slice(1))
    if (!Number.isFinite(exp) || Math.abs(exp) > 1000) return undefined
    if (exp >= 0) num *= 10n ** BigInt(exp)
    else den *= 10n ** BigInt(-exp)
  }
  return normalize(num, den)
}

export function compareQuantity(a: Quantity, b: Quantity): number {
  const l = a.num * b.den
  const r = b.num * a.den
  return l < r ? -1 : l > r ? 1 : 0
}

export function addQuantity(a: Quantity, b: Quantity): Quantity {
  return normalize(a.num * b.den + b.num * a.den, a.den * b.den)
}

export function subQuantity(a: Quantity, b: Quantity): Quantity {
  return normalize(a.num * b.den - b.num * a.den, a.den * b.den)
}

export function quantityFromInt(n: bigint): Quantity {
  return { num: n, den: 1n }
}

export function isIntegerQuantity(q: Quantity): boolean {
  return q.den === 1n
}

const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n

/** Quantity.AsInt64 as the library's asInteger uses it: exact integers within int64 only. */
export function quantityAsInteger(q: Quantity): bigint | undefined {
  if (q.den !== 1n || q.num < int64Min || q.num > int64Max) return undefined
  return q.num
}

export function quantityAsFloat(q: Quantity): number {
  return Number(q.num) / Number(q.den)
}

export function quantitySign(q: Quantity): bigint {
  return q.num > 0n ? 1n : q.num < 0n ? -1n : 0n
}

/** A stable text for equality and printing (not kube's canonical form, which CEL never shows). */
export function quantityKey(q: Quantity): string {
  return q.den === 1n ? String(q.num) : `${q.num}/${q.den}`
}
