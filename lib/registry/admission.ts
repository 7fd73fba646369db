/**
 * @module lib/registry/admission
 * Admission hooks the Store calls after its own validation and before it writes, the place of
 * kube-apiserver's admission chain (NamespaceLifecycle now; webhooks and quota later).
 */
import type { KubeObject } from '../api/types.js'
import type { ResourceDefinition } from './resource.js'
import type { RequestContext } from './strategy.js'

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE'

export interface AdmissionAttributes {
  operation: AdmissionOperation
  resource: ResourceDefinition
  namespace: string
  name: string
  object?: KubeObject
  oldObject?: KubeObject
  ctx: RequestContext
}

/** Throws a StatusError to refuse the request. */
export interface AdmissionPlugin {
  name: string
  admit(attrs: AdmissionAttributes): void | Promise<void>
}
