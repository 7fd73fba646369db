/**
 * @module routers/extensions/cel/library-net
 * The Kubernetes CEL URL, IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library urls.go, ip.go,
 * cidr.go): url()/isURL() with Go's url.ParseRequestURI rules (absolute URI or absolute path) and
 * its getters, ip()/isIP() and cidr()/isCIDR() with netip's strict parsing (no leading zeros, no
 * zones, no IPv4-mapped IPv6) and their predicates. Values are CEL maps with one private key, as
 * quantities are.
 */
import { celFunc, celMap, celMethod, CelScalar, isCelMap, listType, mapType } from '@bufbuild/cel'
import type { CelFunc, CelMap, CelValue } from '@bufbuild/cel'

const { BOOL, INT, STRING, DYN } = CelScalar
const MAP = mapType(STRING, DYN)

const urlKey = '@kubernetes.URL'
const ipKey = '@kubernetes.IP'
const cidrKey = '@kubernetes.CIDR'

function opaque(key: string, text: string): CelMap {
  return celMap(new Map<string, string>([[key, text]]))
}

function unwrap(v: CelValue, key: string): string {
  if (isCelMap(v)) {
    const s = v.get(key)
    if (typeof s === 'string') return s
  }
  throw new Error('no such overload')
}

interface ParsedURL {
  scheme: string
  host: string
  path: string
  query: string
}

/** url.ParseRequestURI, closely enough for validation rules; undefined when Go would refuse it. */
function parseURL(s: string): ParsedURL | undefined {
  if ([...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return undefined
  let scheme = ''
  let rest = s
  if (!s.startsWith('/')) {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(s)
    if (!m) return undefined
    scheme = m[1]!.toLowerCase()
    rest = m[2]!
  }
  const q = rest.indexOf('?')
  const query = q >= 0 ? rest.slice(q + 1) : ''
  rest = q >= 0 ? rest.slice(0, q) : rest
  let host = ''
  if (rest.startsWith('//') && (scheme !== '' || s.startsWith('//'))) {
    const end = rest.indexOf('/', 2)
    const authority = end >= 0 ? rest.slice(2, end) : rest.slice(2)
    rest = end >= 0 ? rest.slice(end) : ''
    host = authority.slice(authority.lastIndexOf('@') + 1)
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s[\]/@]*)(:\d*)?$/.test(host)) return undefined
  } else if (scheme !== '' && !rest.startsWith('/')) {
    // opaque URIs such as mailto:x have no path
    rest = ''
  }
  if (scheme === '' && !s.startsWith('/')) return undefined
  return { scheme, host, path: rest, query }
}

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'))
  const colon = host.lastIndexOf(':')
  return colon >= 0 ? host.slice(0, colon) : host
}

function port(host: string): string {
  const m = /:(\d*)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']') + 1) : host)
  return m ? m[1]! : ''
}

function queryMap(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (query === '') return out
  for (const part of query.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const decode = (x: string): string => {
      try {
        return decodeURIComponent(x.replace(/\+/g, ' '))
      } catch {
        return x
      }
    }
    const k = decode(eq >= 0 ? part.slice(0, eq) : part)
    const v = decode(eq >= 0 ? part.slice(eq + 1) : '')
    out.set(k, [...(out.get(k) ?? []), v])
  }
  return out
}

interface IP {
  family: 4 | 6
  /** 32 or 128 bits. */
  value: bigint
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  let v = 0n
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined
    v = (v << 8n) | BigInt(p)
  }
  return v
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined
  let tail: bigint | undefined
  let text = s
  const lastColon = s.lastIndexOf(':')
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseIPv4(s.slice(lastColon + 1))
    if (tail === undefined) return undefined
    text = `${s.slice(0, lastColon + 1)}0:0`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'))
  const head = groups(halves[0]!)
  const rest = halves.length === 2 ? groups(halves[1]!) : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  let v = 0n
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
    v = (v << 16n) | BigInt(`0x${g}`)
  }
  if (tail !== undefined) v = (v & ~0xffffffffn) | tail
  return v
}

/** netip.ParseAddr plus kube's refusal of IPv4-mapped IPv6 addresses. */
function parseIP(s: string): IP | undefined {
  if (s.includes('%')) return undefined
  const v4 = parseIPv4(s)
  if (v4 !== undefined) return { family: 4, value: v4 }
  if (!s.includes(':')) return undefined
  const v6 = parseIPv6(s)
  if (v6 === undefined || v6 >> 32n === 0xffffn) return undefined
  return { family: 6, value: v6 }
}

function formatIP(ip: IP): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((sh) => String((ip.value >> sh) & 0xffn)).join('.')
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn))
  // RFC 5952: the longest run (of at least two) zero groups becomes "::"
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

function ipOf(s: string): IP {
  const ip = parseIP(s)
  if (!ip) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string`)
  return ip
}

interface CIDR {
  ip: IP
  bits: number
}

function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf('/')
  if (slash < 0) return undefined
  const ip = parseIP(s.slice(0, slash))
  const bitsText = s.slice(slash + 1)
  if (!ip || !/^(0|[1-9]\d*)$/.test(bitsText)) return undefined
  const bits = Number(bitsText)
  if (bits > (ip.family === 4 ? 32 : 128)) return undefined
  return { ip, bits }
}

function cidrOf(s: string): CIDR {
  const c = parseCIDR(s)
  if (!c) throw new Error(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): invalid prefix`)
  return c
}

function width(ip: IP): bigint {
  return ip.family === 4 ? 32n : 128n
}

function masked(c: CIDR): IP {
  const host = width(c.ip) - BigInt(c.bits)
  return { family: c.ip.family, value: (c.ip.value >> host) << host }
}

function contains(c: CIDR, ip: IP): boolean {
  return ip.family === c.ip.family && masked({ ip, bits: c.bits }).value === masked(c).value
}

function ipArg(v: CelValue): IP {
  return typeof v === 'string' ? ipOf(v) : ipOf(unwrap(v, ipKey))
}

function cidrArg(v: CelValue): CIDR {
  return typeof v === 'string' ? cidrOf(v) : cidrOf(unwrap(v, cidrKey))
}

function urlOf(v: CelValue): ParsedURL {
  return parseURL(unwrap(v, urlKey))!
}

function isIn(ip: IP, v4: [bigint, number][], v6: [bigint, number][]): boolean {
  return (ip.family === 4 ? v4 : v6).some(([net, bits]) => contains({ ip: { family: ip.family, value: net }, bits }, ip))
}

export const netFuncs: CelFunc[] = [
  celFunc('isURL', [STRING], BOOL, (s: string) => parseURL(s) !== undefined),
  celFunc('url', [STRING], MAP, (s: string) => {
    if (!parseURL(s)) throw new Error(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`)
    return opaque(urlKey, s)
  }),
  celMethod('getScheme', MAP, [], STRING, function getScheme(this: CelMap) {
    return urlOf(this).scheme
  }),
  celMethod('getHost', MAP, [], STRING, function getHost(this: CelMap) {
    return urlOf(this).host
  }),
  celMethod('getHostname', MAP, [], STRING, function getHostname(this: CelMap) {
    return hostname(urlOf(this).host)
  }),
  celMethod('getPort', MAP, [], STRING, function getPort(this: CelMap) {
    return port(urlOf(this).host)
  }),
  celMethod('getEscapedPath', MAP, [], STRING, function getEscapedPath(this: CelMap) {
    return urlOf(this).path
  }),
  celMethod('getQuery', MAP, [], mapType(STRING, listType(STRING)), function getQuery(this: CelMap) {
    return queryMap(urlOf(this).query)
  }),
  celFunc('isIP', [STRING], BOOL, (s: string) => parseIP(s) !== undefined),
  celFunc('ip', [STRING], MAP, (s: string) => opaque(ipKey, formatIP(ipOf(s)))),
  celFunc('ip.isCanonical', [STRING], BOOL, (s: string) => formatIP(ipOf(s)) === s),
  celMethod('family', MAP, [], INT, function family(this: CelMap) {
    return BigInt(ipArg(this).family)
  }),
  celMethod('isUnspecified', MAP, [], BOOL, function isUnspecified(this: CelMap) {
    return ipArg(this).value === 0n
  }),
  celMethod('isLoopback', MAP, [], BOOL, function isLoopback(this: CelMap) {
    return isIn(ipArg(this), [[0x7f000000n, 8]], [[1n, 128]])
  }),
  celMethod('isLinkLocalMulticast', MAP, [], BOOL, function isLinkLocalMulticast(this: CelMap) {
    return isIn(ipArg(this), [[0xe0000000n, 24]], [[0xff02n << 112n, 16]])
  }),
  celMethod('isLinkLocalUnicast', MAP, [], BOOL, function isLinkLocalUnicast(this: CelMap) {
    return isIn(ipArg(this), [[0xa9fe0000n, 16]], [[0xfe80n << 112n, 10]])
  }),
  celMethod('isGlobalUnicast', MAP, [], BOOL, function isGlobalUnicast(this: CelMap) {
    const ip = ipArg(this)
    if (ip.family === 4 && ip.value === 0xffffffffn) return false
    if (ip.value === 0n || isIn(ip, [[0x7f000000n, 8], [0xe0000000n, 4], [0xa9fe0000n, 16]], [[1n, 128], [0xff00n << 112n, 8], [0xfe80n << 112n, 10]])) {
      return false
    }
    return true
  }),
  celFunc('isCIDR', [STRING], BOOL, (s: string) => parseCIDR(s) !== undefined),
  celFunc('cidr', [STRING], MAP, (s: string) => {
    const c = cidrOf(s)
    return opaque(cidrKey, `${formatIP(c.ip)}/${c.bits}`)
  }),
  celMethod('containsIP', MAP, [DYN], BOOL, function containsIP(this: CelMap, ip: CelValue) {
    return contains(cidrArg(this), ipArg(ip))
  }),
  celMethod('containsCIDR', MAP, [DYN], BOOL, function containsCIDR(this: CelMap, other: CelValue) {
    const c = cidrArg(this)
    const o = cidrArg(other)
    return o.bits >= c.bits && contains(c, o.ip)
  }),
  celMethod('ip', MAP, [], MAP, function cidrIP(this: CelMap) {
    return opaque(ipKey, formatIP(cidrArg(this).ip))
  }),
  celMethod('masked', MAP, [], MAP, function cidrMasked(this: CelMap) {
    const c = cidrArg(this)
    return opaque(cidrKey, `${formatIP(masked(c))}/${c.bits}`)
  }),
  celMethod('prefixLength', MAP, [], INT, function prefixLength(this: CelMap) {
    return BigInt(cidrArg(this).bits)
  }),
  // string(ip), string(cidr), string(url)
  celFunc('string', [MAP], STRING, (m: CelMap) => {
    for (const key of [ipKey, cidrKey, urlKey]) {
      const s = m.get(key)
      if (typeof s === 'string') return s
    }
    throw new Error('no such overload')
  }),
]
