/**
 * @module lib/endpoints/protobuf
 * Reads request bodies sent as application/vnd.kubernetes.protobuf (what client-go's typed clients,
 * kubectl create among them, send): the k8s\x00 magic, the runtime.Unknown envelope, then the
 * object in the gogo-protobuf encoding of its Go struct. The result is the plain object the Go
 * JSON serializer would write for the same struct, so everything after decoding stays JSON-only.
 * Schemas live in one table of messages; a new kind is a few rows there and one in `kinds`.
 */

export const protobufMediaType = 'application/vnd.kubernetes.protobuf'

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00])

type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'bytes'
type MessageType = `message:${string}`
export type FieldType = Scalar | MessageType | `map<string,${Scalar | MessageType}>`

export interface Field {
  number: number
  jsonName: string
  type: FieldType
  repeated?: boolean
  /** The Go field is a pointer (*bool, *int64, *Time...): written only when set, then even when zero. */
  pointer?: boolean
  /** The Go json tag lacks omitempty: a zero value is written too (null for a nil slice or map). */
  keepEmpty?: boolean
}

/**
 * Message schemas from the generated.proto files, with the Go json tags folded in. Rows are in Go
 * struct order, which is the order encoding/json writes keys in. A non-pointer struct field is
 * always written (omitempty never drops a struct), which is why `spec: {}` and
 * `creationTimestamp: null` appear in JSON bodies too.
 */
const messages: Record<string, Field[]> = {
  // k8s.io/apimachinery/pkg/runtime
  'runtime.Unknown': [
    { number: 1, jsonName: 'typeMeta', type: 'message:runtime.TypeMeta' },
    { number: 2, jsonName: 'raw', type: 'bytes' },
    { number: 3, jsonName: 'contentEncoding', type: 'string' },
    { number: 4, jsonName: 'contentType', type: 'string' },
  ],
  // runtime.TypeMeta numbers apiVersion 1 and kind 2; metav1.TypeMeta has them the other way round.
  'runtime.TypeMeta': [
    { number: 1, jsonName: 'apiVersion', type: 'string' },
    { number: 2, jsonName: 'kind', type: 'string' },
  ],
  'runtime.RawExtension': [{ number: 1, jsonName: 'raw', type: 'bytes', pointer: true }],
  'intstr.IntOrString': [
    { number: 1, jsonName: 'type', type: 'int64' },
    { number: 2, jsonName: 'intVal', type: 'int32' },
    { number: 3, jsonName: 'strVal', type: 'string' },
  ],
  'resource.Quantity': [{ number: 1, jsonName: 'string', type: 'string' }],

  // k8s.io/apimachinery/pkg/apis/meta/v1
  'meta.v1.Time': [
    { number: 1, jsonName: 'seconds', type: 'int64' },
    { number: 2, jsonName: 'nanos', type: 'int32' },
  ],
  'meta.v1.MicroTime': [
    { number: 1, jsonName: 'seconds', type: 'int64' },
    { number: 2, jsonName: 'nanos', type: 'int32' },
  ],
  'meta.v1.FieldsV1': [{ number: 1, jsonName: 'Raw', type: 'bytes', pointer: true }],
  'meta.v1.ObjectMeta': [
    { number: 1, jsonName: 'name', type: 'string' },
    { number: 2, jsonName: 'generateName', type: 'string' },
    { number: 3, jsonName: 'namespace', type: 'string' },
    { number: 4, jsonName: 'selfLink', type: 'string' },
    { number: 5, jsonName: 'uid', type: 'string' },
    { number: 6, jsonName: 'resourceVersion', type: 'string' },
    { number: 7, jsonName: 'generation', type: 'int64' },
    { number: 8, jsonName: 'creationTimestamp', type: 'message:meta.v1.Time' },
    { number: 9, jsonName: 'deletionTimestamp', type: 'message:meta.v1.Time', pointer: true },
    { number: 10, jsonName: 'deletionGracePeriodSeconds', type: 'int64', pointer: true },
    { number: 11, jsonName: 'labels', type: 'map<string,string>' },
    { number: 12, jsonName: 'annotations', type: 'map<string,string>' },
    { number: 13, jsonName: 'ownerReferences', type: 'message:meta.v1.OwnerReference', repeated: true },
    { number: 14, jsonName: 'finalizers', type: 'string', repeated: true },
    { number: 17, jsonName: 'managedFields', type: 'message:meta.v1.ManagedFieldsEntry', repeated: true },
  ],
  'meta.v1.OwnerReference': [
    { number: 5, jsonName: 'apiVersion', type: 'string', keepEmpty: true },
    { number: 1, jsonName: 'kind', type: 'string', keepEmpty: true },
    { number: 3, jsonName: 'name', type: 'string', keepEmpty: true },
    { number: 4, jsonName: 'uid', type: 'string', keepEmpty: true },
    { number: 6, jsonName: 'controller', type: 'bool', pointer: true },
    { number: 7, jsonName: 'blockOwnerDeletion', type: 'bool', pointer: true },
  ],
  'meta.v1.ManagedFieldsEntry': [
    { number: 1, jsonName: 'manager', type: 'string' },
    { number: 2, jsonName: 'operation', type: 'string' },
    { number: 3, jsonName: 'apiVersion', type: 'string' },
    { number: 4, jsonName: 'time', type: 'message:meta.v1.Time', pointer: true },
    { number: 6, jsonName: 'fieldsType', type: 'string' },
    { number: 7, jsonName: 'fieldsV1', type: 'message:meta.v1.FieldsV1', pointer: true },
    { number: 8, jsonName: 'subresource', type: 'string' },
  ],
  'meta.v1.DeleteOptions': [
    { number: 1, jsonName: 'gracePeriodSeconds', type: 'int64', pointer: true },
    { number: 2, jsonName: 'preconditions', type: 'message:meta.v1.Preconditions', pointer: true },
    { number: 3, jsonName: 'orphanDependents', type: 'bool', pointer: true },
    { number: 4, jsonName: 'propagationPolicy', type: 'string', pointer: true },
    { number: 5, jsonName: 'dryRun', type: 'string', repeated: true },
    { number: 6, jsonName: 'ignoreStoreReadErrorWithClusterBreakingPotential', type: 'bool', pointer: true },
  ],
  'meta.v1.Preconditions': [
    { number: 1, jsonName: 'uid', type: 'string', pointer: true },
    { number: 2, jsonName: 'resourceVersion', type: 'string', pointer: true },
  ],

  // k8s.io/api/core/v1
  'core.v1.Namespace': [
    { number: 1, jsonName: 'metadata', type: 'message:meta.v1.ObjectMeta' },
    { number: 2, jsonName: 'spec', type: 'message:core.v1.NamespaceSpec' },
    { number: 3, jsonName: 'status', type: 'message:core.v1.NamespaceStatus' },
  ],
  'core.v1.NamespaceSpec': [{ number: 1, jsonName: 'finalizers', type: 'string', repeated: true }],
  'core.v1.NamespaceStatus': [
    { number: 1, jsonName: 'phase', type: 'string' },
    { number: 2, jsonName: 'conditions', type: 'message:core.v1.NamespaceCondition', repeated: true },
  ],
  'core.v1.NamespaceCondition': [
    { number: 1, jsonName: 'type', type: 'string', keepEmpty: true },
    { number: 2, jsonName: 'status', type: 'string', keepEmpty: true },
    { number: 4, jsonName: 'lastTransitionTime', type: 'message:meta.v1.Time' },
    { number: 5, jsonName: 'reason', type: 'string' },
    { number: 6, jsonName: 'message', type: 'string' },
  ],
  'core.v1.ConfigMap': [
    { number: 1, jsonName: 'metadata', type: 'message:meta.v1.ObjectMeta' },
    { number: 4, jsonName: 'immutable', type: 'bool', pointer: true },
    { number: 2, jsonName: 'data', type: 'map<string,string>' },
    { number: 3, jsonName: 'binaryData', type: 'map<string,bytes>' },
  ],
  'core.v1.Secret': [
    { number: 1, jsonName: 'metadata', type: 'message:meta.v1.ObjectMeta' },
    { number: 5, jsonName: 'immutable', type: 'bool', pointer: true },
    { number: 2, jsonName: 'data', type: 'map<string,bytes>' },
    { number: 4, jsonName: 'stringData', type: 'map<string,string>' },
    { number: 3, jsonName: 'type', type: 'string' },
  ],
  'core.v1.ServiceAccount': [
    { number: 1, jsonName: 'metadata', type: 'message:meta.v1.ObjectMeta' },
    { number: 2, jsonName: 'secrets', type: 'message:core.v1.ObjectReference', repeated: true },
    { number: 3, jsonName: 'imagePullSecrets', type: 'message:core.v1.LocalObjectReference', repeated: true },
    { number: 4, jsonName: 'automountServiceAccountToken', type: 'bool', pointer: true },
  ],
  'core.v1.ObjectReference': [
    { number: 1, jsonName: 'kind', type: 'string' },
    { number: 2, jsonName: 'namespace', type: 'string' },
    { number: 3, jsonName: 'name', type: 'string' },
    { number: 4, jsonName: 'uid', type: 'string' },
    { number: 5, jsonName: 'apiVersion', type: 'string' },
    { number: 6, jsonName: 'resourceVersion', type: 'string' },
    { number: 7, jsonName: 'fieldPath', type: 'string' },
  ],
  'core.v1.LocalObjectReference': [{ number: 1, jsonName: 'name', type: 'string' }],
}

/** Which message a top-level apiVersion and kind decode with. */
const kinds: Record<string, Record<string, string>> = {
  v1: {
    Namespace: 'core.v1.Namespace',
    ConfigMap: 'core.v1.ConfigMap',
    Secret: 'core.v1.Secret',
    ServiceAccount: 'core.v1.ServiceAccount',
  },
}

/** Kinds metav1.AddToGroupVersion registers into every group version (and meta.k8s.io/v1). */
const everyVersionKinds: Record<string, string> = {
  DeleteOptions: 'meta.v1.DeleteOptions',
}

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
      if (v === undefined && f.pointer) continue
      out[f.jsonName] = messageJSON(messageName(f.type), (v as Buffer | undefined) ?? Buffer.alloc(0), depth + 1)
      continue
    }
    if (v === undefined) {
      if (f.pointer) continue
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
