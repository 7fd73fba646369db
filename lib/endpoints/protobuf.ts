/**
 * @module lib/endpoints/protobuf
 * Reads request bodies sent as application/vnd.kubernetes.protobuf (what client-go's typed clients,
 * kubectl create among them, send): the k8s\x00 magic, the runtime.Unknown envelope, then the
 * object in the gogo-protobuf encoding of its Go struct. The result is the plain object the Go
 * JSON serializer would write for the same struct, so everything after decoding stays JSON-only.
 * Schemas live in protobuf-messages.ts; a new kind is its rows there and one entry in `kinds`.
 */

import { everyVersionKinds, kinds, messages } from './protobuf-messages.js'
import type { Field, FieldType, MessageType, Scalar } from './protobuf-messages.js'

export const protobufMediaType = 'application/vnd.kubernetes.protobuf'

export type { Field, FieldType } from './protobuf-messages.js'

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00])

/** A decoded struct before JSON: scalars, bigint for int64, Buffer for bytes and nested messages. */
type GoValue = string | number | bigint | boolean | Buffer
type MapEntry = [string, GoValue]
type Struct = Map<number, GoValue | GoValue[] | MapEntry[]>

/** Types with their own MarshalJSON: they get the decoded struct and the message's raw bytes. */
const customJSON: Record<string, (s: Struct, raw: Buffer) => unknown> = {
  // time_proto.go: empty bytes are the zero Time, and nanos are dropped on the way in.
  'meta.v1.Time': (s, raw) => (raw.length === 0 ? null : formatTime(int64Of(s, 1), 0, false)),
  // micro_time_proto.go keeps nanos, truncated to microseconds, and JSON prints six digits.
  'meta.v1.MicroTime': (s, raw) => (raw.length === 0 ? null : formatTime(int64Of(s, 1), Number(s.get(2) ?? 0), true)),
  'meta.v1.FieldsV1': (s) => rawJSON(s.get(1), 'FieldsV1'),
  'runtime.RawExtension': (s) => rawJSON(s.get(1), 'RawExtension'),
  'intstr.IntOrString': (s) => {
    const type = int64Of(s, 1)
    if (type === 0n) return Number(s.get(2) ?? 0)
    if (type === 1n) return String(s.get(3) ?? '')
    throw new Error(`malformed protobuf body: impossible IntOrString.Type ${type}`)
  },
  // Go canonicalizes the parsed quantity ("1000m" becomes "1"); the string is passed on as sent.
  'resource.Quantity': (s) => {
    const q = s.get(1)
    return typeof q === 'string' && q !== '' ? q : '0'
  },
  // A named []string is a message of one repeated "items" field on the wire and the bare array
  // in JSON; as a map value gogo allocates it, so an entry without items is [] rather than null.
  'certificates.v1.ExtraValue': (s) => (s.get(1) as GoValue[] | undefined) ?? [],
}

/** Nesting past this is garbage or an attack, not an API object. */
const maxDepth = 64

function malformed(what: string): Error {
  return new Error(`malformed protobuf body: ${what}`)
}

/**
 * Decodes a protobuf request body into the object the JSON serializer would have produced,
 * apiVersion and kind included.
 */
export function decodeProtobuf(body: Buffer): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  // Messages follow serializer/protobuf/protobuf.go Decode.
  if (body.length === 0) throw new Error('empty data')
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) {
    throw new Error('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]')
  }
  if (body.length === magic.length) throw new Error('empty body')

  const unknown = readStruct('runtime.Unknown', body.subarray(magic.length))
  const typeMeta = readStruct('runtime.TypeMeta', bytesOf(unknown, 1), 1)
  const apiVersion = stringOf(typeMeta, 1)
  const kind = stringOf(typeMeta, 2)
  const contentEncoding = stringOf(unknown, 3)
  const contentType = stringOf(unknown, 4)
  if (contentEncoding !== '') throw new Error(`unsupported protobuf content encoding "${contentEncoding}"`)
  if (contentType !== '' && contentType !== protobufMediaType) {
    throw new Error(`unsupported content type "${contentType}" inside a protobuf envelope`)
  }
  if (kind === '') throw new Error(`Object 'Kind' is missing in protobuf envelope (apiVersion "${apiVersion}")`)
  if (apiVersion === '') throw new Error(`Object 'apiVersion' is missing in protobuf envelope (kind "${kind}")`)

  const message = ownString(Object.hasOwn(kinds, apiVersion) ? kinds[apiVersion] : undefined, kind) ?? ownString(everyVersionKinds, kind)
  if (message === undefined || !Object.hasOwn(messages, message)) {
    throw new Error(`no kind "${kind}" is registered for version "${apiVersion}"`)
  }
  const fields = messageJSON(message, bytesOf(unknown, 2), 1)
  if (fields === null || typeof fields !== 'object') throw malformed(`${kind} did not decode to an object`)
  // encoding/json writes the inline TypeMeta first, kind before apiVersion.
  const object: Record<string, unknown> = { kind, apiVersion, ...(fields as Record<string, unknown>) }
  return { apiVersion, kind, object }
}

/** The JSON form of one message, through its custom marshaler or field by field. */
function messageJSON(name: string, raw: Buffer, depth: number): unknown {
  const s = readStruct(name, raw, depth)
  const custom = customJSON[name]
  if (custom) return custom(s, raw)
  const out: Record<string, unknown> = {}
  for (const f of schemaOf(name)) {
    const v = s.get(f.number)
    if (f.repeated || isMap(f.type)) {
      const list = (v ?? []) as unknown[]
      // A nil slice or map is null in Go's JSON; only a tag without omitempty lets it through.
      if (list.length === 0) {
        if (f.keepEmpty) out[f.jsonName] = null
        continue
      }
      out[f.jsonName] = isMap(f.type) ? mapJSON(f.type, list as MapEntry[], depth) : list.map((e) => valueJSON(f.type, e as GoValue, depth))
      continue
    }
    if (isMessage(f.type)) {
      if (v === undefined && f.pointer) {
        if (f.keepEmpty) out[f.jsonName] = null
        continue
      }
      const value = messageJSON(messageName(f.type), (v as Buffer | undefined) ?? Buffer.alloc(0), depth + 1)
      // An embedded struct's keys land in the outer object, at the embedding's place.
      if (f.inline) Object.assign(out, value)
      else out[f.jsonName] = value
      continue
    }
    if (v === undefined) {
      if (f.pointer) {
        // A nil pointer without omitempty is written as null.
        if (f.keepEmpty) out[f.jsonName] = null
        continue
      }
      if (f.keepEmpty) out[f.jsonName] = f.type === 'bytes' ? null : valueJSON(f.type, zeroOf(f.type as Scalar), depth)
      continue
    }
    if (!f.pointer && !f.keepEmpty && isZero(v)) continue
    out[f.jsonName] = valueJSON(f.type, v as GoValue, depth)
  }
  return out
}

function mapJSON(type: FieldType, entries: MapEntry[], depth: number): Record<string, unknown> {
  const valueType = type.slice('map<string,'.length, -1) as FieldType
  const values = new Map<string, GoValue>()
  for (const [k, v] of entries) values.set(k, v) // a repeated key overwrites, as in a Go map
  const out: Record<string, unknown> = {}
  // encoding/json sorts map keys; defineProperty keeps a key like "__proto__" an ordinary key.
  for (const k of [...values.keys()].sort()) {
    Object.defineProperty(out, k, { value: valueJSON(valueType, values.get(k)!, depth), enumerable: true, writable: true, configurable: true })
  }
  return out
}

function valueJSON(type: FieldType, v: GoValue, depth: number): unknown {
  if (isMessage(type)) return messageJSON(messageName(type), v as Buffer, depth + 1)
  if (type === 'bytes') return (v as Buffer).toString('base64')
  if (type === 'int64') return Number(v as bigint)
  return v
}

/**
 * Reads a message's fields against its schema: last value wins for a scalar, occurrences of an
 * embedded message concatenate (protobuf's merge), and unknown fields are skipped like gogo's
 * skipGenerated does.
 */
function readStruct(name: string, buf: Buffer, depth = 0): Struct {
  if (depth > maxDepth) throw malformed(`messages nested deeper than ${maxDepth}`)
  const schema = schemaOf(name)
  const byNumber = new Map<number, Field>()
  for (const f of schema) byNumber.set(f.number, f)
  const s: Struct = new Map()
  const r = new Reader(buf, name)
  while (!r.done()) {
    const tag = r.varint()
    const number = Number(tag >> 3n)
    const wireType = Number(tag & 7n)
    if (number === 0) throw malformed(`illegal tag 0 in ${name}`)
    const f = byNumber.get(number)
    if (!f) {
      r.skip(wireType, number)
      continue
    }
    if (isMap(f.type)) {
      expectWire(wireType, 2, f, name)
      const list = (s.get(number) as MapEntry[] | undefined) ?? []
      list.push(readMapEntry(f, r.bytes(), name))
      s.set(number, list)
    } else if (f.repeated) {
      const list = (s.get(number) as GoValue[] | undefined) ?? []
      if (wireType === 2 && (f.type === 'int32' || f.type === 'int64' || f.type === 'bool')) {
        // A packed run of varints: proto2 decoders accept it for any repeated varint field.
        const packed = new Reader(r.bytes(), name)
        while (!packed.done()) list.push(scalarOf(f.type, packed.varint()))
      } else {
        list.push(readValue(f, wireType, r, name))
      }
      s.set(number, list)
    } else {
      const v = readValue(f, wireType, r, name)
      const prev = s.get(number)
      s.set(number, isMessage(f.type) && Buffer.isBuffer(prev) ? Buffer.concat([prev, v as Buffer]) : v)
    }
  }
  return s
}

function readMapEntry(f: Field, entry: Buffer, name: string): MapEntry {
  const valueType = f.type.slice('map<string,'.length, -1) as Scalar | MessageType
  const valueField: Field = { number: 2, jsonName: f.jsonName, type: valueType }
  // A missing key or value is the zero value, as in gogo's generated map decoding.
  let key = ''
  let value: GoValue = isMessage(valueType) ? Buffer.alloc(0) : zeroOf(valueType)
  const r = new Reader(entry, name)
  while (!r.done()) {
    const tag = r.varint()
    const number = Number(tag >> 3n)
    const wireType = Number(tag & 7n)
    if (number === 1) {
      expectWire(wireType, 2, f, name)
      key = r.bytes().toString('utf8')
    } else if (number === 2) {
      value = readValue(valueField, wireType, r, name)
    } else {
      r.skip(wireType, number)
    }
  }
  return [key, value]
}

function readValue(f: Field, wireType: number, r: Reader, name: string): GoValue {
  const type = f.type
  if (type === 'int32' || type === 'int64' || type === 'bool') {
    expectWire(wireType, 0, f, name)
    return scalarOf(type, r.varint())
  }
  expectWire(wireType, 2, f, name)
  const bytes = r.bytes()
  return type === 'string' ? bytes.toString('utf8') : bytes
}

function scalarOf(type: 'int32' | 'int64' | 'bool', v: bigint): GoValue {
  // Go truncates an int32 varint to 32 bits and reads an int64 as two's complement.
  if (type === 'int32') return Number(BigInt.asIntN(32, v))
  if (type === 'int64') return BigInt.asIntN(64, v)
  return v !== 0n
}

function expectWire(actual: number, expected: number, f: Field, name: string): void {
  if (actual !== expected) throw malformed(`wrong wireType = ${actual} for field ${f.jsonName} of ${name}`)
}

class Reader {
  private pos = 0

  constructor(
    private readonly buf: Buffer,
    private readonly message: string,
  ) {}

  done(): boolean {
    return this.pos >= this.buf.length
  }

  varint(): bigint {
    let result = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw malformed(`truncated varint in ${this.message}`)
      const b = this.buf[this.pos++]!
      result |= BigInt(b & 0x7f) << BigInt(7 * i)
      if (b < 0x80) return BigInt.asUintN(64, result)
    }
    throw malformed(`varint longer than 10 bytes in ${this.message}`)
  }

  bytes(): Buffer {
    const len = this.varint()
    if (len > BigInt(this.buf.length - this.pos)) throw malformed(`length ${len} runs past the end of ${this.message}`)
    const start = this.pos
    this.pos += Number(len)
    return this.buf.subarray(start, this.pos)
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw malformed(`truncated fixed-width field in ${this.message}`)
    this.pos += n
  }

  /** Skips an unknown field; groups are skipped to their end tag, nested ones included. */
  skip(wireType: number, number: number): void {
    const open: number[] = []
    for (;;) {
      switch (wireType) {
        case 0:
          this.varint()
          break
        case 1:
          this.advance(8)
          break
        case 2:
          this.bytes()
          break
        case 3:
          if (open.length >= maxDepth) throw malformed(`groups nested deeper than ${maxDepth} in ${this.message}`)
          open.push(number)
          break
        case 4:
          if (open.pop() !== number) throw malformed(`unexpected end group for field ${number} in ${this.message}`)
          break
        case 5:
          this.advance(4)
          break
        default:
          throw malformed(`illegal wireType ${wireType} for field ${number} in ${this.message}`)
      }
      if (open.length === 0) return
      if (this.done()) throw malformed(`unterminated group in ${this.message}`)
      const tag = this.varint()
      number = Number(tag >> 3n)
      wireType = Number(tag & 7n)
    }
  }
}

/** A table lookup that never lands on Object.prototype ("constructor" is not a kind). */
function ownString(table: Record<string, string> | undefined, key: string): string | undefined {
  return table && Object.hasOwn(table, key) ? table[key] : undefined
}

function schemaOf(name: string): Field[] {
  const schema = Object.hasOwn(messages, name) ? messages[name] : undefined
  if (!schema) throw new Error(`protobuf schema for message ${name} is missing`)
  return schema
}

function isMap(type: FieldType): boolean {
  return type.startsWith('map<')
}

function isMessage(type: FieldType): type is MessageType {
  return type.startsWith('message:')
}

function messageName(type: MessageType): string {
  return type.slice('message:'.length)
}

function zeroOf(type: Scalar): GoValue {
  switch (type) {
    case 'string':
      return ''
    case 'int32':
      return 0
    case 'int64':
      return 0n
    case 'bool':
      return false
    case 'bytes':
      return Buffer.alloc(0)
  }
}

function isZero(v: GoValue | GoValue[] | MapEntry[]): boolean {
  if (Buffer.isBuffer(v) || Array.isArray(v)) return v.length === 0
  return v === '' || v === 0 || v === 0n || v === false
}

function stringOf(s: Struct, number: number): string {
  const v = s.get(number)
  return typeof v === 'string' ? v : ''
}

function bytesOf(s: Struct, number: number): Buffer {
  const v = s.get(number)
  return Buffer.isBuffer(v) ? v : Buffer.alloc(0)
}

function int64Of(s: Struct, number: number): bigint {
  const v = s.get(number)
  return typeof v === 'bigint' ? v : 0n
}

/** FieldsV1 and RawExtension hold JSON and write it out verbatim; unset is null. */
function rawJSON(v: unknown, what: string): unknown {
  if (!Buffer.isBuffer(v) || v.length === 0) return null
  try {
    return JSON.parse(v.toString('utf8')) as unknown
  } catch {
    throw malformed(`${what} does not hold JSON`)
  }
}

/** Seconds of the zero time.Time (0001-01-01T00:00:00Z), which Go writes as null. */
const zeroTimeSeconds = -62135596800n
/** JavaScript Dates reach 8.64e15 ms either side of the epoch. */
const maxDateSeconds = 8_640_000_000_000n

/** time.RFC3339 (or metav1.RFC3339Micro) of a Unix time in UTC, like Go's AppendFormat. */
function formatTime(seconds: bigint, nanos: number, micro: boolean): string | null {
  const micros = micro ? Math.trunc(nanos / 1000) : 0
  if (seconds === zeroTimeSeconds && micros === 0) return null
  // time.Unix normalizes nanos outside [0, 1e9) into the seconds.
  let sec = seconds
  let us = micros
  if (us < 0 || us >= 1_000_000) {
    const carry = Math.floor(us / 1_000_000)
    sec += BigInt(carry)
    us -= carry * 1_000_000
  }
  if (sec > maxDateSeconds || sec < -maxDateSeconds) throw malformed(`time ${seconds}s is out of range`)
  const d = new Date(Number(sec) * 1000)
  const year = d.getUTCFullYear()
  const yyyy = year < 0 ? `-${String(-year).padStart(4, '0')}` : String(year).padStart(4, '0')
  const two = (n: number): string => String(n).padStart(2, '0')
  const frac = micro ? `.${String(us).padStart(6, '0')}` : ''
  return `${yyyy}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${frac}Z`
}
