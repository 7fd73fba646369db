/**
 * @module routers/extensions/schema
 * Structural schemas of CustomResourceDefinitions (apiextensions-apiserver pkg/apiserver/schema):
 * the checks a CRD's openAPIV3Schema must pass, and for custom resources validation (ajv, compiled
 * once per CRD version), defaulting and pruning, with kube-apiserver's paths and messages.
 */
import type { FieldError } from '../../../lib/api/field-errors.js'
import { invalid } from '../../../lib/api/field-errors.js'
import { applyDefaults } from './defaulting.js'
import { validateDefaults } from './default-validation.js'
import { child } from './field-path.js'
import { pruneNonNullableNullsWithoutDefaults, pruneObject } from './pruning.js'
import { unsupportedField, validateOpenAPISchema, validateStructural } from './structural.js'
import { ajvErrorsToFieldErrors, compileAjv, validateExtensions } from './validator.js'

/** apiextensions.k8s.io/v1 JSONSchemaProps as JSON. */
export type JSONSchemaProps = Record<string, unknown>

export interface CompiledSchema {
  /**
   * Validates a custom resource (after pruning and defaulting) against the schema; errors carry
   * kube's field paths ("spec.replicas") and messages. apiVersion, kind and metadata are
   * validated elsewhere (generic ObjectMeta validation) except what the schema says of them.
   * Errors of anyOf/oneOf/not carry the field "<nil>", as kube-apiserver prints them.
   */
  validate(obj: Record<string, unknown>): FieldError[]
  /** Applies `default`s in place, as kube does on decoding a request and on reading from storage. */
  applyDefaults(obj: Record<string, unknown>): void
  /**
   * Removes fields the schema does not know (honouring x-kubernetes-preserve-unknown-fields and
   * x-kubernetes-embedded-resource) in place, and reduces the metadata of the root and of embedded
   * resources to ObjectMeta's fields; returns the removed paths, sorted, without a leading dot,
   * exactly as kube puts them in `unknown field "spec.foo"` (e.g. "spec.foo", "metadata.bar",
   * "spec.list[0].x"). Like kube's decoder it then drops, silently, nulls in fields that are
   * neither nullable nor defaulted (those with a default are left for applyDefaults).
   */
  prune(obj: Record<string, unknown>): string[]
}

/**
 * The checks of a CRD version's schema (structural, allowed keywords, list types, defaults valid
 * against their schema), with paths below fldPath
 * (e.g. "spec.versions[0].schema.openAPIV3Schema").
 */
export function validateStructuralSchema(schema: JSONSchemaProps, fldPath: string): FieldError[] {
  const errs: FieldError[] = []
  const initErr = unsupportedField(schema)
  if (initErr === undefined) {
    const structural = validateStructural(schema, fldPath)
    errs.push(...structural)
    if (structural.length === 0) errs.push(...validateDefaults(schema, fldPath))
  }
  errs.push(...validateOpenAPISchema(schema, fldPath))
  // NewStructural's errors overlap with the OpenAPI checks; kube shows them only when alone.
  if (errs.length === 0 && initErr !== undefined) errs.push(invalid(fldPath, '', initErr))
  return errs
}

/** Fields allowed at the schema root when the status subresource is on (allowedFieldsAtRootSchema). */
const allowedAtRoot = new Map<string, string>([
  ['description', 'Description'],
  ['type', 'Type'],
  ['format', 'Format'],
  ['title', 'Title'],
  ['maximum', 'Maximum'],
  ['exclusiveMaximum', 'ExclusiveMaximum'],
  ['minimum', 'Minimum'],
  ['exclusiveMinimum', 'ExclusiveMinimum'],
  ['maxLength', 'MaxLength'],
  ['minLength', 'MinLength'],
  ['pattern', 'Pattern'],
  ['maxItems', 'MaxItems'],
  ['minItems', 'MinItems'],
  ['uniqueItems', 'UniqueItems'],
  ['multipleOf', 'MultipleOf'],
  ['required', 'Required'],
  ['items', 'Items'],
  ['properties', 'Properties'],
  ['externalDocs', 'ExternalDocs'],
  ['example', 'Example'],
  ['x-kubernetes-preserve-unknown-fields', 'XPreserveUnknownFields'],
  ['x-kubernetes-validations', 'XValidations'],
])

/**
 * The root restriction kube applies when spec.subresources.status is set
 * (validateCustomResourceDefinitionValidation); fldPath is the openAPIV3Schema path.
 */
export function validateStatusSubresourceRoot(schema: JSONSchemaProps, fldPath: string): FieldError[] {
  for (const [k, v] of Object.entries(schema)) {
    if (v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0)) continue
    if (k === 'type') {
      if (v !== 'object') {
        return [invalid(child(fldPath, 'type'), v, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled')]
      }
      continue
    }
    if (!allowedAtRoot.has(k)) {
      const names = [...allowedAtRoot.values()].join(' ')
      return [invalid(fldPath, schema, `only [${names}] fields are allowed at the root of the schema if the status subresource is enabled`)]
    }
  }
  return []
}

export function compileSchema(schema: JSONSchemaProps): CompiledSchema {
  const validateFn = compileAjv(schema)
  return {
    validate(obj) {
      const errs: FieldError[] = []
      if (!validateFn(obj)) errs.push(...ajvErrorsToFieldErrors(validateFn.errors ?? [], obj, '', validateFn.schema))
      validateExtensions(obj, schema, '', true, errs)
      return errs
    },
    applyDefaults(obj) {
      applyDefaults(obj, schema)
    },
    prune(obj) {
      const removed = pruneObject(obj, schema, true)
      pruneNonNullableNullsWithoutDefaults(obj, schema)
      return removed
    },
  }
}
