// Structural schemas of CRDs (routers/extensions/schema): the checks a CRD version's schema must
// pass and the validation, defaulting and pruning of custom resources, with kube-apiserver's exact
// paths and messages (cases after apiextensions-apiserver's own tests), plus the real CRDs and
// examples in ../shared/testdata.
import { readdirSync, readFileSync } from 'node:fs'
import { expect } from 'chai'
import { before, describe, it } from 'mocha'
import { parseAllDocuments } from 'yaml'
import { fieldErrorMessage } from '../../lib/api/field-errors.js'
import type { JSONSchemaProps } from '../../routers/extensions/schema/index.js'
import { compileSchema, validateStatusSubresourceRoot, validateStructuralSchema } from '../../routers/extensions/schema/index.js'
import { sharedTestdata, skipWithoutSharedTestdata } from '../support/testdata.js'

const P = 'spec.versions[0].schema.openAPIV3Schema'

function structuralMessages(schema: JSONSchemaProps): string[] {
  return validateStructuralSchema(schema, P).map(fieldErrorMessage)
}

function obj(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): JSONSchemaProps {
  return { type: 'object', properties, ...extra }
}

function validate(schema: JSONSchemaProps, value: Record<string, unknown>): string[] {
  return compileSchema(schema).validate(value).map(fieldErrorMessage)
}

describe('CRD structural schema checks (validateStructuralSchema)', () => {
  const cases: { name: string; schema: JSONSchemaProps; want: string[] }[] = [
    { name: 'a minimal object schema', schema: obj({ spec: { type: 'object', properties: { replicas: { type: 'integer' } } } }), want: [] },
    { name: 'missing type at the root', schema: { properties: { spec: { type: 'object' } } }, want: [`${P}.type: Required value: must not be empty at the root`] },
    { name: 'non-object root', schema: { type: 'string' }, want: [`${P}.type: Invalid value: "string": must be object at the root`] },
    {
      name: 'missing type of a field',
      schema: obj({ spec: {} }),
      want: [`${P}.properties[spec].type: Required value: must not be empty for specified object fields`],
    },
    {
      name: 'array without items',
      schema: obj({ list: { type: 'array' } }),
      want: [`${P}.properties[list].items: Required value: must be specified`],
    },
    {
      name: 'array items without type',
      schema: obj({ list: { type: 'array', items: {} } }),
      want: [`${P}.properties[list].items.type: Required value: must not be empty for specified array items`],
    },
    {
      name: 'type inside anyOf',
      schema: obj({ spec: { type: 'object', anyOf: [{ type: 'string' }] } }),
      want: [`${P}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`],
    },
    {
      name: 'description, nullable and default inside oneOf',
      schema: obj({ s: { type: 'string', oneOf: [{ description: 'x', nullable: true, default: 'a' }] } }),
      want: [
        `${P}.properties[s].oneOf[0].default: Forbidden: must be undefined to be structural`,
        `${P}.properties[s].oneOf[0].description: Forbidden: must be empty to be structural`,
        `${P}.properties[s].oneOf[0].nullable: Forbidden: must be false to be structural`,
      ],
    },
    {
      name: 'the int-or-string anyOf pattern',
      schema: obj({ port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } }),
      want: [],
    },
    {
      name: 'the int-or-string allOf pattern',
      schema: obj({ port: { 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { pattern: '^[0-9a-z]+$' }] } }),
      want: [],
    },
    {
      name: 'int-or-string with preserve-unknown-fields',
      schema: obj({ port: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } }),
      want: [`${P}.properties[port].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`],
    },
    {
      name: 'embedded resource without type',
      schema: obj({ template: { 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }),
      want: [`${P}.properties[template].type: Required value: must be object if x-kubernetes-embedded-resource is true`],
    },
    {
      name: 'embedded resource without properties',
      schema: obj({ template: { type: 'object', 'x-kubernetes-embedded-resource': true } }),
      want: [`${P}.properties[template].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`],
    },
    {
      name: 'metadata restricting labels',
      schema: obj({ metadata: { type: 'object', properties: { labels: { type: 'object' } } } }),
      want: [`${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`],
    },
    {
      name: 'metadata restricting name only',
      schema: obj({ metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } }),
      want: [],
    },
    {
      name: 'metadata in a nested context',
      schema: obj({ spec: { type: 'object', properties: { metadata: { type: 'object' } }, anyOf: [{ properties: { metadata: {} } }] } }),
      want: [`${P}.properties[spec].anyOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`],
    },
    {
      name: 'kind of the wrong type at the root',
      schema: obj({ kind: { type: 'integer' } }),
      want: [`${P}.properties[kind].type: Invalid value: "integer": must be string`],
    },
    {
      name: 'additionalProperties at the root',
      schema: { type: 'object', additionalProperties: { type: 'string' } },
      want: [`${P}.additionalProperties: Forbidden: must not be used at the root`],
    },
    {
      name: 'value validation naming an unspecified field',
      schema: { type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ properties: { b: {} } }] },
      want: [`${P}.properties[b]: Required value: because it is defined in ${P}.anyOf[0].properties[b]`],
    },
    {
      name: 'uniqueItems',
      schema: obj({ l: { type: 'array', items: { type: 'string' }, uniqueItems: true } }),
      want: [`${P}.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`],
    },
    {
      name: 'properties with additionalProperties',
      schema: obj({ m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } }),
      want: [`${P}.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`],
    },
    {
      name: '$ref',
      schema: obj({ a: { $ref: '#/definitions/x' } }),
      want: [`${P}: Invalid value: "": OpenAPIV3Schema '$ref' is not supported`],
    },
    {
      name: 'type null',
      schema: obj({ a: { type: 'null' } }),
      want: [
        `${P}.properties[a].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"`,
        `${P}.properties[a].type: Forbidden: type cannot be set to null, use nullable as an alternative`,
      ],
    },
    {
      name: 'nullable at the root',
      schema: { type: 'object', nullable: true },
      want: [`${P}.nullable: Forbidden: nullable cannot be true at the root`],
    },
    {
      name: 'x-kubernetes-preserve-unknown-fields: false',
      schema: obj({ a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false } }),
      want: [`${P}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`],
    },
    {
      name: 'list type on an object',
      schema: obj({ l: { type: 'object', 'x-kubernetes-list-type': 'set' } }),
      want: [`${P}.properties[l].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified`],
    },
    {
      name: 'unknown list type',
      schema: obj({ l: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bogus' } }),
      want: [`${P}.properties[l].x-kubernetes-list-type: Unsupported value: "bogus": supported values: "atomic", "set", "map"`],
    },
    {
      name: 'map list without keys',
      schema: obj({ l: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } }, 'x-kubernetes-list-type': 'map' } }),
      want: [`${P}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`],
    },
    {
      name: 'map list key neither required nor defaulted',
      schema: obj({
        l: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
      }),
      want: [`${P}.properties[l].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`],
    },
    {
      name: 'map list key that is no item property',
      schema: obj({
        l: {
          type: 'array',
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['id'],
        },
      }),
      want: [`${P}.properties[l].x-kubernetes-list-map-keys: Invalid value: ["id"]: entries must all be names of item properties`],
    },
    {
      name: 'map keys without list type',
      schema: obj({ l: { type: 'array', items: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } }, 'x-kubernetes-list-map-keys': ['a'] } }),
      want: [`${P}.properties[l].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty`],
    },
    {
      name: 'map type on a string',
      schema: obj({ m: { type: 'string', 'x-kubernetes-map-type': 'atomic' } }),
      want: [`${P}.properties[m].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified`],
    },
    {
      name: 'default of the wrong type',
      schema: obj({ spec: { type: 'object', properties: { replicas: { type: 'integer', default: 'three' } } } }),
      want: [`${P}.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"`],
    },
    {
      name: 'default violating maximum',
      schema: obj({ spec: { type: 'object', properties: { replicas: { type: 'integer', maximum: 5, default: 7 } } } }),
      want: [`${P}.properties[spec].properties[replicas].default: Invalid value: 7:  in body should be less than or equal to 5`],
    },
    {
      name: 'default with unknown fields',
      schema: obj({ spec: { type: 'object', properties: { a: { type: 'string' } }, default: { b: 1 } } }),
      want: [`${P}.properties[spec].default: Invalid value: map[string]interface {}{"b":1}: must not have unknown fields`],
    },
    {
      name: 'default with a wrong nested value',
      schema: obj({ spec: { type: 'object', properties: { a: { type: 'string', enum: ['x', 'y'] } }, default: { a: 'z' } } }),
      want: [`${P}.properties[spec].default.a: Unsupported value: "z": supported values: "x", "y"`],
    },
    {
      name: 'default with duplicate set entries',
      schema: obj({ tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', default: ['a', 'a'] } }),
      want: [`${P}.properties[tags].default[1]: Duplicate value: "a"`],
    },
    {
      name: 'default in top-level metadata',
      schema: obj({ metadata: { type: 'object', default: { name: 'x' } } }),
      want: [`${P}.properties[metadata].default: Forbidden: must not be set in top-level metadata`],
    },
    {
      name: 'a CEL rule that is empty',
      schema: obj({ spec: { type: 'object', 'x-kubernetes-validations': [{ rule: ' ' }] } }),
      want: [`${P}.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified`],
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(structuralMessages(c.schema)).to.deep.equal(c.want)
    })
  }

  it('restricts the root when the status subresource is enabled', () => {
    const ok = obj({ spec: { type: 'object' } }, { description: 'd', required: ['spec'] })
    expect(validateStatusSubresourceRoot(ok, P)).to.deep.equal([])
    const bad = obj({ spec: { type: 'object' } }, { anyOf: [{ required: ['spec'] }] })
    const msgs = validateStatusSubresourceRoot(bad, P).map((e) => e.detail)
    expect(msgs).to.deep.equal([
      'only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
    ])
  })
})

describe('custom resource validation (compileSchema().validate)', () => {
  const spec = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}): JSONSchemaProps => obj({ spec: { type: 'object', properties, ...extra } })
  const cases: { name: string; schema: JSONSchemaProps; value: Record<string, unknown>; want: string[] }[] = [
    {
      name: 'wrong type',
      schema: spec({ replicas: { type: 'integer' } }),
      value: { spec: { replicas: 'three' } },
      want: ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    },
    {
      name: 'a float where an integer is expected',
      schema: spec({ replicas: { type: 'integer' } }),
      value: { spec: { replicas: 1.5 } },
      want: ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"'],
    },
    { name: 'required field', schema: spec({ a: { type: 'string' } }, { required: ['a'] }), value: { spec: {} }, want: ['spec.a: Required value'] },
    {
      name: 'required at the root',
      schema: obj({ spec: { type: 'object' } }, { required: ['spec'] }),
      value: {},
      want: ['spec: Required value'],
    },
    {
      name: 'enum',
      schema: spec({ mode: { type: 'string', enum: ['a', 'b'] } }),
      value: { spec: { mode: 'c' } },
      want: ['spec.mode: Unsupported value: "c": supported values: "a", "b"'],
    },
    {
      name: 'maxLength',
      schema: spec({ name: { type: 'string', maxLength: 3 } }),
      value: { spec: { name: 'abcd' } },
      want: ['spec.name: Too long: must have at most 3 bytes'],
    },
    {
      name: 'minLength',
      schema: spec({ name: { type: 'string', minLength: 2 } }),
      value: { spec: { name: 'a' } },
      want: ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long'],
    },
    {
      name: 'pattern',
      schema: spec({ name: { type: 'string', pattern: '^[a-z]+$' } }),
      value: { spec: { name: 'ABC' } },
      want: ["spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'"],
    },
    {
      name: 'a Go-only (?i) pattern',
      schema: spec({ s: { type: 'string', pattern: '^(?i)(abort|warn)?$' } }),
      value: { spec: { s: 'WARN' } },
      want: [],
    },
    {
      name: 'minimum',
      schema: spec({ replicas: { type: 'integer', minimum: 0 } }),
      value: { spec: { replicas: -1 } },
      want: ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0'],
    },
    {
      name: 'exclusive maximum',
      schema: spec({ replicas: { type: 'integer', maximum: 10, exclusiveMaximum: true } }),
      value: { spec: { replicas: 10 } },
      want: ['spec.replicas: Invalid value: 10: spec.replicas in body should be less than 10'],
    },
    {
      name: 'maxItems',
      schema: spec({ list: { type: 'array', items: { type: 'string' }, maxItems: 2 } }),
      value: { spec: { list: ['a', 'b', 'c'] } },
      want: ['spec.list: Too many: 3: must have at most 2 items'],
    },
    {
      name: 'items paths',
      schema: spec({ ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } } }),
      value: { spec: { ports: [{ port: 80 }, { port: 'http' }] } },
      want: ['spec.ports[1].port: Invalid value: "string": spec.ports[1].port in body must be of type integer: "string"'],
    },
    {
      name: 'additionalProperties values',
      schema: spec({ labels: { type: 'object', additionalProperties: { type: 'string' } } }),
      value: { spec: { labels: { a: 'x', b: 2 } } },
      want: ['spec.labels.b: Invalid value: "integer": spec.labels.b in body must be of type string: "integer"'],
    },
    {
      name: 'null in a non-nullable field',
      schema: spec({ x: { type: 'string' } }),
      value: { spec: { x: null } },
      want: ['spec.x: Invalid value: "null": spec.x in body must be of type string: "null"'],
    },
    { name: 'null in a nullable field', schema: spec({ x: { type: 'string', nullable: true, maxLength: 2 } }), value: { spec: { x: null } }, want: [] },
    {
      name: 'a nullable field still validates values',
      schema: spec({ x: { type: 'string', nullable: true, maxLength: 2 } }),
      value: { spec: { x: 'abc' } },
      want: ['spec.x: Too long: must have at most 2 bytes'],
    },
    {
      name: 'int-or-string',
      schema: spec({ port: { 'x-kubernetes-int-or-string': true } }),
      value: { spec: { port: true } },
      want: ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'],
    },
    { name: 'int-or-string accepts both', schema: spec({ a: { 'x-kubernetes-int-or-string': true }, b: { 'x-kubernetes-int-or-string': true } }), value: { spec: { a: 1, b: '50%' } }, want: [] },
    {
      name: 'date-time format',
      schema: spec({ t: { type: 'string', format: 'date-time' } }),
      value: { spec: { t: 'yesterday' } },
      want: ['spec.t: Invalid value: "yesterday": spec.t in body must be of type date-time: "yesterday"'],
    },
    { name: 'a valid date-time', schema: spec({ t: { type: 'string', format: 'date-time' } }), value: { spec: { t: '2024-01-02T03:04:05Z' } }, want: [] },
    { name: 'unknown formats are ignored', schema: spec({ t: { type: 'string', format: 'my-format' }, n: { type: 'integer', format: 'int32' } }), value: { spec: { t: 'x', n: 5 } }, want: [] },
    {
      name: 'anyOf failure',
      schema: spec({ x: { type: 'string', anyOf: [{ pattern: '^a' }, { pattern: '^b' }] } }),
      value: { spec: { x: 'c' } },
      want: ["spec.x: Invalid value: \"c\": spec.x in body should match '^a'", '<nil>: Invalid value: "": "spec.x" must validate at least one schema (anyOf)'],
    },
    {
      name: 'allOf failure',
      schema: spec({ port: { 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { pattern: '^[a-z]+$' }] } }),
      value: { spec: { port: 'ABC' } },
      want: ['<nil>: Invalid value: "": "spec.port" must validate all the schemas (allOf)', "spec.port: Invalid value: \"ABC\": spec.port in body should match '^[a-z]+$'"],
    },
    {
      name: 'allOf failure on properties below the owner',
      schema: spec({ a: { type: 'string' } }, { allOf: [{ properties: { a: { maxLength: 1 } } }, { required: ['a'] }] }),
      value: { spec: {} },
      want: ['<nil>: Invalid value: "": "spec" must validate all the schemas (allOf)', 'spec.a: Required value'],
    },
    {
      name: 'allOf failure deeper than the owner',
      schema: spec({ a: { type: 'string' } }, { allOf: [{ properties: { a: { maxLength: 1 } } }] }),
      value: { spec: { a: 'xx' } },
      want: ['<nil>: Invalid value: "": "spec" must validate all the schemas (allOf). None validated', 'spec.a: Too long: must have at most 1 byte'],
    },
    {
      name: 'duplicate set entries',
      schema: spec({ tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' } }),
      value: { spec: { tags: ['a', 'b', 'a'] } },
      want: ['spec.tags[2]: Duplicate value: "a"'],
    },
    {
      name: 'duplicate map list keys',
      schema: spec({
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
      }),
      value: { spec: { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 8080 }] } },
      want: ['spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}'],
    },
    {
      name: 'embedded resource without apiVersion and kind',
      schema: spec({ template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }),
      value: { spec: { template: { metadata: { name: 'x' } } } },
      want: ['spec.template.apiVersion: Required value: must not be empty', 'spec.template.kind: Required value: must not be empty'],
    },
    {
      name: 'embedded resource that is complete',
      schema: spec({ template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }),
      value: { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } } } },
      want: [],
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(validate(c.schema, c.value)).to.deep.equal(c.want)
    })
  }

  it('compiles once and validates repeatedly without state between calls', () => {
    const compiled = compileSchema(spec({ replicas: { type: 'integer' } }))
    expect(compiled.validate({ spec: { replicas: 'x' } })).to.have.length(1)
    expect(compiled.validate({ spec: { replicas: 1 } })).to.deep.equal([])
    expect(compiled.validate({ spec: { replicas: 'y' } })).to.have.length(1)
  })
})

describe('custom resource defaulting (compileSchema().applyDefaults)', () => {
  const schema = obj({
    spec: {
      type: 'object',
      default: {},
      properties: {
        replicas: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'auto' },
        note: { type: 'string', nullable: true, default: 'n' },
        ports: { type: 'array', items: { type: 'object', properties: { protocol: { type: 'string', default: 'TCP' } } } },
        routes: { type: 'object', additionalProperties: { type: 'object', properties: { weight: { type: 'integer', default: 100 } } } },
        obj: { type: 'object', default: { list: ['a'] }, properties: { list: { type: 'array', items: { type: 'string' } } } },
      },
    },
  })
  const compiled = compileSchema(schema)

  it('fills missing fields, including a defaulted parent and its children', () => {
    const o: Record<string, unknown> = {}
    compiled.applyDefaults(o)
    expect(o).to.deep.equal({ spec: { replicas: 1, mode: 'auto', note: 'n', obj: { list: ['a'] } } })
  })

  it('replaces null in non-nullable fields and keeps null in nullable ones', () => {
    const o: Record<string, unknown> = { spec: { replicas: null, note: null } }
    compiled.applyDefaults(o)
    expect(o.spec).to.include({ replicas: 1, note: null })
  })

  it('defaults inside array items and additionalProperties values', () => {
    const o: Record<string, unknown> = { spec: { ports: [{}, { protocol: 'UDP' }], routes: { a: {}, b: { weight: 5 } } } }
    compiled.applyDefaults(o)
    const s = o.spec as Record<string, unknown>
    expect(s.ports).to.deep.equal([{ protocol: 'TCP' }, { protocol: 'UDP' }])
    expect(s.routes).to.deep.equal({ a: { weight: 100 }, b: { weight: 5 } })
  })

  it('copies default values instead of sharing them', () => {
    const a: Record<string, unknown> = {}
    compiled.applyDefaults(a)
    ;((a.spec as Record<string, Record<string, string[]>>).obj!.list!).push('mutated')
    const b: Record<string, unknown> = {}
    compiled.applyDefaults(b)
    expect((b.spec as Record<string, unknown>).obj).to.deep.equal({ list: ['a'] })
  })
})

describe('custom resource pruning (compileSchema().prune)', () => {
  const schema = obj({
    spec: {
      type: 'object',
      properties: {
        a: { type: 'string' },
        list: { type: 'array', items: { type: 'object', properties: { x: { type: 'string' } } } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { k: { type: 'string' } } } } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { s: { type: 'string' } } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  })
  const compiled = compileSchema(schema)

  it('drops unknown fields and reports them as kube prints unknown fields', () => {
    const o: Record<string, unknown> = {
      apiVersion: 'example.com/v1',
      kind: 'Foo',
      metadata: { name: 'x', labels: { a: 'b' }, bogus: 1, ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'u', extra: 1 }] },
      spec: { a: 'x', foo: 1, list: [{ x: 'y', z: 1 }], labels: { any: 'thing' } },
      extra: true,
    }
    const removed = compiled.prune(o)
    expect(removed).to.deep.equal(['extra', 'metadata.bogus', 'metadata.ownerReferences[0].extra', 'spec.foo', 'spec.list[0].z'])
    expect(o).to.deep.equal({
      apiVersion: 'example.com/v1',
      kind: 'Foo',
      metadata: { name: 'x', labels: { a: 'b' }, ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'u' }] },
      spec: { a: 'x', list: [{ x: 'y' }], labels: { any: 'thing' } },
    })
  })

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields but prunes specified children', () => {
    const o: Record<string, unknown> = { spec: { free: { anything: { deep: 1 }, known: { k: 'v', drop: 1 } } } }
    expect(compiled.prune(o)).to.deep.equal(['spec.free.known.drop'])
    expect(o).to.deep.equal({ spec: { free: { anything: { deep: 1 }, known: { k: 'v' } } } })
  })

  it('drops nulls of fields that are neither nullable nor defaulted, without reporting them', () => {
    const c = compileSchema(obj({ spec: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string', nullable: true }, d: { type: 'integer', default: 3 } } } }))
    const o: Record<string, unknown> = { spec: { a: null, b: null, d: null } }
    expect(c.prune(o)).to.deep.equal([])
    expect(o).to.deep.equal({ spec: { b: null, d: null } })
    c.applyDefaults(o)
    expect(o).to.deep.equal({ spec: { b: null, d: 3 } })
    expect(c.validate(o)).to.deep.equal([])
  })

  it('keeps apiVersion, kind and ObjectMeta of embedded resources', () => {
    const o: Record<string, unknown> = { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', nope: 1 }, spec: { s: 'x', t: 'y' }, status: {} } } }
    expect(compiled.prune(o)).to.deep.equal(['spec.template.metadata.nope', 'spec.template.spec.t', 'spec.template.status'])
    expect(o).to.deep.equal({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { s: 'x' } } } })
  })
})

const testdata = sharedTestdata

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: JSONSchemaProps } }[] }
}

function yamlDocs(file: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object')
}

function crdFiles(): string[] {
  const base = `${testdata}/crds`
  return readdirSync(base).flatMap((dir) => readdirSync(`${base}/${dir}`).filter((f) => f.endsWith('.yaml')).map((f) => `${base}/${dir}/${f}`))
}

describe('real CRDs from ../shared/testdata', function () {
  before(function () {
    skipWithoutSharedTestdata(this)
  })

  it('every CRD version schema is structural and compiles', function () {
    const checked: string[] = []
    for (const file of crdFiles()) {
      for (const doc of yamlDocs(file)) {
        if (doc.kind !== 'CustomResourceDefinition') continue
        const crd = doc as unknown as Crd
        crd.spec.versions.forEach((v, i) => {
          const errs = validateStructuralSchema(v.schema.openAPIV3Schema, `spec.versions[${i}].schema.openAPIV3Schema`)
          expect(errs.map(fieldErrorMessage), `${file} ${v.name}`).to.deep.equal([])
          compileSchema(v.schema.openAPIV3Schema)
          checked.push(`${crd.spec.names.kind}/${v.name}`)
        })
      }
    }
    expect(checked.length).to.be.greaterThan(10)
  })

  it('every example custom resource prunes, defaults and validates cleanly', function () {
    const compiled = new Map<string, ReturnType<typeof compileSchema>>()
    for (const file of crdFiles()) {
      for (const doc of yamlDocs(file)) {
        if (doc.kind !== 'CustomResourceDefinition') continue
        const crd = doc as unknown as Crd
        for (const v of crd.spec.versions) compiled.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, compileSchema(v.schema.openAPIV3Schema))
      }
    }
    let validated = 0
    for (const dir of readdirSync(`${testdata}/crs`)) {
      for (const f of readdirSync(`${testdata}/crs/${dir}`).filter((x) => x.endsWith('.yaml'))) {
        for (const cr of yamlDocs(`${testdata}/crs/${dir}/${f}`)) {
          const c = compiled.get(`${String(cr.apiVersion)}/${String(cr.kind)}`)
          if (!c) continue // e.g. the Namespaces the examples live in
          const where = `${f} ${String(cr.kind)}`
          expect(c.prune(cr), where).to.deep.equal([])
          c.applyDefaults(cr)
          expect(c.validate(cr).map(fieldErrorMessage), where).to.deep.equal([])
          validated++
        }
      }
    }
    expect(validated).to.be.greaterThan(5)
  })

  it('a broken real CR gets kube messages', function () {
    const file = crdFiles().find((f) => f.endsWith('gateway.networking.k8s.io_gateways.yaml'))!
    const crd = yamlDocs(file)[0] as unknown as Crd
    const v1 = crd.spec.versions.find((v) => v.name === 'v1')!
    const c = compileSchema(v1.schema.openAPIV3Schema)
    const gw: Record<string, unknown> = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'g' },
      spec: { gatewayClassName: 'x', listeners: [{ name: 'http', port: 'eighty', protocol: 'HTTP' }] },
    }
    c.applyDefaults(gw)
    expect(c.validate(gw).map(fieldErrorMessage)).to.include(
      'spec.listeners[0].port: Invalid value: "string": spec.listeners[0].port in body must be of type integer: "string"',
    )
  })

  it('a broken real CRD gets kube messages', function () {
    const file = crdFiles().find((f) => f.endsWith('gateway.networking.k8s.io_gateways.yaml'))!
    const crd = yamlDocs(file)[0] as unknown as Crd
    const schema = structuredClone(crd.spec.versions[0]!.schema.openAPIV3Schema) as Record<string, Record<string, Record<string, unknown>>>
    delete schema.properties!.spec!.type
    expect(validateStructuralSchema(schema, P).map(fieldErrorMessage)).to.deep.equal([`${P}.properties[spec].type: Required value: must not be empty for specified object fields`])
  })
})

describe('schema edge cases', () => {
  it('reports the format kube-openapi compares for non-string values', () => {
    const schema = obj({ spec: { type: 'object', properties: { n: { type: 'integer', format: 'int32' }, t: { type: 'string', format: 'date-time' } } } })
    expect(validate(schema, { spec: { n: 1.5, t: 5 } })).to.deep.equal([
      'spec.n: Invalid value: "float64": spec.n in body must be of type int32: "float64"',
      'spec.t: Invalid value: "int64": spec.t in body must be of type date-time: "int64"',
    ])
  })

  it('treats "__proto__" and "constructor" as plain field names', () => {
    const compiled = compileSchema(obj({ spec: { type: 'object', properties: { constructor: { type: 'string', default: 'c' } } } }))
    const o = JSON.parse('{"spec":{"__proto__":{"x":1},"toString":"y"}}') as Record<string, unknown>
    expect(compiled.prune(o)).to.deep.equal(['spec.__proto__', 'spec.toString'])
    compiled.applyDefaults(o)
    expect(JSON.stringify(o)).to.equal('{"spec":{"constructor":"c"}}')
    expect(compiled.validate(o)).to.deep.equal([])
  })

  it('compiles malformed schemas without throwing', () => {
    const bad = obj({ a: { type: 'string', maxLength: -1, pattern: '(', required: [1], enum: 'x', format: 7 }, b: { type: 'nonsense', multipleOf: 0 } })
    expect(() => compileSchema(bad).validate({ a: 'x', b: 1 })).not.to.throw()
    expect(() => validateStructuralSchema(bad, P)).not.to.throw()
  })
})
