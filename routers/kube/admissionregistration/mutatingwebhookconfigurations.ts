/**
 * @module routers/kube/admissionregistration/mutatingwebhookconfigurations
 * admissionregistration.k8s.io/v1 MutatingWebhookConfiguration
 * (pkg/registry/admissionregistration/mutatingwebhookconfiguration): like the validating kind
 * plus reinvocationPolicy. Stored only: no webhook is called yet.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn } from '../core/helpers.js'
import { admissionRegistrationGroup, canonicalizeWebhooks, createOptions, defaultWebhooks, updateOptions, validateWebhookConfiguration, webhooksChanged, webhooksColumn } from './webhooks.js'

export const mutatingwebhookconfigurations: ResourceDefinition = {
  group: admissionRegistrationGroup,
  version: 'v1',
  resource: 'mutatingwebhookconfigurations',
  singular: 'mutatingwebhookconfiguration',
  kind: 'MutatingWebhookConfiguration',
  listKind: 'MutatingWebhookConfigurationList',
  namespaced: false,
  categories: ['api-extensions'],
  schema: { model: 'V1MutatingWebhookConfiguration' },
  tableColumns: [webhooksColumn, ageColumn],
  strategy: {
    applyDefaults: (obj) => defaultWebhooks(obj, 'mutating'),
    validate: (_ctx, obj) => validateWebhookConfiguration(obj, 'mutating', createOptions),
    validateUpdate: (_ctx, obj, old) => validateWebhookConfiguration(obj, 'mutating', updateOptions(obj, old)),
    canonicalize: (obj) => canonicalizeWebhooks(obj, 'mutating'),
    generationChanged: webhooksChanged,
  },
}
