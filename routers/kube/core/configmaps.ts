/**
 * @module routers/kube/core/configmaps
 * core/v1 ConfigMap (pkg/apis/core/validation ValidateConfigMap): key syntax, no key in both data
 * and binaryData, at most 1 MiB in all, and immutable ConfigMaps that keep their data.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { ageColumn } from '../../../lib/registry/table.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { mapOf } from '../json.js'

const configKeyFmt = /^[-._a-zA-Z0-9]+$/
const configKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
/** MaxSecretSize, also the ConfigMap limit. */
const maxConfigMapSize = 1024 * 1024

/** IsConfigMapKey from apimachinery util/validation. */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = []
  if (key.length > 253) errs.push('must be no more than 253 characters')
  if (!configKeyFmt.test(key)) {
    errs.push(`${configKeyErrMsg} (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`)
  }
  if (key === '.') errs.push("must not be '.'")
  else if (key === '..') errs.push("must not be '..'")
  else if (key.startsWith('..')) errs.push("must not start with '..'")
  return errs
}


function validateConfigMap(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  let total = 0
  const data = mapOf(obj, 'data')
  const binary = mapOf(obj, 'binaryData')
  for (const [k, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, msg))
    total += k.length + String(v).length
  }
  for (const [k, v] of Object.entries(binary)) {
    for (const msg of isConfigMapKey(k)) errs.push(field.invalid(`binaryData[${k}]`, k, msg))
    if (k in data) errs.push(field.invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'))
    total += k.length + Buffer.from(String(v), 'base64').length
  }
  if (total > maxConfigMapSize) errs.push(field.tooLong('', maxConfigMapSize))
  return errs
}

function validateConfigMapUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  if (old['immutable'] === true) {
    if (obj['immutable'] !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'))
    if (JSON.stringify(obj['data'] ?? {}) !== JSON.stringify(old['data'] ?? {})) errs.push(field.forbidden('data', 'field is immutable when `immutable` is set'))
    if (JSON.stringify(obj['binaryData'] ?? {}) !== JSON.stringify(old['binaryData'] ?? {})) {
      errs.push(field.forbidden('binaryData', 'field is immutable when `immutable` is set'))
    }
  }
  return [...errs, ...validateConfigMap(obj)]
}

export const configmaps: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  namespaced: true,
  shortNames: ['cm'],
  schema: { model: 'V1ConfigMap' },
  tableColumns: [
    { name: 'Data', type: 'string', description: 'Data contains the configuration data.', cell: (o) => Object.keys(mapOf(o, 'data')).length + Object.keys(mapOf(o, 'binaryData')).length },
    ageColumn,
  ],
  strategy: {
    validate: (_ctx, obj) => validateConfigMap(obj),
    validateUpdate: (_ctx, obj, old) => validateConfigMapUpdate(obj, old),
  },
}
