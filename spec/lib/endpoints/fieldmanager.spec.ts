/**
 * @module spec/lib/endpoints/fieldmanager
 * The server-side apply machinery without a server: FieldsV1 encoding of field sets, the typed
 * walks (field sets, merge by list type, comparison), and the two managedFields operations,
 * Update and Apply, with pruning of fields an applier stopped setting and conflict detection,
 * compared with what structured-merge-diff and kube-apiserver produce.
 */
import { expect } from 'chai'
import { FieldSet, pathString } from '../../../lib/endpoints/fieldmanager/fieldset.js'
import { OpenAPITypes, deduced, resourceType } from '../../../lib/endpoints/fieldmanager/schema-type.js'
import type { TypeNode } from '../../../lib/endpoints/fieldmanager/schema-type.js'
import { compare, merge, toFieldSet } from '../../../lib/endpoints/fieldmanager/typed.js'
import {
  ConflictError,
  applyConfiguration,
  conflictMessage,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  updateManagers,
} from '../../../lib/endpoints/fieldmanager/managed-fields.js'
import type { Managers, OperationContext } from '../../../lib/endpoints/fieldmanager/managed-fields.js'
import { prefixFromUserAgent } from '../../../lib/endpoints/fieldmanager/field-manager.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'

/** A Deployment-shaped schema with every list and map kind server-side apply distinguishes. */
const components = {
  Widget: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/components/schemas/Meta' },
      spec: { $ref: '#/components/schemas/Spec' },
    },
  },
  Meta: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    },
  },
  Spec: {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } } },
      args: { type: 'array', items: { type: 'string' } },
      containers: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { $ref: '#/components/schemas/Container' },
      },
    },
  },
  Container: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      image: { type: 'string' },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
        items: { type: 'object', properties: { containerPort: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } },
      },
    },
  },
}

const widget: TypeNode = new OpenAPITypes(components).node(components.Widget)

function ctx(extra: Partial<OperationContext> = {}): OperationContext {
  return { type: widget, apiVersion: 'example.com/v1', ignored: new FieldSet(), now: '2026-01-02T03:04:05Z', ...extra }
}

function obj(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', ...meta }, spec }
}

function fields(managers: Managers, manager: string, operation: 'Apply' | 'Update' = 'Apply'): unknown {
  return managers.get(managerIdentifier(manager, operation, 'example.com/v1'))?.set.toFieldsV1()
}

describe('fieldmanager', () => {
  describe('FieldSet and FieldsV1', () => {
    it('encodes members and children as kube does, "." first, fields before keys before values', () => {
      const set = FieldSet.of(
        ['f:spec', 'f:containers', 'k:{"name":"nginx"}'],
        ['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'],
        ['f:metadata', 'f:finalizers', 'v:"a"'],
        ['f:spec', 'f:replicas'],
      )
      expect(JSON.stringify(set.toFieldsV1())).to.equal(
        '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{}}},"f:replicas":{}}}',
      )
    })

    it('decodes what it encodes', () => {
      const doc = { 'f:data': { '.': {}, 'f:a': {} }, 'f:spec': { 'f:list': { 'i:0': {} } } }
      const set = FieldSet.fromFieldsV1(doc)
      expect(set.has(['f:data'])).to.equal(true)
      expect(set.has(['f:data', 'f:a'])).to.equal(true)
      expect(set.has(['f:spec'])).to.equal(false)
      expect(set.toFieldsV1()).to.deep.equal(doc)
    })

    it('rejects FieldsV1 with unknown path elements', () => {
      expect(() => FieldSet.fromFieldsV1({ 'x:y': {} })).to.throw(/unknown path element/)
      expect(() => FieldSet.fromFieldsV1({ 'f:y': 1 })).to.throw(/expected an object/)
    })

    it('prints paths as fieldpath.Path.String', () => {
      expect(pathString(['f:spec', 'f:replicas'])).to.equal('.spec.replicas')
      expect(pathString(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'])).to.equal('.spec.containers[name="nginx"].image')
      expect(pathString(['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'])).to.equal('.ports[containerPort=80,protocol="TCP"]')
      expect(pathString(['f:metadata', 'f:finalizers', 'v:"a"'])).to.equal('.metadata.finalizers[="a"]')
      expect(pathString(['f:args', 'i:2'])).to.equal('.args[2]')
    })

    it('has set algebra: union, difference, intersection, recursive difference', () => {
      const a = FieldSet.of(['f:a', 'f:b'], ['f:a', 'f:c'], ['f:d'])
      const b = FieldSet.of(['f:a', 'f:c'], ['f:e'])
      expect(a.union(b).paths().map(pathString)).to.deep.equal(['.d', '.e', '.a.b', '.a.c'])
      expect(a.difference(b).paths().map(pathString)).to.deep.equal(['.d', '.a.b'])
      expect(a.intersection(b).paths().map(pathString)).to.deep.equal(['.a.c'])
      expect(a.recursiveDifference(FieldSet.of(['f:a'])).paths().map(pathString)).to.deep.equal(['.d'])
    })
  })

  describe('typed walks', () => {
    it('computes the field set an applier owns (toFieldSet)', () => {
      const set = toFieldSet(
        obj(
          { replicas: 1, selector: { matchLabels: { a: 'b' } }, args: ['x'], containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] },
          { labels: { app: 'w' }, finalizers: ['f'] },
        ),
        widget,
      )
      expect(set.toFieldsV1()).to.deep.equal({
        'f:apiVersion': {},
        'f:kind': {},
        'f:metadata': { 'f:finalizers': { 'v:"f"': {} }, 'f:labels': { 'f:app': {} }, 'f:name': {} },
        'f:spec': {
          'f:args': {},
          'f:containers': {
            'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
          },
          'f:replicas': {},
          'f:selector': {},
        },
      })
    })

    it('merges list maps per item, sets by value, replaces atomic lists and maps', () => {
      const live = obj(
        { selector: { matchLabels: { a: '1', b: '2' } }, args: ['x', 'y'], containers: [{ name: 'a', image: 'old' }, { name: 'b', image: 'b' }] },
        { finalizers: ['one'] },
      )
      const config = obj({ selector: { matchLabels: { c: '3' } }, args: ['z'], containers: [{ name: 'a', image: 'new' }] }, { finalizers: ['two'] })
      expect(merge(live, config, widget)).to.deep.equal(
        obj(
          { selector: { matchLabels: { c: '3' } }, args: ['z'], containers: [{ name: 'a', image: 'new' }, { name: 'b', image: 'b' }] },
          { finalizers: ['one', 'two'] },
        ),
      )
    })

    it('keeps duplicate items of a stored list map that the configuration does not name', () => {
      const live = obj({ containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }, { name: 'a', image: '3' }] })
      expect(merge(live, obj({ containers: [{ name: 'c', image: '4' }] }), widget)).to.deep.equal(
        obj({ containers: [{ name: 'a', image: '1' }, { name: 'a', image: '3' }, { name: 'b', image: '2' }, { name: 'c', image: '4' }] }),
      )
    })

    it('treats values without a schema as deduced: granular maps, atomic lists', () => {
      const out = merge({ m: { a: 1, l: [1, 2] } }, { m: { b: 2, l: [3] } }, deduced)
      expect(out).to.deep.equal({ m: { a: 1, l: [3], b: 2 } })
    })

    it('reports added, modified and removed paths (compare)', () => {
      const c = compare(obj({ replicas: 1, containers: [{ name: 'a', image: 'x' }] }), obj({ replicas: 2, containers: [{ name: 'b', image: 'y' }] }, { labels: { l: 'v' } }), widget)
      expect(c.modified.paths().map(pathString)).to.deep.equal(['.spec.replicas'])
      expect(c.added.paths().map(pathString)).to.deep.equal(['.metadata.labels', '.metadata.labels.l', '.spec.containers[name="b"]', '.spec.containers[name="b"].image', '.spec.containers[name="b"].name'])
      expect(c.removed.paths().map(pathString)).to.deep.equal(['.spec.containers[name="a"]', '.spec.containers[name="a"].image', '.spec.containers[name="a"].name'])
    })

    it('types a custom resource from its openAPIV3Schema, with kube ObjectMeta', () => {
      const def = {
        group: 'example.com',
        version: 'v1',
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], items: { type: 'object', properties: { id: { type: 'string' } } } } },
              },
            },
          },
        },
      } as unknown as ResourceDefinition
      const t = resourceType(def)
      expect(t.field('spec').field('items').listType).to.equal('map')
      expect(t.field('metadata').field('finalizers').listType).to.equal('set')
      expect(t.field('metadata').field('labels').kind).to.equal('map')
    })
  })

  describe('Update', () => {
    it('gives the writer what it changed and takes removed fields from everybody', () => {
      let managers: Managers = new Map()
      managers = updateManagers({}, obj({ replicas: 1, args: ['a'] }, { labels: { a: 'b' } }), managers, 'creator', ctx())
      expect(fields(managers, 'creator', 'Update')).to.deep.equal({ 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } }, 'f:spec': { 'f:args': {}, 'f:replicas': {} } })
      managers = updateManagers(obj({ replicas: 1, args: ['a'] }, { labels: { a: 'b' } }), obj({ replicas: 2 }, { labels: { a: 'b' } }), managers, 'scaler', ctx())
      expect(fields(managers, 'scaler', 'Update')).to.deep.equal({ 'f:spec': { 'f:replicas': {} } })
      expect(fields(managers, 'creator', 'Update')).to.deep.equal({ 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } })
    })

    it('records nothing for a write that changes nothing', () => {
      const managers = updateManagers(obj({ replicas: 1 }), obj({ replicas: 1 }), new Map(), 'noop', ctx())
      expect(managers.size).to.equal(0)
    })

    it('folds the oldest of more than 10 Update managers into "ancient-changes"', () => {
      let managers: Managers = new Map()
      let live: Record<string, unknown> = obj({})
      for (let i = 0; i < 12; i++) {
        const next = obj({}, { labels: { ...((live['metadata'] as { labels?: Record<string, string> }).labels ?? {}), [`l${i}`]: 'v' } })
        managers = updateManagers(live, next, managers, `writer-${String(i).padStart(2, '0')}`, ctx({ now: `2026-01-02T03:04:${String(10 + i)}Z` }))
        live = next
      }
      const names = encodeManagedFields(managers).map((e) => e.manager)
      expect(names).to.have.length(10)
      expect(names[0]).to.equal('ancient-changes')
      expect(fields(managers, 'ancient-changes', 'Update')).to.deep.equal({ 'f:metadata': { 'f:labels': { '.': {}, 'f:l0': {}, 'f:l1': {}, 'f:l2': {} } } })
      expect(names.slice(1)).to.deep.equal(['writer-03', 'writer-04', 'writer-05', 'writer-06', 'writer-07', 'writer-08', 'writer-09', 'writer-10', 'writer-11'])
    })

    it('encodes entries in kube order and decodes them back', () => {
      let managers: Managers = updateManagers({}, obj({ replicas: 1 }), new Map(), 'b-updater', ctx())
      managers = applyConfiguration(obj({ replicas: 1 }), obj({ args: ['x'] }), managers, 'a-applier', false, ctx()).managers
      const encoded = encodeManagedFields(managers)
      expect(encoded.map((e) => [e.manager, e.operation])).to.deep.equal([
        ['a-applier', 'Apply'],
        ['b-updater', 'Update'],
      ])
      expect(encoded[0]).to.deep.equal({
        manager: 'a-applier',
        operation: 'Apply',
        apiVersion: 'example.com/v1',
        time: '2026-01-02T03:04:05Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:args': {} } },
      })
      expect(encodeManagedFields(decodeManagedFields(encoded))).to.deep.equal(encoded)
    })
  })

  describe('Apply', () => {
    it('removes fields the applier set before and no longer sets', () => {
      const first = applyConfiguration({}, obj({ replicas: 1, args: ['a'] }, { labels: { a: '1', b: '2' } }), new Map(), 'me', false, ctx())
      const second = applyConfiguration(first.object, obj({ replicas: 1 }, { labels: { a: '1' } }), first.managers, 'me', false, ctx())
      expect(second.object).to.deep.equal(obj({ replicas: 1 }, { labels: { a: '1' } }))
      expect(fields(second.managers, 'me')).to.deep.equal({ 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:replicas': {} } })
    })

    it('keeps a field another manager also owns when the applier drops it', () => {
      const first = applyConfiguration({}, obj({ replicas: 1, args: ['a'] }), new Map(), 'me', false, ctx())
      const shared = applyConfiguration(first.object, obj({ args: ['a'] }), first.managers, 'other', false, ctx())
      const second = applyConfiguration(shared.object, obj({ replicas: 1 }), shared.managers, 'me', false, ctx())
      expect((second.object['spec'] as Record<string, unknown>)['args']).to.deep.equal(['a'])
      expect(fields(second.managers, 'other')).to.deep.equal({ 'f:spec': { 'f:args': {} } })
    })

    it('removes one item of a list map and leaves the items others added', () => {
      const first = applyConfiguration({}, obj({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] }), new Map(), 'me', false, ctx())
      const other = applyConfiguration(first.object, obj({ containers: [{ name: 'c', image: 'z' }] }), first.managers, 'other', false, ctx())
      const second = applyConfiguration(other.object, obj({ containers: [{ name: 'a', image: 'x' }] }), other.managers, 'me', false, ctx())
      expect((second.object['spec'] as Record<string, unknown>)['containers']).to.deep.equal([
        { name: 'a', image: 'x' },
        { name: 'c', image: 'z' },
      ])
    })

    it('is a conflict to change a value another manager owns, with kube message', () => {
      const updated = updateManagers({}, obj({ replicas: 1 }), new Map(), 'kubectl-client-side-apply', ctx())
      let err: unknown
      try {
        applyConfiguration(obj({ replicas: 1 }), obj({ replicas: 3 }), updated, 'kubectl', false, ctx())
      } catch (e) {
        err = e
      }
      expect(err).to.be.instanceOf(ConflictError)
      expect((err as Error).message).to.equal('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using example.com/v1: .spec.replicas')
    })

    it('shares ownership when the value is the same', () => {
      const a = applyConfiguration({}, obj({ replicas: 1 }), new Map(), 'a', false, ctx())
      const b = applyConfiguration(a.object, obj({ replicas: 1 }), a.managers, 'b', false, ctx())
      expect(fields(b.managers, 'a')).to.deep.equal({ 'f:spec': { 'f:replicas': {} } })
      expect(fields(b.managers, 'b')).to.deep.equal({ 'f:spec': { 'f:replicas': {} } })
      expect(b.changed).to.equal(false)
    })

    it('takes ownership with force', () => {
      const a = applyConfiguration({}, obj({ replicas: 1, args: ['x'] }), new Map(), 'a', false, ctx())
      const b = applyConfiguration(a.object, obj({ replicas: 2 }), a.managers, 'b', true, ctx())
      expect((b.object['spec'] as Record<string, unknown>)['replicas']).to.equal(2)
      expect(fields(b.managers, 'a')).to.deep.equal({ 'f:spec': { 'f:args': {} } })
      expect(fields(b.managers, 'b')).to.deep.equal({ 'f:spec': { 'f:replicas': {} } })
    })

    it('lists several conflicts by manager', () => {
      const a = applyConfiguration({}, obj({ replicas: 1, args: ['x'] }), new Map(), 'a', false, ctx())
      expect(() => applyConfiguration(a.object, obj({ replicas: 2, args: ['y'] }), a.managers, 'b', false, ctx())).to.throw(
        ConflictError,
        'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.args\n- .spec.replicas',
      )
    })

    it('does not own fields the strategy resets', () => {
      const r = applyConfiguration({}, obj({ replicas: 1 }), new Map(), 'a', false, ctx({ ignored: FieldSet.of(['f:spec']) }))
      expect(r.managers.size).to.equal(0)
    })

    it('formats conflicts with subresource managers', () => {
      expect(conflictMessage([{ manager: managerIdentifier('kubectl', 'Update', 'apps/v1', 'scale'), path: ['f:spec', 'f:replicas'] }])).to.equal(
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
      )
    })
  })

  it('derives the default manager from the User-Agent', () => {
    expect(prefixFromUserAgent('kubectl/v1.32.0 (linux/amd64) kubernetes/abc')).to.equal('kubectl')
    expect(prefixFromUserAgent('node-fetch')).to.equal('node-fetch')
    expect(prefixFromUserAgent('a\u0001b/1')).to.equal('ab')
    expect(prefixFromUserAgent('x'.repeat(200))).to.have.length(128)
    expect(prefixFromUserAgent(undefined)).to.equal('')
  })
})
