/**
 * @module spec/openapi/document.spec
 * OpenAPIRegistry: the v3 documents per group-version (paths, operations, the PATCH facts kubectl
 * checks, component schemas with GVKs), the index and its hashes as resources come and go, and the
 * merged Swagger 2.0 document.
 */
import { expect } from 'chai'
import { OpenAPIRegistry, groupVersionPath } from '../../openapi/document.js'
import type { OpenAPIObject, OpenAPIV3Document } from '../../openapi/document.js'
import { configmaps, crontabs, deployments, namespaces } from './fixtures.js'

type GVK = { group: string; kind: string; version: string }

/**
 * cli-runtime's supportsQueryParamV3 (query_param_verifier_v3.go), the check behind
 * `kubectl apply --validate=strict`: the first PATCH operation carrying the GVK decides.
 */
function supportsQueryParam(doc: OpenAPIV3Document, gvk: GVK, param: string): boolean {
  for (const item of Object.values(doc.paths)) {
    const op = item.patch as OpenAPIObject | undefined
    if (!op) continue
    const ext = op['x-kubernetes-group-version-kind'] as GVK | undefined
    if (ext?.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue
    return ((op.parameters as Array<{ name: string }> | undefined) ?? []).some((p) => p.name === param)
  }
  return false
}

/** kubectl explain's plaintext template: the GVK of a resource from its paths, then the schema carrying it. */
function explainSchemaName(doc: OpenAPIV3Document, prefix: string, resource: string): string | undefined {
  const candidates = [`${prefix}/${resource}`, `${prefix}/${resource}/{name}`, `${prefix}/namespaces/{namespace}/${resource}`, `${prefix}/namespaces/{namespace}/${resource}/{name}`]
  let gvk: GVK | undefined
  for (const path of candidates) {
    const item = doc.paths[path]
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      gvk ??= (item?.[method] as OpenAPIObject | undefined)?.['x-kubernetes-group-version-kind'] as GVK | undefined
    }
  }
  if (!gvk) return undefined
  return Object.entries(doc.components.schemas).find(([, s]) =>
    ((s['x-kubernetes-group-version-kind'] as GVK[] | undefined) ?? []).some((g) => JSON.stringify(g) === JSON.stringify(gvk)),
  )?.[0]
}

function op(doc: OpenAPIV3Document, path: string, method: string): OpenAPIObject {
  const item = doc.paths[path]
  expect(item, `path ${path}`).to.be.an('object')
  const o = item?.[method] as OpenAPIObject | undefined
  expect(o, `${method} ${path}`).to.be.an('object')
  return o as OpenAPIObject
}

function parameterNames(o: OpenAPIObject): string[] {
  return ((o.parameters as Array<{ name: string }> | undefined) ?? []).map((p) => p.name)
}

describe('openapi/document', () => {
  describe('OpenAPIRegistry', () => {
    let registry: OpenAPIRegistry
    let core: OpenAPIV3Document

    beforeEach(() => {
      registry = new OpenAPIRegistry()
      registry.addResource(configmaps)
      registry.addResource(namespaces)
      core = registry.v3Document('api/v1') as OpenAPIV3Document
    })

    it('serves one document per group-version path', () => {
      registry.addResource(deployments)
      expect(registry.groupVersionPaths()).to.deep.equal(['api/v1', 'apis/apps/v1'])
      expect(groupVersionPath('', 'v1')).to.equal('api/v1')
      expect(groupVersionPath('apps', 'v1')).to.equal('apis/apps/v1')
      expect(core.openapi).to.equal('3.0.0')
      expect(core.info).to.deep.equal({ title: 'Kubernetes', version: 'v1.32.0' })
      expect(registry.v3Document('apis/batch/v1')).to.equal(undefined)
    })

    it('has the real path templates for a namespaced resource', () => {
      expect(core.paths).to.include.keys(
        '/api/v1/namespaces/{namespace}/configmaps',
        '/api/v1/namespaces/{namespace}/configmaps/{name}',
        '/api/v1/configmaps',
        '/api/v1/watch/namespaces/{namespace}/configmaps',
        '/api/v1/watch/namespaces/{namespace}/configmaps/{name}',
        '/api/v1/watch/configmaps',
      )
      expect(op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'get').operationId).to.equal('readCoreV1NamespacedConfigMap')
      expect(op(core, '/api/v1/namespaces/{namespace}/configmaps', 'get').operationId).to.equal('listCoreV1NamespacedConfigMap')
      expect(op(core, '/api/v1/namespaces/{namespace}/configmaps', 'post').operationId).to.equal('createCoreV1NamespacedConfigMap')
      expect(op(core, '/api/v1/namespaces/{namespace}/configmaps', 'delete').operationId).to.equal('deleteCoreV1CollectionNamespacedConfigMap')
      expect(op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'put').operationId).to.equal('replaceCoreV1NamespacedConfigMap')
      expect(op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'patch').operationId).to.equal('patchCoreV1NamespacedConfigMap')
      expect(op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'delete').operationId).to.equal('deleteCoreV1NamespacedConfigMap')
      expect(op(core, '/api/v1/configmaps', 'get').operationId).to.equal('listCoreV1ConfigMapForAllNamespaces')
      expect(op(core, '/api/v1/watch/configmaps', 'get').operationId).to.equal('watchCoreV1ConfigMapListForAllNamespaces')
      const actions = (path: string): unknown[] =>
        ['get', 'post', 'put', 'patch', 'delete'].flatMap((m) => (core.paths[path]?.[m] ? [(core.paths[path]?.[m] as OpenAPIObject)['x-kubernetes-action']] : []))
      expect(actions('/api/v1/namespaces/{namespace}/configmaps')).to.deep.equal(['list', 'post', 'deletecollection'])
      expect(actions('/api/v1/namespaces/{namespace}/configmaps/{name}')).to.deep.equal(['get', 'put', 'patch', 'delete'])
      expect(actions('/api/v1/watch/namespaces/{namespace}/configmaps/{name}')).to.deep.equal(['watch'])
      const pathParams = (core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}']?.parameters as Array<{ name: string; in: string }>).map((p) => `${p.in}:${p.name}`)
      expect(pathParams).to.deep.equal(['path:name', 'path:namespace', 'query:pretty'])
    })

    it('documents a cluster-scoped resource without namespace paths and only its verbs and subresources', () => {
      expect(op(core, '/api/v1/namespaces/{name}', 'patch').operationId).to.equal('patchCoreV1Namespace')
      expect(op(core, '/api/v1/namespaces', 'get').operationId).to.equal('listCoreV1Namespace')
      expect(core.paths['/api/v1/namespaces']?.delete, 'no deletecollection verb').to.equal(undefined)
      expect(op(core, '/api/v1/namespaces/{name}/status', 'patch').operationId).to.equal('patchCoreV1NamespaceStatus')
      expect(op(core, '/api/v1/namespaces/{name}/finalize', 'put').operationId).to.equal('replaceCoreV1NamespaceFinalize')
      expect(core.paths['/api/v1/namespaces/{name}/finalize']?.get).to.equal(undefined)
      expect(core.paths).to.include.keys('/api/v1/watch/namespaces', '/api/v1/watch/namespaces/{name}')
    })

    for (const [fixture, path] of [
      [configmaps, '/api/v1/namespaces/{namespace}/configmaps/{name}'],
      [namespaces, '/api/v1/namespaces/{name}'],
    ] as const) {
      it(`gives the ${fixture.kind} PATCH its GVK and an inline fieldValidation parameter`, () => {
        const patch = op(core, path, 'patch')
        expect(patch['x-kubernetes-action']).to.equal('patch')
        expect(patch['x-kubernetes-group-version-kind']).to.deep.equal({ group: '', kind: fixture.kind, version: 'v1' })
        const params = patch.parameters as OpenAPIObject[]
        expect(params).to.deep.include({
          description: (params.find((p) => p.name === 'fieldValidation') as OpenAPIObject).description,
          in: 'query',
          name: 'fieldValidation',
          schema: { type: 'string', uniqueItems: true },
        })
        expect(params.every((p) => !('$ref' in p))).to.equal(true)
        expect(parameterNames(patch)).to.deep.equal(['dryRun', 'fieldManager', 'fieldValidation', 'force'])
        expect(supportsQueryParam(core, { group: '', kind: fixture.kind, version: 'v1' }, 'fieldValidation')).to.equal(true)
      })
    }

    it('puts fieldValidation on POST and PUT too, and dry-run/propagation on DELETE', () => {
      expect(parameterNames(op(core, '/api/v1/namespaces/{namespace}/configmaps', 'post'))).to.deep.equal(['dryRun', 'fieldManager', 'fieldValidation'])
      expect(parameterNames(op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'put'))).to.deep.equal(['dryRun', 'fieldManager', 'fieldValidation'])
      expect(parameterNames(op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'delete'))).to.deep.equal([
        'dryRun',
        'gracePeriodSeconds',
        'orphanDependents',
        'propagationPolicy',
      ])
      expect(parameterNames(op(core, '/api/v1/namespaces/{namespace}/configmaps', 'get'))).to.include.members(['labelSelector', 'fieldSelector', 'limit', 'continue', 'watch', 'resourceVersion'])
    })

    it('lists the patch content types: the defaults, strategic merge only when the definition says so', () => {
      const content = (doc: OpenAPIV3Document, path: string): string[] => Object.keys((op(doc, path, 'patch').requestBody as { content: object }).content)
      expect(content(core, '/api/v1/namespaces/{namespace}/configmaps/{name}')).to.deep.equal([
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ])
      registry.addResource(deployments)
      const apps = registry.v3Document('apis/apps/v1') as OpenAPIV3Document
      expect(content(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}')).to.include('application/strategic-merge-patch+json')
      const patch = op(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch')
      expect(patch.requestBody).to.deep.include({ required: true })
      expect((patch.requestBody as { content: Record<string, unknown> }).content['application/merge-patch+json']).to.deep.equal({
        schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' },
      })
      const custom = new OpenAPIRegistry({ defaultPatchTypes: ['application/merge-patch+json'] })
      custom.addResource(configmaps)
      expect(content(custom.v3Document('api/v1') as OpenAPIV3Document, '/api/v1/namespaces/{namespace}/configmaps/{name}')).to.deep.equal([
        'application/merge-patch+json',
      ])
    })

    it('answers with the kind, its list, Status and WatchEvent', () => {
      const ref = (name: string): object => ({ schema: { $ref: `#/components/schemas/${name}` } })
      const get = op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'get').responses as Record<string, { content?: Record<string, unknown> }>
      expect(get['200']?.content?.['application/json']).to.deep.equal(ref('io.k8s.api.core.v1.ConfigMap'))
      expect(get).to.have.keys('200', '401')
      const list = op(core, '/api/v1/namespaces/{namespace}/configmaps', 'get').responses as Record<string, { content?: Record<string, unknown> }>
      expect(list['200']?.content?.['application/json']).to.deep.equal(ref('io.k8s.api.core.v1.ConfigMapList'))
      expect(list['200']?.content).to.have.property('application/json;stream=watch')
      const del = op(core, '/api/v1/namespaces/{namespace}/configmaps/{name}', 'delete').responses as Record<string, { content?: Record<string, unknown> }>
      expect(del['200']?.content?.['application/json']).to.deep.equal(ref('io.k8s.apimachinery.pkg.apis.meta.v1.Status'))
      const watch = op(core, '/api/v1/watch/configmaps', 'get').responses as Record<string, { content?: Record<string, unknown> }>
      expect(watch['200']?.content?.['application/json']).to.deep.equal(ref('io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent'))
    })

    it('carries every schema reachable from the kinds, with GVKs on the kinds and lists', () => {
      const schemas = core.components.schemas
      expect(schemas).to.include.keys(
        'io.k8s.api.core.v1.ConfigMap',
        'io.k8s.api.core.v1.ConfigMapList',
        'io.k8s.api.core.v1.Namespace',
        'io.k8s.api.core.v1.NamespaceSpec',
        'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
        'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
        'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
        'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
        'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
        'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
      )
      expect(schemas['io.k8s.api.core.v1.ConfigMap']?.['x-kubernetes-group-version-kind']).to.deep.equal([{ group: '', kind: 'ConfigMap', version: 'v1' }])
      expect(schemas['io.k8s.api.core.v1.ConfigMapList']?.['x-kubernetes-group-version-kind']).to.deep.equal([{ group: '', kind: 'ConfigMapList', version: 'v1' }])
      expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Status']?.['x-kubernetes-group-version-kind']).to.deep.equal([{ group: '', kind: 'Status', version: 'v1' }])
      expect(explainSchemaName(core, '/api/v1', 'configmaps')).to.equal('io.k8s.api.core.v1.ConfigMap')
      expect(explainSchemaName(core, '/api/v1', 'namespaces')).to.equal('io.k8s.api.core.v1.Namespace')
      // Every $ref resolves inside the document.
      const json = JSON.stringify(core)
      for (const [, name] of json.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(schemas, name).to.have.property(name as string)
    })

    it('documents a non-core group with the scale subresource in autoscaling/v1', () => {
      registry.addResource(deployments)
      const apps = registry.v3Document('apis/apps/v1') as OpenAPIV3Document
      expect(op(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch').operationId).to.equal('patchAppsV1NamespacedDeployment')
      expect(op(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch').tags).to.deep.equal(['apps_v1'])
      const scale = op(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale', 'patch')
      expect(scale['x-kubernetes-group-version-kind']).to.deep.equal({ group: 'autoscaling', kind: 'Scale', version: 'v1' })
      expect(parameterNames(scale)).to.include('fieldValidation')
      expect(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']?.['x-kubernetes-group-version-kind']).to.deep.equal([
        { group: 'autoscaling', kind: 'Scale', version: 'v1' },
      ])
      expect(explainSchemaName(apps, '/apis/apps/v1', 'deployments')).to.equal('io.k8s.api.apps.v1.Deployment')
      expect(apps.components.schemas).to.include.keys('io.k8s.api.core.v1.PodSpec', 'io.k8s.api.apps.v1.DeploymentList')
    })

    it('documents a custom resource from its structural schema', () => {
      registry.addResource(crontabs)
      const doc = registry.v3Document('apis/stable.example.com/v1') as OpenAPIV3Document
      const patch = op(doc, '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}', 'patch')
      expect(patch.operationId).to.equal('patchStableExampleComV1NamespacedCronTab')
      expect(Object.keys((patch.requestBody as { content: object }).content)).to.not.include('application/strategic-merge-patch+json')
      const schema = doc.components.schemas['com.example.stable.v1.CronTab'] as OpenAPIObject
      expect(schema['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }])
      expect(schema.properties).to.include.keys('apiVersion', 'kind', 'metadata', 'spec')
      expect(doc.components.schemas['com.example.stable.v1.CronTabList']?.required).to.deep.equal(['items'])
      expect(explainSchemaName(doc, '/apis/stable.example.com/v1', 'crontabs')).to.equal('com.example.stable.v1.CronTab')
      // The definition's own schema object is not modified.
      expect((crontabs.schema as { openAPIV3Schema: { properties: object } }).openAPIV3Schema.properties).to.have.keys('spec')
    })

    it('changes the index when resources come and go, and caches documents until then', () => {
      const before = registry.v3Index()
      expect(Object.keys(before.paths)).to.deep.equal(['api/v1'])
      const url = before.paths['api/v1']?.serverRelativeURL as string
      expect(url).to.match(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/)
      expect(registry.v3Document('api/v1')).to.equal(core, 'cached')

      registry.addResource(crontabs)
      const added = registry.v3Index()
      expect(Object.keys(added.paths)).to.deep.equal(['api/v1', 'apis/stable.example.com/v1'])
      expect(added.paths['api/v1']?.serverRelativeURL).to.equal(url, 'other group-versions keep their hash')

      registry.removeResource(configmaps)
      const removed = registry.v3Index()
      expect(removed.paths['api/v1']?.serverRelativeURL).to.not.equal(url)
      expect(registry.v3Document('api/v1')?.paths).to.not.have.property('/api/v1/namespaces/{namespace}/configmaps')

      expect(registry.removeGroupVersion('stable.example.com', 'v1')).to.equal(true)
      expect(registry.removeGroupVersion('stable.example.com', 'v1')).to.equal(false)
      expect(Object.keys(registry.v3Index().paths)).to.deep.equal(['api/v1'])

      registry.removeResource(namespaces)
      expect(registry.v3Index()).to.deep.equal({ paths: {} })
      expect(registry.removeResource(namespaces)).to.equal(false)
    })

    it('hashes the served bytes with upper-case SHA-512', async () => {
      const { createHash } = await import('node:crypto')
      const s = registry.v3Serialized('api/v1')
      expect(s?.hash).to.equal(createHash('sha512').update(s!.json).digest('hex').toUpperCase())
      expect(JSON.parse(s!.json.toString())).to.deep.equal(core)
    })

    it('refuses a model client-node does not have when the resource is added', () => {
      expect(() => registry.addResource({ ...configmaps, resource: 'widgets', schema: { model: 'V1Widget' } })).to.throw(TypeError, /V1Widget/)
    })

    it('merges every group-version into one Swagger 2.0 document', () => {
      registry.addResource(deployments)
      registry.addResource(crontabs)
      const v2 = registry.v2Document()
      expect(v2.swagger).to.equal('2.0')
      expect(v2.paths).to.include.keys('/api/v1/namespaces/{namespace}/configmaps/{name}', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs')
      const patch = v2.paths['/api/v1/namespaces/{namespace}/configmaps/{name}']?.patch as OpenAPIObject
      expect(patch.consumes).to.deep.equal(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'])
      expect(patch.parameters).to.deep.include({ in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } })
      expect((patch.parameters as OpenAPIObject[]).find((p) => p.name === 'fieldValidation')).to.include({ in: 'query', type: 'string', uniqueItems: true })
      expect(patch['x-kubernetes-group-version-kind']).to.deep.equal({ group: '', kind: 'ConfigMap', version: 'v1' })
      expect(v2.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).to.include({ type: 'string', format: 'int-or-string' })
      expect(v2.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).to.not.have.property('oneOf')
      expect(v2.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']?.['x-kubernetes-group-version-kind']).to.deep.equal([
        { group: '', kind: 'DeleteOptions', version: 'v1' },
        { group: 'apps', kind: 'DeleteOptions', version: 'v1' },
        { group: 'stable.example.com', kind: 'DeleteOptions', version: 'v1' },
      ])
      expect(JSON.stringify(v2)).to.not.contain('#/components/')
    })
  })
})
