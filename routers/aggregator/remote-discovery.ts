/**
 * @module routers/aggregator/remote-discovery
 * Reading a remote API server's discovery (kube-aggregator pkg/apiserver/handler_discovery.go):
 * its aggregated document (apidiscovery.k8s.io/v2 from /apis), falling back to the legacy
 * APIResourceList of /apis/<g>/<v> when the server does not speak the aggregated format. The
 * resources become ResourceDefinitions (without a strategy: they are only printed), so the merged
 * /apis documents are written by the same code as the local ones.
 */
import { request } from 'node:https'
import type { Agent } from 'node:https'
import type { ResourceDefinition, Verb } from '../../lib/registry/resource.js'
import type { ResolvedEndpoint } from './service-resolver.js'

const aggregatedAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'

export interface RemoteResponse {
  status: number
  contentType: string
  body: string
}

/** One GET to the remote server, with kube's 5 s discovery timeout. Rejects on network errors. */
export function remoteGet(agent: Agent, target: ResolvedEndpoint, path: string, accept = 'application/json', timeoutMs = 5000): Promise<RemoteResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: target.host, port: target.port, path, method: 'GET', headers: { Accept: accept, 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`Client.Timeout exceeded while awaiting headers (${timeoutMs}ms)`)))
    req.on('error', reject)
    req.end()
  })
}

type JsonMap = Record<string, unknown>

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function maps(v: unknown): JsonMap[] {
  return Array.isArray(v) ? v.filter(isMap) : []
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

function definition(group: string, version: string, fields: { resource: string; singular: string; kind: string; namespaced: boolean; verbs: string[]; shortNames: string[]; categories: string[]; subresources: string[] }): ResourceDefinition {
  return {
    group,
    version,
    resource: fields.resource,
    singular: fields.singular,
    kind: fields.kind,
    listKind: `${fields.kind}List`,
    namespaced: fields.namespaced,
    verbs: fields.verbs as Verb[],
    shortNames: fields.shortNames.length > 0 ? fields.shortNames : undefined,
    categories: fields.categories.length > 0 ? fields.categories : undefined,
    subresources: fields.subresources.length > 0 ? fields.subresources : undefined,
    // Until the remote server's own OpenAPI is fetched (./remote-openapi.ts), or when it publishes
    // none, a schema that accepts any object keeps the kinds in /openapi/v3 and kubectl working.
    schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    strategy: {},
  }
}

/** The resources of group/version from an apidiscovery.k8s.io APIGroupDiscoveryList, if listed. */
export function fromAggregated(doc: unknown, group: string, version: string): ResourceDefinition[] | undefined {
  const item = maps(isMap(doc) ? doc['items'] : undefined).find((i) => str(isMap(i['metadata']) ? i['metadata']['name'] : undefined) === group)
  const v = maps(item?.['versions']).find((x) => x['version'] === version)
  if (!v) return undefined
  return maps(v['resources']).map((r) =>
    definition(group, version, {
      resource: str(r['resource']),
      singular: str(r['singularResource']),
      kind: str(isMap(r['responseKind']) ? r['responseKind']['kind'] : undefined),
      namespaced: r['scope'] === 'Namespaced',
      verbs: strings(r['verbs']),
      shortNames: strings(r['shortNames']),
      categories: strings(r['categories']),
      subresources: maps(r['subresources']).map((s) => str(s['subresource'])).filter(Boolean),
    }),
  )
}

/** The resources of a legacy APIResourceList; "<plural>/<sub>" rows become subresources. */
export function fromLegacy(doc: unknown, group: string, version: string): ResourceDefinition[] {
  const rows = maps(isMap(doc) ? doc['resources'] : undefined)
  const subs = new Map<string, string[]>()
  for (const r of rows) {
    const [parent, sub] = str(r['name']).split('/')
    if (parent && sub) subs.set(parent, [...(subs.get(parent) ?? []), sub])
  }
  return rows
    .filter((r) => !str(r['name']).includes('/'))
    .map((r) =>
      definition(group, version, {
        resource: str(r['name']),
        singular: str(r['singularName']) || str(r['name']),
        kind: str(r['kind']),
        namespaced: r['namespaced'] === true,
        verbs: strings(r['verbs']),
        shortNames: strings(r['shortNames']),
        categories: strings(r['categories']),
        subresources: subs.get(str(r['name'])) ?? [],
      }),
    )
}

/**
 * The discovery of group/version on a remote server: aggregated /apis first, the legacy
 * /apis/<g>/<v> document (already fetched by the availability probe) otherwise.
 */
export async function fetchRemoteResources(agent: Agent, target: ResolvedEndpoint, group: string, version: string, legacyBody: string): Promise<ResourceDefinition[]> {
  try {
    const res = await remoteGet(agent, target, '/apis', aggregatedAccept)
    if (res.status === 200 && res.contentType.includes('as=APIGroupDiscoveryList')) {
      const found = fromAggregated(JSON.parse(res.body), group, version)
      if (found) return found
    }
  } catch {
    // Fall back to the legacy document below.
  }
  return fromLegacy(JSON.parse(legacyBody), group, version)
}
