/**
 * @module routers/kube/networking
 * The networking.k8s.io/v1 group (pkg/registry/networking): Ingresses, IngressClasses and
 * NetworkPolicies with their defaults, the checks users most often hit, and kubectl's columns.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { ageColumn, formatLabelSelector, invalidGo, keepSpec, keepStatus, semanticEqual } from '../apps/workload.js'
import { objsOf } from '../json.js'
import { isObj, objOf, specOf, statusOf, str } from '../json.js'

const maps = objsOf

/** listWithMoreString over at most three items. */
function listWithMore(list: string[]): string {
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',')
}

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix']

/** ValidateIngressSpec: a default backend or rules, and each path's pathType and backend. */
function validateIngress(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs: FieldError[] = []
  const rules = maps(spec['rules'])
  if (!isObj(spec['defaultBackend']) && rules.length === 0) {
    errs.push(invalidGo('spec.rules', spec['rules'] ?? null, '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'))
  }
  rules.forEach((rule, i) => {
    maps(objOf(rule['http'])['paths']).forEach((path, j) => {
      const p = `spec.rules[${i}].http.paths[${j}]`
      const pathType = path['pathType']
      if (pathType === undefined || pathType === null || pathType === '') errs.push(field.required(`${p}.pathType`, 'pathType must be specified'))
      else if (!pathTypes.includes(str(pathType))) errs.push(field.notSupported(`${p}.pathType`, pathType, pathTypes))
      const backend = objOf(path['backend'])
      if (isObj(backend['service']) && isObj(backend['resource'])) errs.push(field.invalid(`${p}.backend`, backend, 'cannot set both resource and service backends'))
      else if (!isObj(backend['service']) && !isObj(backend['resource'])) errs.push(field.invalid(`${p}.backend`, backend, 'resource or service backend is required'))
    })
  })
  return errs
}

export const ingresses: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'ingresses',
  singular: 'ingress',
  kind: 'Ingress',
  listKind: 'IngressList',
  namespaced: true,
  shortNames: ['ing'],
  subresources: ['status'],
  schema: { model: 'V1Ingress' },
  tableColumns: [
    { name: 'Class', type: 'string', description: 'The name of the IngressClass resource that should be used for additional configuration', cell: (o) => str(specOf(o)['ingressClassName']) || '<none>' },
    {
      name: 'Hosts',
      type: 'string',
      description: 'Hosts that incoming requests are matched against before the ingress rule',
      cell: (o) => listWithMore(maps(specOf(o)['rules']).map((r) => str(r['host'])).filter((h) => h !== '')) || '*',
    },
    {
      name: 'Address',
      type: 'string',
      description: 'Address is a list containing ingress points for the load-balancer',
      cell: (o) => maps(objOf(statusOf(o)['loadBalancer'])['ingress']).map((i) => str(i['ip']) || str(i['hostname'])).filter((a) => a !== '').join(','),
    },
    { name: 'Ports', type: 'string', description: 'Ports of TLS configurations that open', cell: (o) => (maps(specOf(o)['tls']).length > 0 ? '80, 443' : '80') },
    ageColumn,
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    validate: (_ctx, obj) => validateIngress(obj),
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj) => validateIngress(obj),
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}

/** ValidateIngressClass: a controller that is a domain-prefixed path, immutable once set. */
function validateIngressClass(obj: KubeObject): FieldError[] {
  const controller = str(specOf(obj)['controller'])
  if (!controller) return [field.required('spec.controller')]
  if (controller.length > 250) return [field.tooLong('spec.controller', 250)]
  return []
}

export const ingressclasses: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'ingressclasses',
  singular: 'ingressclass',
  kind: 'IngressClass',
  listKind: 'IngressClassList',
  namespaced: false,
  schema: { model: 'V1IngressClass' },
  tableColumns: [
    { name: 'Controller', type: 'string', description: 'Controller that is responsible for handling this class', cell: (o) => str(specOf(o)['controller']) },
    {
      name: 'Parameters',
      type: 'string',
      description: 'A reference to a resource with additional parameters',
      cell: (o) => {
        const p = specOf(o)['parameters']
        if (!isObj(p)) return '<none>'
        const group = str(p['apiGroup'])
        return group ? `${str(p['kind'])}.${group}/${str(p['name'])}` : `${str(p['kind'])}/${str(p['name'])}`
      },
    },
    ageColumn,
  ],
  strategy: {
    // SetDefaults_IngressClass: parameters without a scope are cluster-scoped.
    applyDefaults(obj) {
      const p = specOf(obj)['parameters']
      if (isObj(p) && (p['scope'] === undefined || p['scope'] === null)) p['scope'] = 'Cluster'
    },
    validate: (_ctx, obj) => validateIngressClass(obj),
    validateUpdate: (_ctx, obj, old) => {
      const errs = validateIngressClass(obj)
      const controller = specOf(obj)['controller']
      if (controller !== specOf(old)['controller']) errs.push(field.invalid('spec.controller', controller, 'field is immutable'))
      return errs
    },
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}

/** SetDefaults_NetworkPolicy and its ports' protocol. */
function applyNetworkPolicyDefaults(obj: KubeObject): void {
  const spec = obj['spec']
  if (!isObj(spec)) return
  for (const key of ['ingress', 'egress']) {
    for (const rule of maps(spec[key])) for (const port of maps(rule['ports'])) if (!port['protocol']) port['protocol'] = 'TCP'
  }
  if (!Array.isArray(spec['policyTypes']) || spec['policyTypes'].length === 0) {
    spec['policyTypes'] = maps(spec['egress']).length > 0 ? ['Ingress', 'Egress'] : ['Ingress']
  }
}

const policyTypes = ['Ingress', 'Egress']

function validateNetworkPolicy(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = []
  const types = specOf(obj)['policyTypes']
  if (Array.isArray(types)) {
    types.forEach((t, i) => {
      if (!policyTypes.includes(t as string)) errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, policyTypes))
    })
    if (types.length > 2) errs.push(field.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'))
  }
  return errs
}

export const networkpolicies: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'networkpolicies',
  singular: 'networkpolicy',
  kind: 'NetworkPolicy',
  listKind: 'NetworkPolicyList',
  namespaced: true,
  shortNames: ['netpol'],
  schema: { model: 'V1NetworkPolicy' },
  tableColumns: [
    { name: 'Pod-Selector', type: 'string', description: 'podSelector selects the pods to which this NetworkPolicy object applies.', cell: (o) => formatLabelSelector(specOf(o)['podSelector'] ?? {}) },
    ageColumn,
  ],
  strategy: {
    applyDefaults: applyNetworkPolicyDefaults,
    validate: (_ctx, obj) => validateNetworkPolicy(obj),
    validateUpdate: (_ctx, obj) => validateNetworkPolicy(obj),
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}

/** The networking.k8s.io/v1 resources. */
export const networkingResources: readonly ResourceDefinition[] = [ingressclasses, ingresses, networkpolicies]
