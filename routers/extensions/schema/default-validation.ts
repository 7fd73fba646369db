/**
 * @module routers/extensions/schema/default-validation
 * ValidateDefaults (apiextensions-apiserver pkg/apiserver/schema/defaulting/validation.go): every
 * `default` in a structural schema must be pruned (no fields its schema does not know) and must
 * validate against the schema it sits in; errors are reported below "<path>.default".
 */
import type { FieldError } from '../../../lib/api/field-errors.js'
import { invalid } from '../../../lib/api/field-errors.js'
import { child, deepCopyJSON, goValueText, isObject, key } from './field-path.js'
import { pruneValue } from './pruning.js'
import type { Ajv } from 'ajv'
import { ajvErrorsToFieldErrors, compileAjv, newAjv, validateExtensions } from './validator.js'
import { jsonEqual } from '../../../lib/api/validation.js'

type Schema = Record<string, unknown>

const metaFields = new Set(['metadata', 'kind', 'apiVersion'])

export function validateDefaults(s: Schema, fldPath: string): FieldError[] {
  const errs: FieldError[] = []
  walk(s, fldPath, true, false, { errs, ajv: undefined })
  return errs
}

interface Walk {
  errs: FieldError[]
  /** One ajv for all defaults of the schema, made on the first default. */
  ajv: Ajv | undefined
}

function walk(s: Schema, p: string, isResourceRoot: boolean, insideMeta: boolean, w: Walk): void {
  const errs = w.errs
  const d = s.default
  // Defaults inside resource metadata are rejected by the OpenAPI checks already.
  if (d !== undefined && d !== null && !insideMeta) {
    const pruned = deepCopyJSON(d)
    const removed = pruneValue(pruned, s)
    if (removed.length > 0 || !jsonEqual(pruned, d)) {
      errs.push({ ...invalid(child(p, 'default'), d, 'must not have unknown fields'), ...goValueText(d) })
    } else {
      w.ajv ??= newAjv()
      const validate = compileAjv(s, w.ajv)
      if (!validate(d)) errs.push(...ajvErrorsToFieldErrors(validate.errors ?? [], d, child(p, 'default'), validate.schema))
      // list sets and maps inside the default, and embedded resources below it
      validateExtensions(d, s, child(p, 'default'), true, errs)
    }
  }
  const embedded = s['x-kubernetes-embedded-resource'] === true
  if (isObject(s.properties)) {
    for (const k of Object.keys(s.properties).sort()) {
      const sub = s.properties[k]
      if (!isObject(sub)) continue
      const meta = (isResourceRoot || embedded) && metaFields.has(k)
      walk(sub, key(child(p, 'properties'), k), false, insideMeta || meta, w)
    }
  }
  if (isObject(s.items)) walk(s.items, child(p, 'items'), false, insideMeta, w)
  if (isObject(s.additionalProperties)) walk(s.additionalProperties, child(p, 'additionalProperties'), false, insideMeta, w)
}
