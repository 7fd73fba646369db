/**
 * @module lib/endpoints/scope
 * RequestScope (handlers/rest.go): what every verb handler needs about the resource and the
 * request, and the query options common to writes (dryRun, fieldManager, fieldValidation).
 */
import type { Request, Response } from 'express'
import * as errors from '../api/errors.js'
import * as field from '../api/field-errors.js'
import type { ResourceDefinition } from '../registry/resource.js'
import type { Store } from '../registry/store.js'
import type { RequestContext } from '../registry/strategy.js'
import type { RequestInfo } from './request-info.js'

export interface RequestScope {
  def: ResourceDefinition
  store: Store
  info: RequestInfo
  query: URLSearchParams
  ctx: RequestContext
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

export function requestInfoOf(res: Response): RequestInfo {
  const info = res.locals['requestInfo'] as RequestInfo | undefined
  if (!info) throw errors.internalError(new Error('missing requestInfo'))
  return info
}

/** dryRun: only "All" is valid (apiserver validates it as a list of values). */
export function parseDryRun(def: ResourceDefinition, name: string, query: URLSearchParams): boolean {
  const values = query.getAll('dryRun')
  if (values.length === 0) return false
  const bad = values.filter((v) => v !== 'All')
  if (bad.length > 0) {
    throw errors.invalid({ group: 'meta.k8s.io', kind: kindForOptions(query) }, '', [field.notSupported('dryRun', bad, ['All'])])
  }
  void def
  void name
  return true
}

function kindForOptions(query: URLSearchParams): string {
  return query.has('force') ? 'PatchOptions' : 'CreateOptions'
}

/** fieldValidation: Strict, Warn (the server default) or Ignore; anything else is a 400. */
export function parseFieldValidation(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation')
  if (v === null || v === '') return 'Warn'
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v
  throw errors.badRequest(`fieldValidation must be one of Ignore, Warn, or Strict, got: ${v}`)
}

/** fieldManager: at most 128 printable characters (ValidateFieldManager). */
export function validateFieldManager(def: ResourceDefinition, query: URLSearchParams, optionsKind: string): void {
  const m = query.get('fieldManager')
  if (m === null) return
  const errs: field.FieldError[] = []
  if (m.length > 128) errs.push(field.tooLong('fieldManager', 128))
  if (/[^\x20-\x7e]/.test(m)) errs.push(field.invalid('fieldManager', m, 'must only contain printable characters'))
  if (errs.length > 0) throw errors.invalid({ group: 'meta.k8s.io', kind: optionsKind }, '', errs)
  void def
}
