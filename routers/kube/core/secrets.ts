/**
 * @module routers/kube/core/secrets
 * core/v1 Secret (pkg/registry/core/secret, ValidateSecret): type defaults to Opaque, stringData is
 * folded into data as base64 the way the v1 conversion does, keys follow the ConfigMap key rules,
 * each well-known type requires its keys, immutable Secrets keep their data, and `type` is a
 * field selector.
 */
import * as errors from '../../../lib/api/errors.js'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { validateImmutableField } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { isConfigMapKey } from './configmaps.js'
import { ageColumn, jsonEqual } from './helpers.js'
import { isObj, mapOf } from '../json.js'

/** MaxSecretSize: 1 MiB of decoded data. */
const maxSecretSize = 1024 * 1024
const serviceAccountNameKey = 'kubernetes.io/service-account.name'
const redacted = '<secret contents redacted>'

function secretType(obj: KubeObject): string {
  return typeof obj['type'] === 'string' ? obj['type'] : ''
}

// ---------------------------------------------------------------------------------------------
// Go's base64.StdEncoding (what encoding/json uses for []byte): strict padding, CR and LF skipped,
// and the byte offset of the first bad input in its error.
// ---------------------------------------------------------------------------------------------

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const decodeMap = new Map([...alphabet].map((c, i) => [c.charCodeAt(0), i]))
const isNewline = (b: number | undefined): boolean => b === 0x0a || b === 0x0d
const pad = 0x3d

/** base64.StdEncoding.Decode: the decoded length, or the CorruptInputError offset. */
export function goBase64Decode(s: string): { length: number } | { corruptAt: number } {
  const src = Buffer.from(s, 'utf8')
  let si = 0
  let length = 0
  while (si < src.length) {
    // decodeQuantum: up to four symbols, newlines skipped, padding only at the very end.
    let j = 0
    let dlen = 4
    let trailing = -1
    while (j < 4) {
      if (si === src.length) {
        if (j === 0) return { length }
        return { corruptAt: si - j }
      }
      const b = src[si]!
      si++
      if (decodeMap.has(b)) {
        j++
        continue
      }
      if (isNewline(b)) continue
      if (b !== pad || j < 2) return { corruptAt: si - 1 }
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++
        if (si === src.length) return { corruptAt: src.length }
        if (src[si] !== pad) return { corruptAt: si - 1 }
        si++
      }
      while (si < src.length && isNewline(src[si])) si++
      if (si < src.length) trailing = si
      dlen = j
      break
    }
    length += dlen - 1
    if (trailing >= 0) return { corruptAt: trailing }
  }
  return { length }
}

// ---------------------------------------------------------------------------------------------
// The docker config checks json.Unmarshal into a map: Go's syntax errors, in Go's words.
// ---------------------------------------------------------------------------------------------

/** The scanner's quoteChar. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''"
  if (c === 0x22) return `'"'`
  const q = JSON.stringify(String.fromCharCode(c))
  return `'${q.slice(1, -1)}'`
}

class JsonSyntaxError extends Error {}

/** A syntax check with encoding/json's messages; returns the JSON type of the top-level value. */
function goJsonCheck(bytes: Buffer): string {
  let i = 0
  const fail = (context: string): never => {
    if (i >= bytes.length) throw new JsonSyntaxError('unexpected end of JSON input')
    throw new JsonSyntaxError(`invalid character ${quoteChar(bytes[i]!)} ${context}`)
  }
  const ws = (): void => {
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++
  }
  const digit = (): boolean => i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39
  const isHex = (c: number | undefined): boolean => c !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(c))
  const str = (): void => {
    i++
    for (;;) {
      if (i >= bytes.length) fail('')
      const c = bytes[i]!
      if (c === 0x22) return void i++
      if (c < 0x20) fail('in string literal')
      if (c === 0x5c) {
        i++
        if (i >= bytes.length) fail('')
        if (bytes[i] === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++
            if (i >= bytes.length) fail('')
            if (!isHex(bytes[i])) fail('in \\u hexadecimal character escape')
          }
        } else if (!'bfnrt\\/"'.includes(String.fromCharCode(bytes[i]!))) {
          fail('in string escape code')
        }
      }
      i++
    }
  }
  const num = (): void => {
    if (bytes[i] === 0x2d) {
      i++
      if (!digit()) fail('in numeric literal')
    }
    if (bytes[i] === 0x30) i++
    else while (digit()) i++
    if (bytes[i] === 0x2e) {
      i++
      if (!digit()) fail('after decimal point in numeric literal')
      while (digit()) i++
    }
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++
      if (!digit()) fail('in exponent of numeric literal')
      while (digit()) i++
    }
  }
  const literal = (word: string): void => {
    for (let k = 1; k < word.length; k++) {
      i++
      if (bytes[i] !== word.charCodeAt(k)) fail(`in literal ${word} (expecting ${quoteChar(word.charCodeAt(k))})`)
    }
    i++
  }
  const value = (): string => {
    ws()
    const c = bytes[i]
    if (c === 0x7b) {
      i++
      ws()
      if (bytes[i] === 0x7d) return (i++, 'object')
      for (;;) {
        ws()
        if (bytes[i] !== 0x22) fail('looking for beginning of object key string')
        str()
        ws()
        if (bytes[i] !== 0x3a) fail('after object key')
        i++
        value()
        ws()
        if (bytes[i] === 0x2c) {
          i++
          continue
        }
        if (bytes[i] === 0x7d) return (i++, 'object')
        fail('after object key:value pair')
      }
    }
    if (c === 0x5b) {
      i++
      ws()
      if (bytes[i] === 0x5d) return (i++, 'array')
      for (;;) {
        value()
        ws()
        if (bytes[i] === 0x2c) {
          i++
          continue
        }
        if (bytes[i] === 0x5d) return (i++, 'array')
        fail('after array element')
      }
    }
    if (c === 0x22) return (str(), 'string')
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return (num(), 'number')
    if (c === 0x74) return (literal('true'), 'bool')
    if (c === 0x66) return (literal('false'), 'bool')
    if (c === 0x6e) return (literal('null'), 'null')
    return fail('looking for beginning of value')
  }
  const type = value()
  ws()
  if (i < bytes.length) fail('after top-level value')
  return type
}

/** json.Unmarshal(data, &map[string]interface{}{}): undefined when it succeeds, else its error. */
function goUnmarshalMapError(base64Value: unknown): string | undefined {
  const bytes = Buffer.from(typeof base64Value === 'string' ? base64Value : '', 'base64')
  try {
    const type = goJsonCheck(bytes)
    if (type === 'object' || type === 'null') return undefined
    return `json: cannot unmarshal ${type} into Go value of type map[string]interface {}`
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err.message
    throw err
  }
}

// ---------------------------------------------------------------------------------------------
// Strategy
// ---------------------------------------------------------------------------------------------

/**
 * SetDefaults_Secret plus Convert_v1_Secret_To_core_Secret: stringData wins over data for the same
 * key and is never stored. Data that is not valid base64 fails decoding in kube, a 400.
 */
function defaultSecret(obj: KubeObject): void {
  if (secretType(obj) === '') obj['type'] = 'Opaque'
  const data = mapOf(obj, 'data')
  for (const v of Object.values(data)) {
    if (typeof v !== 'string') continue
    const decoded = goBase64Decode(v)
    if ('corruptAt' in decoded) throw errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${decoded.corruptAt}`)
  }
  const stringData = obj['stringData']
  if (isObj(stringData)) {
    const merged: Record<string, unknown> = { ...data }
    for (const [k, v] of Object.entries(stringData)) merged[k] = Buffer.from(typeof v === 'string' ? v : '', 'utf8').toString('base64')
    // Go writes map keys sorted; the merged map is new, so it may as well be written that way.
    const keys = Object.keys(merged).sort()
    if (keys.length > 0) obj['data'] = Object.fromEntries(keys.map((k) => [k, merged[k]]))
  }
  delete obj['stringData']
}

function decodedLength(v: unknown): number {
  if (typeof v !== 'string') return 0
  const d = goBase64Decode(v)
  return 'length' in d ? d.length : 0
}

function validateSecret(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const data = mapOf(obj, 'data')
  let total = 0
  for (const [k, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, msg))
    total += decodedLength(v)
  }
  if (total > maxSecretSize) errs.push(field.tooLong('data', maxSecretSize))
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(data, key)
  switch (secretType(obj)) {
    case 'kubernetes.io/service-account-token':
      // Only the account name is required; the token controller contributes the rest later.
      if (!obj.metadata.annotations?.[serviceAccountNameKey]) errs.push(field.required(`metadata.annotations[${serviceAccountNameKey}]`))
      break
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secretType(obj) === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson'
      if (!has(key)) {
        errs.push(field.required(`data[${key}]`))
        break
      }
      const jsonErr = goUnmarshalMapError(data[key])
      if (jsonErr) errs.push(field.invalid(`data[${key}]`, redacted, jsonErr))
      break
    }
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one of the two must be there.
      if (!has('username') && !has('password')) errs.push(field.required('data[username]'), field.required('data[password]'))
      break
    case 'kubernetes.io/ssh-auth':
      if (decodedLength(data['ssh-privatekey']) === 0) errs.push(field.required('data[ssh-privatekey]'))
      break
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(field.required('data[tls.crt]'))
      if (!has('tls.key')) errs.push(field.required('data[tls.key]'))
      break
    default:
  }
  return errs
}

const immutableMsg = 'field is immutable when `immutable` is set'

function validateSecretUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateImmutableField(secretType(obj), secretType(old), 'type')
  if (old['immutable'] === true) {
    if (obj['immutable'] !== true) errs.push(field.forbidden('immutable', immutableMsg))
    // stringData was folded into data before this point, so data is the whole story.
    if (!jsonEqual(obj['data'] ?? {}, old['data'] ?? {})) errs.push(field.forbidden('data', immutableMsg))
  }
  return [...errs, ...validateSecret(obj)]
}

export const secrets: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  listKind: 'SecretList',
  namespaced: true,
  schema: { model: 'V1Secret' },
  tableColumns: [
    { name: 'Type', type: 'string', description: 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types', cell: (o) => secretType(o) },
    {
      name: 'Data',
      type: 'string',
      description:
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
      cell: (o) => Object.keys(mapOf(o, 'data')).length,
    },
    ageColumn,
  ],
  selectableFields: { type: (o) => secretType(o) },
  strategy: {
    applyDefaults: defaultSecret,
    validate: (_ctx, obj) => validateSecret(obj),
    validateUpdate: (_ctx, obj, old) => validateSecretUpdate(obj, old),
  },
}
