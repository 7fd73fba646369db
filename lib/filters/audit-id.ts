/**
 * @module lib/filters/audit-id
 * WithAuditInit (apiserver pkg/endpoints/filters/audit_init.go): every request gets an audit ID,
 * the caller's own `Audit-ID` header if it sent one (so a client or an aggregating server can
 * correlate its logs with ours) or a fresh UUID, echoed in the `Audit-Id` response header.
 */
import { randomUUID } from 'node:crypto'
import { validateHeaderValue } from 'node:http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/**
 * Returns the `auditID` middleware; the ID is stored on `res.locals.auditID` for logs and audit.
 * A response header already set by an outer layer wins, so an aggregated request never shows
 * two IDs.
 * @public
 */
export function auditID(newID: () => string = randomUUID): RequestHandler {
  return function auditID(req: Request, res: Response, next: NextFunction): void {
    // Kept as sent, without truncation, as kube does; only a value that cannot be echoed back in
    // a header is replaced, because setHeader would throw on it.
    let id = req.get('Audit-ID') ?? ''
    if (id === '' || !isValidHeaderValue(id)) id = newID()
    res.locals.auditID = id
    if (!res.hasHeader('Audit-Id')) res.setHeader('Audit-Id', id)
    next()
  }
}

/** The request's audit ID, as set by the auditID filter. */
export function auditIDOf(res: Response): string | undefined {
  return res.locals.auditID as string | undefined
}

function isValidHeaderValue(value: string): boolean {
  try {
    validateHeaderValue('Audit-Id', value)
    return true
  } catch {
    return false
  }
}
