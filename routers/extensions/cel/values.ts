/**
 * @module routers/extensions/cel/values
 * JSON values of a custom resource as CEL values typed by their structural schema, as
 * UnstructuredToVal does in apiextensions-apiserver: integers are CEL ints (bigint), numbers are
 * doubles, object properties are fields under their escaped names, additionalProperties are maps,
 * date-time and duration strings are timestamps and durations, and the resource root only shows
 * apiVersion, kind, metadata.name and metadata.generateName of its metadata.
 */
import { celEnv, CelScalar, isCelError, parse, plan } from '@bufbuild/cel'
import type { CelInput, CelValue } from '@bufbuild/cel'
import type { JSONSchemaProps } from '../schema/index.js'
import { escapePropertyName } from './escaping.js'

type Schema = JSONSchemaProps | undefined

// The conversions run as tiny CEL programs: @bufbuild/cel builds its timestamp and duration
// messages only inside an evaluation.
const conversionEnv = celEnv({ variables: { s: CelScalar.STRING } })
const conversions = {
  timestamp: plan(conversionEnv, parse('timestamp(s)')),
  duration: plan(conversionEnv, parse('duration(s)')),
}

/** A date-time or duration string as a CEL timestamp or duration; undefined when it does not parse. */
function convert(fn: keyof typeof conversions, s: string): CelValue | undefined {
  const r = conversions[fn]({ s })
  return isCelError(r) ? undefined : r
}

function props(schema: Schema): Record<string, JSONSchemaProps> | undefined {
  const p = schema?.properties
  return p && typeof p === 'object' ? (p as Record<string, JSONSchemaProps>) : undefined
}

function subSchema(schema: Schema, key: string): Schema {
  const v = schema?.[key]
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JSONSchemaProps) : undefined
}

/** Whether a schema node is an embedded resource or the resource root (apiVersion/kind/metadata added). */
function isResource(schema: Schema, isRoot: boolean): boolean {
  return isRoot || schema?.['x-kubernetes-embedded-resource'] === true
}

function metadataValue(meta: unknown): CelInput {
  const m = new Map<string, CelInput>()
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    for (const k of ['name', 'generateName']) {
      const v = (meta as Record<string, unknown>)[k]
      if (typeof v === 'string') m.set(k, v)
    }
  }
  return m
}

export function toCelValue(value: unknown, schema: Schema, isRoot = false): CelInput {
  if (value === null || value === undefined) return null
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') {
    const type = schema?.type
    if (type === 'number') return value
    if (Number.isInteger(value) && (type === 'integer' || type === undefined || schema?.['x-kubernetes-int-or-string'])) {
      return BigInt(value)
    }
    return value
  }
  if (typeof value === 'string') {
    if (schema?.type === 'string') {
      const format = schema.format
      if (format === 'date-time') return convert('timestamp', value) ?? value
      if (format === 'duration') return convert('duration', value) ?? value
    }
    return value
  }
  if (Array.isArray(value)) {
    const items = subSchema(schema, 'items')
    return value.map((v) => toCelValue(v, items))
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>
    const out = new Map<string, CelInput>()
    const properties = props(schema)
    const resource = isResource(schema, isRoot)
    if (properties || resource) {
      const preserve = schema?.['x-kubernetes-preserve-unknown-fields'] === true
      for (const [k, v] of Object.entries(obj)) {
        const name = escapePropertyName(k)
        if (name === undefined) continue
        if (resource && (k === 'apiVersion' || k === 'kind') && !properties?.[k]) {
          out.set(name, toCelValue(v, undefined))
        } else if (resource && k === 'metadata') {
          out.set(name, metadataValue(v))
        } else if (properties && k in properties) {
          out.set(name, toCelValue(v, properties[k]))
        } else if (preserve) {
          out.set(name, toCelValue(v, undefined))
        }
      }
      return out
    }
    const additional = subSchema(schema, 'additionalProperties')
    for (const [k, v] of Object.entries(obj)) out.set(k, toCelValue(v, additional))
    return out
  }
  return null
}
