/**
 * @module lib/endpoints/discovery/documents
 * The discovery documents (apiserver pkg/endpoints/discovery and .../discovery/aggregated):
 * APIVersions, APIGroupList, APIGroup and APIResourceList for legacy clients, and the
 * apidiscovery.k8s.io/v2 APIGroupDiscoveryList that kubectl 1.27+ asks for first.
 */
import { createHash } from 'node:crypto'
import type { ResourceDefinition } from '../../registry/resource.js'
import { allVerbs } from '../../registry/resource.js'
import { priorityOf } from './priorities.js'
import { compareKubeAwareVersions } from './version-order.js'

/** One served group-version and its resources, as a server reports it for discovery. */
export interface DiscoveryGroupVersion {
  group: string
  version: string
  resources: ResourceDefinition[]
  /** Overrides the built-in priority table (APIServices set their own). */
  priority?: { group: number; version: number }
  /** Aggregated discovery marks versions whose source could not be reached. */
  stale?: boolean
}

export interface GroupVersionForDiscovery {
  groupVersion: string
  version: string
}

export interface APIGroup {
  name: string
  versions: GroupVersionForDiscovery[]
  preferredVersion?: GroupVersionForDiscovery
}

/** storageVersionHash: base64 of the first 8 bytes of sha256("<group>/<version>/<Kind>"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64')
}

const subresourceVerbs: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  finalize: ['update'],
  binding: ['create'],
}

function sortedVerbs(def: ResourceDefinition): string[] {
  return [...(def.verbs ?? allVerbs)].sort()
}

/** metav1.APIResource entries for one group-version, subresources as "<plural>/<sub>" rows. */
export function apiResources(gv: DiscoveryGroupVersion): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  const sorted = [...gv.resources].sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0))
  for (const def of sorted) {
    const r: Record<string, unknown> = { name: def.resource, singularName: def.singular, namespaced: def.namespaced, kind: def.kind, verbs: sortedVerbs(def) }
    if (def.shortNames?.length) r['shortNames'] = def.shortNames
    if (def.categories?.length) r['categories'] = def.categories
    r['storageVersionHash'] = storageVersionHash(def.group, def.version, def.kind)
    out.push(r)
    for (const sub of [...(def.subresources ?? [])].sort()) {
      const s: Record<string, unknown> = { name: `${def.resource}/${sub}`, singularName: '', namespaced: def.namespaced }
      if (sub === 'scale') Object.assign(s, { group: 'autoscaling', version: 'v1', kind: 'Scale' })
      else s['kind'] = def.kind
      s['verbs'] = subresourceVerbs[sub] ?? ['get']
      out.push(s)
    }
  }
  return out
}

export function apiResourceList(gv: DiscoveryGroupVersion): Record<string, unknown> {
  const groupVersion = gv.group === '' ? gv.version : `${gv.group}/${gv.version}`
  // The core group's encoder strips apiVersion; named groups carry apiVersion v1.
  const head: Record<string, unknown> = gv.group === '' ? { kind: 'APIResourceList' } : { kind: 'APIResourceList', apiVersion: 'v1' }
  return { ...head, groupVersion, resources: apiResources(gv) }
}

function priority(gv: DiscoveryGroupVersion): { group: number; version: number } {
  return gv.priority ?? priorityOf(gv.group, gv.version)
}

/**
 * Groups in kube-aggregator's order: highest group priority first, ties by name; versions by
 * version priority, then kube-aware version order. The first version is the preferred one.
 */
export function orderGroups(gvs: readonly DiscoveryGroupVersion[]): { name: string; versions: DiscoveryGroupVersion[] }[] {
  const groups = new Map<string, DiscoveryGroupVersion[]>()
  for (const gv of gvs) {
    const list = groups.get(gv.group) ?? []
    list.push(gv)
    groups.set(gv.group, list)
  }
  const result = [...groups.entries()].map(([name, versions]) => ({
    name,
    versions: versions.sort((a, b) => priority(b).version - priority(a).version || compareKubeAwareVersions(a.version, b.version)),
    top: Math.max(...versions.map((v) => priority(v).group)),
  }))
  result.sort((a, b) => b.top - a.top || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return result.map(({ name, versions }) => ({ name, versions }))
}

export function apiGroup(name: string, versions: readonly DiscoveryGroupVersion[]): APIGroup {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v.version}`, version: v.version }))
  return { name, versions: vs, preferredVersion: vs[0] }
}

export function apiGroupList(gvs: readonly DiscoveryGroupVersion[]): Record<string, unknown> {
  const groups = orderGroups(gvs.filter((gv) => gv.group !== '')).map((g) => apiGroup(g.name, g.versions))
  return { kind: 'APIGroupList', apiVersion: 'v1', groups }
}

export function apiVersions(): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] }
}

function aggregatedResource(def: ResourceDefinition): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: def.resource,
    responseKind: { group: '', version: '', kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: sortedVerbs(def),
  }
  if (def.shortNames?.length) r['shortNames'] = def.shortNames
  if (def.categories?.length) r['categories'] = def.categories
  const subs = [...(def.subresources ?? [])].sort()
  if (subs.length > 0) {
    r['subresources'] = subs.map((sub) => ({
      subresource: sub,
      responseKind: sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { group: '', version: '', kind: def.kind },
      verbs: subresourceVerbs[sub] ?? ['get'],
    }))
  }
  return r
}

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList for the given group-versions (core group: no name). */
export function aggregatedDiscovery(gvs: readonly DiscoveryGroupVersion[]): Record<string, unknown> {
  const items = orderGroups(gvs).map((g) => {
    const metadata: Record<string, unknown> = g.name === '' ? { creationTimestamp: null } : { name: g.name, creationTimestamp: null }
    return {
      metadata,
      versions: g.versions.map((v) => ({
        version: v.version,
        resources: [...v.resources].sort((a, b) => (a.resource < b.resource ? -1 : 1)).map(aggregatedResource),
        freshness: v.stale ? 'Stale' : 'Current',
      })),
    }
  })
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items }
}
