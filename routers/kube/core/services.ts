/**
 * @module routers/kube/core/services
 * core/v1 Service (pkg/registry/core/service: strategy.go, storage/alloc.go; SetDefaults_Service;
 * ValidateService): defaults, ClusterIP allocation from a service CIDR, NodePort allocation,
 * headless and ExternalName services, the immutable clusterIP, status only through /status.
 *
 * Allocation: each Service declaration owns a ServiceAllocator whose bitmaps live in storage as
 * kube's RangeAllocation objects (/registry/ranges/serviceips, /registry/ranges/servicenodeports),
 * changed by compare-and-swap, so servers sharing one storage (etcd) never hand out the same IP or
 * port. Each create, update and patch (the installer's `handlers` hook) reads the bitmaps first;
 * the strategy checks requested values against that copy in validate and picks free ones in
 * canonicalize; the allocator's storage wrapper commits them to the bitmaps just before the
 * Service is written and releases what a delete or type change gives up just after. A dry run
 * never reaches storage, so it allocates nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import * as errors from '../../../lib/api/errors.js'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidPortNum, validateImmutableField, validateLabels } from '../../../lib/api/validation.js'
import type { ResourceHandler, ResourceHandlers } from '../../../lib/endpoints/installer.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import type { Store } from '../../../lib/registry/store.js'
import { isStorageError, keyExists } from '../../../lib/storage/errors.js'
import type { DeleteOptions, GuaranteedUpdateOptions, Storage, UpdateFunc } from '../../../lib/storage/interface.js'
import { invalidGo } from '../apps/workload.js'
import { Bitmap, RangeChangedError, StoredRange } from './range-allocation.js'
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

/** The IP range offsets and node ports (offsets in the node port range) one Service holds. */
export interface Holdings {
  ips: Set<number>
  ports: Set<number>
}

const nothing = (): Holdings => ({ ips: new Set(), ports: new Set() })

/** a without b. */
function minus(a: Holdings, b: Holdings): Holdings {
  return { ips: new Set([...a.ips].filter((i) => !b.ips.has(i))), ports: new Set([...a.ports].filter((p) => !b.ports.has(p))) }
}

function isEmpty(h: Holdings): boolean {
  return h.ips.size === 0 && h.ports.size === 0
}

/**
 * What one write saw and picked: the bitmaps read from storage when it started (validation and
 * defaulting are synchronous, so they read this copy), and the offsets the server chose itself,
 * which the write may swap for free ones if another server took them meanwhile.
 */
interface WriteState {
  /**
   * A dry run never reaches storage, so validation refuses taken values from the copy; a real
   * write learns it from the compare-and-swap, after validation, as kube's BeginCreate does.
   */
  dryRun: boolean
  ips: Bitmap
  ports: Bitmap
  autoIPs: Set<number>
  autoPorts: Set<number>
}

/** The two RangeAllocation objects next to the Services in storage. */
interface Ranges {
  ips: StoredRange
  ports: StoredRange
}

/**
 * The write in progress (the bitmaps as read when it began and what the server picked itself),
 * carried from the handler that serializes a write to the storage wrapper that claims its values.
 */
const currentWrite = new AsyncLocalStorage<WriteState>()

/**
 * The ranges behind each storage an allocator decorated, shared by all allocators: a test may
 * install a second Service declaration, and the bootstrap controller's allocator still finds the
 * bitmaps of the Store now serving Services.
 */
const rangesOf = new WeakMap<Storage, Ranges>()


/**
 * Whether key exists now or within a moment: another server's create of the same Service (two
 * bootstrap controllers writing "kubernetes") claims its values just before it writes the object,
 * and the loser of that race should see AlreadyExists, not the claim it lost.
 */
async function appears(storage: Storage, key: string, attempts = 10): Promise<boolean> {
  for (let i = 0; ; i++) {
    try {
      await storage.get(key)
      return true
    } catch (err) {
      if (!isStorageError(err, 'KeyNotFound')) throw err
    }
    if (i + 1 >= attempts) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** How often the start-up repair starts over when allocations keep changing the bitmaps under it. */
const repairAttempts = 10

/** kube-apiserver's keys for the ClusterIP and NodePort bitmaps. */
export const serviceIPsKey = '/registry/ranges/serviceips'
export const serviceNodePortsKey = '/registry/ranges/servicenodeports'

/**
 * The ClusterIP and NodePort allocators of kube (ipallocator.Range and portallocator.PortAllocator
 * over the Etcd allocator). The bitmaps live in storage (./range-allocation): every IP or port a
 * write adds is set there by compare-and-swap before the Service is written, and what a Service
 * gives up (delete, type change) is cleared after the write, so servers sharing one storage never
 * hand out the same value and a restarted server knows what is taken.
 *
 * The allocator takes over the services Store's storage the first time it sees the Store (a write
 * or the bootstrap controller at start-up): creates, updates and deletes from any path (requests,
 * the namespace controller) then keep the bitmaps in step. At that moment a repair pass (kube's
 * repair controller, without its leak cleanup) marks everything existing Services hold.
 */
export class ServiceAllocator {
  readonly cidr: string
  private readonly base: number
  private readonly size: number
  readonly portBase: number
  readonly portSize: number
  private queue: Promise<unknown> = Promise.resolve()
  private readonly writes = currentWrite
  private readonly attached = new WeakMap<Store, Promise<Ranges>>()

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

  /** Usable addresses: the network and broadcast addresses are never handed out. */
  private get ipCount(): number {
    return Math.max(0, this.size - 2)
  }

  /** The bitmap offset of an IP of the range, or undefined outside it. */
  ipOffset(ip: string): number | undefined {
    const n = parseIPv4(ip)
    return n !== undefined && n > this.base && n < this.base + this.size - 1 ? n - this.base - 1 : undefined
  }

  private portOffset(port: number): number | undefined {
    return Number.isInteger(port) && port >= this.portBase && port < this.portBase + this.portSize ? port - this.portBase : undefined
  }

  /** What a stored or about-to-be-stored Service holds of both ranges. */
  holdingsOf(svc: KubeObject | undefined): Holdings {
    const held = nothing()
    if (!svc) return held
    const spec = mapOf(svc, 'spec')
    for (const ip of listOf(spec, 'clusterIPs')) {
      const offset = typeof ip === 'string' ? this.ipOffset(ip) : undefined
      if (offset !== undefined) held.ips.add(offset)
    }
    const nodePorts = ports(spec).map((p) => p['nodePort'])
    // The health check node port comes from the same node port range.
    for (const port of [...nodePorts, spec['healthCheckNodePort']]) {
      const offset = typeof port === 'number' ? this.portOffset(port) : undefined
      if (offset !== undefined) held.ports.add(offset)
    }
    return held
  }

  /**
   * Runs a write (fn) with the bitmaps as stored now, one write of this server at a time so its
   * own writes pick distinct values without retries; other servers are kept apart by the CAS.
   */
  serialized<T>(store: Store, fn: () => Promise<T>, dryRun = false): Promise<T> {
    const run = this.queue.then(async () => {
      const ranges = await this.attach(store)
      const [ips, ports] = await Promise.all([ranges.ips.snapshot(), ranges.ports.snapshot()])
      return this.writes.run({ dryRun, ips, ports, autoIPs: new Set(), autoPorts: new Set() }, fn)
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Makes sure the Store's storage allocates and releases (deletes call this before running). */
  async ensureAttached(store: Store): Promise<void> {
    await this.attach(store)
  }

  /**
   * ResourceDefinition.decorateStorage: the Services' storage allocates and releases around its
   * writes, with the RangeAllocation objects kept in the same storage.
   */
  decorateStorage(inner: Storage): Storage {
    const ranges: Ranges = {
      ips: new StoredRange(inner, serviceIPsKey, this.cidr, this.ipCount),
      ports: new StoredRange(inner, serviceNodePortsKey, this.portRange, this.portSize),
    }
    const wrapped = this.allocatingStorage(inner, ranges)
    rangesOf.set(wrapped, ranges)
    return wrapped
  }

  /** Repairs the bitmaps from the stored Services, once per Store (retried after a failure). */
  private attach(store: Store): Promise<Ranges> {
    let attached = this.attached.get(store)
    if (attached === undefined) {
      const ranges = rangesOf.get(store.storage)
      if (ranges === undefined) return Promise.reject(new Error('the services Store was built without the allocator (decorateStorage)'))
      const repaired = this.repair(store, ranges).then(() => ranges)
      this.attached.set(store, repaired)
      // A failed repair fails this write and is tried again by the next one.
      repaired.catch(() => {
        if (this.attached.get(store) === repaired) this.attached.delete(store)
      })
      attached = repaired
    }
    return attached
  }

  /**
   * RepairIPs/RepairPortAllocator's marking half: whatever a stored Service holds is taken. As in
   * kube, the bitmaps are read before the Services are listed and written only if unchanged
   * since, so a value released meanwhile (a Service deleted through another server) is not
   * marked again from a list that still had it.
   */
  private async repair(store: Store, ranges: Ranges): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const [ips, ports] = await Promise.all([ranges.ips.read(), ranges.ports.read()])
      const list = await store.list({ namespace: '' })
      const held = list.items.map((svc) => this.holdingsOf(svc))
      try {
        await ranges.ips.update((bitmap) => held.forEach((h) => h.ips.forEach((i) => bitmap.set(i))), ips.version)
        await ranges.ports.update((bitmap) => held.forEach((h) => h.ports.forEach((p) => bitmap.set(p))), ports.version)
        return
      } catch (err) {
        if (!(err instanceof RangeChangedError) || attempt >= repairAttempts) throw err
      }
    }
  }

  /** The services storage with allocation around create, update and delete. */
  private allocatingStorage(inner: Storage, ranges: Ranges): Storage {
    const create = async (key: string, obj: KubeObject): Promise<KubeObject> => {
      let claim: { obj: KubeObject; claimed: Holdings }
      try {
        claim = await this.claim(ranges, obj, this.holdingsOf(obj))
      } catch (err) {
        // A Service of that name holding the value: the create's answer is AlreadyExists.
        if (errors.isStatusError(err) && err.code === 422 && (await appears(inner, key))) throw keyExists(key)
        throw err
      }
      const { obj: toWrite, claimed } = claim
      try {
        return await inner.create(key, toWrite)
      } catch (err) {
        await this.release(ranges, claimed)
        throw err
      }
    }
    const guaranteedUpdate = async (key: string, tryUpdate: UpdateFunc, opts?: GuaranteedUpdateOptions): Promise<KubeObject> => {
      let claimed = nothing()
      let given = nothing()
      const attempt = async (current: KubeObject | undefined): Promise<KubeObject> => {
        // A retry starts over: what the previous attempt claimed is not needed any more.
        await this.release(ranges, claimed)
        claimed = nothing()
        given = nothing()
        const desired = await tryUpdate(current as KubeObject)
        if (desired === current) return desired
        const before = this.holdingsOf(current)
        const after = this.holdingsOf(desired)
        given = minus(before, after)
        const out = await this.claim(ranges, desired, minus(after, before))
        claimed = out.claimed
        return out.obj
      }
      let stored: KubeObject
      try {
        stored = await inner.guaranteedUpdate(key, attempt, opts)
      } catch (err) {
        await this.release(ranges, claimed)
        throw err
      }
      // Released only once the Service no longer holds them, as kube's update does.
      await this.release(ranges, given)
      return stored
    }
    const remove = async (key: string, opts?: DeleteOptions): Promise<KubeObject> => {
      const last = await inner.delete(key, opts)
      await this.release(ranges, this.holdingsOf(last))
      return last
    }
    const overrides: Partial<Storage> = { create, guaranteedUpdate, delete: remove }
    return new Proxy(inner, {
      get(target, prop) {
        if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Storage]
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      },
    })
  }

  /**
   * Sets the offsets `add` in the stored bitmaps. One the user asked for that is taken fails the
   * write with validation's message; one the server picked (canonicalize) that another server
   * took meanwhile is swapped for a free one in the object written.
   */
  private async claim(ranges: Ranges, obj: KubeObject, add: Holdings): Promise<{ obj: KubeObject; claimed: Holdings }> {
    const state = this.writes.getStore()
    const claimed = nothing()
    if (isEmpty(add)) return { obj, claimed }
    const ipSwaps = new Map<number, number>()
    const portSwaps = new Map<number, number>()
    const take = async (range: StoredRange, wanted: Set<number>, auto: Set<number> | undefined, swaps: Map<number, number>, into: Set<number>, full: string, conflict: (taken: number[]) => Error): Promise<void> => {
      if (wanted.size === 0) return
      // The change runs once per compare-and-swap attempt: only the one that was stored counts.
      let set: number[] = []
      await range.update((bitmap) => {
        swaps.clear()
        set = []
        const taken: number[] = []
        for (const offset of wanted) {
          if (!bitmap.has(offset)) {
            bitmap.set(offset)
            set.push(offset)
          } else if (auto?.has(offset)) swaps.set(offset, -1)
          else taken.push(offset)
        }
        if (taken.length > 0) throw conflict(taken)
        for (const offset of swaps.keys()) {
          const free = bitmap.firstFree()
          if (free < 0) throw errors.internalError(new Error(full))
          bitmap.set(free)
          set.push(free)
          swaps.set(offset, free)
        }
      })
      for (const offset of set) into.add(offset)
    }
    await take(ranges.ips, add.ips, state?.autoIPs, ipSwaps, claimed.ips, 'failed to allocate a serviceIP: range is full', (taken) => this.conflict(obj, taken, []))
    try {
      await take(ranges.ports, add.ports, state?.autoPorts, portSwaps, claimed.ports, 'failed to allocate a nodePort: range is full', (taken) => this.conflict(obj, [], taken))
    } catch (err) {
      await this.release(ranges, claimed)
      throw err
    }
    if (ipSwaps.size === 0 && portSwaps.size === 0) return { obj, claimed }
    const out = structuredClone(obj)
    const spec = specOf(out)
    const swapIP = (ip: unknown): unknown => {
      const offset = typeof ip === 'string' ? this.ipOffset(ip) : undefined
      const to = offset === undefined ? undefined : ipSwaps.get(offset)
      return to === undefined ? ip : formatIPv4(this.base + 1 + to)
    }
    const swapPort = (port: unknown): unknown => {
      const to = typeof port === 'number' ? portSwaps.get(port - this.portBase) : undefined
      return to === undefined ? port : this.portBase + to
    }
    if (spec['clusterIP'] !== undefined) spec['clusterIP'] = swapIP(spec['clusterIP'])
    if (Array.isArray(spec['clusterIPs'])) spec['clusterIPs'] = spec['clusterIPs'].map(swapIP)
    for (const port of ports(spec)) if (port['nodePort'] !== undefined) port['nodePort'] = swapPort(port['nodePort'])
    if (spec['healthCheckNodePort'] !== undefined) spec['healthCheckNodePort'] = swapPort(spec['healthCheckNodePort'])
    return { obj: out, claimed }
  }

  /** Validation's Invalid error for values another server took after this write was validated. */
  private conflict(obj: KubeObject, ipOffsets: number[], portOffsets: number[]): Error {
    const spec = specOf(obj)
    const errs: FieldError[] = []
    const clusterIPs = listOf(spec, 'clusterIPs').map(String)
    for (const offset of ipOffsets) {
      const ip = formatIPv4(this.base + 1 + offset)
      errs.push(invalidGo('spec.clusterIPs', clusterIPs, `[]string{${clusterIPs.map((x) => JSON.stringify(x)).join(', ')}}`, `failed to allocate IP ${ip}: provided IP is already allocated`))
    }
    const taken = new Set(portOffsets.map((p) => p + this.portBase))
    ports(spec).forEach((port, i) => {
      if (taken.has(port['nodePort'] as number)) errs.push(field.invalid(`spec.ports[${i}].nodePort`, port['nodePort'], 'provided port is already allocated'))
    })
    const hc = spec['healthCheckNodePort']
    if (typeof hc === 'number' && taken.has(hc)) errs.push(field.invalid('spec.healthCheckNodePort', hc, 'provided port is already allocated'))
    return errors.invalid({ group: '', kind: 'Service' }, obj.metadata.name ?? '', errs)
  }

  /** Clears offsets a Service gave up; a failure leaves them taken (a leak), never the write failed. */
  private async release(ranges: Ranges, held: Holdings): Promise<void> {
    try {
      if (held.ips.size > 0) await ranges.ips.update((bitmap) => held.ips.forEach((i) => bitmap.clear(i)))
      if (held.ports.size > 0) await ranges.ports.update((bitmap) => held.ports.forEach((p) => bitmap.clear(p)))
    } catch {
      // kube's release logs and moves on as well; the Service is gone or changed regardless.
    }
  }

  /** The bitmaps of the write in progress; outside one (no request), an empty view. */
  private state(): WriteState {
    return this.writes.getStore() ?? { dryRun: false, ips: new Bitmap(this.ipCount), ports: new Bitmap(this.portSize), autoIPs: new Set(), autoPorts: new Set() }
  }

  /** Why ip cannot be added to a Service holding `held` (ipallocator's errors), or undefined. */
  ipProblem(ip: string, held?: Holdings): string | undefined {
    const offset = this.ipOffset(ip)
    if (offset === undefined) return `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`
    if (held?.ips.has(offset)) return undefined
    const state = this.writes.getStore()
    return state?.dryRun && state.ips.has(offset) ? 'provided IP is already allocated' : undefined
  }

  portProblem(port: number, held?: Holdings): string | undefined {
    const offset = this.portOffset(port)
    if (offset === undefined) return `provided port is not in the valid range. The range of valid ports is ${this.portRange}`
    if (held?.ports.has(offset)) return undefined
    const state = this.writes.getStore()
    return state?.dryRun && state.ports.has(offset) ? 'provided port is already allocated' : undefined
  }

  /** The lowest free IP of the range, as the write saw the bitmap. */
  allocateIP(): string {
    const state = this.state()
    const offset = state.ips.firstFree()
    if (offset < 0) throw errors.internalError(new Error('failed to allocate a serviceIP: range is full'))
    state.ips.set(offset)
    state.autoIPs.add(offset)
    return formatIPv4(this.base + 1 + offset)
  }

  /** Marks an IP the object asks for, so the same write picks nothing else onto it. */
  reserveIP(ip: string): void {
    const offset = this.ipOffset(ip)
    if (offset !== undefined) this.writes.getStore()?.ips.set(offset)
  }

  allocatePort(): number {
    const state = this.state()
    const offset = state.ports.firstFree()
    if (offset < 0) throw errors.internalError(new Error('failed to allocate a nodePort: range is full'))
    state.ports.set(offset)
    state.autoPorts.add(offset)
    return this.portBase + offset
  }

  reservePort(port: number): void {
    const offset = this.portOffset(port)
    if (offset !== undefined) this.writes.getStore()?.ports.set(offset)
  }
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

function validateService(obj: KubeObject, allocator: ServiceAllocator, old?: KubeObject): FieldError[] {
  // What the Service already holds (an update) is its own, not "already allocated".
  const held = old ? allocator.holdingsOf(old) : undefined
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
        const problem = allocator.portProblem(nodePort, held)
        if (problem) errs.push(field.invalid(`${p}.nodePort`, nodePort, problem))
      }
    }
  })
  errs.push(...validateLabels(mapOf(spec, 'selector') as Record<string, string>, 'spec.selector'))
  errs.push(...validateExternalTrafficPolicy(spec, allocator, held))
  const clusterIPs = listOf(spec, 'clusterIPs').map(String)
  if (clusterIP && clusterIPs.length > 0 && clusterIPs[0] !== clusterIP) {
    errs.push(field.invalid('spec.clusterIPs', clusterIPs, 'element [0] must match `spec.clusterIP`'))
  } else if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(field.invalid('spec.clusterIPs[0]', clusterIP, `may not be set to 'None' for ${type} services`))
  } else if (clusterIP && !headless && type !== 'ExternalName') {
    if (!isIP(clusterIP)) errs.push(field.invalid('spec.clusterIPs[0]', clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'))
    else {
      const problem = allocator.ipProblem(clusterIP, held)
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
function validateExternalTrafficPolicy(spec: Obj, allocator: ServiceAllocator, held: Holdings | undefined): FieldError[] {
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
      const problem = allocator.portProblem(hc, held)
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
  return [...errs, ...validateService(obj, allocator, old)]
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

/**
 * Reserves what the object asks for and allocates what it lacks from the bitmaps the write read;
 * validation found it possible. The storage wrapper commits both (ServiceAllocator.claim).
 */
function allocate(obj: KubeObject, allocator: ServiceAllocator): void {
  const spec = specOf(obj)
  if (needsClusterIP(spec)) {
    const clusterIP = strOf(spec, 'clusterIP')
    if (clusterIP === '') {
      const ip = allocator.allocateIP()
      spec['clusterIP'] = ip
      spec['clusterIPs'] = [ip]
    } else if (clusterIP !== 'None') {
      allocator.reserveIP(clusterIP)
    }
  }
  // Asked-for ports first, so a port left at 0 never gets one a later port of the same Service names.
  const nodePorts = needsNodePorts(spec) ? ports(spec) : []
  for (const port of nodePorts) if (typeof port['nodePort'] === 'number' && port['nodePort'] !== 0) allocator.reservePort(port['nodePort'])
  const hc = healthCheckNodePort(spec)
  if (needsHealthCheck(spec) && hc !== 0) allocator.reservePort(hc)
  for (const port of nodePorts) if (typeof port['nodePort'] !== 'number' || port['nodePort'] === 0) port['nodePort'] = allocator.allocatePort()
  // allocHealthCheckNodePort: a LoadBalancer with policy Local gets one from the node port range.
  if (needsHealthCheck(spec) && hc === 0) spec['healthCheckNodePort'] = allocator.allocatePort()
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

/** Wraps the writes that can allocate so they run serialized on the bitmaps read from storage. */
function allocatingHandler(allocator: ServiceAllocator): ResourceHandler {
  return (scope, _req, _res, next) => allocator.serialized(scope.store, next, scope.query.getAll('dryRun').length > 0)
}

/** Deletes need no snapshot, only the storage wrapper that releases (installed once per Store). */
function releasingHandler(allocator: ServiceAllocator): ResourceHandler {
  return async (scope, _req, _res, next) => {
    await allocator.ensureAttached(scope.store)
    return next()
  }
}

/** A Service declaration with its own allocator (one per server: tests build fresh ones). */
export function createServices(opts: ServiceAllocatorOptions = {}): ResourceDefinition & ResourceHandlers & { allocator: ServiceAllocator } {
  const allocator = new ServiceAllocator(opts)
  const handler = allocatingHandler(allocator)
  const releasing = releasingHandler(allocator)
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
    decorateStorage: (inner) => allocator.decorateStorage(inner),
    allocator,
    handlers: { create: handler, update: handler, patch: handler, delete: releasing, deletecollection: releasing },
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
