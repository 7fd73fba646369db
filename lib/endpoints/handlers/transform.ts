/**
 * @module lib/endpoints/handlers/transform
 * transformResponseObject (handlers/response.go): writes an object or list in the representation
 * the client negotiated: as is, as a Table, or as PartialObjectMetadata(List).
 */
import type { Response } from 'express'
import * as errors from '../../api/errors.js'
import type { KubeList, KubeObject } from '../../api/types.js'
import type { IncludeObject } from '../../registry/table.js'
import { toTable } from '../../registry/table.js'
import type { Negotiated } from '../negotiation.js'
import { writeObject } from '../response-writers.js'
import type { RequestScope } from '../scope.js'

export function includeObjectOption(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject')
  if (v === null || v === '' || v === 'Metadata') return 'Metadata'
  if (v === 'None' || v === 'Object') return v
  throw errors.badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`)
}

function partial(obj: KubeObject, version: string): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata }
}

export function writeSingle(scope: RequestScope, res: Response, code: number, obj: KubeObject, n: Negotiated): void {
  if (n.transform === 'Table') {
    const table = toTable(scope.def, [obj], { resourceVersion: obj.metadata.resourceVersion }, {
      includeObject: includeObjectOption(scope.query),
      apiVersion: n.transformVersion === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1',
    })
    writeObject(res, code, table, n.mediaType)
    return
  }
  if (n.transform === 'PartialObjectMetadata') {
    writeObject(res, code, partial(obj, n.transformVersion ?? 'v1'), n.mediaType)
    return
  }
  writeObject(res, code, obj, n.mediaType)
}

export async function writeList(scope: RequestScope, res: Response, list: KubeList, n: Negotiated): Promise<void> {
  if (n.transform === 'Table') {
    const opts = {
      includeObject: includeObjectOption(scope.query),
      apiVersion: n.transformVersion === 'v1beta1' ? ('meta.k8s.io/v1beta1' as const) : ('meta.k8s.io/v1' as const),
    }
    if (n.mediaType === 'application/json' && list.items.length > streamThreshold) {
      // Rows are computed per chunk, so neither the rows nor their text exist all at once.
      const { rows: _none, ...head } = toTable(scope.def, [], list.metadata, opts)
      await writeJSONArrayStream(res, head, 'rows', list.items.length, (from, to) => toTable(scope.def, list.items.slice(from, to), list.metadata, opts).rows)
      return
    }
    writeObject(res, 200, toTable(scope.def, list.items, list.metadata, opts), n.mediaType)
    return
  }
  if (n.transform === 'PartialObjectMetadataList') {
    const v = n.transformVersion ?? 'v1'
    writeObject(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${v}`, metadata: list.metadata, items: list.items.map((o) => partial(o, v)) }, n.mediaType)
    return
  }
  // Typed lists carry items without kind/apiVersion, as kube-apiserver encodes them.
  if (n.mediaType === 'application/json' && list.items.length > streamThreshold) {
    await writeJSONArrayStream(res, { kind: list.kind, apiVersion: list.apiVersion, metadata: list.metadata }, 'items', list.items.length, (from, to) =>
      list.items.slice(from, to).map(stripTypeMeta),
    )
    return
  }
  writeObject(res, 200, { kind: list.kind, apiVersion: list.apiVersion, metadata: list.metadata, items: list.items.map(stripTypeMeta) }, n.mediaType)
}

/** Lists longer than this are written in chunks rather than as one string. */
const streamThreshold = 500
const itemsPerChunk = 200

/**
 * Writes a large JSON document whose last field is a long array in chunks of elements, waiting for
 * the socket to drain, so a 10,000-item list never exists as one multi-megabyte string (and its
 * byte copy) per request. The bytes equal JSON.stringify of the whole document plus a newline.
 */
async function writeJSONArrayStream(
  res: Response,
  head: Record<string, unknown>,
  key: string,
  length: number,
  elements: (from: number, to: number) => readonly unknown[],
): Promise<void> {
  const whole = JSON.stringify({ ...head, [key]: [] })
  res.status(200)
  res.setHeader('Content-Type', 'application/json')
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        res.off('drain', done)
        res.off('close', done)
        resolve()
      }
      res.once('drain', done)
      res.once('close', done)
    })
  let ok = res.write(whole.slice(0, -2))
  for (let i = 0; i < length && !res.destroyed; i += itemsPerChunk) {
    if (!ok) await drained()
    const chunk = elements(i, Math.min(i + itemsPerChunk, length)).map((e) => JSON.stringify(e)).join(',')
    ok = res.write(i === 0 ? chunk : `,${chunk}`)
  }
  res.end(']}\n')
}

function stripTypeMeta(obj: KubeObject): KubeObject {
  if (obj.kind === undefined && obj.apiVersion === undefined) return obj
  const { kind: _k, apiVersion: _a, ...rest } = obj
  return rest as KubeObject
}
