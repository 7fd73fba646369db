/**
 * @module routers/kube/bootstrap/rbac-policy
 * The default ClusterRoles and ClusterRoleBindings kube-apiserver's "rbac/bootstrap-roles"
 * post-start hook writes (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go): the
 * user-facing roles (cluster-admin, admin, edit, view, filled by aggregation from the
 * system:aggregate-to-* roles) and the discovery, basic-user and public-info roles with their
 * bindings. Controller- and node-specific roles are left out: no such components run here.
 */
import type { KubeObject } from '../../../lib/api/types.js'

type Rule = Record<string, string[]>

const rw = ['create', 'delete', 'deletecollection', 'patch', 'update']
const read = ['get', 'list', 'watch']

/** addDefaultMetadata: every bootstrap object is labelled and marked for auto-update. */
function meta(name: string, labels: Record<string, string> = {}): KubeObject['metadata'] {
  return {
    name,
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  }
}

function role(name: string, rules: Rule[] | null, extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): KubeObject {
  // Rules before aggregationRule, the field order Go writes; aggregated roles start empty and the
  // clusterrole-aggregation controller fills them.
  const obj: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(name, extra.labels), rules: rules ?? [] }
  if (extra.aggregateFrom) obj['aggregationRule'] = { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${extra.aggregateFrom}`]: 'true' } }] }
  return obj
}

const r = (apiGroups: string[], resources: string[], verbs: string[]): Rule => ({ apiGroups, resources, verbs })

export const bootstrapClusterRoles: readonly KubeObject[] = [
  role('cluster-admin', [r(['*'], ['*'], ['*']), { nonResourceURLs: ['*'], verbs: ['*'] }]),
  role('admin', null, { aggregateFrom: 'admin' }),
  role('edit', null, { aggregateFrom: 'edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }),
  role('view', null, { aggregateFrom: 'view', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }),
  role(
    'system:aggregate-to-admin',
    [r(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']), r(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'])],
    { labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
  ),
  role(
    'system:aggregate-to-edit',
    [
      r([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], read),
      r([''], ['serviceaccounts'], ['impersonate']),
      r([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], rw),
      r([''], ['pods/eviction'], ['create']),
      r([''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'], rw),
      r([''], ['serviceaccounts/token'], ['create']),
      r(['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], rw),
      r(['autoscaling'], ['horizontalpodautoscalers'], rw),
      r(['batch'], ['cronjobs', 'jobs'], rw),
      r(['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale'], rw),
      r(['policy'], ['poddisruptionbudgets'], rw),
      r(['networking.k8s.io'], ['ingresses', 'networkpolicies'], rw),
      r(['coordination.k8s.io'], ['leases'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
    ],
    { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
  ),
  role(
    'system:aggregate-to-view',
    [
      r([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'], read),
      r([''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'], read),
      r([''], ['namespaces'], read),
      r(['discovery.k8s.io'], ['endpointslices'], read),
      r(['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], read),
      r(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], read),
      r(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], read),
      r(['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale'], read),
      r(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], read),
      r(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], read),
    ],
    { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
  ),
  role('system:auth-delegator', [r(['authentication.k8s.io'], ['tokenreviews'], ['create']), r(['authorization.k8s.io'], ['subjectaccessreviews'], ['create'])]),
  role('system:basic-user', [r(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']), r(['authentication.k8s.io'], ['selfsubjectreviews'], ['create'])]),
  role('system:discovery', [
    { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] },
  ]),
  role('system:monitoring', [{ nonResourceURLs: ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'], verbs: ['get'] }]),
  role('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
  role('system:service-account-issuer-discovery', [{ nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] }]),
]

function binding(name: string, subjects: [kind: 'Group' | 'User', name: string][]): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: subjects.map(([kind, n]) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name: n })),
  }
}

export const bootstrapClusterRoleBindings: readonly KubeObject[] = [
  binding('cluster-admin', [['Group', 'system:masters']]),
  binding('system:basic-user', [['Group', 'system:authenticated']]),
  binding('system:discovery', [['Group', 'system:authenticated']]),
  binding('system:monitoring', [['Group', 'system:monitoring']]),
  binding('system:public-info-viewer', [['Group', 'system:authenticated'], ['Group', 'system:unauthenticated']]),
  binding('system:service-account-issuer-discovery', [['Group', 'system:serviceaccounts']]),
]

/** The system priority classes the "scheduling/bootstrap-system-priority-classes" hook writes. */
export const bootstrapPriorityClasses: readonly KubeObject[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: 2000001000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: 2000000000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
]
