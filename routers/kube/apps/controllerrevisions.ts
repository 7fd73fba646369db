/**
 * @module routers/kube/apps/controllerrevisions
 * apps/v1 ControllerRevision (pkg/registry/apps/controllerrevision, ValidateControllerRevision):
 * the immutable snapshots DaemonSets and StatefulSets keep of their templates. Data is required
 * and may never change; the revision number is never negative.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { validateImmutableField } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn, nonNegative, semanticEqual } from './workload.js'
import { isObj, str } from '../json.js'

function validateControllerRevision(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  if (obj['data'] === undefined || obj['data'] === null) errs.push(field.required('data', 'data is mandatory'))
  errs.push(...nonNegative(obj['revision'], 'revision'))
  return errs
}

/**
 * The Controller cell: the controlling owner as printers.FormatResourceName writes it,
 * "<kind>.<group>/<name>" lower-cased (statefulset.apps/web), or "<none>".
 */
function controllerCell(obj: KubeObject): string {
  const refs = Array.isArray(obj.metadata.ownerReferences) ? obj.metadata.ownerReferences : []
  const ref = refs.find((r): r is Record<string, unknown> => isObj(r) && r['controller'] === true)
  if (!ref) return '<none>'
  const apiVersion = str(ref['apiVersion'])
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : ''
  const kind = str(ref['kind'])
  const groupKind = group ? `${kind}.${group}` : kind
  return groupKind ? `${groupKind.toLowerCase()}/${str(ref['name'])}` : str(ref['name'])
}

export const controllerrevisions: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  namespaced: true,
  schema: { model: 'V1ControllerRevision' },
  tableColumns: [
    { name: 'Controller', type: 'string', description: 'Controller of the object', cell: controllerCell },
    {
      name: 'Revision',
      type: 'string',
      description: 'revision indicates the revision of the state represented by Data.',
      cell: (o) => (typeof o['revision'] === 'number' ? o['revision'] : 0),
    },
    ageColumn,
  ],
  strategy: {
    validate: (_ctx, obj) => validateControllerRevision(obj),
    // revision has no omitempty: Go writes 0 for a revision that was never set.
    canonicalize(obj) {
      if (obj['revision'] === undefined || obj['revision'] === null) obj['revision'] = 0
    },
    validateUpdate: (_ctx, obj, old) => {
      const errs = validateControllerRevision(obj)
      if (!semanticEqual(obj['data'], old['data'])) errs.push(...validateImmutableField(obj['data'] ?? null, old['data'] ?? null, 'data'))
      return errs
    },
  },
}
