/**
 * @module lib/endpoints/response-writers
 * Writing objects and Status errors (apiserver pkg/endpoints/handlers/responsewriters): JSON is
 * compact with one trailing newline, YAML on request, Warning headers in RFC 7234 form, and every
 * error as a Status whose code is the HTTP status.
 */
import type { Request, Response, NextFunction } from 'express'
import { stringify as toYAML } from 'yaml'
import * as errors from '../api/errors.js'
import type { StatusError } from '../api/errors.js'
import type { MediaType } from './negotiation.js'

/** Serialises a value for the negotiated media type. */
export function encode(obj: unknown, mediaType: MediaType): string {
  return mediaType === 'application/yaml' ? toYAML(obj, { aliasDuplicateObjects: false }) : `${JSON.stringify(obj)}\n`
}

export function writeObject(res: Response, code: number, obj: unknown, mediaType: MediaType = 'application/json'): void {
  const body = encode(obj, mediaType)
  res.status(code)
  res.setHeader('Content-Type', mediaType)
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.end(body)
}

/** `Warning: 299 - "<text>"`: kubectl prints each as "Warning: <text>". */
export function addWarnings(res: Response, warnings: readonly string[]): void {
  if (warnings.length === 0) return
  const values = warnings.map((w) => `299 - "${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
  const existing = res.getHeader('Warning')
  const prior = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)]
  res.setHeader('Warning', [...prior, ...values])
}

export function writeStatusError(res: Response, err: StatusError): void {
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v)
  writeObject(res, err.code, err.status)
}

/**
 * The one error middleware at the end of the chain: StatusErrors are written as they are, body
 * parser and other HTTP errors by their status, anything else as a 500 InternalError (the panic
 * recovery of kube-apiserver: the process keeps serving).
 */
export function statusErrorWriter(onInternalError?: (err: unknown, req: Request) => void) {
  return function statusErrorWriter(err: unknown, req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) {
      // A stream already started (watch): the only honest signal left is to cut the connection.
      res.destroy(err instanceof Error ? err : undefined)
      return
    }
    if (errors.isStatusError(err)) {
      writeStatusError(res, err)
      return
    }
    onInternalError?.(err, req)
    writeStatusError(res, errors.internalError(err))
    void next
  }
}
