/**
 * @module routers/aggregator/remote-openapi
 * Reading a remote API server's OpenAPI (kube-aggregator pkg/controllers/openapiv3 and
 * openapi/aggregator): its /openapi/v3 index, the document of the APIService's group-version named
 * there, and its /openapi/v2 when the server answers it in JSON. The aggregator then serves these
 * documents itself, so `kubectl explain` and client-side validation of remote kinds see the remote
 * server's schemas. The index's hash of the document is remembered: an unchanged hash means no
 * refetch of the document.
 */
import type { Agent } from 'node:https'
import type { OpenAPIV2Document, OpenAPIV3Document } from '../../openapi/document.js'
import { remoteGet } from './remote-discovery.js'
import type { ResolvedEndpoint } from './service-resolver.js'

export interface RemoteOpenAPI {
  /** The `?hash=` of the v3 document in the remote index (or its URL when it has none). */
  hash: string
  v3: OpenAPIV3Document
  /** The paths of the group-version and every definition of the remote /openapi/v2, if JSON. */
  v2?: OpenAPIV2Document
}

type JsonMap = Record<string, unknown>

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function parseJSON(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

function isV3Document(v: unknown): v is OpenAPIV3Document {
  return isMap(v) && typeof v['openapi'] === 'string' && isMap(v['paths']) && isMap(v['components']) && isMap(v['components']['schemas'])
}

/**
 * The remote OpenAPI of group/version; undefined when the remote server does not publish that
 * group-version in /openapi/v3 (then the aggregator keeps a schema built from discovery). When the
 * index still names previous.hash, previous is returned without fetching the documents again.
 */
export async function fetchRemoteOpenAPI(agent: Agent, target: ResolvedEndpoint, group: string, version: string, previous?: RemoteOpenAPI): Promise<RemoteOpenAPI | undefined> {
  const gvPath = group === '' ? `api/${version}` : `apis/${group}/${version}`
  const index = await remoteGet(agent, target, '/openapi/v3')
  if (index.status !== 200) return undefined
  const indexDoc = parseJSON(index.body)
  const entry = isMap(indexDoc) && isMap(indexDoc['paths']) ? indexDoc['paths'][gvPath] : undefined
  const url = isMap(entry) && typeof entry['serverRelativeURL'] === 'string' ? entry['serverRelativeURL'] : undefined
  if (!url || !url.startsWith('/')) return undefined
  const hash = new URL(url, 'https://remote').searchParams.get('hash') ?? url
  if (previous && previous.hash === hash) return previous

  const doc = await remoteGet(agent, target, url)
  const v3 = doc.status === 200 ? parseJSON(doc.body) : undefined
  if (!isV3Document(v3)) return undefined
  return { hash, v3, v2: await fetchV2(agent, target, `/${gvPath}/`) }
}

/**
 * The remote /openapi/v2 in JSON, reduced to the paths under prefix (the server may serve other
 * groups that are not this APIService's); undefined when it is not served as JSON.
 */
async function fetchV2(agent: Agent, target: ResolvedEndpoint, prefix: string): Promise<OpenAPIV2Document | undefined> {
  try {
    const res = await remoteGet(agent, target, '/openapi/v2', 'application/json')
    if (res.status !== 200 || !res.contentType.includes('json')) return undefined
    const doc = parseJSON(res.body)
    if (!isMap(doc) || doc['swagger'] !== '2.0' || !isMap(doc['paths'])) return undefined
    const paths: JsonMap = {}
    for (const [path, item] of Object.entries(doc['paths'])) if (path.startsWith(prefix) && isMap(item)) paths[path] = item
    const definitions = isMap(doc['definitions']) ? doc['definitions'] : {}
    return { swagger: '2.0', info: isMap(doc['info']) ? (doc['info'] as OpenAPIV2Document['info']) : { title: '', version: '' }, paths, definitions } as OpenAPIV2Document
  } catch {
    return undefined
  }
}
