/**
 * @module spec/lib/api/fields
 * Field selectors against apimachinery's fields/selector_test.go (release-1.32), plus the exact
 * error texts kube-apiserver returns for a bad ?fieldSelector=.
 */
import { expect } from 'chai'
import {
  escapeFieldValue,
  everythingFieldSelector,
  fieldSelectorFromSet,
  parseFieldSelector,
  requiresExactMatch,
  splitFieldSelectorTerm,
  splitFieldSelectorTerms,
  unescapeFieldValue,
} from '../../../lib/api/fields.js'

describe('lib/api/fields', () => {
  describe('TestSplitTerms', () => {
    const cases: [string, string[]][] = [
      // simple selectors
      ['a', ['a']],
      ['a=avalue', ['a=avalue']],
      ['a=avalue,b=bvalue', ['a=avalue', 'b=bvalue']],
      ['a=avalue,b==bvalue,c!=cvalue', ['a=avalue', 'b==bvalue', 'c!=cvalue']],
      // empty terms (Go returns nil for "")
      ['', []],
      ['a=a,', ['a=a', '']],
      [',a=a', ['', 'a=a']],
      // escaped values
      ['k=\\,,k2=v2', ['k=\\,', 'k2=v2']],
      ['k=\\\\,k2=v2', ['k=\\\\', 'k2=v2']],
      ['k=\\\\\\,,k2=v2', ['k=\\\\\\,', 'k2=v2']],
      ['k=\\a\\b\\', ['k=\\a\\b\\']],
      ['k=\\', ['k=\\']],
      // multi-byte
      ['함=수,목=록', ['함=수', '목=록']],
    ]
    for (const [selector, terms] of cases) {
      it(JSON.stringify(selector), () => {
        expect(splitFieldSelectorTerms(selector)).to.deep.equal(terms)
      })
    }
  })

  describe('TestSplitTerm', () => {
    const cases: [string, { lhs: string; op: string; rhs: string } | undefined][] = [
      ['a=value', { lhs: 'a', op: '=', rhs: 'value' }],
      ['b==value', { lhs: 'b', op: '==', rhs: 'value' }],
      ['c!=value', { lhs: 'c', op: '!=', rhs: 'value' }],
      ['', undefined],
      ['a', undefined],
      ['k=\\,', { lhs: 'k', op: '=', rhs: '\\,' }],
      ['k=\\=', { lhs: 'k', op: '=', rhs: '\\=' }],
      ['k=\\\\\\a\\b\\=\\,\\', { lhs: 'k', op: '=', rhs: '\\\\\\a\\b\\=\\,\\' }],
      ['함=수', { lhs: '함', op: '=', rhs: '수' }],
    ]
    for (const [term, expected] of cases) {
      it(JSON.stringify(term), () => {
        expect(splitFieldSelectorTerm(term)).to.deep.equal(expected)
      })
    }
  })

  describe('TestEscapeValue', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['a', 'a'],
      ['=', '\\='],
      [',', '\\,'],
      ['\\', '\\\\'],
      ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
    ]
    for (const [unescaped, escaped] of cases) {
      it(JSON.stringify(unescaped), () => {
        expect(escapeFieldValue(unescaped)).to.equal(escaped)
        expect(unescapeFieldValue(escaped)).to.equal(unescaped)
      })
    }
    const invalid: [string, string][] = [
      ['\\', 'invalid field selector: invalid escape sequence: \\'],
      ['\\\\\\', 'invalid field selector: invalid escape sequence: \\'],
      ['\\a', 'invalid field selector: invalid escape sequence: \\a'],
      ['a=b', 'invalid field selector: unescaped character in value: 61'],
      ['a,b', 'invalid field selector: unescaped character in value: 44'],
    ]
    for (const [value, msg] of invalid) {
      it(`rejects ${JSON.stringify(value)}`, () => {
        expect(() => unescapeFieldValue(value)).to.throw(Error).with.property('message', msg)
      })
    }
  })

  describe('TestSelectorParse', () => {
    for (const s of ['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=a||y\\=b', 'x=a\\=\\=b']) {
      it(`parses and restrings ${JSON.stringify(s)}`, () => {
        expect(parseFieldSelector(s).toString()).to.equal(s)
      })
    }
    for (const s of ['x=a||y=b', 'x==a==b', 'x=a,b', 'x in (a)', 'x in (a,b,c)', 'x']) {
      it(`rejects ${JSON.stringify(s)}`, () => {
        expect(() => parseFieldSelector(s)).to.throw(Error)
      })
    }
  })

  it('TestDeterministicParse', () => {
    expect(parseFieldSelector('x=a,a=x').toString()).to.equal(parseFieldSelector('a=x,x=a').toString())
    expect(parseFieldSelector('x=a,a=x').toString()).to.equal('a=x,x=a')
  })

  describe('TestSelectorMatches', () => {
    const fieldset = { foo: 'bar', baz: 'blah', complex: '=value\\,\\' }
    const cases: [string, Record<string, string>, boolean][] = [
      ['', { x: 'y' }, true],
      ['x=y', { x: 'y' }, true],
      ['x=y,z=w', { x: 'y', z: 'w' }, true],
      ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
      ['notin=in', { notin: 'in' }, true],
      ['x=y', { x: 'z' }, false],
      ['x=y,z=w', { x: 'w', z: 'w' }, false],
      ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
      ['foo=bar', fieldset, true],
      ['baz=blah', fieldset, true],
      ['foo=bar,baz=blah', fieldset, true],
      ['foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\', fieldset, true],
      ['foo=blah', fieldset, false],
      ['baz=bar', fieldset, false],
      ['foo=bar,foobar=bar,baz=blah', fieldset, false],
      // beyond Go's table: a missing field reads as ""
      ['spec.nodeName=', {}, true],
      ['spec.nodeName!=', {}, false],
      ['x==y', { x: 'y' }, true],
    ]
    for (const [selector, fields, match] of cases) {
      it(`${JSON.stringify(selector)} ${match ? 'matches' : 'does not match'} ${JSON.stringify(fields)}`, () => {
        expect(parseFieldSelector(selector).matches(fields)).to.equal(match)
      })
    }
  })

  it('TestEverything, TestSetMatches, TestNilMapIsValid, TestSetIsEmpty', () => {
    expect(everythingFieldSelector.matches({ x: 'y' })).to.equal(true)
    expect(everythingFieldSelector.empty).to.equal(true)
    const labelset = { foo: 'bar', baz: 'blah' }
    for (const set of [{}, { foo: 'bar' }, { baz: 'blah' }, { foo: 'bar', baz: 'blah' }] as Record<string, string>[]) {
      expect(fieldSelectorFromSet(set).matches(labelset)).to.equal(true)
    }
    for (const set of [{ foo: '=blah' }, { baz: '=bar' }, { foo: '=bar', foobar: 'bar', baz: 'blah' }] as Record<string, string>[]) {
      expect(fieldSelectorFromSet(set).matches(labelset)).to.equal(false)
    }
    expect(fieldSelectorFromSet(null).empty).to.equal(true)
    expect(fieldSelectorFromSet({}).empty).to.equal(true)
    expect(fieldSelectorFromSet({ a: 'b' }).empty).to.equal(false)
    expect(parseFieldSelector('a!=').empty).to.equal(false)
  })

  describe('TestRequiresExactMatch', () => {
    const cases: [string, string, string, string | undefined][] = [
      ['empty set', '', 'test', undefined],
      ['skipped hasTerm', 'a=b', 'test', undefined],
      ['valid hasTerm', 'test=b', 'test', 'b'],
      ['valid hasTerm no value', 'test=', 'test', ''],
      ['valid notHasTerm', 'test!=b', 'test', undefined],
      ['valid notHasTerm no value', 'test!=', 'test', undefined],
      ['andTerm with non-match', 'a=x,test=b', 'test', 'b'],
      ['double equals', 'metadata.name==web', 'metadata.name', 'web'],
      ['escaped value', 'metadata.name=a\\,b', 'metadata.name', 'a,b'],
    ]
    for (const [name, selector, field, value] of cases) {
      it(name, () => {
        expect(requiresExactMatch(parseFieldSelector(selector), field)).to.equal(value)
      })
    }
  })

  describe('TestTransform with the identity transform', () => {
    it('drops terms whose field and value are both empty', () => {
      expect(parseFieldSelector('=').empty).to.equal(true)
      expect(parseFieldSelector('!=').empty).to.equal(true)
      expect(parseFieldSelector('=,a=b').toString()).to.equal('a=b')
    })

    it('skips empty terms', () => {
      expect(parseFieldSelector(',a=b,').toString()).to.equal('a=b')
    })

    it('exposes requirements in canonical order, == as =', () => {
      expect(parseFieldSelector('b==c,a!=d').requirements).to.deep.equal([
        { field: 'a', operator: '!=', value: 'd' },
        { field: 'b', operator: '=', value: 'c' },
      ])
      expect(parseFieldSelector('b==c,a!=d').toString()).to.equal('a!=d,b=c')
    })
  })

  describe('error messages kube-apiserver returns for ?fieldSelector=', () => {
    const cases: [string, string][] = [
      ['x', "invalid selector: 'x'; can't understand 'x'"],
      ['x=a,b', "invalid selector: 'x=a,b'; can't understand 'b'"],
      ['x in (a,b,c)', "invalid selector: 'x in (a,b,c)'; can't understand 'b'"],
      ['metadata.name=name1,foo', "invalid selector: 'metadata.name=name1,foo'; can't understand 'foo'"],
      ['x==a==b', 'invalid field selector: unescaped character in value: 61'],
      ['x=a\\b', 'invalid field selector: invalid escape sequence: \\b'],
      ['x=a\\', 'invalid field selector: invalid escape sequence: \\'],
    ]
    for (const [s, msg] of cases) {
      it(JSON.stringify(s), () => {
        expect(() => parseFieldSelector(s)).to.throw(Error).with.property('message', msg)
      })
    }
  })
})
