/**
 * @module spec/openapi/models.spec
 * client-node model classes → OpenAPI component schemas: Kubernetes definition names, types,
 * required fields and descriptions from the .d.ts files, and the patch metadata table.
 */
import { expect } from 'chai'
import { ModelSchemaCollector, customSchemaName, groupPackage, schemaName } from '../../openapi/models.js'
import type { OpenAPISchema } from '../../openapi/models.js'
import { patchMetadata } from '../../openapi/patch-metadata.js'
import * as k8s from '@kubernetes/client-node'

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1'

function property(schema: OpenAPISchema | undefined, name: string): OpenAPISchema {
  const props = schema?.properties as Record<string, OpenAPISchema> | undefined
  const p = props?.[name]
  expect(p, `property ${name}`).to.be.an('object')
  return p as OpenAPISchema
}

describe('openapi/models', () => {
  describe('schemaName', () => {
    const cases: Array<[string, string, string]> = [
      ['V1ConfigMap', '', 'io.k8s.api.core.v1.ConfigMap'],
      ['V1ObjectMeta', 'apps', `${meta}.ObjectMeta`],
      ['V1Deployment', 'apps', 'io.k8s.api.apps.v1.Deployment'],
      ['V1PodTemplateSpec', 'apps', 'io.k8s.api.core.v1.PodTemplateSpec'],
      ['V1Role', 'rbac.authorization.k8s.io', 'io.k8s.api.rbac.v1.Role'],
      ['V2HorizontalPodAutoscaler', 'autoscaling', 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'],
      ['V1CustomResourceDefinition', 'apiextensions.k8s.io', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition'],
      ['V1APIService', 'apiregistration.k8s.io', 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService'],
      ['V1alpha1StorageVersion', 'internal.apiserver.k8s.io', 'io.k8s.api.apiserverinternal.v1alpha1.StorageVersion'],
      ['V1Scale', 'apps', 'io.k8s.api.autoscaling.v1.Scale'],
      ['CoreV1Event', '', 'io.k8s.api.core.v1.Event'],
      ['EventsV1Event', 'events.k8s.io', 'io.k8s.api.events.v1.Event'],
      ['ApiextensionsV1WebhookClientConfig', 'apiextensions.k8s.io', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.WebhookClientConfig'],
    ]
    for (const [model, group, want] of cases) {
      it(`${model} in "${group}" is ${want}`, () => {
        expect(schemaName(model, group)).to.equal(want)
      })
    }

    it('names CRD schemas in reverse-DNS form like kube-apiserver', () => {
      expect(customSchemaName('stable.example.com', 'v1', 'CronTab')).to.equal('com.example.stable.v1.CronTab')
      expect(groupPackage('')).to.equal('io.k8s.api.core')
    })
  })

  describe('ModelSchemaCollector', () => {
    const c = new ModelSchemaCollector()
    const configMap = c.add('V1ConfigMap')
    const deployment = c.add('V1Deployment', 'apps')
    const pod = c.add('V1Pod')

    it('collects the whole closure under Kubernetes names', () => {
      expect(configMap).to.equal('io.k8s.api.core.v1.ConfigMap')
      expect(deployment).to.equal('io.k8s.api.apps.v1.Deployment')
      expect(pod).to.equal('io.k8s.api.core.v1.Pod')
      expect(c.schemas).to.include.keys(
        `${meta}.ObjectMeta`,
        `${meta}.OwnerReference`,
        `${meta}.ManagedFieldsEntry`,
        `${meta}.LabelSelector`,
        'io.k8s.api.apps.v1.DeploymentSpec',
        'io.k8s.api.core.v1.PodTemplateSpec',
        'io.k8s.api.core.v1.Container',
        'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
        'io.k8s.apimachinery.pkg.api.resource.Quantity',
      )
      // Nothing core ended up under apps, nothing apps under core.
      expect(Object.keys(c.schemas).filter((n) => n.startsWith('io.k8s.api.apps.v1.'))).to.have.members([
        'io.k8s.api.apps.v1.Deployment',
        'io.k8s.api.apps.v1.DeploymentSpec',
        'io.k8s.api.apps.v1.DeploymentStatus',
        'io.k8s.api.apps.v1.DeploymentCondition',
        'io.k8s.api.apps.v1.DeploymentStrategy',
        'io.k8s.api.apps.v1.RollingUpdateDeployment',
      ])
    })

    it('maps client-node types to OpenAPI types', () => {
      const cm = c.schemas[configMap]
      expect(cm?.type).to.equal('object')
      expect(property(cm, 'data')).to.deep.include({ type: 'object', additionalProperties: { type: 'string' } })
      expect(property(cm, 'binaryData')).to.deep.include({ type: 'object', additionalProperties: { type: 'string', format: 'byte' } })
      expect(property(cm, 'immutable')).to.include({ type: 'boolean' })
      expect(property(cm, 'metadata')).to.deep.equal({
        allOf: [{ $ref: `#/components/schemas/${meta}.ObjectMeta` }],
        description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      })
      const om = c.schemas[`${meta}.ObjectMeta`]
      expect(property(om, 'creationTimestamp')).to.include({ type: 'string', format: 'date-time' })
      expect(property(om, 'generation')).to.include({ type: 'integer', format: 'int64' })
      expect(property(om, 'finalizers')).to.deep.include({ type: 'array', items: { type: 'string' } })
      const spec = c.schemas['io.k8s.api.apps.v1.DeploymentSpec']
      expect(property(spec, 'replicas')).to.include({ type: 'integer', format: 'int32' })
      // A described reference is wrapped in allOf ($ref siblings are ignored in OpenAPI 3.0); client-node
      // has no text for plain reference fields, so the referenced type's description stands in.
      expect(property(spec, 'template')).to.deep.equal({
        allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }],
        description: 'PodTemplateSpec describes the data a pod should have when created from a template',
      })
      expect(property(spec, 'revisionHistoryLimit').description).to.match(/^The number of old ReplicaSets to retain/)
    })

    it('references IntOrString and Quantity and marks them int-or-string', () => {
      const rolling = c.schemas['io.k8s.api.apps.v1.RollingUpdateDeployment']
      expect(property(rolling, 'maxSurge')).to.deep.equal({ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' })
      expect(c.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).to.include({ format: 'int-or-string', 'x-kubernetes-int-or-string': true })
      const limits = property(c.schemas['io.k8s.api.core.v1.ResourceRequirements'], 'limits')
      expect(limits.additionalProperties).to.deep.equal({ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' })
      expect(c.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']).to.include({ 'x-kubernetes-int-or-string': true })
    })

    it('takes required fields and descriptions from the .d.ts', () => {
      const container = c.schemas['io.k8s.api.core.v1.Container']
      expect(container?.required).to.deep.equal(['name'])
      expect(c.schemas[`${meta}.OwnerReference`]?.required).to.have.members(['apiVersion', 'kind', 'name', 'uid'])
      expect(c.schemas[configMap]?.required).to.equal(undefined)
      expect(c.schemas[configMap]?.description).to.equal('ConfigMap holds configuration data for pods to consume.')
      // \' in the .d.ts is unescaped.
      expect(property(c.schemas[configMap], 'data').description).to.contain("alphanumeric characters, '-', '_' or '.'")
    })

    it('adds the patch metadata of ObjectMeta like the real OpenAPI', () => {
      const om = c.schemas[`${meta}.ObjectMeta`]
      expect(property(om, 'ownerReferences')).to.include({
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      })
      expect(property(om, 'ownerReferences')['x-kubernetes-list-map-keys']).to.deep.equal(['uid'])
      expect(property(om, 'finalizers')).to.include({ 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' })
      expect(property(om, 'managedFields')).to.include({ 'x-kubernetes-list-type': 'atomic' })
      expect(c.schemas[`${meta}.OwnerReference`]).to.include({ 'x-kubernetes-map-type': 'atomic' })
    })

    it('adds merge keys to PodSpec lists and Container ports', () => {
      const podSpec = c.schemas['io.k8s.api.core.v1.PodSpec']
      expect(property(podSpec, 'containers')).to.include({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' })
      expect(property(podSpec, 'volumes')).to.include({ 'x-kubernetes-patch-strategy': 'merge,retainKeys' })
      expect(property(c.schemas['io.k8s.api.core.v1.Container'], 'ports')['x-kubernetes-list-map-keys']).to.deep.equal(['containerPort', 'protocol'])
      expect(property(c.schemas['io.k8s.api.apps.v1.DeploymentSpec'], 'strategy')).to.include({ 'x-kubernetes-patch-strategy': 'retainKeys' })
    })

    it('fails on a model client-node does not have', () => {
      expect(() => new ModelSchemaCollector().add('V1NoSuchThing')).to.throw(TypeError, /V1NoSuchThing/)
    })
  })

  describe('patch-metadata', () => {
    it('only names client-node classes and their real properties', () => {
      const exported = k8s as unknown as Record<string, { getAttributeTypeMap?: () => Array<{ baseName: string }> }>
      for (const [model, row] of Object.entries(patchMetadata)) {
        const cls = exported[model]
        expect(cls?.getAttributeTypeMap, model).to.be.a('function')
        const names = cls!.getAttributeTypeMap!().map((a) => a.baseName)
        for (const prop of Object.keys(row.properties ?? {})) expect(names, `${model}.${prop}`).to.include(prop)
      }
    })
  })
})
