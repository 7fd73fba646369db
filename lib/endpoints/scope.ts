/**
 * @module lib/endpoints/scope
 * RequestScope (handlers/rest.go): what every verb handler needs about the resource and the
 * request, and the query options common to writes (dryRun, fieldManager, fieldValidation).
 */
import type { Request, Response } from 'express'
import * as errors from '../api/errors.js'
import * as field from '../api/field-errors.js'
import { validateFieldManager } from '../api/validation.js'
import type { ResourceDefinition } from '../registry/resource.js'
import type { Store } from '../registry/store.js'
import type { RequestContext } from '../registry/strategy.js'
import type { ApplyTypeResolver } from './fieldmanager/schema-type.js'
import type { RequestInfo } from './request-info.js'

export interface RequestScope {
  def: ResourceDefinition
  store: Store
  info: RequestInfo
  query: URLSearchParams
  ctx: RequestContext
  /** Server-side apply's types of built-in kinds (config.applyTypes); CRDs carry their own schema. */
  applyTypes?: ApplyTypeResolver
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore'

/** The parsed query of the request, stored once by the request-info filter. */
export function requestQuery(req: Request, res: Response): URLSearchParams {
  const cached = res.locals['query'] as URLSearchParams | undefined
  if (cached) return cached
  const q = new URL(req.url, 'http://localhost').searchParams
  res.locals['query'] = q
  return q
}


/** fieldValidation: Strict, Warn (the server default) or Ignore; anything else is a 400. */
export function parseFieldValidation(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation')
  if (v === null || v === '') return 'Warn'
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v
  throw errors.badRequest(`fieldValidation must be one of Ignore, Warn, or Strict, got: ${v}`)
}

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'

export interface WriteQueryOptions {
  dryRun: boolean
  fieldValidation: FieldValidation
}

/**
 * The query options every write shares, validated as kube validates Create/Update/PatchOptions:
 * dryRun only "All", fieldManager at most 128 printable characters, fieldValidation known.
 */
export function writeOptions(query: URLSearchParams, kind: OptionsKind): WriteQueryOptions {
  const errs: field.FieldError[] = []
  const dryRun = query.getAll('dryRun')
  const bad = dryRun.filter((v) => v !== 'All')
  if (bad.length > 0) errs.push(field.notSupported('dryRun', bad, ['All']))
  const manager = query.get('fieldManager')
  if (manager !== null) errs.push(...validateFieldManager(manager, 'fieldManager'))
  if (errs.length > 0) throw errors.invalid({ group: 'meta.k8s.io', kind }, '', errs)
  return { dryRun: dryRun.length > 0, fieldValidation: parseFieldValidation(query) }
}
