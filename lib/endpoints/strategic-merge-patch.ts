/**
 * @module lib/endpoints/strategic-merge-patch
 * Server side of application/strategic-merge-patch+json: apimachinery
 * pkg/util/strategicpatch/patch.go StrategicMergeMapPatch (mergeMap, mergeSlice and the
 * directives $patch, $retainKeys, $setElementOrder/<f>, $deleteFromPrimitiveList/<f>) over plain
 * JSON. Go reads each field's patchStrategy/patchMergeKey from struct tags; here a PatchMetaLookup
 * answers by field path. Results, list orders and error texts follow the Go code, including the
 * quirks its own tests pin down (new merge-list items go first unless $setElementOrder says
 * otherwise, $patch: merge is refused).
 */

/** A field's patchStrategy (comma separated in Go: "merge,retainKeys") and patchMergeKey tags. */
export interface PatchMeta {
  strategies: ('merge' | 'replace' | 'retainKeys')[]
  mergeKey?: string
}

/**
 * Patch metadata of the field at `path`: the map keys from the object root to the field; list
 * items add no segment (['spec','template','spec','containers','ports']). undefined means no tags,
 * i.e. maps merge and lists are replaced.
 */
export type PatchMetaLookup = (path: readonly string[]) => PatchMeta | undefined

/**
 * HTTP status kube-apiserver answers with (handlers/patch.go interpretStrategicMergePatchError):
 * 400 BadRequest for malformed documents and directives, 422 for lists of lists, and for every
 * other failure a bare Status with code 500, because apiserver passes those errors through as is.
 */
export type StrategicMergePatchErrorCode = 400 | 422 | 500

export class StrategicMergePatchError extends Error {
  readonly code: StrategicMergePatchErrorCode

  constructor(message: string, code: StrategicMergePatchErrorCode = 500) {
    super(message)
    this.name = 'StrategicMergePatchError'
    this.code = code
  }
}

/** metav1.ObjectMeta's struct tags, keyed by field name under metadata. */
export const objectMetaPatchMeta: Record<string, PatchMeta> = {
  ownerReferences: { strategies: ['merge'], mergeKey: 'uid' },
  finalizers: { strategies: ['merge'] },
}

/** Parents whose `metadata` is an ObjectMeta in the built-in types: pod, job and PVC templates. */
const objectMetaParents: ReadonlySet<string> = new Set(['template', 'jobTemplate', 'volumeClaimTemplates'])

/**
 * A lookup over a table keyed by dotted path ('metadata.ownerReferences',
 * 'spec.template.spec.containers', 'spec.template.spec.containers.ports'). Paths the table does
 * not name fall back to objectMetaPatchMeta for `metadata.<field>` at the root and for embedded
 * ObjectMeta under `template`, `jobTemplate` and `volumeClaimTemplates` (so
 * 'spec.template.metadata.finalizers' merges); the table wins where both speak.
 */
export function tableLookup(table: Record<string, PatchMeta>): PatchMetaLookup {
  return (path) => {
    const dotted = path.join('.')
    if (Object.hasOwn(table, dotted)) return table[dotted]
    const n = path.length
    if (n >= 2 && path[n - 2] === 'metadata' && (n === 2 || objectMetaParents.has(path[n - 3]!))) {
      const field = path[n - 1]!
      if (Object.hasOwn(objectMetaPatchMeta, field)) return objectMetaPatchMeta[field]
    }
    return undefined
  }
}

/**
 * Applies `patch` to `original` as kube-apiserver does for a strategic merge patch. Pure: both
 * inputs are copied first, since the Go algorithm works by mutating its maps in place.
 * @throws StrategicMergePatchError with kube's message (see StrategicMergePatchErrorCode).
 */
export function strategicMergePatch(original: Record<string, unknown>, patch: Record<string, unknown>, lookup: PatchMetaLookup): Record<string, unknown> {
  // Go unmarshals both documents into map[string]interface{}; anything else is ErrBadJSONDoc.
  if (!isMap(original) || !isMap(patch)) throw new StrategicMergePatchError(errBadJSONDoc, 400)
  return mergeMap(clone(original) as JsonMap, clone(patch) as JsonMap, [], lookup)
}

type JsonMap = Record<string, unknown>

/** Go's view of a decoded JSON value's dynamic type, as reflect.TypeOf sees it. */
type GoKind = 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' | 'nil'

const directiveMarker = '$patch'
const deleteDirective = 'delete'
const replaceDirective = 'replace'
const mergeDirective = 'merge'
const retainKeysDirective = '$retainKeys'
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList'
const setElementOrderPrefix = '$setElementOrder'

// mergepatch/errors.go sentinels; those interpretStrategicMergePatchError maps to 400 or 422.
const errBadJSONDoc = 'invalid JSON document'
const errNoListOfLists = 'lists of lists are not supported'
const errBadPatchFormatForPrimitiveList = 'invalid patch format of primitive list'
const errBadPatchFormatForRetainKeys = 'invalid patch format of retainKeys'
const errBadPatchFormatForSetElementOrderList = 'invalid patch format of setElementOrder list'

const goMapType = 'map[string]interface {}'
const goSliceType = '[]interface {}'

function fail(message: string, code: StrategicMergePatchErrorCode = 500): never {
  throw new StrategicMergePatchError(message, code)
}

function errNoMergeKey(m: unknown, key: string): never {
  fail(`map: ${goFormat(m)} does not contain declared merge key: ${key}`)
}

function errBadArgType(expected: string, actual: unknown): never {
  fail(`expected a ${expected}, but received a ${goTypeName(actual)}`)
}

function errBadPatchType(directive: unknown, m: JsonMap): never {
  fail(`unknown patch type: ${goFormat(directive, 's')} in map: ${goFormat(m)}`)
}

// ---------------------------------------------------------------------------------------------
// Maps

function mergeMap(original: JsonMap | null, patch: JsonMap, path: readonly string[], lookup: PatchMetaLookup): JsonMap {
  if (Object.hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker], patch)
  const target = original ?? {}
  applyRetainKeysDirective(target, patch)
  // $setElementOrder lists are merged (with their list) before anything else and removed from
  // the patch, so the loop below never sees them.
  mergePatchIntoOriginal(target, patch, path, lookup)

  for (const key of Object.keys(patch)) {
    const patchV = patch[key]
    let k = key
    let isDeleteList = false
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      // Go keeps the prefixed key when nothing follows the slash; mirrored for the same outcome.
      k = extractKey(key, deleteFromPrimitiveListPrefix) || key
      isDeleteList = true
    }
    // Server side (IgnoreUnmatchedNulls): null deletes, and is never stored.
    if (patchV === null) {
      delete target[k]
      continue
    }
    if (!Object.hasOwn(target, k) || coarseKind(target[k]) !== coarseKind(patchV)) {
      // A deletion list for a field that is not a list here has nothing to delete.
      if (!isDeleteList) putPatchValue(target, k, patchV)
      continue
    }
    const originalV = target[k]
    if (isMap(originalV)) {
      const strategy = patchStrategy(lookup([...path, k]))
      setKey(target, k, strategy === replaceDirective ? patchV : mergeMap(originalV, patchV as JsonMap, [...path, k], lookup))
    } else if (Array.isArray(originalV)) {
      const meta = lookup([...path, k])
      setKey(target, k, mergeSliceHandler(originalV, patchV as unknown[], patchStrategy(meta), meta?.mergeKey ?? '', isDeleteList, [...path, k], lookup))
    } else {
      setKey(target, k, patchV)
    }
  }
  return target
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === replaceDirective) {
    // The patch is the new map, taken as it is (nested directives and nulls included).
    delete patch[directiveMarker]
    return patch
  }
  if (directive === deleteDirective) return {}
  // $patch: merge is not accepted on maps either: Go only knows replace and delete here.
  return errBadPatchType(directive, patch)
}

/** A value the original lacks (or holds with another type) is taken from the patch, cleaned. */
function putPatchValue(target: JsonMap, k: string, patchV: unknown): void {
  discardNullValues(patchV)
  const [v, keep] = removeDirectives(patchV)
  if (keep) setKey(target, k, v)
  else delete target[k]
}

/** Clears the original's keys missing from $retainKeys, after checking the patch keeps to it. */
function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return
  const list = patch[retainKeysDirective]
  delete patch[retainKeysDirective]
  if (!Array.isArray(list)) fail(errBadPatchFormatForRetainKeys, 400)
  const retained = new Set(list)
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue
    if (!retained.has(k)) fail(errBadPatchFormatForRetainKeys, 400)
  }
  for (const k of Object.keys(original)) {
    if (!retained.has(k)) delete original[k]
  }
}

/**
 * Processes every $setElementOrder/<field>: merges <field> from the patch (if any) into the
 * original, then orders the result: $setElementOrder first, then the order in the patch, then the
 * order of the live list (design proposal preserve-order-in-strategic-merge-patch).
 */
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, path: readonly string[], lookup: PatchMetaLookup): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix) || !Object.hasOwn(patch, key)) continue
    const setOrder = patch[key]
    delete patch[key]
    if (!Array.isArray(setOrder)) errBadArgType(goSliceType, setOrder)
    const field = extractKey(key, setElementOrderPrefix)

    const foundOriginal = Object.hasOwn(original, field)
    const foundPatch = Object.hasOwn(patch, field)
    let originalList: unknown[] = []
    let patchList: unknown[] = []
    if (foundOriginal) {
      const v = original[field]
      if (!Array.isArray(v)) errBadArgType(goSliceType, v)
      originalList = v
    }
    if (foundPatch) {
      const v = patch[field]
      if (!Array.isArray(v)) errBadArgType(goSliceType, v)
      patchList = v
    }
    const meta = lookup([...path, field])
    const strategy = patchStrategy(meta)
    const mergeKey = meta?.mergeKey ?? ''
    validatePatchWithSetOrderList(patchList, setOrder, mergeKey)

    let merged: unknown[]
    if (foundOriginal && !foundPatch) {
      merged = originalList
    } else if (!foundOriginal && foundPatch) {
      merged = removeDirectives(patchList)[0] as unknown[]
    } else if (foundOriginal && foundPatch) {
      merged = mergeSliceHandler(originalList, patchList, strategy, mergeKey, false, [...path, field], lookup)
    } else {
      continue
    }

    const [patchItems, serverOnly] = mergeKey === '' ? partitionPrimitives(merged, setOrder) : partitionMaps(merged, setOrder, mergeKey)
    const kind = sliceElementKind([originalList, patchList])
    // originalList is read after the merge on purpose: Go's mergeSlice deletes and appends in the
    // live list's backing array, and the server-side order it uses here is that array (the
    // surviving items, then as many new ones as fit). Kube's own expected results depend on it.
    setKey(original, field, normalizeElementOrder(patchItems, serverOnly, setOrder, originalList, mergeKey, kind))
    delete patch[field]
  }
}

/** The relative order of the patch list's items must agree with $setElementOrder. */
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return
  const nonDelete = mergeKey === '' ? patchList : extractToDeleteItems(patchList)[0]
  let p = 0
  let s = 0
  while (p < nonDelete.length && s < setOrder.length) {
    if (isMap(nonDelete[p]) && Object.hasOwn(nonDelete[p] as JsonMap, directiveMarker)) {
      p++
      continue
    }
    if (mergeKeyValueEqual(nonDelete[p], setOrder[s], mergeKey)) p++
    s++
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    fail(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(setOrder)}\n`)
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right
  if (!isMap(left)) errBadArgType(goMapType, left)
  if (!isMap(right)) errBadArgType(goMapType, right)
  if (!Object.hasOwn(left, mergeKey)) errNoMergeKey(left, mergeKey)
  if (!Object.hasOwn(right, mergeKey)) errNoMergeKey(right, mergeKey)
  return left[mergeKey] === right[mergeKey]
}

/** "$setElementOrder/containers" -> "containers"; a malformed key is a 400. */
function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/')
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    fail(prefix === deleteFromPrimitiveListPrefix ? errBadPatchFormatForPrimitiveList : errBadPatchFormatForSetElementOrderList, 400)
  }
  return key.slice(slash + 1)
}

// ---------------------------------------------------------------------------------------------
// Lists

function mergeSliceHandler(
  original: unknown[],
  patch: unknown[],
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
  path: readonly string[],
  lookup: PatchMetaLookup,
): unknown[] {
  // A deletion list applies whatever the field's strategy; anything but merge replaces the list.
  if (strategy === mergeDirective || isDeleteList) return mergeSlice(original, patch, mergeKey, isDeleteList, path, lookup)
  return patch
}

/**
 * Merges two lists. Lists of maps are worked in place on `original` the way Go's slices behave:
 * deletions shift its items left, and new items are written into the freed tail before the list
 * grows into a new array; mergePatchIntoOriginal reads that array afterwards as the live order.
 */
function mergeSlice(original: unknown[], patch: unknown[], mergeKey: string, isDeleteList: boolean, path: readonly string[], lookup: PatchMetaLookup): unknown[] {
  if (original.length === 0 && patch.length === 0) return original
  const kind = sliceElementKind([original, patch])

  if (kind !== 'map') {
    if (isDeleteList) {
      const doomed = new Set(patch)
      return original.filter((v) => !doomed.has(v))
    }
    // Lists of primitives merge as sets.
    const merged = [...new Set([...original, ...patch])]
    const [patchItems, serverOnly] = mergeKey === '' ? partitionPrimitives(merged, patch) : partitionMaps(merged, patch, mergeKey)
    return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind)
  }

  // Go names the element's reflect.Kind here, which for API types is always a struct.
  if (mergeKey === '') fail('cannot merge lists without merge key for struct')

  const capacity = original.length
  let length = capacity
  const plain: unknown[] = []
  let replace = false
  for (const v of patch) {
    const item = v as JsonMap
    if (!Object.hasOwn(item, directiveMarker)) {
      plain.push(v)
      continue
    }
    const directive = item[directiveMarker]
    if (directive === deleteDirective) {
      if (!Object.hasOwn(item, mergeKey)) errNoMergeKey(item, mergeKey)
      // Every item with that key goes (duplicates included), shifting the rest left in place.
      for (let i = findByMergeKey(original, length, mergeKey, item[mergeKey]); i >= 0; i = findByMergeKey(original, length, mergeKey, item[mergeKey])) {
        original.copyWithin(i, i + 1, length)
        length--
      }
    } else if (directive === replaceDirective) {
      replace = true // keep going: the other $patch items are still pruned (and deletes applied)
    } else if (directive === mergeDirective) {
      fail('merging lists cannot yet be specified in the patch')
    } else {
      errBadPatchType(directive, item)
    }
  }

  // With $patch: replace the list becomes the patch's other items, unmerged.
  const serverOrder = replace ? plain : original.slice(0, length)
  const patchOrder = replace ? [] : plain
  let merged: unknown[] = serverOrder
  if (!replace) {
    let arr = original
    let shared = true
    let positions = mergeKeyIndex(arr, length, mergeKey)
    for (const v of plain) {
      const item = v as JsonMap
      if (!Object.hasOwn(item, mergeKey)) errNoMergeKey(item, mergeKey)
      const value = item[mergeKey]
      const i = positions.find(value)
      if (i >= 0) {
        const merged = mergeMap(arr[i] as JsonMap, item, path, lookup)
        arr[i] = merged
        // Only a null merge key can be dropped by its own patch; then re-index like Go rescans.
        if (!Object.hasOwn(merged, mergeKey) || merged[mergeKey] !== value) positions = mergeKeyIndex(arr, length, mergeKey)
        continue
      }
      if (shared && length < capacity) {
        arr[length++] = v
      } else {
        if (shared) {
          arr = arr.slice(0, length)
          shared = false
        }
        arr.push(v)
        length++
      }
      positions.add(value, length - 1)
    }
    merged = shared ? arr.slice(0, length) : arr
  }

  const [patchItems, serverOnly] = partitionMaps(merged, patchOrder, mergeKey)
  return normalizeElementOrder(patchItems, serverOnly, patchOrder, serverOrder, mergeKey, kind)
}

/** Index of the first map among list[0, length) whose merge key equals value, or -1. */
function findByMergeKey(list: unknown[], length: number, mergeKey: string, value: unknown): number {
  for (let i = 0; i < length; i++) {
    const v = list[i]
    if (!isMap(v)) fail(`value for key ${i} is not a map`)
    if (Object.hasOwn(v, mergeKey) && v[mergeKey] === value) return i
  }
  return -1
}

interface MergeKeyIndex {
  /** What findByMergeKey answers, without rescanning the list. */
  find(value: unknown): number
  add(value: unknown, i: number): void
}

/** findByMergeKey over list[0, length) as a map lookup, for lists the patch is matched against. */
function mergeKeyIndex(list: unknown[], length: number, mergeKey: string): MergeKeyIndex {
  const first = new Map<unknown, number>()
  let firstNonMap = -1
  for (let i = 0; i < length; i++) {
    const v = list[i]
    if (!isMap(v)) {
      firstNonMap = i
      break
    }
    if (Object.hasOwn(v, mergeKey) && !first.has(v[mergeKey])) first.set(v[mergeKey], i)
  }
  return {
    find(value) {
      const i = first.get(value)
      if (i !== undefined) return i
      // Go's scan fails at the first item that is not a map, unless it matched before it.
      if (firstNonMap >= 0) fail(`value for key ${firstNonMap} is not a map`)
      return -1
    },
    add(value, i) {
      if (!first.has(value)) first.set(value, i)
    },
  }
}

/** The one element type of all the lists; mixed types and lists of lists are refused. */
function sliceElementKind(lists: unknown[][]): GoKind {
  let kind: GoKind | undefined
  for (const list of lists) {
    for (const v of list) {
      const k = goKind(v)
      if (kind === undefined) {
        if (k === 'slice') fail(errNoListOfLists, 422)
        kind = k
      } else if (k !== kind) {
        fail(`list element types are not identical: ${goFormat(lists)}`)
      }
    }
  }
  if (kind === undefined) fail('no elements in any of the given slices')
  return kind
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const inPatch = new Set(by)
  const patchItems: unknown[] = []
  const serverOnly: unknown[] = []
  for (const v of list) (inPatch.has(v) ? patchItems : serverOnly).push(v)
  return [patchItems, serverOnly]
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const patchItems: unknown[] = []
  const serverOnly: unknown[] = []
  const inPatch = mergeKeyIndex(by, by.length, mergeKey)
  for (const v of list) {
    if (!isMap(v)) errBadArgType(goMapType, v)
    if (!Object.hasOwn(v, mergeKey)) errNoMergeKey(v, mergeKey)
    ;(inPatch.find(v[mergeKey]) >= 0 ? patchItems : serverOnly).push(v)
  }
  return [patchItems, serverOnly]
}

/** Splits off the `$patch: delete` items, which sort after the others. */
function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = []
  const doomed: unknown[] = []
  for (const v of list) {
    if (!isMap(v)) errBadArgType(goMapType, v)
    ;(v[directiveMarker] === deleteDirective ? doomed : keep).push(v)
  }
  return [keep, doomed]
}

/**
 * Orders the patch's items by patchOrder and the server-only ones by serverOrder, then interleaves
 * them: a server-only item goes before a patch item only when both are in serverOrder and it
 * comes first there. So items the live list lacks (new ones) come before the rest.
 */
function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: GoKind): unknown[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind)
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind)
  const position = indexer(serverOrder, mergeKey, kind)
  const out: unknown[] = []
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    if (j >= right.length) {
      out.push(left[i++])
    } else if (i >= left.length) {
      out.push(right[j++])
    } else {
      const li = position(left[i])
      const ri = position(right[j])
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++])
    }
  }
  return out
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: GoKind): unknown[] {
  let items = toSort
  let doomed: unknown[] = []
  if (kind === 'map') {
    for (const list of [toSort, order]) {
      for (const v of list) {
        if (!isMap(v)) errBadArgType(goMapType, v)
        if (!Object.hasOwn(v, mergeKey)) errNoMergeKey(v, mergeKey)
      }
    }
    ;[items, doomed] = extractToDeleteItems(toSort)
  }
  return [...stableSortByOrder(items, indexer(order, mergeKey, kind)), ...doomed]
}

/**
 * Go's sort.SliceStable with less(a, b) = "both in order and a first, or either missing", an
 * inconsistent comparator once an item is missing. Go's insertion sort (all it runs up to 20
 * items) is reproduced as is; longer lists use a consistent stand-in, missing items last.
 */
function stableSortByOrder(items: unknown[], position: (v: unknown) => number): unknown[] {
  const keyed = items.map((v) => ({ v, p: position(v) }))
  if (keyed.length <= 20) {
    const less = (a: { p: number }, b: { p: number }): boolean => a.p < 0 || b.p < 0 || a.p < b.p
    for (let i = 1; i < keyed.length; i++) {
      for (let j = i; j > 0 && less(keyed[j]!, keyed[j - 1]!); j--) [keyed[j], keyed[j - 1]] = [keyed[j - 1]!, keyed[j]!]
    }
  } else {
    keyed.sort((a, b) => (a.p < 0 ? Infinity : a.p) - (b.p < 0 ? Infinity : b.p))
  }
  return keyed.map((e) => e.v)
}

/** Position of an item in `order` (by merge key for maps, by value otherwise), -1 if absent. */
function indexer(order: unknown[], mergeKey: string, kind: GoKind): (v: unknown) => number {
  // Go compares with ==, where a map lacking the key yields nil; first occurrence wins.
  const valueOf = kind === 'map' ? (v: unknown): unknown => (isMap(v) && Object.hasOwn(v, mergeKey) ? v[mergeKey] : null) : (v: unknown): unknown => v
  const first = new Map<unknown, number>()
  order.forEach((v, i) => {
    const key = valueOf(v)
    if (!first.has(key)) first.set(key, i)
  })
  return (v) => first.get(valueOf(v)) ?? -1
}

// ---------------------------------------------------------------------------------------------
// Helpers

function patchStrategy(meta: PatchMeta | undefined): string {
  const strategies = meta?.strategies ?? []
  // retainKeys only shapes how patches are computed; what matters when applying is the other one.
  switch (strategies.length) {
    case 0:
      return ''
    case 1:
      return strategies[0] === 'retainKeys' ? '' : strategies[0]!
    case 2:
      if (strategies[0] === 'retainKeys') return strategies[1]!
      if (strategies[1] === 'retainKeys') return strategies[0]!
  }
  return fail(`unexpected patch strategy: ${goFormat(strategies)}`)
}

/** Drops null map values, at any depth (lists are walked, their null items kept). */
function discardNullValues(v: unknown): void {
  if (Array.isArray(v)) {
    for (const item of v) discardNullValues(item)
  } else if (isMap(v)) {
    for (const [k, item] of Object.entries(v)) {
      if (item === null) delete v[k]
      else discardNullValues(item)
    }
  }
}

/** Removes maps carrying a $patch directive, at any depth; [value, keep]. */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (Array.isArray(v)) {
    const out: unknown[] = []
    for (const item of v) {
      const [nv, keep] = removeDirectives(item)
      if (keep) out.push(nv)
    }
    return [out, true]
  }
  if (isMap(v)) {
    if (Object.hasOwn(v, directiveMarker)) return [undefined, false]
    for (const [k, item] of Object.entries(v)) {
      const [nv, keep] = removeDirectives(item)
      if (keep) setKey(v, k, nv)
      else delete v[k]
    }
  }
  return [v, true]
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function goKind(v: unknown): GoKind {
  if (v === null || v === undefined) return 'nil'
  if (Array.isArray(v)) return 'slice'
  switch (typeof v) {
    case 'string':
      return 'string'
    case 'number':
      // Kube decodes patches preserving ints: integral numbers are int64, the rest float64.
      return Number.isInteger(v) ? 'int64' : 'float64'
    case 'boolean':
      return 'bool'
    default:
      return 'map'
  }
}

/** Map, list or scalar: whether two values take the merge path; scalars are replaced anyway. */
function coarseKind(v: unknown): string {
  const k = goKind(v)
  return k === 'map' || k === 'slice' || k === 'nil' ? k : 'scalar'
}

/** reflect.TypeOf(v) as ErrBadArgType prints it with %s. */
function goTypeName(v: unknown): string {
  switch (goKind(v)) {
    case 'map':
      return goMapType
    case 'slice':
      return goSliceType
    case 'nil':
      return '%!s(<nil>)'
    default:
      return goKind(v)
  }
}

/** fmt's %v (or %s) of a decoded JSON value, for error messages: map[k:v ...], [a b], <nil>. */
function goFormat(v: unknown, verb: 'v' | 's' = 'v'): string {
  if (Array.isArray(v)) return `[${v.map((item) => goFormat(item, verb)).join(' ')}]`
  const kind = goKind(v)
  if (kind === 'map') {
    const m = v as JsonMap
    const keys = Object.keys(m).sort()
    return `map[${keys.map((k) => `${k}:${goFormat(m[k], verb)}`).join(' ')}]`
  }
  if (kind === 'string') return v as string
  const text = kind === 'nil' ? '<nil>' : kind === 'float64' ? goFloat(v as number) : String(v)
  if (verb === 'v') return text
  return kind === 'nil' ? '%!s(<nil>)' : `%!s(${kind}=${text})`
}

/** %v of a float64: shortest digits, exponent form (two exponent digits) from 1e6 or below 1e-4. */
function goFloat(n: number): string {
  const [mantissa, exp] = n.toExponential().split('e') as [string, string]
  const e = Number(exp)
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
  return String(n)
}

/** Own-property assignment, safe for a "__proto__" key coming from JSON. */
function setKey(m: JsonMap, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(m, k, { value: v, writable: true, enumerable: true, configurable: true })
  else m[k] = v
}

/** A deep copy of decoded JSON, so the in-place algorithm never touches the caller's objects. */
function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone)
  if (isMap(v)) {
    const out: JsonMap = {}
    for (const [k, item] of Object.entries(v)) if (item !== undefined) setKey(out, k, clone(item))
    return out
  }
  return v
}
