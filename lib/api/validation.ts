/**
 * @module lib/api/validation
 * Name and metadata validation as apimachinery does it (release-1.32): util/validation/validation.go
 * (IsDNS1123Subdomain, IsQualifiedName, ...), api/validation/{generic,objectmeta}.go
 * (ValidateObjectMeta, ValidateObjectMetaUpdate) and the label parts of apis/meta/v1/validation.
 * Every function returns messages or FieldErrors and never throws; the texts are Kubernetes' own
 * because kubectl prints them verbatim.
 */
import { Buffer } from 'node:buffer'
import type { FieldError } from './field-errors.js'
import { forbidden, invalid, required, tooLong, typeInvalid } from './field-errors.js'
import type { ObjectMeta } from './types.js'

// ---------------------------------------------------------------------------------------------
// Go formatting helpers. Field errors print their bad value with Go's %q / %v / %#v; these render
// the cases JSON.stringify gets wrong, so messages stay letter for letter.
// ---------------------------------------------------------------------------------------------

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** Go's strconv.Quote (what %q prints): printable runes stay, the rest become escapes. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd' // a lone surrogate reaches Go as U+FFFD
    else if (printable.test(ch)) out += ch
    else if (c === 7) out += '\\a'
    else if (c === 8) out += '\\b'
    else if (c === 12) out += '\\f'
    else if (c === 10) out += '\\n'
    else if (c === 13) out += '\\r'
    else if (c === 9) out += '\\t'
    else if (c === 11) out += '\\v'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0')
    else out += '\\U' + c.toString(16).padStart(8, '0')
  }
  return out + '"'
}

/** %#v of a []string: `[]string{"a", "b"}`, `[]string{}`, or `[]string(nil)` for a nil slice. */
export function goStringSlice(values: readonly string[] | null | undefined): string {
  if (values === null || values === undefined) return '[]string(nil)'
  return `[]string{${values.map(goQuote).join(', ')}}`
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

interface GoTime {
  /** Whole seconds since the epoch, UTC. */
  seconds: number
  /** Nanoseconds as a 9-digit string, "000000000" when there is no fraction. */
  nanos: string
}

/** time.Parse(time.RFC3339, s), the way metav1.Time decodes; undefined for anything else. */
function parseGoTime(s: string): GoTime | undefined {
  const m = rfc3339.exec(s)
  if (!m) return undefined
  const d = new Date(0)
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0)
  let seconds = Math.floor(d.getTime() / 1000)
  if (m[8]) seconds -= (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60)
  return { seconds, nanos: (m[7] ?? '').slice(0, 9).padEnd(9, '0') }
}

/** time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
function goTimeText(t: GoTime): string {
  const d = new Date(t.seconds * 1000)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const frac = t.nanos.replace(/0+$/, '')
  return (
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac ? '.' + frac : ''} +0000 UTC`
  )
}

/** Go's zero time, what GetCreationTimestamp() holds for a missing or null creationTimestamp. */
const zeroTime: GoTime = { seconds: -62135596800, nanos: '000000000' }

/**
 * strconv.ParseInt(s, 10, 64): an optional sign and decimal digits within int64; undefined when Go
 * would return an error. BigInt because label values like "9007199254740993" must compare exactly.
 */
export function parseGoInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined
  const n = BigInt(s)
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined
  return n
}

/** field.Invalid with the value quoted as Go quotes it whenever that differs from JSON. */
function invalidValue(fieldPath: string, value: unknown, detail: string): FieldError {
  const e = invalid(fieldPath, value, detail)
  if (typeof value === 'string') {
    const q = goQuote(value)
    if (q !== JSON.stringify(value)) e.badValueText = q
  }
  return e
}

/** Go measures strings in bytes (len(s)); so must every length limit here. */
function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name
}

// ---------------------------------------------------------------------------------------------
// util/validation/validation.go
// ---------------------------------------------------------------------------------------------

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const qualifiedNameMaxLength = 63
const labelValueFmt = `(${qualifiedNameFmt})?`
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
/** A label value's maximum length. */
export const LABEL_VALUE_MAX_LENGTH = 63
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
/** A DNS-1123 label's maximum length. */
export const DNS1123_LABEL_MAX_LENGTH = 63
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1123SubdomainErrorMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
/** A DNS-1123 subdomain's maximum length. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?'
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
/** A DNS-1035 label's maximum length. */
export const DNS1035_LABEL_MAX_LENGTH = 63

// The regexes above are only quoted in messages. Matching uses these linear scans instead, because
// the equivalent JavaScript regexes backtrack quadratically on long hostile input (Go's RE2 does not).
const isAlnum = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
const isLowerAlnum = (c: string) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')

function matchesQualifiedNamePart(s: string): boolean {
  if (s.length === 0 || !isAlnum(s[0]!) || !isAlnum(s[s.length - 1]!)) return false
  for (const c of s) if (!(isAlnum(c) || c === '-' || c === '_' || c === '.')) return false
  return true
}

function matchesDNS1123Label(s: string): boolean {
  if (s.length === 0 || !isLowerAlnum(s[0]!) || !isLowerAlnum(s[s.length - 1]!)) return false
  for (const c of s) if (!(isLowerAlnum(c) || c === '-')) return false
  return true
}

function matchesDNS1123Subdomain(s: string): boolean {
  return s.split('.').every(matchesDNS1123Label)
}

function matchesDNS1035Label(s: string): boolean {
  return matchesDNS1123Label(s) && s[0]! >= 'a' && s[0]! <= 'z'
}

/** MaxLenError */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`
}

/** RegexError: the message, examples, and the regex, in Go's exact punctuation. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  let s = msg + ' (e.g. '
  examples.forEach((ex, i) => {
    if (i > 0) s += ' or '
    s += `'${ex}', `
  })
  return s + `regex used for validation is '${fmt}')`
}

/** EmptyError */
export function emptyError(): string {
  return 'must be non-empty'
}

/** IsQualifiedName: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) {
    name = parts[0]!
  } else if (parts.length === 2) {
    const prefix = parts[0]!
    name = parts[1]!
    if (prefix.length === 0) errs.push('prefix part ' + emptyError())
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => 'prefix part ' + m))
  } else {
    return [
      'a qualified name ' +
        regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]
  }
  if (name.length === 0) errs.push('name part ' + emptyError())
  else if (byteLength(name) > qualifiedNameMaxLength) errs.push('name part ' + maxLenError(qualifiedNameMaxLength))
  if (!matchesQualifiedNamePart(name)) errs.push('name part ' + regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc'))
  return errs
}

/** IsValidLabelValue: empty, or a qualified-name-like string of at most 63 characters. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH))
  if (value !== '' && !matchesQualifiedNamePart(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'))
  return errs
}

/** IsDNS1123Label */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH))
  if (!matchesDNS1123Label(value)) {
    // A valid subdomain that is not a valid label can only be failing on its dots.
    if (matchesDNS1123Subdomain(value)) errs.push('must not contain dots')
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'))
  }
  return errs
}

/** IsDNS1123Subdomain */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH))
  if (!matchesDNS1123Subdomain(value)) errs.push(regexError(dns1123SubdomainErrorMsg, dns1123SubdomainFmt, 'example.com'))
  return errs
}

/** IsDNS1035Label (Service names). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH))
  if (!matchesDNS1035Label(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'))
  return errs
}

// ---------------------------------------------------------------------------------------------
// api/validation/path/name.go and api/validation/generic.go
// ---------------------------------------------------------------------------------------------

/** IsValidPathSegmentName: the name can be one segment of a REST or storage path. */
export function isValidPathSegmentName(name: string): string[] {
  for (const illegal of ['.', '..']) if (name === illegal) return [`may not be '${illegal}'`]
  return isValidPathSegmentPrefix(name)
}

/** IsValidPathSegmentPrefix: like the above, minus the exact-name checks a suffix could fix. */
export function isValidPathSegmentPrefix(name: string): string[] {
  const errs: string[] = []
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`)
  return errs
}

/** ValidateNameFunc: prefix is true for a generateName, which gets random characters appended. */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[]

/**
 * maskTrailingDash, bug for bug: Go drops the last two characters before appending "a" (so
 * "abc-" is checked as "aba"), which can only make the check stricter by one character.
 */
export function maskTrailingDash(name: string): string {
  if (name.length > 1 && name.endsWith('-')) return name.slice(0, name.length - 2) + 'a'
  return name
}

/** NameIsDNSSubdomain, the default for most resources. */
export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name)

/** NameIsDNSLabel (Namespaces, and ValidateNamespaceName). */
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name)

/** NameIsDNS1035Label (Services). */
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name)

/** ValidatePathSegmentName (RBAC roles and bindings, for instance). */
export const validatePathSegmentName: ValidateNameFunc = (name, prefix) => (prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name))

/** The name rules a ResourceDefinition can name without code; a function covers the rest. */
export type NameValidation = 'subdomain' | 'label' | 'path-segment'

function nameFunc(v: NameValidation | ValidateNameFunc): ValidateNameFunc {
  if (typeof v === 'function') return v
  if (v === 'label') return nameIsDNSLabel
  if (v === 'path-segment') return validatePathSegmentName
  return nameIsDNSSubdomain
}

/** IsNegativeErrorMsg */
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0'

/** ValidateNonnegativeField */
export function validateNonnegativeField(value: number, fieldPath: string): FieldError[] {
  return value < 0 ? [invalid(fieldPath, value, IS_NEGATIVE_ERROR_MSG)] : []
}

// ---------------------------------------------------------------------------------------------
// apis/meta/v1/validation: labels and label selectors
// ---------------------------------------------------------------------------------------------

/** ValidateLabelName: one Invalid per IsQualifiedName message. */
export function validateLabelName(labelName: string, fieldPath: string): FieldError[] {
  return isQualifiedName(labelName).map((msg) => invalidValue(fieldPath, labelName, msg))
}

/**
 * Non-string map values cannot reach Go's validation (decoding fails first with its own 400), so
 * there is no Kubernetes text to copy; this keeps validation total instead of throwing.
 */
function notAString(fieldPath: string, value: unknown): FieldError {
  return typeInvalid(fieldPath, value, 'must be a string')
}

function stringMap(value: unknown): [string, unknown][] {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return []
  return Object.entries(value as Record<string, unknown>)
}

/** ValidateLabels: keys are qualified names, values label values; errors sit on the map's path. */
export function validateLabels(labels: Record<string, string> | undefined | null, fieldPath: string): FieldError[] {
  const errs: FieldError[] = []
  for (const [k, v] of stringMap(labels)) {
    errs.push(...validateLabelName(k, fieldPath))
    if (typeof v !== 'string') errs.push(notAString(`${fieldPath}[${k}]`, v))
    else for (const msg of isValidLabelValue(v)) errs.push(invalidValue(fieldPath, v, msg))
  }
  return errs
}

/** metav1.LabelSelectorRequirement as it appears in JSON. */
export interface LabelSelectorRequirementObject {
  key: string
  operator: string
  values?: string[] | null
}

/** metav1.LabelSelector as it appears in JSON (spec.selector of Deployments, ReplicaSets ...). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null
  matchExpressions?: LabelSelectorRequirementObject[] | null
}

/** LabelSelectorValidationOptions */
export interface LabelSelectorValidationOptions {
  /** Accept values that are not valid label values (kept for existing invalid data). */
  allowInvalidLabelValueInSelector?: boolean
  /** Accept operators outside In/NotIn/Exists/DoesNotExist. */
  allowUnknownOperatorInRequirement?: boolean
}

/** ValidateLabelSelector */
export function validateLabelSelector(
  ps: LabelSelectorObject | null | undefined,
  opts: LabelSelectorValidationOptions,
  fieldPath: string,
): FieldError[] {
  if (ps === null || ps === undefined || typeof ps !== 'object') return []
  const errs = validateLabels(ps.matchLabels ?? undefined, child(fieldPath, 'matchLabels'))
  const exprs: unknown[] = Array.isArray(ps.matchExpressions) ? ps.matchExpressions : []
  exprs.forEach((expr, i) => {
    const p = `${child(fieldPath, 'matchExpressions')}[${i}]`
    if (expr === null || typeof expr !== 'object') errs.push(typeInvalid(p, expr, 'must be an object'))
    else errs.push(...validateLabelSelectorRequirement(expr as LabelSelectorRequirementObject, opts, p))
  })
  return errs
}

/** ValidateLabelSelectorRequirement */
export function validateLabelSelectorRequirement(
  sr: LabelSelectorRequirementObject,
  opts: LabelSelectorValidationOptions,
  fieldPath: string,
): FieldError[] {
  const errs: FieldError[] = []
  const values: unknown[] = Array.isArray(sr.values) ? sr.values : []
  switch (sr.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(child(fieldPath, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"))
      break
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(child(fieldPath, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
      break
    default:
      if (!opts.allowUnknownOperatorInRequirement) errs.push(invalidValue(child(fieldPath, 'operator'), sr.operator ?? '', 'not a valid selector operator'))
  }
  errs.push(...validateLabelName(str(sr.key), child(fieldPath, 'key')))
  values.forEach((value, i) => {
    const p = `${child(fieldPath, 'values')}[${i}]`
    if (typeof value !== 'string') errs.push(notAString(p, value))
    else if (!opts.allowInvalidLabelValueInSelector) for (const msg of isValidLabelValue(value)) errs.push(invalidValue(p, value, msg))
  })
  return errs
}

// ---------------------------------------------------------------------------------------------
// api/validation/objectmeta.go
// ---------------------------------------------------------------------------------------------

/** FieldImmutableErrorMsg */
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable'

/** TotalAnnotationSizeLimitB: 256 KiB over all keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10)

/** metav1.FinalizerOrphanDependents and metav1.FinalizerDeleteDependents */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan'
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion'

/** ValidateAnnotations: keys are qualified names regardless of case; 256 KiB in total. */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, fieldPath: string): FieldError[] {
  const errs: FieldError[] = []
  let total = 0
  for (const [k, v] of stringMap(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalidValue(fieldPath, k, msg))
    if (typeof v !== 'string') errs.push(notAString(`${fieldPath}[${k}]`, v))
    total += byteLength(k) + (typeof v === 'string' ? byteLength(v) : 0)
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(tooLong(fieldPath, TOTAL_ANNOTATION_SIZE_LIMIT_B))
  return errs
}

/** ValidateFinalizerName */
export function validateFinalizerName(name: string, fieldPath: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalidValue(fieldPath, name, msg))
}

/** ValidateFinalizers: qualified names, and never both orphan and foregroundDeletion. */
export function validateFinalizers(finalizers: readonly string[] | undefined | null, fieldPath: string): FieldError[] {
  const errs: FieldError[] = []
  if (!Array.isArray(finalizers)) return errs
  for (const f of finalizers) {
    if (typeof f !== 'string') errs.push(notAString(fieldPath, f))
    else errs.push(...validateFinalizerName(f, fieldPath))
  }
  if (finalizers.includes(FINALIZER_ORPHAN_DEPENDENTS) && finalizers.includes(FINALIZER_DELETE_DEPENDENTS)) {
    const e = invalid(fieldPath, [...finalizers], `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`)
    e.badValueText = goStringSlice(finalizers)
    errs.push(e)
  }
  return errs
}

/** ValidateNoNewFinalizers: the message lists the added finalizers, sorted, as Go's %#v prints them. */
export function validateNoNewFinalizers(newFinalizers: readonly string[] | undefined | null, oldFinalizers: readonly string[] | undefined | null, fieldPath: string): FieldError[] {
  const old = new Set(Array.isArray(oldFinalizers) ? oldFinalizers : [])
  const added = (Array.isArray(newFinalizers) ? newFinalizers : []).filter((f): f is string => typeof f === 'string' && !old.has(f))
  const extra = [...new Set(added)].sort(compareStrings)
  if (extra.length === 0) return []
  return [forbidden(fieldPath, `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`)]
}

/**
 * The finalizer rule of ValidateObjectMetaUpdate: while the stored object has a deletionTimestamp,
 * an update may remove finalizers but not add any. Kept separate from validateObjectMetaUpdate so
 * the Store can run it on every write path (updates, patches, subresources) exactly once.
 */
export function validateDeletingFinalizers(newMeta: ObjectMeta, oldMeta: ObjectMeta, path = 'metadata'): FieldError[] {
  if (oldMeta?.deletionTimestamp === undefined || oldMeta.deletionTimestamp === null) return []
  return validateNoNewFinalizers(newMeta?.finalizers, oldMeta.finalizers, child(path, 'finalizers'))
}

/** Go sorts strings by bytes, which for valid UTF-16 is code point order, not UTF-16 unit order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done) return y.done ? 0 : -1
    if (y.done) return 1
    const cx = x.value.codePointAt(0)!
    const cy = y.value.codePointAt(0)!
    if (cx !== cy) return cx < cy ? -1 : 1
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/** %#v of a metav1.OwnerReference (a value, so its pointer-receiver String() is not used). */
function goOwnerReference(ref: Record<string, unknown>): string {
  // Go prints a non-nil *bool as its address, which is random anyway; a fixed one stands in.
  const ptr = (v: unknown) => (typeof v === 'boolean' ? '(*bool)(0xc000000000)' : '(*bool)(nil)')
  return (
    `v1.OwnerReference{APIVersion:${goQuote(str(ref['apiVersion']))}, Kind:${goQuote(str(ref['kind']))}, ` +
    `Name:${goQuote(str(ref['name']))}, UID:${goQuote(str(ref['uid']))}, ` +
    `Controller:${ptr(ref['controller'])}, BlockOwnerDeletion:${ptr(ref['blockOwnerDeletion'])}}`
  )
}

/** schema.FromAPIVersionAndKind: an unparsable apiVersion leaves group and version empty. */
function groupVersionOf(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' }
  const slashes = apiVersion.split('/').length - 1
  if (slashes === 0) return { group: '', version: apiVersion }
  if (slashes === 1) {
    const i = apiVersion.indexOf('/')
    return { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) }
  }
  return { group: '', version: '' }
}

/** ValidateOwnerReferences (release-1.32 reports every reference on the list's path, without an index). */
export function validateOwnerReferences(ownerReferences: readonly unknown[] | undefined | null, fieldPath: string): FieldError[] {
  const errs: FieldError[] = []
  if (!Array.isArray(ownerReferences)) return errs
  const refs = ownerReferences.map((r) => (r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : {}))
  let firstController = ''
  for (const ref of refs) {
    const apiVersion = str(ref['apiVersion'])
    const kind = str(ref['kind'])
    const gv = groupVersionOf(apiVersion)
    if (gv.version === '') errs.push(invalidValue(child(fieldPath, 'apiVersion'), apiVersion, 'version must not be empty'))
    if (kind === '') errs.push(invalidValue(child(fieldPath, 'kind'), kind, 'kind must not be empty'))
    if (str(ref['name']) === '') errs.push(invalidValue(child(fieldPath, 'name'), str(ref['name']), 'name must not be empty'))
    if (str(ref['uid']) === '') errs.push(invalidValue(child(fieldPath, 'uid'), str(ref['uid']), 'uid must not be empty'))
    if (gv.group === '' && gv.version === 'v1' && kind === 'Event') {
      const e = invalid(fieldPath, ref, `${gv.group}/${gv.version}, Kind=${kind} is disallowed from being an owner`)
      e.badValueText = goOwnerReference(ref)
      errs.push(e)
    }
    if (ref['controller'] === true) {
      const current = `${kind}/${str(ref['name'])}`
      if (firstController !== '') {
        const e = invalid(
          fieldPath,
          ownerReferences,
          `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
        )
        e.badValueText = `[]v1.OwnerReference{${refs.map(goOwnerReference).join(', ')}}`
        errs.push(e)
      } else {
        firstController = current
      }
    }
  }
  return errs
}

/** FieldManagerMaxLength and MaxSubresourceNameLength */
const fieldManagerMaxLength = 128
const maxSubresourceNameLength = 256

/** ValidateFieldManager: at most 128 bytes, printable characters only. */
export function validateFieldManager(fieldManager: string, fieldPath: string): FieldError[] {
  const errs: FieldError[] = []
  if (byteLength(fieldManager) > fieldManagerMaxLength) errs.push(tooLong(fieldPath, fieldManagerMaxLength))
  let pos = 0
  for (const ch of fieldManager) {
    if (!printable.test(ch)) {
      const u = 'U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
      errs.push(invalidValue(fieldPath, fieldManager, `invalid character ${u} (at position ${pos})`))
    }
    pos += byteLength(ch)
  }
  return errs
}

/** ValidateManagedFields */
export function validateManagedFields(managedFields: readonly unknown[] | undefined | null, fieldPath: string): FieldError[] {
  const errs: FieldError[] = []
  if (!Array.isArray(managedFields)) return errs
  managedFields.forEach((entry, i) => {
    const f = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>) : {}
    const p = `${fieldPath}[${i}]`
    const operation = str(f['operation'])
    if (operation !== 'Apply' && operation !== 'Update') errs.push(invalidValue(child(p, 'operation'), operation, 'must be `Apply` or `Update`'))
    const fieldsType = str(f['fieldsType'])
    if (fieldsType !== '' && fieldsType !== 'FieldsV1') errs.push(invalidValue(child(p, 'fieldsType'), fieldsType, 'must be `FieldsV1`'))
    errs.push(...validateFieldManager(str(f['manager']), child(p, 'manager')))
    if (byteLength(str(f['subresource'])) > maxSubresourceNameLength) errs.push(tooLong(child(p, 'subresource'), maxSubresourceNameLength))
  })
  return errs
}

export interface ObjectMetaValidationOptions {
  /** Namespaced kinds require metadata.namespace; cluster-scoped ones forbid it. */
  namespaced: boolean
  /** The ValidateNameFunc for metadata.name and metadata.generateName. */
  nameValidation: NameValidation | ValidateNameFunc
}

/**
 * ValidateObjectMeta (ValidateObjectMetaAccessor) for a create: expects name generation to have
 * happened, so a generateName is checked as a prefix and the name in full.
 */
export function validateObjectMeta(objectMeta: ObjectMeta, opts: ObjectMetaValidationOptions, path = 'metadata'): FieldError[] {
  const meta: ObjectMeta = objectMeta ?? {}
  const errs: FieldError[] = []
  const nameFn = nameFunc(opts.nameValidation)
  const generateName = str(meta.generateName)
  const name = str(meta.name)
  const namespace = str(meta.namespace)
  if (generateName !== '') {
    for (const msg of nameFn(generateName, true)) errs.push(invalidValue(child(path, 'generateName'), generateName, msg))
  }
  if (name === '') {
    errs.push(required(child(path, 'name'), 'name or generateName is required'))
  } else {
    for (const msg of nameFn(name, false)) errs.push(invalidValue(child(path, 'name'), name, msg))
  }
  if (opts.namespaced) {
    if (namespace === '') errs.push(required(child(path, 'namespace')))
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(invalidValue(child(path, 'namespace'), namespace, msg))
  } else if (namespace !== '') {
    errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'))
  }
  if (typeof meta.generation === 'number') errs.push(...validateNonnegativeField(meta.generation, child(path, 'generation')))
  errs.push(...validateLabels(meta.labels, child(path, 'labels')))
  errs.push(...validateAnnotations(meta.annotations, child(path, 'annotations')))
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(path, 'ownerReferences')))
  errs.push(...validateFinalizers(meta.finalizers, child(path, 'finalizers')))
  errs.push(...validateManagedFields(meta.managedFields, child(path, 'managedFields')))
  return errs
}

/** apiequality.Semantic.DeepEqual on decoded JSON: structural equality. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/** ValidateImmutableField: Invalid on the new value with "field is immutable" when it changed. */
export function validateImmutableField(newVal: unknown, oldVal: unknown, fieldPath: string): FieldError[] {
  if (jsonEqual(newVal, oldVal)) return []
  if (newVal === undefined || newVal === null) {
    // A nil value prints as the string "null", quoted, in Go's ErrorBody.
    const e = invalid(fieldPath, null, FIELD_IMMUTABLE_ERROR_MSG)
    e.badValueText = '"null"'
    return [e]
  }
  return [invalidValue(fieldPath, newVal, FIELD_IMMUTABLE_ERROR_MSG)]
}

/**
 * A metav1.Time field compared and printed as Go does: equal instants are equal whatever their
 * spelling, and the value prints as time.Time.String(). `pointer` distinguishes *metav1.Time
 * (deletionTimestamp: nil prints "null") from metav1.Time (creationTimestamp: zero time).
 */
function validateImmutableTime(newVal: unknown, oldVal: unknown, fieldPath: string, pointer: boolean): FieldError[] {
  const norm = (v: unknown): GoTime | string | null => {
    if (v === undefined || v === null || v === '') return pointer ? null : zeroTime
    if (typeof v !== 'string') return JSON.stringify(v)
    return parseGoTime(v) ?? v
  }
  const a = norm(newVal)
  const b = norm(oldVal)
  const same =
    a === null || b === null || typeof a === 'string' || typeof b === 'string'
      ? a === b
      : a.seconds === b.seconds && a.nanos === b.nanos
  if (same) return []
  const e = invalid(fieldPath, newVal ?? null, FIELD_IMMUTABLE_ERROR_MSG)
  e.badValueText = a === null ? '"null"' : typeof a === 'string' ? goQuote(a) : goTimeText(a)
  return [e]
}

/**
 * ValidateObjectMetaUpdate (ValidateObjectMetaAccessorUpdate) minus two checks that live elsewhere:
 * the no-new-finalizers rule is validateDeletingFinalizers, and "resourceVersion: must be specified
 * for an update" belongs to the Store, which fills in the stored resourceVersion for unconditional
 * updates (AllowUnconditionalUpdate) only after validation.
 */
export function validateObjectMetaUpdate(newObjectMeta: ObjectMeta, oldObjectMeta: ObjectMeta, path = 'metadata'): FieldError[] {
  const newMeta: ObjectMeta = newObjectMeta ?? {}
  const oldMeta: ObjectMeta = oldObjectMeta ?? {}
  const errs: FieldError[] = []
  const newGeneration = typeof newMeta.generation === 'number' ? newMeta.generation : 0
  const oldGeneration = typeof oldMeta.generation === 'number' ? oldMeta.generation : 0
  if (newGeneration < oldGeneration) errs.push(invalid(child(path, 'generation'), newGeneration, 'must not be decremented'))
  errs.push(...validateImmutableField(str(newMeta.name), str(oldMeta.name), child(path, 'name')))
  errs.push(...validateImmutableField(str(newMeta.namespace), str(oldMeta.namespace), child(path, 'namespace')))
  errs.push(...validateImmutableField(str(newMeta.uid), str(oldMeta.uid), child(path, 'uid')))
  errs.push(...validateImmutableTime(newMeta.creationTimestamp, oldMeta.creationTimestamp, child(path, 'creationTimestamp'), false))
  errs.push(...validateImmutableTime(newMeta.deletionTimestamp, oldMeta.deletionTimestamp, child(path, 'deletionTimestamp'), true))
  errs.push(...validateImmutableField(newMeta.deletionGracePeriodSeconds ?? null, oldMeta.deletionGracePeriodSeconds ?? null, child(path, 'deletionGracePeriodSeconds')))
  errs.push(...validateLabels(newMeta.labels, child(path, 'labels')))
  errs.push(...validateAnnotations(newMeta.annotations, child(path, 'annotations')))
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, child(path, 'ownerReferences')))
  errs.push(...validateManagedFields(newMeta.managedFields, child(path, 'managedFields')))
  return errs
}

/** InclusiveRangeError from util/validation. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`
}

/** IsValidPortNum: a port number from 1 to 65535. */
export function isValidPortNum(port: unknown): string[] {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)]
}
