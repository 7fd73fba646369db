/**
 * @module lib/endpoints/fieldmanager/fieldset
 * Sets of field paths (sigs.k8s.io/structured-merge-diff fieldpath.Set): who owns what in an object.
 * A path is a list of path elements written as in managedFields' FieldsV1: `f:<field>` (a field or
 * map key), `k:<json of the key fields>` (an item of a list map), `v:<json value>` (an item of a
 * set list), `i:<index>` (an item of any other list). A set is a tree: `members` are the paths that
 * end here, `children` the subtrees; that tree is exactly the FieldsV1 JSON, where "." marks a node
 * that is itself a member and also has children.
 */

/** One step of a path, in its FieldsV1 spelling. */
export type PathElement = string
export type Path = readonly PathElement[]

/** The FieldsV1 object: nested objects keyed by path elements, `{}` for leaves, "." for self. */
export type FieldsV1 = { [element: string]: FieldsV1 }

/** Thrown for a FieldsV1 document that does not decode. */
export class FieldsV1Error extends Error {}

export class FieldSet {
  readonly members = new Set<PathElement>()
  readonly children = new Map<PathElement, FieldSet>()

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet()
    for (const p of paths) s.insert(p)
    return s
  }

  insert(path: Path): void {
    if (path.length === 0) return
    const parent = path.slice(0, -1).reduce<FieldSet>((node, pe) => node.child(pe), this)
    parent.members.add(path[path.length - 1]!)
  }

  /** The subtree under one element, created on demand. */
  child(pe: PathElement): FieldSet {
    let c = this.children.get(pe)
    if (!c) {
      c = new FieldSet()
      this.children.set(pe, c)
    }
    return c
  }

  has(path: Path): boolean {
    const node = this.descend(path.slice(0, -1))
    return !!node && path.length > 0 && node.members.has(path[path.length - 1]!)
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false
    for (const c of this.children.values()) if (!c.isEmpty()) return false
    return true
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const m of this.members) out.members.add(m)
    for (const m of o.members) out.members.add(m)
    for (const [pe, c] of this.children) out.children.set(pe, o.children.has(pe) ? c.union(o.children.get(pe)!) : c.clone())
    for (const [pe, c] of o.children) if (!this.children.has(pe)) out.children.set(pe, c.clone())
    return out.pruned()
  }

  /** Paths in this set that are not in `o` (exact paths; a member of `o` does not remove children). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const m of this.members) if (!o.members.has(m)) out.members.add(m)
    for (const [pe, c] of this.children) {
      const oc = o.children.get(pe)
      out.children.set(pe, oc ? c.difference(oc) : c.clone())
    }
    return out.pruned()
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const m of this.members) if (o.members.has(m)) out.members.add(m)
    for (const [pe, c] of this.children) {
      const oc = o.children.get(pe)
      if (oc) out.children.set(pe, c.intersection(oc))
    }
    return out.pruned()
  }

  /** Paths in this set that neither are in `o` nor lie under a member of `o`. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const m of this.members) if (!o.members.has(m)) out.members.add(m)
    for (const [pe, c] of this.children) {
      if (o.members.has(pe)) continue
      const oc = o.children.get(pe)
      out.children.set(pe, oc ? c.recursiveDifference(oc) : c.clone())
    }
    return out.pruned()
  }

  /** True when a path of this set starts with `prefix` (the prefix itself included). */
  hasPrefix(prefix: Path): boolean {
    const node = this.descend(prefix.slice(0, -1))
    if (!node) return false
    const last = prefix[prefix.length - 1]!
    return node.members.has(last) || (node.children.get(last)?.isEmpty() === false)
  }

  /** The subtree at `path`, if any. */
  descend(path: Path): FieldSet | undefined {
    return path.reduce<FieldSet | undefined>((node, pe) => node?.children.get(pe), this)
  }

  clone(): FieldSet {
    const out = new FieldSet()
    for (const m of this.members) out.members.add(m)
    for (const [pe, c] of this.children) out.children.set(pe, c.clone())
    return out
  }

  /** Every member path: this level's members first, then each child, in FieldsV1 order (Set.Iterate). */
  paths(prefix: Path = []): PathElement[][] {
    const out: PathElement[][] = []
    for (const m of sortElements([...this.members])) out.push([...prefix, m])
    for (const pe of sortElements([...this.children.keys()])) out.push(...this.children.get(pe)!.paths([...prefix, pe]))
    return out
  }

  toFieldsV1(): FieldsV1 {
    const out: FieldsV1 = {}
    const all = sortElements([...new Set([...this.members, ...this.children.keys()])])
    for (const pe of all) {
      const c = this.children.get(pe)
      if (c && !c.isEmpty()) {
        const inner = c.toFieldsV1()
        out[pe] = this.members.has(pe) ? { '.': {}, ...inner } : inner
      } else {
        out[pe] = {}
      }
    }
    return out
  }

  static fromFieldsV1(doc: unknown): FieldSet {
    const out = new FieldSet()
    decodeInto(out, doc, 0)
    return out
  }

  private pruned(): FieldSet {
    for (const [pe, c] of this.children) if (c.isEmpty()) this.children.delete(pe)
    return this
  }
}

function decodeInto(set: FieldSet, doc: unknown, depth: number): void {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new FieldsV1Error('expected an object')
  if (depth > 200) throw new FieldsV1Error('too deeply nested')
  for (const [pe, sub] of Object.entries(doc as Record<string, unknown>)) {
    if (pe === '.') continue
    if (!/^[fkvi]:/.test(pe)) throw new FieldsV1Error(`unknown path element ${JSON.stringify(pe)}`)
    if (typeof sub !== 'object' || sub === null || Array.isArray(sub)) throw new FieldsV1Error(`expected an object at ${pe}`)
    const keys = Object.keys(sub)
    if (keys.length === 0 || keys.includes('.')) set.members.add(pe)
    if (keys.some((k) => k !== '.')) decodeInto(set.child(pe), sub, depth + 1)
  }
}

const kindOrder: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 }

/** PathElement.Compare: field names, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ka = kindOrder[a[0]!] ?? 4
  const kb = kindOrder[b[0]!] ?? 4
  if (ka !== kb) return ka - kb
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2))
  return a < b ? -1 : a > b ? 1 : 0
}

function sortElements(pes: PathElement[]): PathElement[] {
  return pes.sort(comparePathElements)
}

/** fieldpath.Path.String(): `.spec.containers[name="nginx"].image`, `[="a"]`, `[0]`. */
export function pathString(path: Path): string {
  return path.map(elementString).join('')
}

function elementString(pe: PathElement): string {
  const body = pe.slice(2)
  switch (pe[0]) {
    case 'f':
      return `.${body}`
    case 'k': {
      const key = JSON.parse(body) as Record<string, unknown>
      return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`
    }
    case 'v':
      return `[=${body}]`
    default:
      return `[${body}]`
  }
}

export function fieldElement(name: string): PathElement {
  return `f:${name}`
}

/** k:{...} with the key fields in name order, as structured-merge-diff sorts them. */
export function keyElement(key: Record<string, unknown>): PathElement {
  const sorted: Record<string, unknown> = {}
  for (const k of Object.keys(key).sort()) sorted[k] = key[k]
  return `k:${JSON.stringify(sorted)}`
}

export function valueElement(v: unknown): PathElement {
  return `v:${JSON.stringify(v)}`
}

export function indexElement(i: number): PathElement {
  return `i:${i}`
}
