import { expect } from 'chai'
import { cloneJSON } from '../../../lib/api/clone.js'

const viaJSON = (v: unknown): unknown => JSON.parse(JSON.stringify(v))

describe('cloneJSON', () => {
  it('copies plain data deeply, as a JSON round trip does', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' }, managedFields: [{ fieldsV1: { 'f:data': { '.': {} } } }] }, data: { '1': 'one', b: 'two' }, n: [1, 2.5, -0, true, null, 'x'] }
    const copy = cloneJSON(obj)
    expect(copy).to.deep.equal(viaJSON(obj))
    expect(JSON.stringify(copy)).to.equal(JSON.stringify(obj))
    expect(copy).to.not.equal(obj)
    expect(copy.metadata.labels).to.not.equal(obj.metadata.labels)
    expect(copy.metadata.managedFields[0]).to.not.equal(obj.metadata.managedFields[0])
  })

  it('follows JSON for undefined, functions, symbols and non-finite numbers', () => {
    const obj = { a: undefined, f: () => 1, s: Symbol('s'), nan: NaN, inf: -Infinity, list: [undefined, () => 1, Symbol('t'), Infinity, 1] }
    expect(cloneJSON(obj)).to.deep.equal(viaJSON(obj))
    expect(cloneJSON(obj)).to.deep.equal({ nan: null, inf: null, list: [null, null, null, null, 1] })
  })

  it('gives what JSON gives for Dates, toJSON and class instances', () => {
    class Thing {
      x = 1
      get y(): number {
        return 2
      }
    }
    const when = new Date('2026-11-26T01:02:03Z')
    const obj = { when, custom: { toJSON: () => 'custom' }, thing: new Thing(), nested: [{ when }] }
    expect(cloneJSON(obj)).to.deep.equal(viaJSON(obj))
    expect(cloneJSON(obj).when).to.equal('2026-11-26T01:02:03.000Z')
  })

  it('keeps "__proto__" as an own key and never changes the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>
    const copy = cloneJSON(parsed)
    expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype)
    expect(Object.keys(copy)).to.deep.equal(['__proto__', 'a'])
    expect((copy as { polluted?: boolean }).polluted).to.equal(undefined)
    expect(JSON.stringify(copy)).to.equal(JSON.stringify(parsed))
  })

  it("throws JSON's errors for cycles and bigints", () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic['self'] = cyclic
    expect(() => cloneJSON(cyclic)).to.throw(TypeError, /circular/i)
    expect(() => cloneJSON({ big: 1n })).to.throw(TypeError, /BigInt/)
  })

  it('copies primitives and null as they are', () => {
    expect(cloneJSON('x')).to.equal('x')
    expect(cloneJSON(3)).to.equal(3)
    expect(cloneJSON(null)).to.equal(null)
  })
})
