/**
 * @module routers/kube/misc/event-conversion
 * events.k8s.io/v1 Event <-> core/v1 Event, the storage version (pkg/apis/events/v1/conversion.go):
 * regarding is involvedObject, note is message, reportingController is reportingComponent, and the
 * legacy source, first/last timestamps and count are the deprecated* fields. Each side writes the
 * fields its Go struct always serializes (structs and non-omitempty strings), so a new-style event
 * read as core/v1 looks as on a real cluster, and the other way round.
 */
import type { KubeObject } from '../../../lib/api/types.js'

/** Fields both versions spell alike. */
const common = ['eventTime', 'series', 'action', 'reason', 'related', 'type', 'reportingInstance']

function set(v: unknown): boolean {
  return v !== undefined && v !== null && v !== ''
}

/** core/v1 (stored) to events.k8s.io/v1 (served). */
export function coreEventToEventsV1(obj: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: structuredClone(obj.metadata) }
  // MicroTime is a struct: a zero eventTime is written as null.
  out['eventTime'] = obj['eventTime'] ?? null
  for (const k of common) if (k !== 'eventTime' && set(obj[k])) out[k] = structuredClone(obj[k])
  if (set(obj['reportingComponent'])) out['reportingController'] = obj['reportingComponent']
  out['regarding'] = structuredClone(obj['involvedObject'] ?? {})
  if (set(obj['message'])) out['note'] = obj['message']
  out['deprecatedSource'] = structuredClone(obj['source'] ?? {})
  out['deprecatedFirstTimestamp'] = obj['firstTimestamp'] ?? null
  out['deprecatedLastTimestamp'] = obj['lastTimestamp'] ?? null
  if (typeof obj['count'] === 'number' && obj['count'] !== 0) out['deprecatedCount'] = obj['count']
  return out
}

/** events.k8s.io/v1 (served) to core/v1 (stored), with core's always-written fields. */
export function eventsV1ToCoreEvent(obj: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'v1', kind: 'Event', metadata: structuredClone(obj.metadata) }
  out['involvedObject'] = structuredClone(obj['regarding'] ?? {})
  if (set(obj['reason'])) out['reason'] = obj['reason']
  if (set(obj['note'])) out['message'] = obj['note']
  out['source'] = structuredClone(obj['deprecatedSource'] ?? {})
  out['firstTimestamp'] = obj['deprecatedFirstTimestamp'] ?? null
  out['lastTimestamp'] = obj['deprecatedLastTimestamp'] ?? null
  if (typeof obj['deprecatedCount'] === 'number' && obj['deprecatedCount'] !== 0) out['count'] = obj['deprecatedCount']
  for (const k of common) if (k !== 'reason' && set(obj[k])) out[k] = structuredClone(obj[k])
  out['eventTime'] = obj['eventTime'] ?? null
  out['reportingComponent'] = typeof obj['reportingController'] === 'string' ? obj['reportingController'] : ''
  out['reportingInstance'] = typeof obj['reportingInstance'] === 'string' ? obj['reportingInstance'] : ''
  return out
}
