/**
 * @module lib/endpoints/handlers/delete
 * DELETE of one object or a collection (handlers/delete.go), with DeleteOptions from the body or
 * the query. A finished delete answers a Success Status carrying the uid (kubectl's --wait needs
 * it), or the object where the resource returns deleted objects; a delete that waits for
 * finalizers answers the object with its deletionTimestamp.
 */
import type { Request, Response } from 'express'
import * as errors from '../../api/errors.js'
import * as field from '../../api/field-errors.js'
import type { FieldError } from '../../api/field-errors.js'
import type { Preconditions } from '../../storage/interface.js'
import type { DeleteParams } from '../../registry/store.js'
import { requestBody } from '../decode.js'
import { contentTypeOf, decodeBytes, negotiateOutput } from '../negotiation.js'
import { decodeProtobuf, protobufMediaType } from '../protobuf.js'
import { writeObject } from '../response-writers.js'
import type { RequestScope } from '../scope.js'
import { parseListOptions } from './list-options.js'
import { writeList } from './transform.js'

const propagationPolicies = ['Foreground', 'Background', 'Orphan'] as const

interface DeleteOptionsBody {
  kind?: string
  apiVersion?: string
  gracePeriodSeconds?: number
  preconditions?: Preconditions
  propagationPolicy?: string
  orphanDependents?: boolean
  dryRun?: string[]
}

/** DeleteOptions from a JSON/YAML body if there is one, else from the query parameters. */
export function parseDeleteOptions(req: Request, query: URLSearchParams): DeleteParams {
  let opts: DeleteOptionsBody = {}
  const body = requestBody(req)
  if (body.length > 0) {
    let value: unknown
    const contentType = contentTypeOf(req.headers['content-type']) || 'application/json'
    try {
      // client-go sends DeleteOptions as protobuf (helm uninstall does).
      value = contentType === protobufMediaType ? decodeProtobuf(body).object : decodeBytes(body, contentType)
    } catch (err) {
      throw errors.badRequest(`the object provided is unrecognized (must be of type DeleteOptions): couldn't get version/kind; ${(err as Error).message}`)
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw errors.badRequest('the object provided is unrecognized (must be of type DeleteOptions)')
    }
    opts = value as DeleteOptionsBody
    if (opts.kind !== undefined && opts.kind !== 'DeleteOptions') {
      throw errors.badRequest(`${opts.kind} in version "${opts.apiVersion ?? ''}" cannot be handled as a DeleteOptions`)
    }
  } else {
    const grace = query.get('gracePeriodSeconds')
    if (grace !== null && grace !== '') {
      if (!/^-?\d+$/.test(grace)) throw errors.badRequest(`gracePeriodSeconds: Invalid value: "${grace}": strconv.ParseInt: parsing "${grace}": invalid syntax`)
      opts.gracePeriodSeconds = Number(grace)
    }
    const pp = query.get('propagationPolicy')
    if (pp !== null && pp !== '') opts.propagationPolicy = pp
    const od = query.get('orphanDependents')
    if (od !== null && od !== '') opts.orphanDependents = od === 'true'
    if (query.has('dryRun')) opts.dryRun = query.getAll('dryRun')
  }
  // Wrong JSON types are the typed decoder's 400, never a TypeError.
  const typeError = (fieldName: string, goType: string): errors.StatusError =>
    errors.badRequest(`DeleteOptions in version "v1" cannot be handled as a DeleteOptions: json: cannot unmarshal into Go struct field DeleteOptions.${fieldName} of type ${goType}`)
  if (opts.dryRun !== undefined && (!Array.isArray(opts.dryRun) || opts.dryRun.some((v) => typeof v !== 'string'))) throw typeError('dryRun', '[]string')
  if (opts.propagationPolicy !== undefined && typeof opts.propagationPolicy !== 'string') throw typeError('propagationPolicy', 'v1.DeletionPropagation')
  if (opts.orphanDependents !== undefined && typeof opts.orphanDependents !== 'boolean') throw typeError('orphanDependents', 'bool')
  if (opts.preconditions !== undefined) {
    const p: unknown = opts.preconditions
    const ok = typeof p === 'object' && p !== null && !Array.isArray(p) && Object.values(p).every((v) => v === null || typeof v === 'string')
    if (!ok) throw typeError('preconditions', 'v1.Preconditions')
  }
  const errs: FieldError[] = []
  if (opts.propagationPolicy !== undefined && !propagationPolicies.includes(opts.propagationPolicy as (typeof propagationPolicies)[number])) {
    errs.push(field.notSupported('propagationPolicy', opts.propagationPolicy, [...propagationPolicies, 'nil']))
  }
  if (opts.propagationPolicy !== undefined && opts.orphanDependents !== undefined) {
    errs.push(field.invalid('propagationPolicy', opts.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'))
  }
  const dryRun = opts.dryRun ?? []
  const badDryRun = dryRun.filter((v) => v !== 'All')
  if (badDryRun.length > 0) errs.push(field.notSupported('dryRun', badDryRun, ['All']))
  if (opts.gracePeriodSeconds !== undefined && (typeof opts.gracePeriodSeconds !== 'number' || !Number.isInteger(opts.gracePeriodSeconds))) {
    throw errors.badRequest('DeleteOptions in version "v1" cannot be handled as a DeleteOptions: gracePeriodSeconds must be an integer')
  }
  if (errs.length > 0) throw errors.invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', errs)
  const params: DeleteParams = { dryRun: dryRun.length > 0 }
  if (opts.preconditions) params.preconditions = opts.preconditions
  if (opts.gracePeriodSeconds !== undefined) params.gracePeriodSeconds = opts.gracePeriodSeconds
  if (opts.propagationPolicy) params.propagationPolicy = opts.propagationPolicy as DeleteParams['propagationPolicy']
  return params
}

export async function deleteResource(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept)
  const params = parseDeleteOptions(req, scope.query)
  const result = await scope.store.delete(scope.ctx, scope.info.name, params)
  if (!result.deleted || scope.def.strategy.returnDeletedObject) {
    writeObject(res, 200, result.object, n.mediaType)
    return
  }
  writeObject(
    res,
    200,
    errors.successStatus({ name: scope.info.name, group: scope.def.group || undefined, kind: scope.def.resource, uid: result.object.metadata.uid }),
    n.mediaType,
  )
}

export async function deleteCollection(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept)
  const params = parseDeleteOptions(req, scope.query)
  const listOpts = parseListOptions(scope.def, scope.query, false)
  const list = await scope.store.deleteCollection(scope.ctx, { ...params, predicate: listOpts.predicate, name: listOpts.name })
  await writeList(scope, res, list, n)
}
