/**
 * @module routers/kube/core/serviceaccounts
 * core/v1 ServiceAccount (pkg/registry/core/serviceaccount): secret references keep only their
 * name, the deprecated enforce-mountable-secrets annotation draws a warning when it is added, and
 * DELETE answers with the object. The token subresource is not served.
 */
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn } from './helpers.js'
import { isObj, listOf } from '../json.js'

const enforceMountableSecretsAnnotation = 'kubernetes.io/enforce-mountable-secrets'

/** cleanSecretReferences: a reference to a Secret in the same namespace needs nothing but the name. */
function cleanSecretReferences(obj: KubeObject): void {
  const secrets = obj['secrets']
  if (!Array.isArray(secrets)) return
  obj['secrets'] = secrets.map((ref) => (isObj(ref) && typeof ref['name'] === 'string' && ref['name'] !== '' ? { name: ref['name'] } : {}))
}

function hasEnforceAnnotation(obj: KubeObject | undefined): boolean {
  return obj?.metadata.annotations?.[enforceMountableSecretsAnnotation] !== undefined
}

/** warnIfHasEnforceMountableSecretsAnnotation: only when this write adds the annotation. */
function enforceAnnotationWarnings(obj: KubeObject, old?: KubeObject): string[] {
  if (hasEnforceAnnotation(old) || !hasEnforceAnnotation(obj)) return []
  return [`metadata.annotations[${enforceMountableSecretsAnnotation}]: deprecated in v1.32+; prefer separate namespaces to isolate access to mounted secrets`]
}

export const serviceaccounts: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  namespaced: true,
  shortNames: ['sa'],
  schema: { model: 'V1ServiceAccount' },
  tableColumns: [
    {
      name: 'Secrets',
      type: 'string',
      description:
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
      cell: (o) => listOf(o, 'secrets').length,
    },
    ageColumn,
  ],
  strategy: {
    returnDeletedObject: true,
    prepareForCreate: (_ctx, obj) => cleanSecretReferences(obj),
    warningsOnCreate: (_ctx, obj) => enforceAnnotationWarnings(obj),
    prepareForUpdate: (_ctx, obj) => cleanSecretReferences(obj),
    warningsOnUpdate: (_ctx, obj, old) => enforceAnnotationWarnings(obj, old),
  },
}
