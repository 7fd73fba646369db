/**
 * @module routers/kube/admissionregistration
 * The admissionregistration.k8s.io/v1 group: Validating- and MutatingWebhookConfigurations as
 * plain declarations. They are stored and validated here; calling the webhooks comes later.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { mutatingwebhookconfigurations } from './mutatingwebhookconfigurations.js'
import { validatingwebhookconfigurations } from './validatingwebhookconfigurations.js'

export { mutatingwebhookconfigurations, validatingwebhookconfigurations }

/** The admissionregistration.k8s.io/v1 resources, in discovery order. */
export const admissionRegistrationResources: readonly ResourceDefinition[] = [mutatingwebhookconfigurations, validatingwebhookconfigurations]
