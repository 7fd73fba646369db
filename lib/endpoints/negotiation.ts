/**
 * @module lib/endpoints/negotiation
 * Content negotiation (apiserver pkg/endpoints/handlers/negotiation): which representation an
 * Accept header asks for (JSON, YAML, a meta.k8s.io Table or PartialObjectMetadata), and how a
 * request body is decoded (JSON or YAML; protobuf bodies go to ./protobuf.ts). Responses are never
 * protobuf: kubectl's typed client always accepts JSON as well.
 */
import { parse as parseYAML } from 'yaml'
import * as errors from '../api/errors.js'

export type MediaType = 'application/json' | 'application/yaml'

/** A server-side transformation asked for with ;as=<Kind>;g=meta.k8s.io;v=<version>. */
export type Transform = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList'

export interface Negotiated {
  mediaType: MediaType
  transform?: Transform
  /** meta.k8s.io version the transform was asked in (v1 or v1beta1). */
  transformVersion?: string
}

export interface AcceptClause {
  type: string
  subtype: string
  params: Record<string, string>
  q: number
}

export const acceptedMediaTypes: readonly string[] = ['application/json', 'application/yaml']

/** Parses an Accept header into clauses ordered by q (stable, like goautoneg). */
export function parseAccept(header: string | undefined): AcceptClause[] {
  if (!header || header.trim() === '') return [{ type: '*', subtype: '*', params: {}, q: 1 }]
  const clauses: AcceptClause[] = []
  for (const part of header.split(',')) {
    const [mt, ...rest] = part.split(';')
    const [type = '', subtype = ''] = (mt ?? '').trim().toLowerCase().split('/')
    if (!type) continue
    const params: Record<string, string> = {}
    let q = 1
    for (const p of rest) {
      const eq = p.indexOf('=')
      if (eq < 0) continue
      const k = p.slice(0, eq).trim().toLowerCase()
      const v = p.slice(eq + 1).trim().replace(/^"|"$/g, '')
      if (k === 'q') q = Number(v)
      else params[k] = v
    }
    clauses.push({ type, subtype: subtype || '*', params, q: Number.isFinite(q) ? q : 0 })
  }
  return clauses.filter((c) => c.q > 0).sort((a, b) => b.q - a.q)
}

function mediaTypeOf(c: AcceptClause): MediaType | undefined {
  if (c.type === '*' && c.subtype === '*') return 'application/json'
  if (c.type !== 'application') return undefined
  if (c.subtype === '*' || c.subtype === 'json') return 'application/json'
  if (c.subtype === 'yaml') return 'application/yaml'
  return undefined
}

export interface NegotiateOptions {
  /** Transforms this endpoint can produce (get/list/watch can make Tables, not writes). */
  transforms?: readonly Transform[]
}

/** Picks the first Accept clause the endpoint can serve; 406 NotAcceptable when none fits. */
export function negotiateOutput(accept: string | undefined, opts: NegotiateOptions = {}): Negotiated {
  for (const c of parseAccept(accept)) {
    const mediaType = mediaTypeOf(c)
    if (!mediaType) continue
    const as = c.params['as']
    if (as === undefined) {
      // A clause naming another group or version without "as" is a request for something we don't have.
      if (c.params['g'] || c.params['v']) continue
      return { mediaType }
    }
    if (c.params['g'] !== 'meta.k8s.io') continue
    const v = c.params['v']
    if (v !== 'v1' && v !== 'v1beta1') continue
    if (!(opts.transforms ?? []).includes(as as Transform)) continue
    return { mediaType, transform: as as Transform, transformVersion: v }
  }
  throw errors.notAcceptable(acceptedMediaTypes)
}

/** Content-Type without parameters, lower-cased; "" when absent. */
export function contentTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase()
}

/**
 * Decodes a body the way the JSON/YAML serializers do: JSON or YAML into a plain value. Errors
 * carry the serializer's message and are turned into kube's BadRequest text by the caller.
 */
export function decodeBytes(body: Buffer, contentType: string): unknown {
  const text = body.toString('utf8')
  if (contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml') {
    try {
      return parseYAML(text, { uniqueKeys: false, merge: true, maxAliasCount: 100 })
    } catch (err) {
      throw new Error(`error converting YAML to JSON: yaml: ${(err as Error).message.split('\n')[0]}`, { cause: err })
    }
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new Error(`json parse error: ${(err as Error).message}`, { cause: err })
  }
}

/** summarizeData from handlers/rest.go: the start of the body, for decode error messages. */
export function summarizeData(body: Buffer, maxLength = 30): string {
  if (body.length === 0) return '<empty>'
  if (body[0] === 0x7b) {
    const s = body.toString('utf8')
    return s.length > maxLength ? `${s.slice(0, maxLength)} ...` : s
  }
  return body.length > maxLength ? `${body.subarray(0, maxLength).toString('hex')} ...` : body.toString('hex')
}
