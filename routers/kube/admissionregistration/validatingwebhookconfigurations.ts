/**
 * @module routers/kube/admissionregistration/validatingwebhookconfigurations
 * admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration
 * (pkg/registry/admissionregistration/validatingwebhookconfiguration): cluster-scoped, defaulted
 * and validated per webhook, generation bumped on any webhook change. Stored only: no webhook is
 * called yet.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn } from '../core/helpers.js'
import { admissionRegistrationGroup, canonicalizeWebhooks, createOptions, defaultWebhooks, updateOptions, validateWebhookConfiguration, webhooksChanged, webhooksColumn } from './webhooks.js'

export const validatingwebhookconfigurations: ResourceDefinition = {
  group: admissionRegistrationGroup,
  version: 'v1',
  resource: 'validatingwebhookconfigurations',
  singular: 'validatingwebhookconfiguration',
  kind: 'ValidatingWebhookConfiguration',
  listKind: 'ValidatingWebhookConfigurationList',
  namespaced: false,
  categories: ['api-extensions'],
  schema: { model: 'V1ValidatingWebhookConfiguration' },
  tableColumns: [webhooksColumn, ageColumn],
  strategy: {
    applyDefaults: (obj) => defaultWebhooks(obj, 'validating'),
    validate: (_ctx, obj) => validateWebhookConfiguration(obj, 'validating', createOptions),
    validateUpdate: (_ctx, obj, old) => validateWebhookConfiguration(obj, 'validating', updateOptions(obj, old)),
    canonicalize: (obj) => canonicalizeWebhooks(obj, 'validating'),
    generationChanged: webhooksChanged,
  },
}
