/**
 * @module lib/api/errors
 * StatusError and its builders, mirroring apimachinery pkg/api/errors/errors.go: every failure a
 * handler throws is one of these, and one error middleware writes its Status as JSON. Messages
 * follow kube-apiserver to the letter because kubectl prints them verbatim.
 */
import type { GroupResource, Status, StatusCause, StatusDetails, StatusReason } from './types.js'
import { groupResourceString } from './types.js'
import type { FieldError } from './field-errors.js'
import { aggregateMessage, fieldErrorBody } from './field-errors.js'

/** apiserver/pkg/registry/generic/registry/store.go OptimisticLockErrorMsg */
export const optimisticLockErrorMsg = 'the object has been modified; please apply your changes to the latest version and try again'

export class StatusError extends Error {
  readonly status: Status
  /** Extra response headers, e.g. Retry-After for 429/503. */
  readonly headers: Record<string, string>

  constructor(status: Omit<Status, 'kind' | 'apiVersion' | 'metadata' | 'status'> & { status?: Status['status'] }, headers: Record<string, string> = {}) {
    super(status.message ?? '')
    this.name = 'StatusError'
    // Field order as kube-apiserver serialises a Status: kind, apiVersion, metadata, status,
    // message, reason, details, code.
    const ordered: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: status.status ?? 'Failure', code: 0 }
    delete (ordered as Partial<Status>).code
    if (status.message !== undefined) ordered.message = status.message
    if (status.reason !== undefined) ordered.reason = status.reason
    if (status.details !== undefined) ordered.details = status.details
    ordered.code = status.code
    this.status = ordered
    this.headers = { ...headers }
    if (status.details?.retryAfterSeconds) this.headers['Retry-After'] = String(status.details.retryAfterSeconds)
  }

  get code(): number {
    return this.status.code
  }

  get reason(): StatusReason {
    return this.status.reason ?? ''
  }
}

/** A capability check rather than instanceof, so errors from another copy of the module still count. */
export function isStatusError(err: unknown): err is StatusError {
  return typeof err === 'object' && err !== null && 'status' in err && typeof (err as StatusError).status === 'object' && (err as StatusError).status?.kind === 'Status'
}

function build(code: number, reason: StatusReason, message: string, details?: StatusDetails, headers?: Record<string, string>): StatusError {
  return new StatusError(details ? { code, reason, message, details } : { code, reason, message }, headers)
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return build(404, 'NotFound', `${groupResourceString(gr)} "${name}" not found`, { name, group: gr.group || undefined, kind: gr.resource })
}

/** The answer for paths and resources nobody serves (not-found handler, unknown resource). */
export function genericNotFound(withEmptyDetails = false): StatusError {
  return build(404, 'NotFound', 'the server could not find the requested resource', withEmptyDetails ? {} : undefined)
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return build(409, 'AlreadyExists', `${groupResourceString(gr)} "${name}" already exists`, { name, group: gr.group || undefined, kind: gr.resource })
}

export function generateNameConflict(gr: GroupResource, name: string, retryAfterSeconds: number): StatusError {
  return build(
    409,
    'AlreadyExists',
    `${groupResourceString(gr)} "${name}" already exists, the server was not able to generate a unique name for the object`,
    { name, group: gr.group || undefined, kind: gr.resource, retryAfterSeconds },
  )
}

export function conflict(gr: GroupResource, name: string, reason: string): StatusError {
  return build(409, 'Conflict', `Operation cannot be fulfilled on ${groupResourceString(gr)} "${name}": ${reason}`, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  })
}

/** NewInvalid: "<Kind[.group]> \"name\" is invalid: <aggregate>", details.kind is the Kind. */
export function invalid(groupKind: { group: string; kind: string }, name: string, errs: readonly FieldError[]): StatusError {
  const qualified = groupKind.group ? `${groupKind.kind}.${groupKind.group}` : groupKind.kind
  const causes: StatusCause[] = errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }))
  return build(422, 'Invalid', `${qualified} "${name}" is invalid: ${aggregateMessage(errs)}`, {
    name,
    group: groupKind.group || undefined,
    kind: groupKind.kind,
    causes,
  })
}

export function badRequest(message: string): StatusError {
  return build(400, 'BadRequest', message)
}

export function forbidden(gr: GroupResource, name: string, reason: string): StatusError {
  const target = name ? `${groupResourceString(gr)} "${name}"` : groupResourceString(gr)
  return build(403, 'Forbidden', `${target} is forbidden: ${reason}`, { name: name || undefined, group: gr.group || undefined, kind: gr.resource })
}

export function methodNotSupported(gr: GroupResource, verb: string): StatusError {
  return build(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${groupResourceString(gr)}"`, {
    group: gr.group || undefined,
    kind: gr.resource,
  })
}

/** go-restful's answer for a known route with a method it does not serve. */
export function methodNotAllowed(): StatusError {
  return build(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {})
}

export function tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return build(429, 'TooManyRequests', message, { retryAfterSeconds })
}

export function serviceUnavailable(message: string, retryAfterSeconds?: number): StatusError {
  return build(503, 'ServiceUnavailable', message, retryAfterSeconds ? { retryAfterSeconds } : undefined)
}

/** NewResourceExpired: 410 with reason Expired (too old resource version, stale continue token). */
export function resourceExpired(message: string): StatusError {
  return build(410, 'Expired', message)
}

/** NewTimeoutError: 504 "Timeout: <message>". */
export function timeout(message: string, retryAfterSeconds = 0, cause?: StatusCause): StatusError {
  const details: StatusDetails = {}
  if (retryAfterSeconds) details.retryAfterSeconds = retryAfterSeconds
  if (cause) details.causes = [cause]
  return build(504, 'Timeout', `Timeout: ${message}`, Object.keys(details).length ? details : undefined)
}

/** NewServerTimeout-style 504 used by the request timeout filter. */
export function requestTimeout(): StatusError {
  return build(504, 'Timeout', 'Timeout: request did not complete within the allotted timeout', {})
}

export function internalError(err: unknown): StatusError {
  const message = err instanceof Error ? err.message : String(err)
  return build(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] })
}

export function unsupportedMediaType(accepted: readonly string[]): StatusError {
  return build(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`)
}

export function notAcceptable(accepted: readonly string[]): StatusError {
  return build(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`)
}

export function requestEntityTooLarge(message: string): StatusError {
  return build(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`)
}

/** A Success Status, the body of most DELETE responses; like the generic Store's, it carries no code. */
export function successStatus(details: StatusDetails): Omit<Status, 'code'> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }
}
