/**
 * @module routers/kube/core/endpoints
 * core/v1 Endpoints (pkg/registry/core/endpoint, ValidateEndpoints): port protocols default to
 * TCP; every subset needs addresses, addresses must be routable IPs, ports are numbered, named when
 * there are several, and speak TCP, UDP or SCTP. The table prints the first three host:ports.
 */
import { isIP } from 'node:net'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn } from './helpers.js'
import { isObj, listOf, strOf } from '../json.js'

/** supportedPortProtocols, sorted as sets.List sorts them. */
const supportedPortProtocols: readonly string[] = ['SCTP', 'TCP', 'UDP']


/** The bytes of an address as netutils.ParseIPSloppy reads it (IPv4 may carry leading zeros). */
function parseIPSloppy(s: string): number[] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (v4) {
    const parts = v4.slice(1).map(Number)
    return parts.every((p) => p <= 255) ? parts : undefined
  }
  if (isIP(s) !== 6) return undefined
  let text = s
  let tail: number[] = []
  const embedded = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s)
  if (embedded) {
    tail = embedded.slice(1).map(Number)
    text = s.slice(0, s.length - embedded[0].length) + '0:0'
  }
  const [head = '', rest] = text.split('::')
  const h = head ? head.split(':') : []
  const t = rest ? rest.split(':') : []
  const groups = [...h, ...Array<string>(rest === undefined ? 0 : 8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16))
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff])
  if (embedded) bytes.splice(12, 4, ...tail)
  // An IPv4-mapped address is an IPv4 address to Go (To4() succeeds).
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12)
  return bytes
}

/** IsValidIP: the field's one error when the text is no address. */
function isValidIP(path: string, value: string): FieldError[] {
  return parseIPSloppy(value) ? [] : [field.invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')]
}

/** ValidateNonSpecialIP: endpoints must not point at unspecified, loopback or link-local addresses. */
function validateNonSpecialIP(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value)
  if (!ip) return [field.invalid(path, value, 'must be a valid IP address')]
  const errs: FieldError[] = []
  const v4 = ip.length === 4
  if (ip.every((b) => b === 0)) errs.push(field.invalid(path, value, `may not be unspecified (${value})`))
  if (v4 ? ip[0] === 127 : ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1) {
    errs.push(field.invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'))
  }
  if (v4 ? ip[0] === 169 && ip[1] === 254 : ip[0] === 0xfe && (ip[1]! & 0xc0) === 0x80) {
    errs.push(field.invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'))
  }
  if (v4 ? ip[0] === 224 && ip[1] === 0 && ip[2] === 0 : ip[0] === 0xff && (ip[1]! & 0x0f) === 0x02) {
    errs.push(field.invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'))
  }
  return errs
}

function validateEndpointAddress(address: unknown, path: string): FieldError[] {
  const ip = strOf(address, 'ip')
  const errs = isValidIP(`${path}.ip`, ip)
  const hostname = strOf(address, 'hostname')
  if (hostname !== '') for (const msg of isDNS1123Label(hostname)) errs.push(field.invalid(`${path}.hostname`, hostname, msg))
  if (isObj(address) && typeof address['nodeName'] === 'string') {
    const nodeName = address['nodeName']
    for (const msg of isDNS1123Subdomain(nodeName)) errs.push(field.invalid(`${path}.nodeName`, nodeName, msg))
  }
  return [...errs, ...validateNonSpecialIP(`${path}.ip`, ip)]
}

function validateEndpointPort(port: unknown, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = []
  const name = strOf(port, 'name')
  if (requireName && name === '') errs.push(field.required(`${path}.name`))
  else if (name !== '') for (const msg of isDNS1123Label(name)) errs.push(field.invalid(`${path}.name`, name, msg))
  const num = isObj(port) ? (port['port'] ?? 0) : 0
  for (const msg of isValidPortNum(num)) errs.push(field.invalid(`${path}.port`, num, msg))
  const protocol = strOf(port, 'protocol')
  if (protocol === '') errs.push(field.required(`${path}.protocol`))
  else if (!supportedPortProtocols.includes(protocol)) errs.push(field.notSupported(`${path}.protocol`, protocol, supportedPortProtocols))
  if (isObj(port) && typeof port['appProtocol'] === 'string') {
    const appProtocol = port['appProtocol']
    for (const msg of isQualifiedName(appProtocol)) errs.push(field.invalid(`${path}.appProtocol`, appProtocol, msg))
  }
  return errs
}

/** validateEndpointSubsets */
function validateEndpoints(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  listOf(obj, 'subsets').forEach((ss, i) => {
    const p = `subsets[${i}]`
    const addresses = listOf(ss, 'addresses')
    const notReady = listOf(ss, 'notReadyAddresses')
    // A headless service may have no ports, but every subset has somewhere to send traffic.
    if (addresses.length === 0 && notReady.length === 0) errs.push(field.required(p, 'must specify `addresses` or `notReadyAddresses`'))
    addresses.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${p}.addresses[${j}]`)))
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${p}.notReadyAddresses[${j}]`)))
    const ports = listOf(ss, 'ports')
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, `${p}.ports[${j}]`)))
  })
  return errs
}

/** SetDefaults_Endpoints: a port without a protocol is TCP. */
function defaultEndpoints(obj: KubeObject): void {
  for (const ss of listOf(obj, 'subsets')) {
    for (const port of listOf(ss, 'ports')) if (isObj(port) && !port['protocol']) port['protocol'] = 'TCP'
  }
}

/** net.JoinHostPort */
function joinHostPort(host: string, port: unknown): string {
  return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`
}

/** formatEndpoints with every port: at most three entries, then "+ N more...". */
export function formatEndpoints(obj: KubeObject): string {
  const subsets = listOf(obj, 'subsets')
  if (subsets.length === 0) return '<none>'
  const max = 3
  const list: string[] = []
  let more = false
  let count = 0
  for (const ss of subsets) {
    const addresses = listOf(ss, 'addresses')
    const ports = listOf(ss, 'ports')
    if (ports.length === 0) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(strOf(a, 'ip'))
      }
      continue
    }
    for (const port of ports) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(joinHostPort(strOf(a, 'ip'), isObj(port) ? (port['port'] ?? 0) : 0))
      }
    }
  }
  const ret = list.join(',')
  return more ? `${ret} + ${count - max} more...` : ret
}

export const endpoints: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'endpoints',
  singular: 'endpoints',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  namespaced: true,
  shortNames: ['ep'],
  schema: { model: 'V1Endpoints' },
  tableColumns: [
    {
      name: 'Endpoints',
      type: 'string',
      description:
        'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
      cell: (o) => formatEndpoints(o),
    },
    ageColumn,
  ],
  strategy: {
    applyDefaults: defaultEndpoints,
    validate: (_ctx, obj) => validateEndpoints(obj),
    validateUpdate: (_ctx, obj) => validateEndpoints(obj),
  },
}
