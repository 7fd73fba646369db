/**
 * @module lib/api/field-errors
 * field.Error and field.ErrorList from apimachinery (util/validation/field/errors.go): validation
 * returns a list of these instead of throwing, and StatusError.invalid() turns the list into a 422
 * with the exact message and causes kube-apiserver prints.
 */

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'

export interface FieldError {
  type: FieldErrorType
  /** The JSON path of the field, e.g. "metadata.name" or "spec.containers[0].image". */
  field: string
  /** The offending value; omitted for types that never print it. */
  badValue?: unknown
  /** A preformatted value, for the few places Kubernetes prints a Go-specific rendering (e.g. 0x0). */
  badValueText?: string
  detail?: string
}

/** ErrorType.String() from field/errors.go. */
const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
}

/** Types whose body never prints the value (ErrorBody's first case). */
const valueless = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError'])

/** field.Error.ErrorBody(): the message without the field path, used as a Status cause message. */
export function fieldErrorBody(e: FieldError): string {
  let s = typeText[e.type]
  if (!valueless.has(e.type) && (e.badValueText !== undefined || 'badValue' in e)) {
    s += `: ${e.badValueText ?? formatValue(e.badValue)}`
  }
  if (e.detail) s += `: ${e.detail}`
  return s
}

/** field.Error.Error(): "<field>: <body>". */
export function fieldErrorMessage(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`
}

/** ErrorList.ToAggregate().Error(): one message as is, several inside brackets joined by ", ". */
export function aggregateMessage(errs: readonly FieldError[]): string {
  const seen = new Set<string>()
  const messages: string[] = []
  for (const e of errs) {
    const m = fieldErrorMessage(e)
    if (!seen.has(m)) {
      seen.add(m)
      messages.push(m)
    }
  }
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`
}

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, detail }
}

export function invalid(field: string, badValue: unknown, detail = ''): FieldError {
  return { type: 'FieldValueInvalid', field, badValue, detail }
}

export function forbidden(field: string, detail = ''): FieldError {
  return { type: 'FieldValueForbidden', field, detail }
}

export function duplicate(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, badValue }
}

export function notFound(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, badValue }
}

export function tooLong(field: string, maxLength: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `must have at most ${maxLength} bytes` }
}

export function typeInvalid(field: string, badValue: unknown, detail = ''): FieldError {
  return { type: 'FieldValueTypeInvalid', field, badValue, detail }
}

/** field.NotSupported: the detail lists the accepted values quoted, as Go's %q does. */
export function notSupported(field: string, badValue: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map((v) => JSON.stringify(v)).join(', ')}` : ''
  return { type: 'FieldValueNotSupported', field, badValue, detail }
}

/** Go prints strings with %q, simple scalars with %v, null for nil; objects fall back to JSON here. */
function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}
