/**
 * @module routers/kube/core/events
 * core/v1 Event (pkg/registry/core/event, ValidateEventCreate for the v1 request version): only
 * the legacy checks apply (the event and its object agree on the namespace; new-style events name
 * their reporter, action and reason), names are path segments, PUT may create, and the involved
 * object, reason, source and type are field selectors.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isDNS1123Subdomain, isQualifiedName } from '../../../lib/api/validation.js'
import { tableNameColumn } from '../../../lib/registry/table.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { timestampSince } from './helpers.js'
import { ensureMap, isObj, mapOf, strOf } from '../json.js'

const reportingInstanceLengthLimit = 128
const actionLengthLimit = 128
const reasonLengthLimit = 128
const noteLengthLimit = 1024

function involved(obj: KubeObject): Record<string, unknown> {
  return mapOf(obj, 'involvedObject')
}

/** A metav1.Time or MicroTime that is set (the zero time encodes as null). */
function isSet(ts: unknown): boolean {
  return typeof ts === 'string' && ts !== ''
}

/**
 * The fields the Go struct always writes: the timestamps are non-pointer times (null when zero),
 * involvedObject and source are structs, and the reporting pair has no omitempty.
 */
function defaultEvent(obj: KubeObject): void {
  ensureMap(obj, 'involvedObject')
  ensureMap(obj, 'source')
  for (const k of ['firstTimestamp', 'lastTimestamp', 'eventTime']) if (!(k in obj)) obj[k] = null
  if (typeof obj['reportingComponent'] !== 'string') obj['reportingComponent'] = ''
  if (typeof obj['reportingInstance'] !== 'string') obj['reportingInstance'] = ''
}

/** legacyValidateEvent, with the v1 name of the reporting controller field. */
function validateEvent(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const namespace = obj.metadata.namespace ?? ''
  const involvedNamespace = strOf(involved(obj), 'namespace')
  const mismatch = (): FieldError => field.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace')
  if (!isSet(obj['eventTime'])) {
    // An old-style event about a cluster-scoped object lives in "default" (or nowhere).
    if (involvedNamespace === '') {
      if (namespace !== '' && namespace !== 'default') errs.push(mismatch())
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch())
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') errs.push(mismatch())
    const controller = strOf(obj, 'reportingComponent')
    if (controller === '') errs.push(field.required('reportingComponent'))
    for (const msg of isQualifiedName(controller)) errs.push(field.invalid('reportingComponent', controller, msg))
    const instance = strOf(obj, 'reportingInstance')
    if (instance === '') errs.push(field.required('reportingInstance'))
    if (Buffer.byteLength(instance) > reportingInstanceLengthLimit) errs.push(field.invalid('reportingInstance', '', `can have at most ${reportingInstanceLengthLimit} characters`))
    const action = strOf(obj, 'action')
    if (action === '') errs.push(field.required('action'))
    if (Buffer.byteLength(action) > actionLengthLimit) errs.push(field.invalid('action', '', `can have at most ${actionLengthLimit} characters`))
    const reason = strOf(obj, 'reason')
    if (reason === '') errs.push(field.required('reason'))
    if (Buffer.byteLength(reason) > reasonLengthLimit) errs.push(field.invalid('reason', '', `can have at most ${reasonLengthLimit} characters`))
    if (Buffer.byteLength(strOf(obj, 'message')) > noteLengthLimit) errs.push(field.invalid('message', '', `can have at most ${noteLengthLimit} characters`))
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(field.invalid('namespace', namespace, msg))
  return errs
}

/** printEvent's timestamps: last seen falls back to first seen, which falls back to eventTime. */
function firstSeen(o: KubeObject, now: Date): string {
  return isSet(o['firstTimestamp']) ? timestampSince(o['firstTimestamp'], now) : timestampSince(o['eventTime'], now)
}

function lastSeen(o: KubeObject, now: Date): string {
  const series = o['series']
  if (isObj(series)) return timestampSince(series['lastObservedTime'], now)
  return isSet(o['lastTimestamp']) ? timestampSince(o['lastTimestamp'], now) : firstSeen(o, now)
}

function eventCount(o: KubeObject): number {
  const series = o['series']
  if (isObj(series)) return typeof series['count'] === 'number' ? series['count'] : 0
  // Singleton events of the new API carry no count.
  return typeof o['count'] === 'number' && o['count'] !== 0 ? o['count'] : 1
}

/** formatEventSource: component (or reporting controller), then host (or reporting instance). */
function eventSource(o: KubeObject): string {
  const source = mapOf(o, 'source')
  const component = strOf(source, 'component') || strOf(o, 'reportingComponent')
  const instance = strOf(source, 'host') || strOf(o, 'reportingInstance')
  return instance === '' ? component : `${component}, ${instance}`
}

function eventObject(o: KubeObject): string {
  const io = involved(o)
  const kind = strOf(io, 'kind').toLowerCase()
  const name = strOf(io, 'name')
  return name !== '' ? `${kind}/${name}` : kind
}

export const events: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  listKind: 'EventList',
  namespaced: true,
  shortNames: ['ev'],
  schema: { model: 'CoreV1Event' },
  // rest.BeforeCreate checks event names only as path segments; Validate never looks at them.
  nameValidation: 'path-segment',
  tableColumns: [
    { name: 'Last Seen', type: 'string', description: 'The time at which the most recent occurrence of this event was recorded.', cell: (o, now) => lastSeen(o, now) },
    { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future', cell: (o) => strOf(o, 'type') },
    {
      name: 'Reason',
      type: 'string',
      description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      cell: (o) => strOf(o, 'reason'),
    },
    { name: 'Object', type: 'string', description: 'The object that this event is about.', cell: (o) => eventObject(o) },
    {
      name: 'Subobject',
      type: 'string',
      priority: 1,
      description:
        'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
      cell: (o) => strOf(involved(o), 'fieldPath'),
    },
    { name: 'Source', type: 'string', priority: 1, description: 'The component reporting this event. Should be a short machine understandable string.', cell: (o) => eventSource(o) },
    { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.', cell: (o) => strOf(o, 'message').trim() },
    { name: 'First Seen', type: 'string', priority: 1, description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', cell: (o, now) => firstSeen(o, now) },
    { name: 'Count', type: 'string', priority: 1, description: 'The number of times this event has occurred.', cell: (o) => eventCount(o) },
    // kube's event printer has Name last and wide-only.
    { ...tableNameColumn, priority: 1 },
  ],
  selectableFields: {
    'involvedObject.kind': (o) => strOf(involved(o), 'kind'),
    'involvedObject.namespace': (o) => strOf(involved(o), 'namespace'),
    'involvedObject.name': (o) => strOf(involved(o), 'name'),
    'involvedObject.uid': (o) => strOf(involved(o), 'uid'),
    'involvedObject.apiVersion': (o) => strOf(involved(o), 'apiVersion'),
    'involvedObject.resourceVersion': (o) => strOf(involved(o), 'resourceVersion'),
    'involvedObject.fieldPath': (o) => strOf(involved(o), 'fieldPath'),
    reason: (o) => strOf(o, 'reason'),
    // The core/v1 name of reportingController.
    reportingComponent: (o) => strOf(o, 'reportingComponent'),
    source: (o) => strOf(mapOf(o, 'source'), 'component') || strOf(o, 'reportingComponent'),
    type: (o) => strOf(o, 'type'),
  },
  strategy: {
    allowCreateOnUpdate: true,
    applyDefaults: defaultEvent,
    validate: (_ctx, obj) => validateEvent(obj),
    validateUpdate: (_ctx, obj) => validateEvent(obj),
  },
}
