/**
 * @module routers/kube/core/services
 * core/v1 Service (pkg/registry/core/service: strategy.go, storage/alloc.go; SetDefaults_Service;
 * ValidateService): defaults, ClusterIP allocation from a service CIDR, NodePort allocation,
 * headless and ExternalName services, the immutable clusterIP, status only through /status.
 *
 * Allocation: each Service declaration owns a ServiceAllocator. Its state is never the source of
 * truth: before every create, update and patch (the installer's `handlers` hook) it is rebuilt by
 * listing the stored Services, with those writes serialized, so it survives restarts of a
 * persistent backend, forgets what failed or dry-run writes reserved, and frees the IPs and ports
 * of deleted Services without a delete hook. The strategy then only reads it in validate (is a
 * requested IP in range and free) and reserves in canonicalize, the last step before the write.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidPortNum, validateImmutableField, validateLabels } from '../../../lib/api/validation.js'
import type { ResourceHandler, ResourceHandlers } from '../../../lib/endpoints/installer.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import type { Store } from '../../../lib/registry/store.js'
import { invalidGo } from '../apps/workload.js'
import { ageColumn, formatLabels, jsonEqual, keepAllButStatus, keepOldStatus } from './helpers.js'
import { ensureSpec, specOf } from '../json.js'
import { isObj, listOf, mapOf, strOf } from '../json.js'
import type { Obj } from '../json.js'

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']
const sessionAffinities = ['ClientIP', 'None']
const protocols = ['SCTP', 'TCP', 'UDP']

export interface ServiceAllocatorOptions {
  /** IPv4 service CIDR; kube-apiserver's --service-cluster-ip-range default. */
  serviceCIDR?: string
  /** --service-node-port-range */
  nodePortRange?: { base: number; size: number }
}

function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p, i) => p > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return undefined
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!
}

function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

/** Looks like an IP at all (v4 or v6): what ValidateService accepts before allocation. */
function isIP(s: string): boolean {
  return parseIPv4(s) !== undefined || (/^[0-9a-fA-F:.]+$/.test(s) && s.includes(':'))
}

/**
 * The bitmap allocators of kube (ipallocator.Range, portallocator.PortAllocator) reduced to sets
 * keyed by owner: an IP or port a Service already holds is free for that same Service.
 */
export class ServiceAllocator {
  readonly cidr: string
  private readonly base: number
  private readonly size: number
  readonly portBase: number
  readonly portSize: number
  private readonly ips = new Map<number, string>()
  private readonly ports = new Map<string, string>()
  private queue: Promise<unknown> = Promise.resolve()

  constructor(opts: ServiceAllocatorOptions = {}) {
    this.cidr = opts.serviceCIDR ?? '10.96.0.0/12'
    const [addr, bits] = this.cidr.split('/')
    const prefix = Number(bits)
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
    this.base = (parseIPv4(addr ?? '') ?? 0) & mask
    this.size = 2 ** (32 - prefix)
    this.portBase = opts.nodePortRange?.base ?? 30000
    this.portSize = opts.nodePortRange?.size ?? 2768
  }

  /** The first usable address of the range: the "kubernetes" Service's ClusterIP. */
  get firstIP(): string {
    return formatIPv4(this.base + 1)
  }

  get portRange(): string {
    return `${this.portBase}-${this.portBase + this.portSize - 1}`
  }

  /** Rebuilds the state from what is stored: the allocator's only source of truth. */
  async sync(store: Store): Promise<void> {
    const list = await store.list({ namespace: '' })
    this.ips.clear()
    this.ports.clear()
    for (const svc of list.items) this.record(svc)
  }

  /** Runs fn after a fresh sync, one at a time, so no two writes pick the same IP or port. */
  serialized<T>(store: Store, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await this.sync(store)
      return fn()
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  private record(svc: KubeObject): void {
    const owner = ownerOf(svc)
    const spec = mapOf(svc, 'spec')
    for (const ip of listOf(spec, 'clusterIPs')) {
      const n = typeof ip === 'string' ? parseIPv4(ip) : undefined
      if (n !== undefined && this.inRange(n)) this.ips.set(n, owner)
    }
    for (const port of listOf(spec, 'ports')) {
      const nodePort = isObj(port) ? port['nodePort'] : undefined
      if (typeof nodePort === 'number') this.ports.set(`${strOf(port, 'protocol') || 'TCP'}/${nodePort}`, owner)
    }
    // The health check node port comes from the same TCP node port range.
    const hc = spec['healthCheckNodePort']
    if (typeof hc === 'number' && hc !== 0) this.ports.set(`TCP/${hc}`, owner)
  }

  inRange(n: number): boolean {
    // The network and broadcast addresses are never handed out.
    return n > this.base && n < this.base + this.size - 1
  }

  /** Why ip cannot go to owner (ipallocator's errors), or undefined when it can. */
  ipProblem(ip: string, owner: string): string | undefined {
    const n = parseIPv4(ip)
    if (n === undefined || !this.inRange(n)) return `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`
    const holder = this.ips.get(n)
    return holder !== undefined && holder !== owner ? 'provided IP is already allocated' : undefined
  }

  portProblem(protocol: string, port: number, owner: string): string | undefined {
    if (port < this.portBase || port >= this.portBase + this.portSize) {
      return `provided port is not in the valid range. The range of valid ports is ${this.portRange}`
    }
    const holder = this.ports.get(`${protocol}/${port}`)
    return holder !== undefined && holder !== owner ? 'provided port is already allocated' : undefined
  }

  /** The lowest free IP of the range. */
  allocateIP(owner: string): string {
    for (let n = this.base + 1; n < this.base + this.size - 1; n++) {
      if (!this.ips.has(n)) {
        this.ips.set(n, owner)
        return formatIPv4(n)
      }
    }
    throw new Error(`range is full`)
  }

  reserveIP(ip: string, owner: string): void {
    const n = parseIPv4(ip)
    if (n !== undefined) this.ips.set(n, owner)
  }

  allocatePort(protocol: string, owner: string): number {
    for (let p = this.portBase; p < this.portBase + this.portSize; p++) {
      if (!this.ports.has(`${protocol}/${p}`)) {
        this.ports.set(`${protocol}/${p}`, owner)
        return p
      }
    }
    throw new Error('range is full')
  }

  reservePort(protocol: string, port: number, owner: string): void {
    this.ports.set(`${protocol}/${port}`, owner)
  }
}

function ownerOf(svc: KubeObject): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`
}


function ports(spec: Obj): Obj[] {
  return listOf(spec, 'ports').filter(isObj)
}

function needsClusterIP(spec: Obj): boolean {
  return strOf(spec, 'type') !== 'ExternalName'
}

/** apiservice.ExternallyAccessible: where externalTrafficPolicy means something. */
function externallyAccessible(spec: Obj): boolean {
  const t = strOf(spec, 'type') || 'ClusterIP'
  return t === 'NodePort' || t === 'LoadBalancer' || (t === 'ClusterIP' && listOf(spec, 'externalIPs').length > 0)
}

/** apiservice.NeedsHealthCheck: a LoadBalancer that keeps traffic on the local node. */
function needsHealthCheck(spec: Obj): boolean {
  return strOf(spec, 'type') === 'LoadBalancer' && strOf(spec, 'externalTrafficPolicy') === 'Local'
}

function healthCheckNodePort(spec: Obj): number {
  return typeof spec['healthCheckNodePort'] === 'number' ? spec['healthCheckNodePort'] : 0
}

function needsNodePorts(spec: Obj): boolean {
  const t = strOf(spec, 'type')
  return t === 'NodePort' || (t === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false)
}

/** SetDefaults_Service plus SetDefaults_ServicePort, in ServiceSpec field order. */
export function applyServiceDefaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  if (!spec['sessionAffinity']) spec['sessionAffinity'] = 'None'
  if (!spec['type']) spec['type'] = 'ClusterIP'
  for (const port of ports(spec)) {
    if (!port['protocol']) port['protocol'] = 'TCP'
    if (port['targetPort'] === undefined || port['targetPort'] === null || port['targetPort'] === 0 || port['targetPort'] === '') port['targetPort'] = port['port']
  }
  const type = strOf(spec, 'type')
  if (externallyAccessible(spec) && !spec['externalTrafficPolicy']) spec['externalTrafficPolicy'] = 'Cluster'
  if (type !== 'ExternalName' && !spec['internalTrafficPolicy']) spec['internalTrafficPolicy'] = 'Cluster'
  if (type === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] === undefined) spec['allocateLoadBalancerNodePorts'] = true
  // clusterIPs mirrors clusterIP (the REST layer's normalizeClusterIPs).
  const clusterIP = strOf(spec, 'clusterIP')
  const clusterIPs = listOf(spec, 'clusterIPs')
  if (clusterIP && clusterIPs.length === 0) spec['clusterIPs'] = [clusterIP]
  else if (!clusterIP && typeof clusterIPs[0] === 'string') spec['clusterIP'] = clusterIPs[0]
  if (type !== 'ExternalName') {
    // initIPFamilyFields on a single-stack IPv4 cluster; headless services with a selector ask
    // for dual-stack, which such a cluster narrows to its one family.
    const headlessWithSelector = spec['clusterIP'] === 'None' && Object.keys(mapOf(spec, 'selector')).length > 0
    if (!spec['ipFamilyPolicy']) spec['ipFamilyPolicy'] = headlessWithSelector ? 'RequireDualStack' : 'SingleStack'
    if (listOf(spec, 'ipFamilies').length === 0) spec['ipFamilies'] = ['IPv4']
  }
}

function validateService(obj: KubeObject, allocator: ServiceAllocator): FieldError[] {
  const errs: FieldError[] = []
  const name = obj.metadata.name ?? ''
  // Service names are DNS-1035 labels; the Store already checked the DNS-1123 label rules.
  if (name && isDNS1123Label(name).length === 0) for (const msg of isDNS1035Label(name)) errs.push(field.invalid('metadata.name', name, msg))
  const spec = specOf(obj)
  const type = strOf(spec, 'type')
  if (!serviceTypes.includes(type)) errs.push(field.notSupported('spec.type', type, serviceTypes))
  const affinity = strOf(spec, 'sessionAffinity')
  if (!sessionAffinities.includes(affinity)) errs.push(field.notSupported('spec.sessionAffinity', affinity, sessionAffinities))
  const clusterIP = strOf(spec, 'clusterIP')
  const headless = clusterIP === 'None'
  const list = ports(spec)
  if (type === 'ExternalName') {
    const ext = strOf(spec, 'externalName')
    if (!ext) errs.push(field.required('spec.externalName'))
    else for (const msg of isDNS1123Subdomain(ext.replace(/\.$/, ''))) errs.push(field.invalid('spec.externalName', ext, msg))
  } else if (list.length === 0 && !headless) {
    errs.push(field.required('spec.ports'))
  }
  const names = new Set<string>()
  list.forEach((port, i) => {
    const p = `spec.ports[${i}]`
    const portName = strOf(port, 'name')
    if (list.length > 1 && !portName) errs.push(field.required(`${p}.name`))
    else if (portName) {
      for (const msg of isDNS1123Label(portName)) errs.push(field.invalid(`${p}.name`, portName, msg))
      if (names.has(portName)) errs.push(field.duplicate(`${p}.name`, portName))
      names.add(portName)
    }
    const num = port['port']
    if (typeof num !== 'number' || num < 1 || num > 65535) errs.push(field.invalid(`${p}.port`, num ?? 0, 'must be between 1 and 65535, inclusive'))
    const protocol = strOf(port, 'protocol')
    if (!protocols.includes(protocol)) errs.push(field.notSupported(`${p}.protocol`, protocol, protocols))
    const nodePort = port['nodePort']
    if (typeof nodePort === 'number' && nodePort !== 0) {
      if (type === 'ClusterIP') errs.push(field.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ClusterIP'"))
      else if (type === 'ExternalName') errs.push(field.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ExternalName'"))
      else {
        const problem = allocator.portProblem(protocol, nodePort, ownerOf(obj))
        if (problem) errs.push(field.invalid(`${p}.nodePort`, nodePort, problem))
      }
    }
  })
  errs.push(...validateLabels(mapOf(spec, 'selector') as Record<string, string>, 'spec.selector'))
  errs.push(...validateExternalTrafficPolicy(spec, obj, allocator))
  const clusterIPs = listOf(spec, 'clusterIPs').map(String)
  if (clusterIP && clusterIPs.length > 0 && clusterIPs[0] !== clusterIP) {
    errs.push(field.invalid('spec.clusterIPs', clusterIPs, 'element [0] must match `spec.clusterIP`'))
  } else if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(field.invalid('spec.clusterIPs[0]', clusterIP, `may not be set to 'None' for ${type} services`))
  } else if (clusterIP && !headless && type !== 'ExternalName') {
    if (!isIP(clusterIP)) errs.push(field.invalid('spec.clusterIPs[0]', clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'))
    else {
      const problem = allocator.ipProblem(clusterIP, ownerOf(obj))
      if (problem) {
        errs.push(invalidGo('spec.clusterIPs', clusterIPs, `[]string{${clusterIPs.map((ip) => JSON.stringify(ip)).join(', ')}}`, `failed to allocate IP ${clusterIP}: ${problem}`))
      }
    }
  }
  return errs
}

const externalTrafficPolicies = ['Cluster', 'Local']

/**
 * validateServiceExternalTrafficPolicy: the policy only on externally-accessible services, and a
 * health check node port only on a LoadBalancer with policy Local (one left at 0 there is
 * allocated after validation, where kube allocates it before).
 */
function validateExternalTrafficPolicy(spec: Obj, obj: KubeObject, allocator: ServiceAllocator): FieldError[] {
  const errs: FieldError[] = []
  const policy = spec['externalTrafficPolicy']
  const set = policy !== undefined && policy !== null && policy !== ''
  if (!externallyAccessible(spec)) {
    if (set) errs.push(field.invalid('spec.externalTrafficPolicy', policy, 'may only be set for externally-accessible services'))
  } else if (!set) {
    errs.push(field.required('spec.externalTrafficPolicy', ''))
  } else if (!externalTrafficPolicies.includes(String(policy))) {
    errs.push(field.notSupported('spec.externalTrafficPolicy', policy, externalTrafficPolicies))
  }
  const hc = healthCheckNodePort(spec)
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) errs.push(field.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
  } else if (hc !== 0) {
    const msgs = isValidPortNum(hc)
    for (const msg of msgs) errs.push(field.invalid('spec.healthCheckNodePort', hc, msg))
    if (msgs.length === 0) {
      const problem = allocator.portProblem('TCP', hc, ownerOf(obj))
      if (problem) errs.push(field.invalid('spec.healthCheckNodePort', hc, problem))
    }
  }
  return errs
}

/** ValidateServiceUpdate: an assigned clusterIP stays (ExternalName on either side excepted). */
function validateServiceUpdate(obj: KubeObject, old: KubeObject, allocator: ServiceAllocator): FieldError[] {
  const spec = specOf(obj)
  const oldSpec = specOf(old)
  const errs: FieldError[] = []
  if (strOf(spec, 'type') !== 'ExternalName' && strOf(oldSpec, 'type') !== 'ExternalName' && strOf(oldSpec, 'clusterIP') !== '') {
    errs.push(...validateImmutableField(spec['clusterIP'] ?? '', oldSpec['clusterIP'], 'spec.clusterIP'))
  }
  return [...errs, ...validateService(obj, allocator)]
}

/**
 * patchAllocatedValues: an update that leaves out clusterIP or a port's nodePort (kubectl apply
 * of the original manifest) keeps the allocated ones; a type that no longer needs node ports
 * drops them.
 */
function carryAllocations(obj: KubeObject, old: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  const oldSpec = specOf(old)
  const type = strOf(spec, 'type') || 'ClusterIP'
  if (type !== 'ExternalName' && strOf(oldSpec, 'type') !== 'ExternalName') {
    if (!spec['clusterIP'] && oldSpec['clusterIP']) spec['clusterIP'] = oldSpec['clusterIP']
    if (listOf(spec, 'clusterIPs').length === 0 && oldSpec['clusterIPs']) spec['clusterIPs'] = structuredClone(oldSpec['clusterIPs'])
  }
  const oldPorts = ports(oldSpec)
  if (type === 'NodePort' || type === 'LoadBalancer') {
    for (const port of ports(spec)) {
      if (port['nodePort']) continue
      const match = oldPorts.find((o) => o['port'] === port['port'] && (strOf(o, 'protocol') || 'TCP') === (strOf(port, 'protocol') || 'TCP'))
      if (match && match['nodePort']) port['nodePort'] = match['nodePort']
    }
  } else if (type === 'ClusterIP' || type === 'ExternalName') {
    for (const port of ports(spec)) {
      if (oldPorts.some((o) => o['nodePort'] === port['nodePort'])) delete port['nodePort']
    }
  }
  if (type === 'ExternalName' && strOf(oldSpec, 'type') !== 'ExternalName') {
    // Leaving the ClusterIP types releases the IP and the IP family fields (dropTypeDependentFields).
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']) if (jsonEqual(spec[k], oldSpec[k])) delete spec[k]
  }
  // A LoadBalancer with policy Local keeps its health check node port when the update omits it.
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && healthCheckNodePort(spec) === 0 && healthCheckNodePort(oldSpec) !== 0) {
    spec['healthCheckNodePort'] = oldSpec['healthCheckNodePort']
  }
  dropTypeDependentFields(spec, oldSpec)
}

/**
 * dropTypeDependentFields (pkg/registry/core/service/storage): fields that no longer apply after a
 * type change, and that the update left as they were (so the server, not the user, set them), are
 * wiped: the health check node port, allocateLoadBalancerNodePorts, loadBalancerClass and the
 * external traffic policy. Node ports are dropped above.
 */
function dropTypeDependentFields(spec: Obj, oldSpec: Obj): void {
  if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec) && spec['healthCheckNodePort'] === oldSpec['healthCheckNodePort']) delete spec['healthCheckNodePort']
  const wasLB = strOf(oldSpec, 'type') === 'LoadBalancer'
  const isLB = strOf(spec, 'type') === 'LoadBalancer'
  if (wasLB && !isLB) {
    const now = spec['allocateLoadBalancerNodePorts']
    const before = oldSpec['allocateLoadBalancerNodePorts']
    if (typeof now === 'boolean' && typeof before === 'boolean' && now === before) delete spec['allocateLoadBalancerNodePorts']
    if (jsonEqual(spec['loadBalancerClass'], oldSpec['loadBalancerClass'])) delete spec['loadBalancerClass']
  }
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec) && spec['externalTrafficPolicy'] === oldSpec['externalTrafficPolicy']) delete spec['externalTrafficPolicy']
}

/** Reserves what the object asks for and allocates what it lacks; validation found it possible. */
function allocate(obj: KubeObject, allocator: ServiceAllocator): void {
  const spec = specOf(obj)
  const owner = ownerOf(obj)
  if (needsClusterIP(spec)) {
    const clusterIP = strOf(spec, 'clusterIP')
    if (clusterIP === '') {
      const ip = allocator.allocateIP(owner)
      spec['clusterIP'] = ip
      spec['clusterIPs'] = [ip]
    } else if (clusterIP !== 'None') {
      allocator.reserveIP(clusterIP, owner)
    }
  }
  if (needsNodePorts(spec)) {
    for (const port of ports(spec)) {
      const protocol = strOf(port, 'protocol') || 'TCP'
      if (typeof port['nodePort'] === 'number' && port['nodePort'] !== 0) allocator.reservePort(protocol, port['nodePort'], owner)
      else port['nodePort'] = allocator.allocatePort(protocol, owner)
    }
  }
  // allocHealthCheckNodePort: a LoadBalancer with policy Local gets one from the node port range.
  if (needsHealthCheck(spec)) {
    const hc = healthCheckNodePort(spec)
    if (hc !== 0) allocator.reservePort('TCP', hc, owner)
    else spec['healthCheckNodePort'] = allocator.allocatePort('TCP', owner)
  }
}

/** printers.go makePortString */
function portString(spec: Obj): string {
  const parts = ports(spec).map((p) => {
    const protocol = strOf(p, 'protocol')
    return p['nodePort'] ? `${String(p['port'])}:${String(p['nodePort'])}/${protocol}` : `${String(p['port'])}/${protocol}`
  })
  return parts.length > 0 ? parts.join(',') : '<none>'
}

/** printers.go loadBalancerStatusStringer: ingress IPs or hostnames, cut to 16 characters unless wide. */
function loadBalancerString(obj: KubeObject, wide: boolean): string {
  const ingress = listOf(mapOf(mapOf(obj, 'status'), 'loadBalancer'), 'ingress').filter(isObj)
  const s = ingress.map((i) => strOf(i, 'ip') || strOf(i, 'hostname')).filter((x) => x !== '').join(',')
  return !wide && s.length > 16 ? `${s.slice(0, 13)}...` : s
}

/** printers.go getServiceExternalIP; the Table always carries the wide form. */
function externalIP(obj: KubeObject): string {
  const spec = specOf(obj)
  const externalIPs = listOf(spec, 'externalIPs').map(String)
  switch (strOf(spec, 'type')) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>'
    case 'LoadBalancer': {
      const lb = loadBalancerString(obj, true)
      const all = [...externalIPs, ...(lb ? [lb] : [])]
      return all.length > 0 ? all.join(',') : '<pending>'
    }
    case 'ExternalName':
      return strOf(spec, 'externalName')
    default:
      return '<unknown>'
  }
}

/** Wraps the writes that can allocate so they run serialized after a sync from storage. */
function allocatingHandler(allocator: ServiceAllocator): ResourceHandler {
  return (scope, _req, _res, next) => allocator.serialized(scope.store, next)
}

/** A Service declaration with its own allocator (one per server: tests build fresh ones). */
export function createServices(opts: ServiceAllocatorOptions = {}): ResourceDefinition & ResourceHandlers & { allocator: ServiceAllocator } {
  const allocator = new ServiceAllocator(opts)
  const handler = allocatingHandler(allocator)
  return {
    group: '',
    version: 'v1',
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    listKind: 'ServiceList',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
    schema: { model: 'V1Service' },
    nameValidation: 'label',
    allocator,
    handlers: { create: handler, update: handler, patch: handler },
    tableColumns: [
      { name: 'Type', type: 'string', description: 'type determines how the Service is exposed.', cell: (o) => strOf(specOf(o), 'type') },
      { name: 'Cluster-IP', type: 'string', description: 'clusterIP is the IP address of the service.', cell: (o) => strOf(specOf(o), 'clusterIP') || '<none>' },
      { name: 'External-IP', type: 'string', description: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.', cell: (o) => externalIP(o) },
      { name: 'Port(s)', type: 'string', description: 'The list of ports that are exposed by this service.', cell: (o) => portString(specOf(o)) },
      ageColumn,
      { name: 'Selector', type: 'string', priority: 1, description: 'Route service traffic to pods with label keys and values matching this selector.', cell: (o) => formatLabels(specOf(o)['selector']) },
    ],
    strategy: {
      prepareForCreate(_ctx, obj) {
        // ServiceStatus.LoadBalancer is a struct without omitempty effect: always written.
        obj['status'] = { loadBalancer: {} }
      },
      applyDefaults: applyServiceDefaults,
      validate: (_ctx, obj) => validateService(obj, allocator),
      canonicalize: (obj) => allocate(obj, allocator),
      prepareForUpdate(_ctx, obj, old) {
        keepOldStatus(obj, old)
        carryAllocations(obj, old)
        // A Service that stops being a LoadBalancer loses the load balancer status with it.
        if (strOf(specOf(old), 'type') === 'LoadBalancer' && strOf(specOf(obj), 'type') !== 'LoadBalancer' && isObj(obj['status'])) obj['status']['loadBalancer'] = {}
      },
      prepareForSubresourceUpdate(sub, _ctx, obj, old) {
        if (sub === 'status') keepAllButStatus(obj, old)
      },
      validateUpdate: (_ctx, obj, old) => validateServiceUpdate(obj, old, allocator),
    },
  }
}

/** The Service declaration for discovery and exports; each KubeServer installs its own createServices(). */
export const services = createServices()
