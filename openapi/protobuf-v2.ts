/**
 * @module openapi/protobuf-v2
 * The Swagger 2.0 document in the protobuf form kube-apiserver serves for
 * `Accept: application/com.github.proto-openapi.spec.v2[@.]v1.0+protobuf`: a gnostic
 * `openapi.v2.Document` (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto), which is
 * what kube-openapi's ToProtoBinary makes of the JSON document. client-go's OpenAPISchema asks for
 * nothing else, and kubectl falls back to it whenever a kind is missing from /openapi/v3 (client
 * side validation of `kubectl apply`), so without it kubectl reports "error validating data"
 * instead of kube's "resource mapping not found".
 *
 * Encoded: swagger, info, host/basePath/schemes/consumes/produces, paths (operations, body and
 * non-body parameters, responses) and definitions (every Schema field of the .proto, `x-*` keys as
 * vendor extensions). Values the .proto types as `Any` (default, example, enum, extensions) carry
 * YAML text, as gnostic writes them; readers (kube-openapi's VendorExtensionToMap) parse that YAML.
 * Keys the .proto has no field for (OpenAPI 3 leftovers such as nullable or oneOf) are dropped;
 * gnostic would refuse the whole document instead, which helps no client.
 *
 * The protobuf writer is a few lines over the wire format (varint, fixed64, length-delimited),
 * fields in field-number order and proto3 zero values left out, as Go's proto.Marshal does.
 */
import { stringify as stringifyYAML } from 'yaml'

type JSONObject = Record<string, unknown>

// ---------------------------------------------------------------------------------------------
// wire format

/** Append-only protobuf writer; nested messages are written to a child and copied in. */
class Writer {
  private chunks: Buffer[] = []
  private current = Buffer.allocUnsafe(256)
  private pos = 0

  private ensure(n: number): void {
    if (this.pos + n <= this.current.length) return
    this.chunks.push(this.current.subarray(0, this.pos))
    this.current = Buffer.allocUnsafe(Math.max(4096, n))
    this.pos = 0
  }

  private varint(value: number): void {
    this.ensure(10)
    let v = value
    while (v > 0x7f) {
      this.current[this.pos++] = (v % 128) | 0x80
      v = Math.floor(v / 128)
    }
    this.current[this.pos++] = v
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType)
  }

  private bytes(field: number, data: Buffer): void {
    this.tag(field, 2)
    this.varint(data.length)
    this.ensure(data.length)
    data.copy(this.current, this.pos)
    this.pos += data.length
  }

  string(field: number, value: string): void {
    if (value !== '') this.bytes(field, Buffer.from(value, 'utf8'))
  }

  /** A repeated string element: written even when empty, unlike a singular proto3 string. */
  repeatedString(field: number, value: string): void {
    this.bytes(field, Buffer.from(value, 'utf8'))
  }

  bool(field: number, value: boolean): void {
    if (!value) return
    this.tag(field, 0)
    this.varint(1)
  }

  double(field: number, value: number): void {
    if (value === 0 && !Object.is(value, -0)) return
    this.tag(field, 1)
    this.ensure(8)
    this.current.writeDoubleLE(value, this.pos)
    this.pos += 8
  }

  int64(field: number, value: number): void {
    const v = Math.trunc(value)
    if (v === 0 || !Number.isFinite(v)) return
    this.tag(field, 0)
    if (v > 0 && v <= Number.MAX_SAFE_INTEGER) {
      this.varint(v)
      return
    }
    // Negative int64 is its 64-bit two's complement: ten varint bytes.
    let big = BigInt.asUintN(64, BigInt(v))
    this.ensure(10)
    while (big > 0x7fn) {
      this.current[this.pos++] = Number(big & 0x7fn) | 0x80
      big >>= 7n
    }
    this.current[this.pos++] = Number(big)
  }

  /** A message field; written (possibly empty) whenever called, as Go writes a non-nil pointer. */
  message(field: number, encode: (w: Writer) => void): void {
    const child = new Writer()
    encode(child)
    this.bytes(field, child.finish())
  }

  finish(): Buffer {
    return Buffer.concat([...this.chunks, this.current.subarray(0, this.pos)])
  }
}

// ---------------------------------------------------------------------------------------------
// field tables

type Encoder = (w: Writer, field: number, value: unknown) => void

const str: Encoder = (w, f, v) => {
  if (typeof v === 'string') w.string(f, v)
}
const bool: Encoder = (w, f, v) => {
  if (typeof v === 'boolean') w.bool(f, v)
}
const double: Encoder = (w, f, v) => {
  if (typeof v === 'number') w.double(f, v)
}
const int64: Encoder = (w, f, v) => {
  if (typeof v === 'number') w.int64(f, v)
}
const strings: Encoder = (w, f, v) => {
  if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') w.repeatedString(f, s)
}
/** openapi.v2.Any { google.protobuf.Any value = 1; string yaml = 2 }: only the YAML is used. */
const any: Encoder = (w, f, v) => {
  if (v !== undefined) w.message(f, (a) => a.string(2, yamlText(v)))
}
const anys: Encoder = (w, f, v) => {
  if (Array.isArray(v)) for (const item of v) any(w, f, item)
}
function message(encode: (w: Writer, value: JSONObject) => void): Encoder {
  return (w, f, v) => {
    if (isObject(v)) w.message(f, (m) => encode(m, v))
  }
}

/** JSON key → [field number, encoder]; the vendor-extension field takes every `x-` key. */
interface Table {
  fields: Record<string, readonly [number, Encoder]>
  vendorExtension?: number
}

function encodeWith(table: Table, w: Writer, obj: JSONObject): void {
  const present: Array<[number, Encoder, unknown]> = []
  for (const [key, spec] of Object.entries(table.fields)) {
    if (Object.hasOwn(obj, key) && obj[key] !== undefined) present.push([spec[0], spec[1], obj[key]])
  }
  present.sort((a, b) => a[0] - b[0])
  for (const [field, encode, value] of present) encode(w, field, value)
  if (table.vendorExtension !== undefined) vendorExtensions(w, table.vendorExtension, obj)
}

/** NamedAny { string name = 1; Any value = 2 } for each `x-` key, in document order. */
function vendorExtensions(w: Writer, field: number, obj: JSONObject): void {
  for (const [key, value] of Object.entries(obj)) {
    if (!key.startsWith('x-') || value === undefined) continue
    w.message(field, (n) => {
      n.string(1, key)
      any(n, 2, value)
    })
  }
}

/** Repeated Named<T> { string name = 1; T value = 2 } from a JSON map. */
function named(encodeValue: (w: Writer, value: JSONObject) => void): Encoder {
  return (w, f, v) => {
    if (!isObject(v)) return
    for (const [name, value] of Object.entries(v)) {
      if (!isObject(value)) continue
      w.message(f, (n) => {
        n.string(1, name)
        n.message(2, (m) => encodeValue(m, value))
      })
    }
  }
}

const externalDocs = message((w, v) => encodeWith({ fields: { description: [1, str], url: [2, str] }, vendorExtension: 3 }, w, v))

// Schema -------------------------------------------------------------------------------------

/** AdditionalPropertiesItem { oneof { Schema schema = 1; bool boolean = 2 } }. */
const additionalProperties: Encoder = (w, f, v) => {
  if (typeof v === 'boolean') w.message(f, (m) => m.bool(2, v))
  else if (isObject(v)) w.message(f, (m) => m.message(1, (s) => encodeSchema(s, v)))
}
/** TypeItem { repeated string value = 1 }: JSON `type` is a name or a list of names. */
const typeItem: Encoder = (w, f, v) => {
  const names = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : undefined
  if (names) w.message(f, (m) => names.forEach((t) => m.repeatedString(1, t)))
}
/** ItemsItem { repeated Schema schema = 1 }: JSON `items` is a schema or a list of them. */
const itemsItem: Encoder = (w, f, v) => {
  const schemas = Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : undefined
  if (schemas) w.message(f, (m) => schemas.forEach((s) => m.message(1, (sw) => encodeSchema(sw, s))))
}
const schemas: Encoder = (w, f, v) => {
  if (Array.isArray(v)) for (const s of v) if (isObject(s)) w.message(f, (m) => encodeSchema(m, s))
}
const schema = message((w, v) => encodeSchema(w, v))
const xml = message((w, v) =>
  encodeWith({ fields: { name: [1, str], namespace: [2, str], prefix: [3, str], attribute: [4, bool], wrapped: [5, bool] }, vendorExtension: 6 }, w, v),
)

const schemaTable: Table = {
  fields: {
    $ref: [1, str],
    format: [2, str],
    title: [3, str],
    description: [4, str],
    default: [5, any],
    multipleOf: [6, double],
    maximum: [7, double],
    exclusiveMaximum: [8, bool],
    minimum: [9, double],
    exclusiveMinimum: [10, bool],
    maxLength: [11, int64],
    minLength: [12, int64],
    pattern: [13, str],
    maxItems: [14, int64],
    minItems: [15, int64],
    uniqueItems: [16, bool],
    maxProperties: [17, int64],
    minProperties: [18, int64],
    required: [19, strings],
    enum: [20, anys],
    additionalProperties: [21, additionalProperties],
    type: [22, typeItem],
    items: [23, itemsItem],
    allOf: [24, schemas],
    // Properties { repeated NamedSchema additional_properties = 1 }.
    properties: [25, message((w, v) => named(encodeSchema)(w, 1, v))],
    discriminator: [26, str],
    readOnly: [27, bool],
    xml: [28, xml],
    externalDocs: [29, externalDocs],
    example: [30, any],
  },
  vendorExtension: 31,
}

function encodeSchema(w: Writer, s: JSONObject): void {
  encodeWith(schemaTable, w, s)
}

// Paths --------------------------------------------------------------------------------------

/** Fields shared by PrimitivesItems, Header and the non-body parameter sub-schemas, from `first`. */
function primitiveFields(first: number): Table['fields'] {
  const names: Array<[string, Encoder]> = [
    ['type', str],
    ['format', str],
    ['items', message((w, v) => encodeWith(primitivesItemsTable, w, v))],
    ['collectionFormat', str],
    ['default', any],
    ['maximum', double],
    ['exclusiveMaximum', bool],
    ['minimum', double],
    ['exclusiveMinimum', bool],
    ['maxLength', int64],
    ['minLength', int64],
    ['pattern', str],
    ['maxItems', int64],
    ['minItems', int64],
    ['uniqueItems', bool],
    ['enum', anys],
    ['multipleOf', double],
  ]
  return Object.fromEntries(names.map(([name, enc], i) => [name, [first + i, enc] as const]))
}

const primitivesItemsTable: Table = { fields: primitiveFields(1), vendorExtension: 18 }

/** Query and formData: required, in, description, name, allowEmptyValue, then the primitives. */
const queryLikeTable: Table = {
  fields: { required: [1, bool], in: [2, str], description: [3, str], name: [4, str], allowEmptyValue: [5, bool], ...primitiveFields(6) },
  vendorExtension: 23,
}
/** Header and path parameters have no allowEmptyValue, so the primitives start one lower. */
const headerLikeTable: Table = {
  fields: { required: [1, bool], in: [2, str], description: [3, str], name: [4, str], ...primitiveFields(5) },
  vendorExtension: 22,
}
const nonBodyField: Record<string, readonly [number, Table]> = {
  header: [1, headerLikeTable],
  formData: [2, queryLikeTable],
  query: [3, queryLikeTable],
  path: [4, headerLikeTable],
}
const bodyTable: Table = {
  fields: { description: [1, str], name: [2, str], in: [3, str], required: [4, bool], schema: [5, schema] },
  vendorExtension: 6,
}

/** ParametersItem { oneof { Parameter parameter = 1; JsonReference json_reference = 2 } }. */
const parametersItems: Encoder = (w, f, v) => {
  if (!Array.isArray(v)) return
  for (const p of v) {
    if (!isObject(p)) continue
    w.message(f, (item) => {
      if (typeof p.$ref === 'string') {
        item.message(2, (r) => encodeWith({ fields: { $ref: [1, str], description: [2, str] } }, r, p))
        return
      }
      // Parameter { oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2 } }.
      item.message(1, (param) => {
        if (p.in === 'body') {
          param.message(1, (b) => encodeWith(bodyTable, b, p))
          return
        }
        const [field, table] = nonBodyField[String(p.in)] ?? nonBodyField.query!
        param.message(2, (nb) => nb.message(field, (sub) => encodeWith(table, sub, p)))
      })
    })
  }
}

const headerTable: Table = { fields: { ...primitiveFields(1), description: [18, str] }, vendorExtension: 19 }

const responseTable: Table = {
  fields: {
    description: [1, str],
    // SchemaItem { oneof { Schema schema = 1; FileSchema file_schema = 2 } }; only schemas here.
    schema: [2, message((w, v) => w.message(1, (s) => encodeSchema(s, v)))],
    headers: [3, message((w, v) => named((h, hv) => encodeWith(headerTable, h, hv))(w, 1, v))],
    examples: [4, message((w, v) => namedAnys(w, 1, v))],
  },
  vendorExtension: 5,
}

/** Responses { repeated NamedResponseValue response_code = 1; repeated NamedAny vendor_extension = 2 }. */
const responses = message((w, v) => {
  for (const [code, value] of Object.entries(v)) {
    if (code.startsWith('x-') || !isObject(value)) continue
    w.message(1, (n) => {
      n.string(1, code)
      // ResponseValue { oneof { Response response = 1; JsonReference json_reference = 2 } }.
      n.message(2, (rv) => {
        if (typeof value.$ref === 'string') rv.message(2, (r) => encodeWith({ fields: { $ref: [1, str], description: [2, str] } }, r, value))
        else rv.message(1, (r) => encodeWith(responseTable, r, value))
      })
    })
  }
  vendorExtensions(w, 2, v)
})

const operationTable: Table = {
  fields: {
    tags: [1, strings],
    summary: [2, str],
    description: [3, str],
    externalDocs: [4, externalDocs],
    operationId: [5, str],
    produces: [6, strings],
    consumes: [7, strings],
    parameters: [8, parametersItems],
    responses: [9, responses],
    schemes: [10, strings],
    deprecated: [11, bool],
  },
  vendorExtension: 13,
}
const operation = message((w, v) => encodeWith(operationTable, w, v))

const pathItemTable: Table = {
  fields: {
    $ref: [1, str],
    get: [2, operation],
    put: [3, operation],
    post: [4, operation],
    delete: [5, operation],
    options: [6, operation],
    head: [7, operation],
    patch: [8, operation],
    parameters: [9, parametersItems],
  },
  vendorExtension: 10,
}

/** Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2 }. */
const paths = message((w, v) => {
  vendorExtensions(w, 1, v)
  const items: JSONObject = {}
  for (const [key, value] of Object.entries(v)) if (!key.startsWith('x-')) items[key] = value
  named((p, item) => encodeWith(pathItemTable, p, item))(w, 2, items)
})

function namedAnys(w: Writer, field: number, v: JSONObject): void {
  for (const [name, value] of Object.entries(v)) {
    if (value === undefined) continue
    w.message(field, (n) => {
      n.string(1, name)
      any(n, 2, value)
    })
  }
}

// Document -----------------------------------------------------------------------------------

const infoTable: Table = {
  fields: {
    title: [1, str],
    version: [2, str],
    description: [3, str],
    termsOfService: [4, str],
    contact: [5, message((w, v) => encodeWith({ fields: { name: [1, str], url: [2, str], email: [3, str] }, vendorExtension: 4 }, w, v))],
    license: [6, message((w, v) => encodeWith({ fields: { name: [1, str], url: [2, str] }, vendorExtension: 3 }, w, v))],
  },
  vendorExtension: 7,
}

const documentTable: Table = {
  fields: {
    swagger: [1, str],
    info: [2, message((w, v) => encodeWith(infoTable, w, v))],
    host: [3, str],
    basePath: [4, str],
    schemes: [5, strings],
    consumes: [6, strings],
    produces: [7, strings],
    paths: [8, paths],
    // Definitions { repeated NamedSchema additional_properties = 1 }.
    definitions: [9, message((w, v) => named(encodeSchema)(w, 1, v))],
    tags: [14, (w, f, v) => {
      if (Array.isArray(v)) for (const t of v) if (isObject(t)) w.message(f, (m) => encodeWith({ fields: { name: [1, str], description: [2, str], externalDocs: [3, externalDocs] }, vendorExtension: 4 }, m, t))
    }],
    externalDocs: [15, externalDocs],
  },
  vendorExtension: 16,
}

/**
 * The protobuf bytes of a Swagger 2.0 document (the object /openapi/v2 serves as JSON), as an
 * `openapi.v2.Document`. Pure; callers cache the result per document.
 */
export function encodeOpenAPIV2Document(document: object): Buffer {
  const w = new Writer()
  encodeWith(documentTable, w, document as JSONObject)
  return w.finish()
}

// ---------------------------------------------------------------------------------------------
// helpers

function isObject(v: unknown): v is JSONObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** The YAML text gnostic stores in an Any (yaml.v3 Marshal of the node: block style, trailing newline). */
function yamlText(value: unknown): string {
  return stringifyYAML(value, { lineWidth: 0 })
}
