// The extensions router as a client sees it: CustomResourceDefinition validation with kube's
// messages, the controllers that accept names and establish CRDs from storage, serving of
// custom resources on the generic Store (schema, status and scale subresources, printer columns,
// discovery, OpenAPI), CRD deletion through the cleanup finalizer, and the start-up guarantee
// that stored CRDs are served before the chain stops answering 503.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { memoryStorageFactory } from '../../lib/storage/memory/memory-storage.js'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'

function widgetCRD(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [
            { name: 'Color', type: 'string', jsonPath: '.spec.color' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 1 },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    color: { type: 'string', enum: ['red', 'blue'] },
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                    ports: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['name'],
                      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
                    },
                    tag: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'tag is immutable' }] },
                  },
                  'x-kubernetes-validations': [{ rule: 'self.replicas <= 10', message: 'too many replicas' }],
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' } } },
              },
            },
          },
        },
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          deprecated: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
    ...overrides,
  }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function established(chain: ServerChain, name: string): Promise<Record<string, unknown>> {
  let crd: Record<string, unknown> = {}
  await waitFor(async () => {
    const res = await request(chain.app).get(`${crdPath}/${name}`)
    crd = res.body as Record<string, unknown>
    const conditions = ((crd['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [])
    return conditions.some((c) => c.type === 'Established' && c.status === 'True')
  }, `${name} Established`)
  return crd
}

describe('extensions router', () => {
  let chain: ServerChain
  let stop: () => Promise<void>

  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  describe('CustomResourceDefinition validation', () => {
    it('refuses a name that is not plural.group', async () => {
      const res = await request(chain.app).post(crdPath).send(widgetCRD({ metadata: { name: 'gadgets.example.com' } }))
      expect(res.status).to.equal(422)
      expect(res.body.message).to.include('metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group')
    })

    it('requires exactly one storage version, a schema per version and a dotted group', async () => {
      const crd = widgetCRD()
      const spec = crd['spec'] as Record<string, unknown>
      const versions = spec['versions'] as Record<string, unknown>[]
      versions[1]!['storage'] = true
      delete versions[1]!['schema']
      const res = await request(chain.app).post(crdPath).send(crd)
      expect(res.status).to.equal(422)
      expect(res.body.message).to.include('must have exactly one version marked as storage version')
      expect(res.body.message).to.include('spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required')
      const noDot = await request(chain.app)
        .post(crdPath)
        .send(widgetCRD({ metadata: { name: 'widgets.example' }, spec: { ...spec, group: 'example' } }))
      expect(noDot.status).to.equal(422)
      expect(noDot.body.message).to.include('spec.group: Invalid value: "example": should be a domain with at least one dot')
    })

    it('requires the API approval annotation for groups under k8s.io', async () => {
      const crd = widgetCRD({ metadata: { name: 'widgets.x.k8s.io' } })
      ;(crd['spec'] as Record<string, unknown>)['group'] = 'x.k8s.io'
      const res = await request(chain.app).post(`${crdPath}?dryRun=All`).send(crd)
      expect(res.status).to.equal(422)
      expect(res.body.message).to.include(
        'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
      )
      ;(crd['metadata'] as Record<string, unknown>)['annotations'] = { 'api-approved.kubernetes.io': 'unapproved, experimental' }
      expect((await request(chain.app).post(`${crdPath}?dryRun=All`).send(crd)).status).to.equal(201)
    })

    it('refuses an unsupported scope and defaults singular, listKind and conversion', async () => {
      const bad = widgetCRD()
      ;(bad['spec'] as Record<string, unknown>)['scope'] = 'Galaxy'
      const res = await request(chain.app).post(crdPath).send(bad)
      expect(res.status).to.equal(422)
      expect(res.body.message).to.include('spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"')
      const dry = await request(chain.app).post(`${crdPath}?dryRun=All`).send(widgetCRD())
      expect(dry.status).to.equal(201)
      expect(dry.body.spec.names.singular).to.equal('widget')
      expect(dry.body.spec.names.listKind).to.equal('WidgetList')
      expect(dry.body.spec.conversion).to.deep.equal({ strategy: 'None' })
    })
  })

  describe('a served CRD', () => {
    before(async () => {
      const res = await request(chain.app).post(crdPath).send(widgetCRD())
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      await established(chain, 'widgets.example.com')
    })

    it('is Established with accepted names and answers Table output with NAME and CREATED AT', async () => {
      const crd = await established(chain, 'widgets.example.com')
      const status = crd['status'] as { acceptedNames: Record<string, unknown>; conditions: { type: string; reason: string }[]; storedVersions: string[] }
      expect(status.acceptedNames['plural']).to.equal('widgets')
      expect(status.conditions.find((c) => c.type === 'NamesAccepted')?.reason).to.equal('NoConflicts')
      expect(status.conditions.find((c) => c.type === 'Established')?.reason).to.equal('InitialNamesAccepted')
      expect(status.storedVersions).to.deep.equal(['v1'])
      const table = await request(chain.app).get(crdPath).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io')
      expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Created At'])
    })

    it('serves create with defaults, schema and CEL validation with kube messages', async () => {
      const base = '/apis/example.com/v1/namespaces/default/widgets'
      const created = await request(chain.app).post(base).send({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { color: 'red' }, status: { replicas: 5 } })
      expect(created.status, JSON.stringify(created.body)).to.equal(201)
      expect(created.body.spec.replicas).to.equal(1)
      expect(created.body.status).to.equal(undefined)
      expect(created.body.metadata.generation).to.equal(1)
      const bad = await request(chain.app).post(base).send({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: { color: 'green' } })
      expect(bad.status).to.equal(422)
      expect(bad.body.message).to.include('spec.color: Unsupported value: "green": supported values: "red", "blue"')
      const cel = await request(chain.app).post(base).send({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w3' }, spec: { color: 'red', replicas: 11 } })
      expect(cel.status).to.equal(422)
      expect(cel.body.message).to.include('too many replicas')
    })

    it('evaluates CEL transition rules against the old object on update', async () => {
      const base = '/apis/example.com/v1/namespaces/default/widgets'
      const created = await request(chain.app).post(base).send({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'tagged' }, spec: { color: 'red', tag: 'a' } })
      expect(created.status).to.equal(201)
      const changed = await request(chain.app).patch(`${base}/tagged`).set('Content-Type', 'application/merge-patch+json').send({ spec: { tag: 'b' } })
      expect(changed.status).to.equal(422)
      expect(changed.body.message).to.include('spec.tag: Invalid value: "string": tag is immutable')
      const same = await request(chain.app).patch(`${base}/tagged`).set('Content-Type', 'application/merge-patch+json').send({ spec: { color: 'blue' } })
      expect(same.status).to.equal(200)
      expect((await request(chain.app).delete(`${base}/tagged`)).status).to.equal(200)
    })

    it('merges server-side apply of two managers by the schema list-map keys', async () => {
      const url = '/apis/example.com/v1/namespaces/default/widgets/applied'
      const apply = (manager: string, port: Record<string, unknown>) =>
        request(chain.app)
          .patch(`${url}?fieldManager=${manager}`)
          .set('Content-Type', 'application/apply-patch+yaml')
          .send(JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'applied' }, spec: { ports: [port] } }))
      expect((await apply('one', { name: 'http', port: 80 })).status).to.equal(201)
      const second = await apply('two', { name: 'https', port: 443 })
      expect(second.status).to.equal(200)
      expect(second.body.spec.ports).to.deep.equal([{ name: 'http', port: 80 }, { name: 'https', port: 443 }])
      expect((await request(chain.app).delete(url)).status).to.equal(200)
    })

    it('handles unknown fields per fieldValidation', async () => {
      const base = '/apis/example.com/v1/namespaces/default/widgets'
      const body = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'unk' }, spec: { color: 'red', foo: 1 } }
      const strict = await request(chain.app).post(`${base}?fieldValidation=Strict`).send(body)
      expect(strict.status).to.equal(400)
      expect(strict.body.message).to.include('unknown field "spec.foo"')
      const warn = await request(chain.app).post(base).send(body)
      expect(warn.status).to.equal(201)
      expect(String(warn.headers['warning'])).to.include('unknown field \\"spec.foo\\"')
      expect(warn.body.spec.foo).to.equal(undefined)
    })

    it('keeps status on the main endpoint and writes only status through /status, bumping generation on spec changes', async () => {
      const url = '/apis/example.com/v1/namespaces/default/widgets/w1'
      const st = await request(chain.app).patch(`${url}/status`).set('Content-Type', 'application/merge-patch+json').send({ status: { replicas: 3 }, spec: { color: 'blue' } })
      expect(st.status).to.equal(200)
      expect(st.body.status.replicas).to.equal(3)
      expect(st.body.spec.color).to.equal('red')
      expect(st.body.metadata.generation).to.equal(1)
      const main = await request(chain.app).patch(url).set('Content-Type', 'application/merge-patch+json').send({ status: { replicas: 9 }, spec: { color: 'blue' } })
      expect(main.status).to.equal(200)
      expect(main.body.status.replicas).to.equal(3)
      expect(main.body.spec.color).to.equal('blue')
      expect(main.body.metadata.generation).to.equal(2)
      const smp = await request(chain.app).patch(url).set('Content-Type', 'application/strategic-merge-patch+json').send({ spec: {} })
      expect(smp.status).to.equal(415)
      expect(smp.body.message).to.equal(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      )
    })

    it('serves the scale subresource', async () => {
      const url = '/apis/example.com/v1/namespaces/default/widgets/w1/scale'
      const scale = await request(chain.app).get(url)
      expect(scale.status).to.equal(200)
      expect(scale.body.kind).to.equal('Scale')
      expect(scale.body.spec.replicas).to.equal(1)
      expect(scale.body.status.replicas).to.equal(3)
      const patched = await request(chain.app).patch(url).set('Content-Type', 'application/merge-patch+json').send({ spec: { replicas: 4 } })
      expect(patched.status).to.equal(200)
      const obj = await request(chain.app).get('/apis/example.com/v1/namespaces/default/widgets/w1')
      expect(obj.body.spec.replicas).to.equal(4)
    })

    it('prints additionalPrinterColumns, wide ones with priority 1', async () => {
      const table = await request(chain.app).get('/apis/example.com/v1/widgets').set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io')
      expect(table.status).to.equal(200)
      const cols = table.body.columnDefinitions as { name: string; priority: number }[]
      expect(cols.map((c) => c.name)).to.deep.equal(['Name', 'Color', 'Replicas'])
      expect(cols[2]!.priority).to.equal(1)
      const row = (table.body.rows as { cells: unknown[] }[]).find((r) => r.cells[0] === 'w1')
      expect(row?.cells).to.deep.equal(['w1', 'blue', 4])
    })

    it('serves a deprecated non-storage version from the same objects with a Warning', async () => {
      const res = await request(chain.app).get('/apis/example.com/v1beta1/namespaces/default/widgets/w1')
      expect(res.status).to.equal(200)
      expect(res.body.apiVersion).to.equal('example.com/v1beta1')
      expect(String(res.headers['warning'])).to.include('example.com/v1beta1 Widget is deprecated')
    })

    it('appears in discovery and OpenAPI', async () => {
      const list = await request(chain.app).get('/apis/example.com/v1')
      expect(list.status).to.equal(200)
      const widgets = (list.body.resources as { name: string; shortNames?: string[]; categories?: string[] }[]).find((r) => r.name === 'widgets')
      expect(widgets?.shortNames).to.deep.equal(['wd'])
      expect(widgets?.categories).to.deep.equal(['all'])
      const groups = await request(chain.app).get('/apis')
      expect(JSON.stringify(groups.body)).to.include('example.com')
      const v3 = await request(chain.app).get('/openapi/v3/apis/example.com/v1')
      expect(v3.status).to.equal(200)
      expect(JSON.stringify(v3.body)).to.include('too many replicas')
    })

    it('refuses a second CRD whose names conflict (NamesAccepted False)', async () => {
      const other = widgetCRD({ metadata: { name: 'gadgets.example.com' } })
      const spec = other['spec'] as Record<string, unknown>
      spec['names'] = { plural: 'gadgets', kind: 'Gadget', shortNames: ['wd'] }
      const res = await request(chain.app).post(crdPath).send(other)
      expect(res.status).to.equal(201)
      let cond: { status: string; reason: string; message: string } | undefined
      await waitFor(async () => {
        const got = await request(chain.app).get(`${crdPath}/gadgets.example.com`)
        cond = (got.body.status?.conditions ?? []).find((c: { type: string }) => c.type === 'NamesAccepted')
        return cond !== undefined
      }, 'NamesAccepted')
      expect(cond).to.include({ status: 'False', reason: 'ShortNamesConflict', message: '"wd" is already in use' })
      await request(chain.app).delete(`${crdPath}/gadgets.example.com`)
    })

    it('reinstalls on CRD update: selectableFields become field selectors and OpenAPI v2 follows', async () => {
      const got = await request(chain.app).get(`${crdPath}/widgets.example.com`)
      const updated = structuredClone(got.body)
      updated.spec.versions[0].selectableFields = [{ jsonPath: '.spec.color' }]
      const put = await request(chain.app).put(`${crdPath}/widgets.example.com`).send(updated)
      expect(put.status, JSON.stringify(put.body)).to.equal(200)
      expect(put.body.metadata.generation).to.equal(got.body.metadata.generation + 1)
      const base = '/apis/example.com/v1/namespaces/default/widgets'
      await waitFor(async () => (await request(chain.app).get(`${base}?fieldSelector=spec.color%3Dblue`)).status === 200, 'selectable field')
      const blue = await request(chain.app).get(`${base}?fieldSelector=spec.color%3Dblue`)
      expect(blue.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal(['w1'])
      const red = await request(chain.app).get(`${base}?fieldSelector=spec.color%3Dred`)
      expect(red.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal(['unk'])
      const v2 = await request(chain.app).get('/openapi/v2')
      expect(Object.keys(v2.body.definitions)).to.include('com.example.v1.Widget')
    })

    it('defaults on read: a default added to the schema later shows on objects stored before it', async () => {
      const got = await request(chain.app).get(`${crdPath}/widgets.example.com`)
      const updated = structuredClone(got.body)
      updated.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size = { type: 'string', default: 'M' }
      const put = await request(chain.app).put(`${crdPath}/widgets.example.com`).send(updated)
      expect(put.status, JSON.stringify(put.body)).to.equal(200)
      const w1 = '/apis/example.com/v1/namespaces/default/widgets/w1'
      await waitFor(async () => (await request(chain.app).get(w1)).body?.spec?.size === 'M', 'the new default on read')
      const list = await request(chain.app).get('/apis/example.com/v1/namespaces/default/widgets')
      expect(list.body.items.map((i: { spec: { size?: string } }) => i.spec.size)).to.deep.equal(list.body.items.map(() => 'M'))
    })

    it('keeps scope immutable once established and refuses an update without resourceVersion', async () => {
      const got = await request(chain.app).get(`${crdPath}/widgets.example.com`)
      const changed = structuredClone(got.body)
      changed.spec.scope = 'Cluster'
      const res = await request(chain.app).put(`${crdPath}/widgets.example.com`).send(changed)
      expect(res.status).to.equal(422)
      expect(res.body.message).to.include('spec.scope: Invalid value: "Cluster": field is immutable')
      const unconditional = structuredClone(got.body)
      delete unconditional.metadata.resourceVersion
      const res2 = await request(chain.app).put(`${crdPath}/widgets.example.com`).send(unconditional)
      expect(res2.status).to.equal(422)
      expect(res2.body.message).to.include('metadata.resourceVersion: Invalid value: 0x0: must be specified for an update')
    })

    it('while terminating, refuses new custom resources and waits for the remaining ones', async () => {
      const crd = widgetCRD({ metadata: { name: 'sprockets.example.com' } })
      const spec = crd['spec'] as Record<string, unknown>
      spec['names'] = { plural: 'sprockets', kind: 'Sprocket' }
      spec['scope'] = 'Cluster'
      expect((await request(chain.app).post(crdPath).send(crd)).status).to.equal(201)
      await established(chain, 'sprockets.example.com')
      const base = '/apis/example.com/v1/sprockets'
      const held = await request(chain.app).post(base).send({ apiVersion: 'example.com/v1', kind: 'Sprocket', metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: {} })
      expect(held.status, JSON.stringify(held.body)).to.equal(201)
      const del = await request(chain.app).delete(`${crdPath}/sprockets.example.com`)
      expect(del.status).to.equal(200)
      let reason = ''
      await waitFor(async () => {
        const got = await request(chain.app).get(`${crdPath}/sprockets.example.com`)
        reason = (got.body.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Terminating')?.reason ?? ''
        return reason === 'InstanceDeletionCheck'
      }, 'InstanceDeletionCheck')
      const refused = await request(chain.app).post(base).send({ apiVersion: 'example.com/v1', kind: 'Sprocket', metadata: { name: 'late' }, spec: {} })
      expect(refused.status).to.equal(405)
      expect(refused.body.message).to.equal('create not allowed while custom resource definition is terminating')
      const release = await request(chain.app).patch(`${base}/held`).set('Content-Type', 'application/merge-patch+json').send({ metadata: { finalizers: null } })
      expect(release.status).to.equal(200)
      await waitFor(async () => (await request(chain.app).get(`${crdPath}/sprockets.example.com`)).status === 404, 'CRD gone')
      expect((await request(chain.app).get(base)).status).to.equal(404)
    })

    it('deletes custom resources, then the CRD, then its endpoints 404', async () => {
      const del = await request(chain.app).delete(`${crdPath}/widgets.example.com`)
      expect(del.status).to.equal(200)
      expect(del.body.metadata.finalizers).to.include('customresourcecleanup.apiextensions.k8s.io')
      await waitFor(async () => (await request(chain.app).get(`${crdPath}/widgets.example.com`)).status === 404, 'CRD gone')
      const cr = await request(chain.app).get('/apis/example.com/v1/namespaces/default/widgets/w1')
      expect(cr.status).to.equal(404)
      const list = await request(chain.app).get('/apis/example.com/v1')
      expect(list.status).to.equal(404)
      const stored = await chain.extensions.config.storage().list('/registry/example.com/widgets/', {})
      expect(stored.items).to.have.length(0)
    })
  })

  describe('start-up', () => {
    it('serves every stored CRD before MuxAndDiscoveryComplete: 503 before, never a false 404', async () => {
      const storage = memoryStorageFactory()
      const first = createServerChain({ storage })
      const stopFirst = await first.prepareRun().start()
      expect((await request(first.app).post(crdPath).send(widgetCRD())).status).to.equal(201)
      await established(first, 'widgets.example.com')
      await stopFirst()

      const second = createServerChain({ storage })
      const early = await request(second.app).get('/apis/example.com/v1/namespaces/default/widgets')
      expect(early.status).to.equal(503)
      expect(early.headers['retry-after']).to.equal('5')
      const stopSecond = await second.prepareRun().start()
      const late = await request(second.app).get('/apis/example.com/v1/namespaces/default/widgets')
      expect(late.status).to.equal(200)
      await stopSecond()
    })

    it('follows storage: a CRD created through one server is served by another sharing the storage, and removed there too', async () => {
      const storage = memoryStorageFactory()
      const a = createServerChain({ storage })
      const b = createServerChain({ storage })
      const stopA = await a.prepareRun().start()
      const stopB = await b.prepareRun().start()
      try {
        expect((await request(a.app).post(crdPath).send(widgetCRD())).status).to.equal(201)
        await established(a, 'widgets.example.com')
        const url = '/apis/example.com/v1/namespaces/default/widgets'
        await waitFor(async () => (await request(b.app).get(url)).status === 200, 'served by the second server')
        const created = await request(b.app).post(url).send({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'shared' }, spec: { color: 'red' } })
        expect(created.status).to.equal(201)
        expect((await request(a.app).delete(`${crdPath}/widgets.example.com`)).status).to.equal(200)
        await waitFor(async () => (await request(b.app).get(url)).status === 404, 'removed from the second server')
      } finally {
        await stopA()
        await stopB()
      }
    })
  })
})
