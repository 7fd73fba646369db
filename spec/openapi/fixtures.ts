/**
 * @module spec/openapi/fixtures
 * Small ResourceDefinitions for the OpenAPI specs: the shapes the real routers declare, without
 * their strategies, so these specs depend on nothing but the declaration type.
 */
import type { ResourceDefinition } from '../../lib/registry/resource.js'

export const configmaps: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  namespaced: true,
  schema: { model: 'V1ConfigMap' },
  strategy: {},
}

export const namespaces: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  namespaced: false,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status', 'finalize'],
  schema: { model: 'V1Namespace' },
  strategy: {},
}

export const deployments: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  namespaced: true,
  subresources: ['status', 'scale'],
  patchTypes: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'],
  schema: { model: 'V1Deployment' },
  strategy: {},
}

/** A custom resource: a structural schema instead of a client-node model. */
export const crontabs: ResourceDefinition = {
  group: 'stable.example.com',
  version: 'v1',
  resource: 'crontabs',
  singular: 'crontab',
  kind: 'CronTab',
  listKind: 'CronTabList',
  namespaced: true,
  schema: {
    openAPIV3Schema: {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          description: 'The desired schedule.',
          properties: { cronSpec: { type: 'string', description: 'A cron expression.' }, replicas: { type: 'integer' } },
          required: ['cronSpec'],
        },
      },
    },
  },
  strategy: {},
}
