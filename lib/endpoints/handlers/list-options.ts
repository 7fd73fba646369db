/**
 * @module lib/endpoints/handlers/list-options
 * metav1.ListOptions from the query string, with kube-apiserver's validation and messages:
 * label and field selectors become one predicate that storage applies below paging.
 */
import * as errors from '../../api/errors.js'
import * as field from '../../api/field-errors.js'
import { parseFieldSelector, requiresExactMatch } from '../../api/fields.js'
import type { FieldSelector } from '../../api/fields.js'
import { parseLabelSelector } from '../../api/labels.js'
import type { KubeObject } from '../../api/types.js'
import type { ResourceDefinition } from '../../registry/resource.js'
import type { ListParams } from '../../registry/store.js'
import type { Predicate, ResourceVersionMatch } from '../../storage/interface.js'

/** The Store's list parameters plus what only the HTTP layer reads (watch and its knobs). */
export interface ListOptions extends ListParams {
  watch: boolean
  allowWatchBookmarks: boolean
  timeoutSeconds?: number
  sendInitialEvents?: boolean
}

/** The field set a field selector sees: metadata.name, metadata.namespace and the declared ones. */
export function objectFields(def: ResourceDefinition, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' }
  if (def.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? ''
  for (const [label, get] of Object.entries(def.selectableFields ?? {})) fields[label] = get(obj) ?? ''
  return fields
}

function supportedFields(def: ResourceDefinition): Set<string> {
  const s = new Set(['metadata.name', ...Object.keys(def.selectableFields ?? {})])
  if (def.namespaced) s.add('metadata.namespace')
  return s
}

function parseBool(v: string | null): boolean {
  // strconv.ParseBool as the query decoder uses it; anything unparsable counts as false.
  return v !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)
}

function optionsInvalid(errs: field.FieldError[]): errors.StatusError {
  return errors.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errs)
}

export function parseListOptions(def: ResourceDefinition, query: URLSearchParams, isWatch: boolean): ListOptions {
  const opts: ListOptions = { watch: isWatch, allowWatchBookmarks: parseBool(query.get('allowWatchBookmarks')) }
  const predicates: Predicate[] = []

  const ls = query.get('labelSelector')
  if (ls) {
    let sel
    try {
      sel = parseLabelSelector(ls)
    } catch (err) {
      // The parser's messages are kube's own, prefix included where kube has one.
      throw errors.badRequest((err as Error).message)
    }
    if (!sel.empty) predicates.push((obj) => sel.matches(obj.metadata.labels))
  }

  const fs = query.get('fieldSelector')
  if (fs) {
    let sel: FieldSelector
    try {
      sel = parseFieldSelector(fs)
    } catch (err) {
      throw errors.badRequest((err as Error).message)
    }
    const supported = supportedFields(def)
    for (const r of sel.requirements) {
      if (!supported.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`)
    }
    if (!sel.empty) {
      predicates.push((obj) => sel.matches(objectFields(def, obj)))
      const name = requiresExactMatch(sel, 'metadata.name')
      if (name !== undefined && !isWatch) opts.name = name
    }
  }
  if (predicates.length === 1) opts.predicate = predicates[0]
  else if (predicates.length > 1) opts.predicate = (obj) => predicates.every((p) => p(obj))

  const errs: field.FieldError[] = []
  const rv = query.get('resourceVersion')
  if (rv !== null && rv !== '') {
    if (!/^\d+$/.test(rv)) {
      throw errors.badRequest(`invalid resource version: ${rv}`)
    }
    opts.resourceVersion = rv
  }
  const rvm = query.get('resourceVersionMatch')
  if (rvm !== null && rvm !== '') {
    if (isWatch) {
      if (rvm !== 'NotOlderThan') errs.push(field.notSupported('resourceVersionMatch', rvm, ['NotOlderThan', '']))
    } else if (rvm !== 'NotOlderThan' && rvm !== 'Exact') {
      errs.push(field.notSupported('resourceVersionMatch', rvm, ['Exact', 'NotOlderThan', '']))
    } else if (!opts.resourceVersion) {
      errs.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'))
    } else if (rvm === 'Exact' && opts.resourceVersion === '0') {
      errs.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
    }
    opts.resourceVersionMatch = rvm as ResourceVersionMatch
  }
  const limit = query.get('limit')
  if (limit !== null && limit !== '') {
    if (!/^-?\d+$/.test(limit)) {
      throw errors.badRequest(`limit: Invalid value: "${limit}": strconv.ParseInt: parsing "${limit}": invalid syntax`)
    }
    const n = Number(limit)
    if (n > 0) opts.limit = n
  }
  const cont = query.get('continue')
  if (cont) {
    if (opts.resourceVersion) throw errors.badRequest('specifying resource version is not allowed when using continue')
    opts.continue = cont
  }
  const timeout = query.get('timeoutSeconds')
  if (timeout !== null && timeout !== '') {
    if (!/^-?\d+$/.test(timeout)) {
      throw errors.badRequest(`timeoutSeconds: Invalid value: "${timeout}": strconv.ParseInt: parsing "${timeout}": invalid syntax`)
    }
    opts.timeoutSeconds = Number(timeout)
  }
  const sie = query.get('sendInitialEvents')
  if (sie !== null && sie !== '') {
    opts.sendInitialEvents = parseBool(sie)
    if (!isWatch) errs.push(field.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'))
    else if (rvm !== 'NotOlderThan') errs.push(field.forbidden('resourceVersionMatch', "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
    else if (!opts.allowWatchBookmarks) errs.push(field.forbidden('allowWatchBookmarks', 'allowWatchBookmarks must be set to true when sendInitialEvents is set'))
  }
  if (errs.length > 0) throw optionsInvalid(errs)
  return opts
}
