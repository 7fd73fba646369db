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

export function writeList(scope: RequestScope, res: Response, list: KubeList, n: Negotiated): void {
  if (n.transform === 'Table') {
    const table = toTable(scope.def, list.items, list.metadata, {
      includeObject: includeObjectOption(scope.query),
      apiVersion: n.transformVersion === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1',
    })
    writeObject(res, 200, table, n.mediaType)
    return
  }
  if (n.transform === 'PartialObjectMetadataList') {
    const v = n.transformVersion ?? 'v1'
    writeObject(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${v}`, metadata: list.metadata, items: list.items.map((o) => partial(o, v)) }, n.mediaType)
    return
  }
  // Typed lists carry items without kind/apiVersion, as kube-apiserver encodes them.
  writeObject(res, 200, { kind: list.kind, apiVersion: list.apiVersion, metadata: list.metadata, items: list.items.map(stripTypeMeta) }, n.mediaType)
}

function stripTypeMeta(obj: KubeObject): KubeObject {
  if (obj.kind === undefined && obj.apiVersion === undefined) return obj
  const { kind: _k, apiVersion: _a, ...rest } = obj
  return rest as KubeObject
}
