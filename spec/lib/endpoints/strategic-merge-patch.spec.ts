/**
 * @module spec/lib/endpoints/strategic-merge-patch
 * strategicMergePatch against apimachinery's strategicpatch/patch_test.go (TestStrategicMergePatch,
 * TestCustomStrategicMergePatch, TestReplaceWithRawExtension, TestUnknownField): their original
 * (or current) document, patch and expected result, applied with the MergeItem struct's tags.
 * Then Deployment and ConfigMap shapes as kubectl sends them, tableLookup and the error texts.
 */
import { expect } from 'chai'
import {
  objectMetaPatchMeta,
  strategicMergePatch,
  StrategicMergePatchError,
  tableLookup,
} from '../../../lib/endpoints/strategic-merge-patch.js'
import type { PatchMeta, PatchMetaLookup } from '../../../lib/endpoints/strategic-merge-patch.js'

type Doc = Record<string, unknown>
/** description, original (Go's Original, or Current for a three-way case), patch, expected. */
type Case = [string, Doc, Doc, Doc]

/**
 * patch_test.go's MergeItem and RetainKeysMergeItem tags. Both types are recursive and share
 * their field names, so the last path segment decides.
 */
const mergeItemTags: Record<string, PatchMeta> = {
  mergingList: { strategies: ['merge'], mergeKey: 'name' },
  mergingIntList: { strategies: ['merge'] },
  mergeItemPtr: { strategies: ['merge'], mergeKey: 'name' },
  replacingItem: { strategies: ['replace'] },
  retainKeysMap: { strategies: ['retainKeys'] },
  retainKeysMergingList: { strategies: ['merge', 'retainKeys'], mergeKey: 'name' },
}
const mergeItem: PatchMetaLookup = (path) => mergeItemTags[path[path.length - 1]!]

/** Deployment (apps/v1) tags on the paths these tests touch. */
const deployment = tableLookup({
  'spec.strategy': { strategies: ['retainKeys'] },
  'spec.template.spec.containers': { strategies: ['merge'], mergeKey: 'name' },
  'spec.template.spec.containers.ports': { strategies: ['merge'], mergeKey: 'containerPort' },
  'spec.template.spec.containers.env': { strategies: ['merge'], mergeKey: 'name' },
  'spec.template.spec.volumes': { strategies: ['merge', 'retainKeys'], mergeKey: 'name' },
})

function expectError(fn: () => unknown, message: string, code: number): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).to.be.instanceOf(StrategicMergePatchError)
  expect((caught as StrategicMergePatchError).message).to.equal(message)
  expect((caught as StrategicMergePatchError).code).to.equal(code)
}

describe('lib/endpoints/strategic-merge-patch', () => {
  describe('patch_test.go cases', () => {
    // "(three-way)" rows apply the expected three-way patch to Current and expect Result; the
    // others apply the two-way patch to Original and expect TwoWayResult (or Modified).
    const cases: Case[] = [
      ['unique scalars when merging lists', { mergingIntList: [1, 2] }, { mergingIntList: [2, 3] }, { mergingIntList: [1, 2, 3] }],
      ['delete map from nested map', { simpleMap: { key1: 1, key2: 1 } }, { simpleMap: { $patch: 'delete' } }, { simpleMap: {} }],
      ['delete all items from merging list', { mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ $patch: 'replace' }] }, { mergingList: [] }],
      ['merge empty merging lists', { mergingList: [] }, { mergingList: [] }, { mergingList: [] }],
      ['delete all keys from map', { name: 1, value: 1 }, { $patch: 'replace' }, {}],
      ['add key and delete all keys from map', { name: 1, value: 1 }, { other: 'a', $patch: 'replace' }, { other: 'a' }],
      [
        'delete all duplicate entries in a merging list',
        { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }, { name: 3 }, { name: 3 }] },
        { mergingList: [{ name: 1, $patch: 'delete' }, { name: 3, $patch: 'delete' }] },
        { mergingList: [{ name: 2, value: 'a' }] },
      ],
      [
        'retainKeys map can add a field when no retainKeys directive present',
        { retainKeysMap: { name: 'foo' } },
        { retainKeysMap: { value: 'bar' } },
        { retainKeysMap: { name: 'foo', value: 'bar' } },
      ],
      [
        'retainKeys map can delete a field when no retainKeys directive present',
        { retainKeysMap: { name: 'foo', value: 'a' } },
        { retainKeysMap: { value: null } },
        { retainKeysMap: { name: 'foo' } },
      ],
      ['retainKeys map merge an empty map', { retainKeysMap: { name: 'foo', value: 'a' } }, { retainKeysMap: {} }, { retainKeysMap: { name: 'foo', value: 'a' } }],
      [
        'retainKeys list can change a field when no retainKeys directive present',
        { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a' }] },
        { retainKeysMergingList: [{ name: 'foo', value: 'b' }] },
        { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'b' }] },
      ],
      [
        'preserve the order from the patch in a merging list',
        { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
        { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, other: 'x' }] },
        { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, value: 'b', other: 'x' }] },
      ],
      [
        'preserve the order from the patch in a merging list 2',
        { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
        { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }] },
        { mergingList: [{ name: 2, value: 'b' }, { name: 3, value: 'c' }, { name: 1, value: 'a' }] },
      ],
      ['preserve the order from the patch in a merging int list', { mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 1, 2] }, { mergingIntList: [3, 1, 2] }],
      [
        '$setElementOrder contains item that is not present in the list to be merged',
        { mergingList: [{ name: 1 }, { name: 3 }] },
        { '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
        { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
      ],
      [
        '$setElementOrder contains item that is not present in the int list to be merged',
        { mergingIntList: [1, 3] },
        { '$setElementOrder/mergingIntList': [3, 2, 1] },
        { mergingIntList: [3, 1] },
      ],
      ['nil original', {}, { name: 1, value: 1 }, { name: 1, value: 1 }],
      ['add field and delete field from map (three-way)', { name: 1, other: 'a' }, { name: null, value: 1 }, { value: 1, other: 'a' }],
      ['delete field from nested map (three-way)', { simpleMap: { key1: 1, key2: 1, other: 'a' } }, { simpleMap: { key2: null } }, { simpleMap: { key1: 1, other: 'a' } }],
      ['delete all fields from map (three-way)', { name: 1, value: 1, other: 'a' }, { name: null, value: null }, { other: 'a' }],
      ['replace list of scalars (three-way)', { nonMergingIntList: [1, 2] }, { nonMergingIntList: [2, 3] }, { nonMergingIntList: [2, 3] }],
      [
        'delete all maps from merging list with conflict (three-way)',
        { mergingList: [{ name: 1, other: 'a' }, { name: 2, other: 'b' }] },
        { mergingList: [{ name: 1, $patch: 'delete' }, { name: 2, $patch: 'delete' }] },
        { mergingList: [] },
      ],
      [
        'delete all maps from empty merging list (three-way)',
        { mergingList: [] },
        { mergingList: [{ name: 1, $patch: 'delete' }, { name: 2, $patch: 'delete' }] },
        { mergingList: [] },
      ],
      [
        'defined null values should propagate removing original fields',
        { name: 'original-name', value: 'original-value' },
        { name: 'modified-name', value: null },
        { name: 'modified-name' },
      ],
      [
        'defined null values should propagate removing original fields (three-way)',
        { name: 'original-name', value: 'original-value', other: 'current-other' },
        { name: 'modified-name', value: null },
        { name: 'modified-name', other: 'current-other' },
      ],
      ['nil patch with retainKeys map (three-way)', { name: 'a', value: 'b', retainKeysMap: { name: 'foo' } }, {}, { name: 'a', value: 'b', retainKeysMap: { name: 'foo' } }],
      [
        'nested patch merge with empty list',
        { name: 'hi' },
        { mergingList: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }] },
        { name: 'hi', mergingList: [{ name: 'hello' }] },
      ],
      [
        'nested patch merge with empty list (three-way)',
        { name: 'hi', mergingList: [{ name: 'hello2' }] },
        { '$setElementOrder/mergingList': [{ name: 'hello' }, { name: 'doesntexist' }], mergingList: [{ name: 'hello' }] },
        { name: 'hi', mergingList: [{ name: 'hello' }, { name: 'hello2' }] },
      ],
      [
        'delete items in lists of scalars (three-way)',
        { mergingIntList: [1, 2, 3, 4] },
        { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
        { mergingIntList: [1, 2, 4] },
      ],
      [
        'delete all duplicate items in lists of scalars (three-way)',
        { mergingIntList: [1, 2, 3, 3, 4] },
        { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
        { mergingIntList: [1, 2, 4] },
      ],
      [
        'add and delete items in lists of scalars',
        { mergingIntList: [1, 2, 3] },
        { '$setElementOrder/mergingIntList': [1, 2, 4], '$deleteFromPrimitiveList/mergingIntList': [3], mergingIntList: [4] },
        { mergingIntList: [1, 2, 4] },
      ],
      [
        'merge lists of maps',
        { mergingList: [{ name: 1 }, { name: 2, value: 2 }] },
        { '$setElementOrder/mergingList': [{ name: 4 }, { name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }] },
        { mergingList: [{ name: 4, value: 4 }, { name: 1 }, { name: 2, value: 2 }, { name: 3, value: 3 }] },
      ],
      [
        'merge lists of maps (three-way)',
        { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 4 }, { name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }] },
        { mergingList: [{ name: 4, value: 4 }, { name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] },
      ],
      [
        'merge lists of maps with conflict (three-way)',
        { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 3, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 2, value: 2 }, { name: 3, value: 3 }] },
        { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] },
      ],
      [
        'add field to map in merging list (three-way)',
        { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ name: 1, value: 1 }] },
        { mergingList: [{ name: 1, value: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
      ],
      [
        'replace map field value in merging list (three-way)',
        { mergingList: [{ name: 1, value: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ name: 1, value: 'a' }] },
        { mergingList: [{ name: 1, value: 'a', other: 'a' }, { name: 2, value: 2, other: 'b' }] },
      ],
      [
        'delete map from merging list (three-way)',
        { mergingList: [{ name: 1 }, { name: 2, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 2 }], mergingList: [{ name: 1, $patch: 'delete' }] },
        { mergingList: [{ name: 2, other: 'b' }] },
      ],
      [
        'delete missing map from merging list with conflict (three-way)',
        { mergingList: [{ name: 3, other: 'a' }] },
        { '$setElementOrder/mergingList': [{ name: 2 }], mergingList: [{ name: 2 }, { name: 1, $patch: 'delete' }] },
        { mergingList: [{ name: 2 }, { name: 3, other: 'a' }] },
      ],
      [
        'add map and delete map from merging list (three-way)',
        { mergingList: [{ name: 1 }, { name: 2, other: 'b' }, { name: 4, other: 'c' }] },
        { '$setElementOrder/mergingList': [{ name: 2 }, { name: 3 }], mergingList: [{ name: 3 }, { name: 1, $patch: 'delete' }] },
        { mergingList: [{ name: 2, other: 'b' }, { name: 4, other: 'c' }, { name: 3 }] },
      ],
      [
        'add map and delete map from merging list with conflict (three-way)',
        { mergingList: [{ name: 1, other: 'a' }, { name: 4, other: 'c' }] },
        { '$setElementOrder/mergingList': [{ name: 2 }, { name: 3 }], mergingList: [{ name: 2 }, { name: 3 }, { name: 1, $patch: 'delete' }] },
        { mergingList: [{ name: 4, other: 'c' }, { name: 2 }, { name: 3 }] },
      ],
      [
        'delete field from map in merging list (three-way)',
        { mergingList: [{ name: 1, value: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ name: 1, value: null }] },
        { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
      ],
      [
        'replace non merging list nested in merging list (three-way)',
        { mergingList: [{ name: 1, other: 'a', nonMergingList: [{ name: 1 }, { name: 2, value: 2 }] }, { name: 2, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ name: 1, nonMergingList: [{ name: 1, value: 1 }] }] },
        { mergingList: [{ name: 1, other: 'a', nonMergingList: [{ name: 1, value: 1 }] }, { name: 2, other: 'b' }] },
      ],
      [
        'add field to map in merging list nested in merging list (three-way)',
        { mergingList: [{ name: 1, other: 'a', mergingList: [{ name: 1 }, { name: 2, value: 2 }] }, { name: 2, other: 'b' }] },
        { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], name: 1, mergingList: [{ name: 1, value: 1 }] }] },
        { mergingList: [{ name: 1, other: 'a', mergingList: [{ name: 1, value: 1 }, { name: 2, value: 2 }] }, { name: 2, other: 'b' }] },
      ],
      [
        'add map to merging list by pointer (three-way)',
        { mergeItemPtr: [{ name: 1, other: 'a' }, { name: 3 }] },
        { '$setElementOrder/mergeItemPtr': [{ name: 1 }, { name: 2 }], mergeItemPtr: [{ name: 2 }] },
        { mergeItemPtr: [{ name: 1, other: 'a' }, { name: 2 }, { name: 3 }] },
      ],
      [
        'merge lists of scalars (three-way)',
        { mergingIntList: [1, 2, 4] },
        { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3] },
        { mergingIntList: [1, 2, 3, 4] },
      ],
      [
        'add an item in a list of primitives and preserve order (three-way)',
        { mergingIntList: [1, 4, 2] },
        { '$setElementOrder/mergingIntList': [3, 1, 2], mergingIntList: [3] },
        { mergingIntList: [3, 1, 4, 2] },
      ],
      [
        'set elements order in a list with server-only items 3 (three-way)',
        { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 3, value: 3 }, { name: 4, value: 4 }] },
        { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] },
        { mergingList: [{ name: 2, value: 2 }, { name: 1, other: 'a' }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 4, value: 4 }, { name: 3, value: 3 }] },
      ],
      [
        'set elements order in a int list with server-only items 3 (three-way)',
        { mergingIntList: [1, 2, 7, 9, 8, 3, 4] },
        { '$setElementOrder/mergingIntList': [2, 1, 4, 3] },
        { mergingIntList: [2, 1, 7, 9, 8, 4, 3] },
      ],
      [
        'behavior of set element order for a merging list with duplicate (three-way)',
        { mergingList: [{ name: 1 }, { name: 2, value: 'dup1' }, { name: 3 }, { name: 2, value: 'dup2' }, { name: 4 }] },
        { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }, { name: 2 }] },
        { mergingList: [{ name: 2, value: 'dup1' }, { name: 2, value: 'dup2' }, { name: 1 }, { name: 4 }, { name: 3 }] },
      ],
      [
        'retainKeys map should clear defaulted field with conflict (discriminated union) (three-way)',
        { retainKeysMap: { name: 'type1', value: 'foo' } },
        { retainKeysMap: { $retainKeys: ['name', 'other'], name: 'type2', other: 'bar' } },
        { retainKeysMap: { name: 'type2', other: 'bar' } },
      ],
      [
        'retainKeys map adds an item and deletes an item in nested merging int list (three-way)',
        { retainKeysMap: { name: 'foo', mergingIntList: [1, 2, 3, 4] } },
        { retainKeysMap: { $retainKeys: ['mergingIntList', 'name'], mergingIntList: [5], '$deleteFromPrimitiveList/mergingIntList': [2], '$setElementOrder/mergingIntList': [1, 3, 5] } },
        { retainKeysMap: { name: 'foo', mergingIntList: [1, 3, 5, 4] } },
      ],
      [
        'retainKeys map deletes an item in nested merging list (three-way)',
        { retainKeysMap: { name: 'foo', mergingList: [{ name: 'a' }, { name: 'b' }, { name: 'x' }] } },
        { retainKeysMap: { $retainKeys: ['mergingList', 'name'], '$setElementOrder/mergingList': [{ name: 'a' }], mergingList: [{ name: 'b', $patch: 'delete' }] } },
        { retainKeysMap: { name: 'foo', mergingList: [{ name: 'a' }, { name: 'x' }] } },
      ],
      [
        'retainKeys list of maps adds a field and clear a field (three-way)',
        { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', other: 'x' }] },
        { '$setElementOrder/retainKeysMergingList': [{ name: 'bar' }, { name: 'foo' }], retainKeysMergingList: [{ $retainKeys: ['name', 'value'], name: 'foo', value: 'a' }] },
        { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a' }] },
      ],
      [
        'delete and reorder in one list, reorder in another (three-way)',
        { mergingList: [{ name: 'a', value: 'a' }, { name: 'b', value: 'b' }], mergeItemPtr: [{ name: 'c', value: 'c' }, { name: 'd', value: 'd' }] },
        { '$setElementOrder/mergingList': [{ name: 'b' }], '$setElementOrder/mergeItemPtr': [{ name: 'd' }, { name: 'c' }], mergingList: [{ $patch: 'delete', name: 'a' }] },
        { mergingList: [{ name: 'b', value: 'b' }], mergeItemPtr: [{ name: 'd', value: 'd' }, { name: 'c', value: 'c' }] },
      ],
      [
        'replace RawExtension field, rest unchanched (three-way)',
        { name: 'my-object', value: 'some-value', other: 'current-other', mergingList: [{ name: 1 }, { name: 2 }, { name: 3 }], replacingItem: { Some: 'Generic', Yaml: 'Inside', The: 'RawExtension', Field: 'Period' } },
        { replacingItem: { Newly: 'Modified', Yaml: 'Inside', The: 'RawExtension' } },
        { name: 'my-object', value: 'some-value', other: 'current-other', mergingList: [{ name: 1 }, { name: 2 }, { name: 3 }], replacingItem: { Newly: 'Modified', Yaml: 'Inside', The: 'RawExtension' } },
      ],
    ]
    for (const [description, original, patch, expected] of cases) {
      it(description, () => {
        expect(strategicMergePatch(original, patch, mergeItem)).to.deep.equal(expected)
      })
    }
  })

  describe('fields without patch metadata (TestUnknownField)', () => {
    const none: PatchMetaLookup = () => undefined
    const cases: Case[] = [
      ['discard nulls in nested and adds not nulls', { name: 'foo' }, { complex_nullable: { key: { keynotnull: 'value', keynull: null } } }, { name: 'foo', complex_nullable: { key: { keynotnull: 'value' } } }],
      ['discard if modified all nulls', {}, { complex: { nested: null } }, { complex: {} }],
      ['filter nulls from nested slices', {}, { complex_nullable: [{ inner_one: { key_one: 'foo', key_two: null } }] }, { complex_nullable: [{ inner_one: { key_one: 'foo' } }] }],
      ['not filter nulls from non-associative slice', {}, { complex_nullable: ['key1', null, 'key2'] }, { complex_nullable: ['key1', null, 'key2'] }],
      ['null values in original are preserved', { thing: null }, { nested: { value: 5 } }, { thing: null, nested: { value: 5 } }],
      ['removed only', { name: 'foo', scalar: true, complex: { nested: true }, array: [1, 2, 3] }, { complex: null, scalar: null }, { name: 'foo', array: [1, 2, 3] }],
      ['lists are replaced', { array: [1, 2, 3], list: [{ a: 1 }] }, { array: [3], list: [{ b: 2 }] }, { array: [3], list: [{ b: 2 }] }],
      ['a map replacing a scalar is cleaned like a new field', { x: 'scalar' }, { x: { a: null, b: { $patch: 'delete' }, c: 1 } }, { x: { c: 1 } }],
      ['$patch: replace on a field the original lacks drops it', {}, { x: { $patch: 'replace', a: 1 } }, {}],
    ]
    for (const [description, original, patch, expected] of cases) {
      it(description, () => {
        expect(strategicMergePatch(original, patch, none)).to.deep.equal(expected)
      })
    }
  })

  describe('Deployment and ConfigMap patches', () => {
    const pod = (containers: unknown[], extra: Doc = {}): Doc => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'patch-demo', namespace: 'default' },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers, ...extra } } },
    })

    it('merges a new container by name; it goes first, as in the kubectl patch docs', () => {
      const original = pod([{ name: 'patch-demo-ctr', image: 'nginx' }], { tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }] })
      const patch = { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } }
      expect(strategicMergePatch(original, patch, deployment)).to.deep.equal(
        pod(
          [
            { name: 'patch-demo-ctr-2', image: 'redis' },
            { name: 'patch-demo-ctr', image: 'nginx' },
          ],
          { tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }] },
        ),
      )
    })

    it('replaces a list without patch strategy (tolerations)', () => {
      const original = pod([{ name: 'c', image: 'nginx' }], { tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }] })
      const patch = { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } }
      expect(strategicMergePatch(original, patch, deployment)).to.deep.equal(pod([{ name: 'c', image: 'nginx' }], { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }))
    })

    it('changes one container in place (kubectl set image)', () => {
      const original = pod([
        { name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }] },
        { name: 'sidecar', image: 'busybox' },
      ])
      const patch = { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:2' }] } } } }
      expect(strategicMergePatch(original, patch, deployment)).to.deep.equal(
        pod([
          { name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }] },
          { name: 'sidecar', image: 'busybox:2' },
        ]),
      )
    })

    it('applies a kubectl apply patch: nested $setElementOrder, env delete and port merge', () => {
      const original = pod([
        { name: 'app', image: 'nginx', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] },
        { name: 'sidecar', image: 'busybox' },
      ])
      const patch = {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
              containers: [
                {
                  name: 'app',
                  '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
                  env: [{ name: 'C', value: '3' }, { name: 'B', $patch: 'delete' }],
                  '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 8443 }],
                  ports: [{ containerPort: 8443, protocol: 'TCP' }],
                },
              ],
            },
          },
        },
      }
      expect(strategicMergePatch(original, patch, deployment)).to.deep.equal(
        pod([
          {
            name: 'app',
            image: 'nginx',
            env: [{ name: 'A', value: '1' }, { name: 'C', value: '3' }],
            ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8443, protocol: 'TCP' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ]),
      )
    })

    it('clears the old volume source with $retainKeys (strategy merge,retainKeys)', () => {
      const original = pod([{ name: 'c' }], { volumes: [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] })
      const patch = { spec: { template: { spec: { volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cfg' } }] } } } }
      expect(strategicMergePatch(original, patch, deployment)).to.deep.equal(pod([{ name: 'c' }], { volumes: [{ name: 'data', configMap: { name: 'cfg' } }, { name: 'tmp', emptyDir: {} }] }))
    })

    it('switches the rollout strategy with $retainKeys (strategy retainKeys)', () => {
      const original = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } }
      const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }
      expect(strategicMergePatch(original, patch, deployment)).to.deep.equal({ spec: { strategy: { type: 'Recreate' } } })
    })

    it('adds the template annotation kubectl rollout restart sends', () => {
      const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } } } } }
      const result = strategicMergePatch(pod([{ name: 'c' }]), patch, deployment) as { spec: { template: { metadata: unknown } } }
      expect(result.spec.template.metadata).to.deep.equal({ labels: { app: 'nginx' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } })
    })

    it('applies the ConfigMap patch of kubectl apply (changed key, new last-applied annotation)', () => {
      const lastApplied = '{"apiVersion":"v1","data":{"a":"changed","b":"2"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"cm","namespace":"default"}}\n'
      const original = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'cm',
          namespace: 'default',
          resourceVersion: '7',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap"}\n', team: 'x' },
        },
        data: { a: '1', b: '2' },
      }
      const patch = { data: { a: 'changed' }, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } } }
      expect(strategicMergePatch(original, patch, tableLookup({}))).to.deep.equal({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', namespace: 'default', resourceVersion: '7', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied, team: 'x' } },
        data: { a: 'changed', b: '2' },
      })
    })

    it('deletes a ConfigMap key removed from the applied file', () => {
      const original = { kind: 'ConfigMap', data: { a: '1', b: '2' } }
      expect(strategicMergePatch(original, { data: { b: null } }, tableLookup({}))).to.deep.equal({ kind: 'ConfigMap', data: { a: '1' } })
    })
  })

  describe('objectMetaPatchMeta and tableLookup', () => {
    it('carries ObjectMeta struct tags', () => {
      expect(objectMetaPatchMeta).to.deep.equal({
        ownerReferences: { strategies: ['merge'], mergeKey: 'uid' },
        finalizers: { strategies: ['merge'] },
      })
    })

    it('answers exact dotted paths from the table', () => {
      expect(deployment(['spec', 'template', 'spec', 'containers'])).to.deep.equal({ strategies: ['merge'], mergeKey: 'name' })
      expect(deployment(['spec', 'template', 'spec', 'containers', 'ports'])).to.deep.equal({ strategies: ['merge'], mergeKey: 'containerPort' })
      expect(deployment(['spec', 'template', 'spec', 'initContainers'])).to.equal(undefined)
    })

    it('falls back to ObjectMeta at the root and under pod, job and claim templates only', () => {
      const lookup = tableLookup({})
      const finalizers = { strategies: ['merge'] }
      expect(lookup(['metadata', 'finalizers'])).to.deep.equal(finalizers)
      expect(lookup(['metadata', 'ownerReferences'])).to.deep.equal({ strategies: ['merge'], mergeKey: 'uid' })
      expect(lookup(['spec', 'template', 'metadata', 'finalizers'])).to.deep.equal(finalizers)
      expect(lookup(['spec', 'jobTemplate', 'metadata', 'finalizers'])).to.deep.equal(finalizers)
      expect(lookup(['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'ownerReferences'])).to.deep.equal({ strategies: ['merge'], mergeKey: 'uid' })
      expect(lookup(['spec', 'volumeClaimTemplates', 'metadata', 'finalizers'])).to.deep.equal(finalizers)
      expect(lookup(['spec', 'metadata', 'finalizers'])).to.equal(undefined)
      expect(lookup(['metadata', 'managedFields'])).to.equal(undefined)
      expect(lookup(['metadata', 'constructor'])).to.equal(undefined)
      expect(lookup(['finalizers'])).to.equal(undefined)
    })

    it('lets the table override the ObjectMeta fallback', () => {
      expect(tableLookup({ 'metadata.finalizers': { strategies: ['replace'] } })(['metadata', 'finalizers'])).to.deep.equal({ strategies: ['replace'] })
    })

    it('merges finalizers as a set and deletes from them', () => {
      const original = { metadata: { name: 'x', finalizers: ['a', 'b'] } }
      expect(strategicMergePatch(original, { metadata: { finalizers: ['b', 'c'] } }, tableLookup({}))).to.deep.equal({ metadata: { name: 'x', finalizers: ['a', 'b', 'c'] } })
      // Without $setElementOrder a value the list lacks goes first (mergeSortedSlice).
      expect(strategicMergePatch(original, { metadata: { finalizers: ['c'] } }, tableLookup({}))).to.deep.equal({ metadata: { name: 'x', finalizers: ['c', 'a', 'b'] } })
      expect(strategicMergePatch(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, tableLookup({}))).to.deep.equal({ metadata: { name: 'x', finalizers: ['b'] } })
    })

    it('merges ownerReferences by uid', () => {
      const original = { metadata: { ownerReferences: [{ uid: '1', kind: 'ReplicaSet', name: 'rs', controller: true }, { uid: '2', kind: 'Foo', name: 'f' }] } }
      const patch = { metadata: { ownerReferences: [{ uid: '2', blockOwnerDeletion: true }, { uid: '1', $patch: 'delete' }] } }
      expect(strategicMergePatch(original, patch, tableLookup({}))).to.deep.equal({ metadata: { ownerReferences: [{ uid: '2', kind: 'Foo', name: 'f', blockOwnerDeletion: true }] } })
    })

    it('replaces finalizers of an embedded metadata the fallback does not cover', () => {
      const original = { spec: { metadata: { finalizers: ['a'] } } }
      expect(strategicMergePatch(original, { spec: { metadata: { finalizers: ['b'] } } }, tableLookup({}))).to.deep.equal({ spec: { metadata: { finalizers: ['b'] } } })
    })
  })

  describe('errors', () => {
    // description, original, patch, kube's message, HTTP code (interpretStrategicMergePatchError)
    const cases: [string, Doc, Doc, string, number][] = [
      ['unknown $patch in a map', { a: 1 }, { $patch: 'x', a: 2 }, 'unknown patch type: x in map: map[$patch:x a:2]', 500],
      ['$patch: merge in a map', { m: { a: 1 } }, { m: { $patch: 'merge' } }, 'unknown patch type: merge in map: map[$patch:merge]', 500],
      ['non-string $patch', { m: { a: 1 } }, { m: { $patch: 7 } }, 'unknown patch type: %!s(int64=7) in map: map[$patch:7]', 500],
      ['unknown $patch in a merging list item', { mergingList: [{ name: 1 }] }, { mergingList: [{ name: 1, $patch: 'bogus' }] }, 'unknown patch type: bogus in map: map[$patch:bogus name:1]', 500],
      ['$patch: merge in a merging list', { mergingList: [{ name: 1 }] }, { mergingList: [{ $patch: 'merge' }] }, 'merging lists cannot yet be specified in the patch', 500],
      ['missing merge key should error out', { mergingList: [{ name: 1, value: 'a' }] }, { mergingList: [{ value: 'b' }] }, 'map: map[value:b] does not contain declared merge key: name', 500],
      ['$patch: delete without the merge key', { mergingList: [{ name: 1 }] }, { mergingList: [{ $patch: 'delete' }] }, 'map: map[$patch:delete] does not contain declared merge key: name', 500],
      [
        'should check if order in $setElementOrder and patch list match',
        { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
        { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
        "The order in patch list:\n[map[name:3 value:3] map[name:1 value:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n",
        500,
      ],
      [
        'should check if order in $setElementOrder and patch int list match',
        { mergingIntList: [1, 3, 2] },
        { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3, 1] },
        "The order in patch list:\n[3 1]\n doesn't match $setElementOrder list:\n[1 2 3]\n",
        500,
      ],
      ['$setElementOrder that is not a list', { mergingList: [] }, { '$setElementOrder/mergingList': 'x' }, 'expected a []interface {}, but received a string', 500],
      ['$setElementOrder with a bad prefix', {}, { '$setElementOrderX/mergingList': [] }, 'invalid patch format of setElementOrder list', 400],
      ['$deleteFromPrimitiveList with a bad prefix', {}, { '$deleteFromPrimitiveListX/mergingIntList': [1] }, 'invalid patch format of primitive list', 400],
      ['$retainKeys that is not a list', { retainKeysMap: { name: 'a' } }, { retainKeysMap: { $retainKeys: 'name' } }, 'invalid patch format of retainKeys', 400],
      ['a patched key missing from $retainKeys', { retainKeysMap: { name: 'a' } }, { retainKeysMap: { $retainKeys: ['name'], value: 'b' } }, 'invalid patch format of retainKeys', 400],
      ['lists of lists', { mergingIntList: [[1]] }, { mergingIntList: [[2]] }, 'lists of lists are not supported', 422],
      ['mixed element types', { mergingIntList: [1, 2] }, { mergingIntList: ['a'] }, 'list element types are not identical: [[1 2] [a]]', 500],
      ['ints and floats are different types to Go', { mergingIntList: [1, 2] }, { mergingIntList: [2.5] }, 'list element types are not identical: [[1 2] [2.5]]', 500],
    ]
    for (const [description, original, patch, message, code] of cases) {
      it(description, () => expectError(() => strategicMergePatch(original, patch, mergeItem), message, code))
    }

    it('refuses a merge strategy without merge key on a list of maps', () => {
      const lookup: PatchMetaLookup = () => ({ strategies: ['merge'] })
      expectError(() => strategicMergePatch({ l: [{ a: 1 }] }, { l: [{ a: 2 }] }, lookup), 'cannot merge lists without merge key for struct', 500)
    })

    it('refuses more than one strategy besides retainKeys', () => {
      const lookup: PatchMetaLookup = () => ({ strategies: ['merge', 'replace'] })
      expectError(() => strategicMergePatch({ m: {} }, { m: { a: 1 } }, lookup), 'unexpected patch strategy: [merge replace]', 500)
    })

    it('refuses documents that are not JSON objects (ErrBadJSONDoc)', () => {
      expectError(() => strategicMergePatch([] as unknown as Doc, {}, mergeItem), 'invalid JSON document', 400)
      expectError(() => strategicMergePatch({}, null as unknown as Doc, mergeItem), 'invalid JSON document', 400)
    })

    it('is an Error with its own name', () => {
      const err = new StrategicMergePatchError('boom')
      expect(err).to.be.instanceOf(Error)
      expect(err.name).to.equal('StrategicMergePatchError')
      expect(err.code).to.equal(500)
    })
  })

  describe('purity', () => {
    it('leaves original and patch untouched', () => {
      const original = { mergingList: [{ name: 1 }, { name: 2, value: 'b' }], simpleMap: { a: 1 }, mergingIntList: [1, 2] }
      const patch = {
        '$setElementOrder/mergingList': [{ name: 2 }, { name: 3 }],
        mergingList: [{ name: 3, x: null }, { name: 1, $patch: 'delete' }],
        simpleMap: { a: null, b: { c: null } },
        '$deleteFromPrimitiveList/mergingIntList': [1],
      }
      const before = structuredClone({ original, patch })
      const result = strategicMergePatch(original, patch, mergeItem)
      expect({ original, patch }).to.deep.equal(before)
      // Go appends a new merge-list item as sent, nulls included; only new map fields are cleaned.
      expect(result).to.deep.equal({ mergingList: [{ name: 2, value: 'b' }, { name: 3, x: null }], simpleMap: { b: {} }, mergingIntList: [2] })
    })

    it('keeps a "__proto__" key an own property', () => {
      const result = strategicMergePatch({ a: 1 }, JSON.parse('{"__proto__":{"polluted":true}}') as Doc, mergeItem)
      expect(Object.getPrototypeOf(result)).to.equal(Object.prototype)
      expect(Object.hasOwn(result, '__proto__')).to.equal(true)
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined)
    })
  })
})
