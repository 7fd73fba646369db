/**
 * @module routers/kube/storage-layout
 * Where kube-apiserver keeps each built-in resource in etcd: /registry/<resource> whatever the
 * group, with a few historical names (test/integration/etcd/data.go lists them). Custom resources
 * and the aggregator's APIServices keep the Store's default, /registry/<group>/<resource>, which is
 * also kube's layout for them.
 */
import type { ResourceDefinition } from '../../lib/registry/resource.js'

/** Resources whose etcd path is not their name. */
const historicalPrefixes: Readonly<Record<string, string>> = {
  'services': 'services/specs',
  'endpoints': 'services/endpoints',
  'nodes': 'minions',
  'replicationcontrollers': 'controllers',
  'networking.k8s.io/ingresses': 'ingress',
}

export function withKubeStorageLayout(def: ResourceDefinition): ResourceDefinition {
  if (def.storagePrefix !== undefined) return def
  const name = historicalPrefixes[def.group === '' ? def.resource : `${def.group}/${def.resource}`] ?? def.resource
  return { ...def, storagePrefix: `/registry/${name}` }
}
