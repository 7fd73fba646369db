/**
 * @module lib/endpoints/request-info
 * RequestInfoFactory.NewRequestInfo (apiserver pkg/endpoints/request/requestinfo.go, release-1.32)
 * with APIPrefixes {api, apis} and GrouplessAPIPrefixes {api}: turns a method, path and query into
 * the kube verb, group, version, namespace, resource, subresource and name that authorization,
 * audit, priority and fairness and the handlers all key on.
 */
import { Buffer } from 'node:buffer'
import { parseFieldSelector, requiresExactMatch } from '../api/fields.js'
import { parseLabelSelector } from '../api/labels.js'
import { isValidPathSegmentName, parseGoInt64 } from '../api/validation.js'

export interface RequestInfo {
  /** True for /api/{version}/... and /apis/{group}/{version}/... paths with at least a resource. */
  isResourceRequest: boolean
  /** The decoded request path (Go's URL.Path). */
  path: string
  /** The kube verb (get, list, watch, create, update, patch, delete, deletecollection, proxy), or the lowercased HTTP method for non-resource requests. */
  verb: string
  apiPrefix: string
  apiGroup: string
  apiVersion: string
  /** "" for cluster-scoped requests and for lists across all namespaces. */
  namespace: string
  resource: string
  subresource: string
  name: string
  /** The path from the resource on: [resource, name, subresource, ...]. */
  parts: string[]
}

const apiPrefixes = new Set(['api', 'apis'])
const grouplessAPIPrefixes = new Set(['api'])
/** Verbs spelled as a path segment before the resource (the deprecated /watch/ and /proxy/ forms). */
const specialVerbs = new Set(['proxy', 'watch'])
const specialVerbsNoSubresources = new Set(['proxy'])
/** What follows /namespaces/{name}/ when it is the Namespace's own subresource, not a resource in it. */
const namespaceSubresources = new Set(['status', 'finalize'])

/**
 * Go's URL.Path is the percent-decoded path, so "%2F" splits like "/". Invalid escapes never get
 * this far in Go (the HTTP server rejects the URL), so they are left as they are.
 */
function decodePath(raw: string): string {
  if (!raw.includes('%')) return raw
  return raw.replace(/(?:%[0-9A-Fa-f]{2})+/g, (seq) => Buffer.from(seq.replace(/%/g, ''), 'hex').toString('utf8'))
}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '')
  return trimmed === '' ? [] : trimmed.split('/')
}

/** Convert_Slice_string_To_bool: only "0" and (any case) "false" are false. */
function queryBool(value: string): boolean {
  return !(value === '0' || value.toLowerCase() === 'false')
}

/**
 * Whether metainternalversionscheme.ParameterCodec.DecodeParameters would fail on this query as
 * ListOptions. When it does, Go keeps only the watch flag and ignores the field selector, so a
 * bad selector never lifts a name.
 */
function listOptionsUndecodable(query: URLSearchParams): boolean {
  for (const key of ['timeoutSeconds', 'limit']) {
    const v = query.get(key)
    if (v !== null && parseGoInt64(v) === undefined) return true
  }
  const ls = query.get('labelSelector')
  const fs = query.get('fieldSelector')
  try {
    if (ls !== null) parseLabelSelector(ls)
    if (fs !== null) parseFieldSelector(fs)
  } catch {
    return true
  }
  return false
}

/**
 * NewRequestInfo. `path` is the raw (still percent-encoded) request path relative to where the
 * chain is mounted, as Express's req.path gives it; `query` is the parsed query string.
 *
 * Throws an Error for a special verb with nothing after it ("/api/v1/watch"), with Go's text
 * "unable to determine kind and namespace from url, <url>"; kube-apiserver's WithRequestInfo
 * filter answers that with a 500 "Internal error occurred: failed to create RequestInfo: <text>".
 */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const decoded = decodePath(path)
  // Start as a non-resource request until the path proves otherwise.
  const info: RequestInfo = {
    isResourceRequest: false,
    path: decoded,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  }

  let parts = splitPath(decoded)
  if (parts.length < 3 || !apiPrefixes.has(parts[0]!)) return info
  info.apiPrefix = parts[0]!
  parts = parts.slice(1)

  if (!grouplessAPIPrefixes.has(info.apiPrefix)) {
    // The prefix is consumed already, so this asks for group, version and resource.
    if (parts.length < 3) return info
    info.apiGroup = parts[0]!
    parts = parts.slice(1)
  }

  info.isResourceRequest = true
  info.apiVersion = parts[0]!
  parts = parts.slice(1)

  if (specialVerbs.has(parts[0]!)) {
    if (parts.length < 2) {
      const q = query.toString()
      throw new Error(`unable to determine kind and namespace from url, ${path}${q ? '?' + q : ''}`)
    }
    info.verb = parts[0]!
    parts = parts.slice(1)
  } else {
    switch (method) {
      case 'POST':
        info.verb = 'create'
        break
      case 'GET':
      case 'HEAD':
        info.verb = 'get'
        break
      case 'PUT':
        info.verb = 'update'
        break
      case 'PATCH':
        info.verb = 'patch'
        break
      case 'DELETE':
        info.verb = 'delete'
        break
      default:
        info.verb = ''
    }
  }

  // /namespaces/{namespace}/{resource}/...: make parts relative to the resource, unless what
  // follows the namespace name is the Namespace's own subresource (/namespaces/x/status).
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1]!
      if (parts.length > 2 && !namespaceSubresources.has(parts[2]!)) parts = parts.slice(2)
    }
  }

  info.parts = parts
  // parts: resource/name/subresource/anything/else/uninterpreted
  if (parts.length >= 3 && !specialVerbsNoSubresources.has(info.verb)) info.subresource = parts[2]!
  if (parts.length >= 2) info.name = parts[1]!
  if (parts.length >= 1) info.resource = parts[0]!

  // A get without a name is a list or a watch; a list or watch pinned to one name by
  // fieldSelector=metadata.name=X counts as a request for X (authorization relies on it).
  if (info.name === '' && info.verb === 'get') {
    const watch = query.get('watch')
    info.verb = watch !== null && queryBool(watch) ? 'watch' : 'list'
    if (!listOptionsUndecodable(query)) {
      const fs = query.get('fieldSelector')
      if (fs !== null) {
        const name = requiresExactMatch(parseFieldSelector(fs), 'metadata.name')
        if (name !== undefined && isValidPathSegmentName(name).length === 0) info.name = name
      }
    }
  }

  // A delete without a name is a deletecollection.
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection'

  return info
}
