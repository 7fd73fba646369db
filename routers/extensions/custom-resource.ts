/**
 * @module routers/extensions/custom-resource
 * The declarations a CRD serves (apiextensions-apiserver customresource_handler.go crdInfo): one
 * ResourceDefinition per served version, all on the storage version's key prefix, with a
 * strategy built from the version's schema (pruning, defaulting, validation, CEL rules), the
 * status and scale subresources, printer columns, selectable fields, accepted names and
 * deprecation warnings. The generic Store and installer do the rest, as for built-in kinds.
 */
import * as errors from '../../lib/api/errors.js'
import type { FieldError } from '../../lib/api/field-errors.js'
import type { KubeObject } from '../../lib/api/types.js'
import type { ResourceHandler, ResourceHandlers } from '../../lib/endpoints/installer.js'
import { addWarnings } from '../../lib/endpoints/response-writers.js'
import { ageCell } from '../../lib/registry/duration.js'
import type { ResourceDefinition, TableColumn, Verb } from '../../lib/registry/resource.js'
import { allVerbs } from '../../lib/registry/resource.js'
import { ageColumn } from '../../lib/registry/table.js'
import type { Strategy } from '../../lib/registry/strategy.js'
import { compileValidationRules } from './cel/index.js'
import { arrOf, objOf, specOf, storageVersionOf, versionsOf } from './crd-validation.js'
import { findResults } from './jsonpath.js'
import { compileSchema } from './schema/index.js'

type Obj = Record<string, unknown>

/** Everything but metadata (and status, when it has its own endpoint) counts as spec for generation. */
function specPart(obj: KubeObject, withStatus: boolean): string {
  const { metadata: _m, status: _s, ...rest } = obj as Obj
  return JSON.stringify(withStatus ? rest : { ...rest, status: _s })
}

function printerCell(type: string, value: unknown, now: Date): unknown {
  if (type === 'date') return typeof value === 'string' ? ageCell(value, now) : null
  if (type === 'string') return typeof value === 'string' ? value : JSON.stringify(value)
  return value
}

function printerColumns(version: Obj): TableColumn[] {
  const declared = arrOf(version['additionalPrinterColumns']).map(objOf)
  // Without printer columns a custom resource prints NAME and AGE.
  if (declared.length === 0) return [ageColumn]
  return declared.map((c) => {
    const type = String(c['type']) as TableColumn['type']
    const jsonPath = String(c['jsonPath'])
    const column: TableColumn = {
      name: String(c['name']),
      type,
      description: typeof c['description'] === 'string' ? c['description'] : '',
      priority: typeof c['priority'] === 'number' ? c['priority'] : 0,
      cell: (obj, now) => {
        const results = findResults(obj, jsonPath)
        return results.length === 0 ? null : printerCell(type, results[0], now)
      },
    }
    if (typeof c['format'] === 'string' && c['format']) column.format = c['format']
    return column
  })
}

function selectableFields(version: Obj): Record<string, (obj: KubeObject) => string | undefined> | undefined {
  const fields = arrOf(version['selectableFields']).map(objOf)
  if (fields.length === 0) return undefined
  const out: Record<string, (obj: KubeObject) => string | undefined> = {}
  for (const f of fields) {
    const path = String(f['jsonPath'])
    out[path.replace(/^\./, '')] = (obj) => {
      const v = findResults(obj, path)[0]
      return v === undefined || v === null ? undefined : String(v)
    }
  }
  return out
}

/** The status endpoint changes only status; spec and the user's metadata stay as stored. */
function keepAllButStatus(obj: KubeObject, old: KubeObject): void {
  for (const key of Object.keys(obj)) if (key !== 'status' && key !== 'metadata' && key !== 'apiVersion' && key !== 'kind') delete (obj as Obj)[key]
  for (const [key, value] of Object.entries(old)) if (key !== 'status' && key !== 'metadata' && key !== 'apiVersion' && key !== 'kind') (obj as Obj)[key] = structuredClone(value)
  for (const key of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    if (old.metadata[key] === undefined) delete obj.metadata[key]
    else (obj.metadata as Obj)[key] = structuredClone(old.metadata[key])
  }
}

function customResourceStrategy(
  schemaIn: Obj,
  schemaPath: string,
  hasStatus: boolean,
): { strategy: Strategy; prune: (obj: KubeObject) => string[]; onRead: ((obj: KubeObject) => KubeObject) | undefined } {
  const schema = compileSchema(schemaIn)
  const rules = compileValidationRules(schemaIn, schemaPath)
  const validate = (obj: KubeObject, old?: KubeObject): FieldError[] => {
    const errs = schema.validate(obj as unknown as Obj)
    if (rules.hasRules && errs.length === 0) errs.push(...rules.validate(obj, old))
    return errs
  }
  const strategy: Strategy = {
    prepareForCreate(_ctx, obj) {
      if (hasStatus) delete (obj as Obj)['status']
    },
    applyDefaults: (obj) => schema.applyDefaults(obj as unknown as Obj),
    validate: (_ctx, obj) => validate(obj),
    prepareForUpdate(_ctx, obj, old) {
      if (!hasStatus) return
      if (old['status'] === undefined) delete (obj as Obj)['status']
      else (obj as Obj)['status'] = structuredClone(old['status'])
    },
    validateUpdate: (_ctx, obj, old) => validate(obj, old),
    allowUnconditionalUpdate: false,
    generationChanged: (obj, old) => specPart(obj, hasStatus) !== specPart(old, hasStatus),
    prepareForSubresourceUpdate(subresource, _ctx, obj, old) {
      if (subresource === 'status') keepAllButStatus(obj, old)
    },
  }
  // Defaults also apply on read, as kube's decoder does, so a default added to the schema later shows
  // on objects stored before it. Schemas without any default skip the copy.
  const hasDefaults = JSON.stringify(schemaIn).includes('"default"')
  const onRead = hasDefaults
    ? (obj: KubeObject): KubeObject => {
        const copy = structuredClone(obj)
        schema.applyDefaults(copy as unknown as Obj)
        return copy
      }
    : undefined
  return { strategy, prune: (obj) => schema.prune(obj as unknown as Obj), onRead }
}

/** Adds the deprecation Warning header to every request of a deprecated version. */
function deprecationHandlers(warning: string): Record<string, ResourceHandler> {
  const handler: ResourceHandler = async (_scope, _req, res, next) => {
    addWarnings(res, [warning])
    await next()
  }
  const out: Record<string, ResourceHandler> = {}
  for (const verb of allVerbs as readonly Verb[]) out[verb] = handler
  for (const sub of ['status', 'scale']) for (const verb of ['get', 'update', 'patch']) out[`${sub}/${verb}`] = handler
  return out
}

/** A terminating CRD's resources refuse create (crdHandler.serveResource), as kube-apiserver does. */
const refuseCreateWhileTerminating: ResourceHandler = async (scope) => {
  const err = errors.methodNotSupported({ group: scope.def.group, resource: scope.def.resource }, 'create')
  const message = 'create not allowed while custom resource definition is terminating'
  err.status.message = message
  err.message = message
  throw err
}

export interface CustomResourceOptions {
  /** The CRD is being deleted: everything but create is still served while instances go. */
  terminating?: boolean
}

/** One ResourceDefinition per served version of an accepted CRD. */
export function customResourceDefinitions(crd: KubeObject, opts: CustomResourceOptions = {}): ResourceDefinition[] {
  const spec = specOf(crd)
  const group = String(spec['group'])
  const names = objOf(objOf(crd['status'])['acceptedNames'])
  const plural = String(names['plural'] || objOf(spec['names'])['plural'])
  const kind = String(names['kind'] || objOf(spec['names'])['kind'])
  const storageVersion = storageVersionOf(crd) ?? ''
  const namespaced = spec['scope'] === 'Namespaced'
  const defs: ResourceDefinition[] = []
  versionsOf(crd).forEach((version, i) => {
    if (version['served'] !== true) return
    const name = String(version['name'])
    const schema = objOf(objOf(version['schema'])['openAPIV3Schema'])
    const subresources = objOf(version['subresources'])
    const hasStatus = subresources['status'] !== undefined
    const scale = subresources['scale'] === undefined ? undefined : objOf(subresources['scale'])
    const { strategy, prune, onRead } = customResourceStrategy(schema, `spec.versions[${i}].schema.openAPIV3Schema`, hasStatus)
    const def: ResourceDefinition & ResourceHandlers = {
      group,
      version: name,
      resource: plural,
      singular: String(names['singular'] || plural),
      kind,
      listKind: String(names['listKind'] || `${kind}List`),
      namespaced,
      schema: { openAPIV3Schema: schema },
      tableColumns: printerColumns(version),
      subresources: [...(hasStatus ? ['status'] : []), ...(scale ? ['scale'] : [])],
      storagePrefix: `/registry/${group}/${plural}`,
      checkFields: (obj) => ({ unknownFields: prune(obj), typeErrors: [] }),
      strategy,
    }
    if (onRead) def.onRead = onRead
    const shortNames = arrOf(names['shortNames']).map(String)
    if (shortNames.length > 0) def.shortNames = shortNames
    const categories = arrOf(names['categories']).map(String)
    if (categories.length > 0) def.categories = categories
    const fields = selectableFields(version)
    if (fields) def.selectableFields = fields
    if (scale) {
      def.scale = { specReplicasPath: String(scale['specReplicasPath']), statusReplicasPath: String(scale['statusReplicasPath']) }
      if (typeof scale['labelSelectorPath'] === 'string') def.scale.labelSelectorPath = scale['labelSelectorPath']
    }
    if (name !== storageVersion) {
      // Conversion strategy None: the same object, only apiVersion differs.
      const storedAs = `${group}/${storageVersion}`
      const servedAs = `${group}/${name}`
      def.convert = {
        toStorage: (obj) => ({ ...obj, apiVersion: storedAs }),
        fromStorage: (obj) => ({ ...obj, apiVersion: servedAs }),
      }
    }
    const handlers: Record<string, ResourceHandler> = {}
    if (version['deprecated'] === true) {
      const warning = typeof version['deprecationWarning'] === 'string' ? version['deprecationWarning'] : `${group}/${name} ${kind} is deprecated`
      Object.assign(handlers, deprecationHandlers(warning))
    }
    if (opts.terminating) {
      const warn = handlers['create']
      handlers['create'] = warn ? (scope, req, res) => warn(scope, req, res, () => refuseCreateWhileTerminating(scope, req, res, async () => {})) : refuseCreateWhileTerminating
    }
    if (Object.keys(handlers).length > 0) def.handlers = handlers
    defs.push(def)
  })
  return defs
}
