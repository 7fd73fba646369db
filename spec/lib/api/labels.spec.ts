/**
 * @module spec/lib/api/labels
 * Label selectors against apimachinery's labels/selector_test.go (release-1.32), plus the exact
 * error texts kube-apiserver returns for a bad ?labelSelector=.
 */
import { expect } from 'chai'
import {
  everythingLabelSelector,
  labelSelectorFromObject,
  labelSelectorFromRequirements,
  labelSelectorFromSet,
  newLabelRequirement,
  nothingLabelSelector,
  parseLabelSelector,
  requirementString,
  scanLabelSelector,
} from '../../../lib/api/labels.js'
import type { LabelOperator, LabelRequirement, LabelToken } from '../../../lib/api/labels.js'

const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

function req(key: string, operator: LabelOperator, values: string[] = []): LabelRequirement {
  return newLabelRequirement(key, operator, values)
}

describe('lib/api/labels', () => {
  describe('TestSelectorParse', () => {
    const good = ['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', 'x= ,z= ', '!x', 'x>1', 'x>1,z<5']
    for (const s of good) {
      it(`parses and restrings ${JSON.stringify(s)}`, () => {
        expect(parseLabelSelector(s).toString()).to.equal(s.replace(/ /g, ''))
      })
    }
    const bad = ['x=a||y=b', 'x==a==b', '!x=a', 'x<a']
    for (const s of bad) {
      it(`rejects ${JSON.stringify(s)}`, () => {
        expect(() => parseLabelSelector(s)).to.throw(Error)
      })
    }
  })

  it('TestDeterministicParse', () => {
    expect(parseLabelSelector('x=a,a=x').toString()).to.equal(parseLabelSelector('a=x,x=a').toString())
    expect(parseLabelSelector('x=a,a=x').toString()).to.equal('a=x,x=a')
  })

  describe('TestSelectorMatches', () => {
    const labelset = { foo: 'bar', baz: 'blah' }
    const cases: [string, Record<string, string>, boolean][] = [
      ['', { x: 'y' }, true],
      ['x=y', { x: 'y' }, true],
      ['x=y,z=w', { x: 'y', z: 'w' }, true],
      ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
      ['notin=in', { notin: 'in' }, true],
      ['x', { x: 'z' }, true],
      ['!x', { y: 'z' }, true],
      ['x>1', { x: '2' }, true],
      ['x<1', { x: '0' }, true],
      ['x=z', {}, false],
      ['x=y', { x: 'z' }, false],
      ['x=y,z=w', { x: 'w', z: 'w' }, false],
      ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
      ['x', { y: 'z' }, false],
      ['!x', { x: 'z' }, false],
      ['x>1', { x: '0' }, false],
      ['x<1', { x: '2' }, false],
      ['foo=bar', labelset, true],
      ['baz=blah', labelset, true],
      ['foo=bar,baz=blah', labelset, true],
      ['foo=blah', labelset, false],
      ['baz=bar', labelset, false],
      ['foo=bar,foobar=bar,baz=blah', labelset, false],
      // beyond Go's table
      ['x!=y', {}, true],
      ['x notin (a)', {}, true],
      ['x in (a,b)', { x: 'b' }, true],
      ['x>1', { x: 'v2' }, false],
      ['x>9007199254740992', { x: '9007199254740993' }, true],
      ['x<5', { x: '-6' }, true],
      ['x<5', { x: '+4' }, true],
      ['x>1', { x: '99999999999999999999' }, false],
      ['x=', { x: '' }, true],
      ['x=', {}, false],
    ]
    for (const [selector, labels, match] of cases) {
      it(`${JSON.stringify(selector)} ${match ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
        expect(parseLabelSelector(selector).matches(labels)).to.equal(match)
      })
    }

    it('treats undefined labels as an empty set', () => {
      expect(parseLabelSelector('!x').matches(undefined)).to.equal(true)
      expect(parseLabelSelector('x').matches(undefined)).to.equal(false)
    })
  })

  it('TestEverything', () => {
    expect(everythingLabelSelector.matches({ x: 'y' })).to.equal(true)
    expect(everythingLabelSelector.empty).to.equal(true)
    expect(parseLabelSelector('').empty).to.equal(true)
    expect(parseLabelSelector('x').empty).to.equal(false)
  })

  it('Nothing matches nothing and is not empty', () => {
    expect(nothingLabelSelector.matches({})).to.equal(false)
    expect(nothingLabelSelector.empty).to.equal(false)
    expect(nothingLabelSelector.toString()).to.equal('')
  })

  it('TestSetMatches, TestNilMapIsValid, TestSetIsEmpty, TestSetSelectorString', () => {
    const labelset = { foo: 'bar', baz: 'blah' }
    for (const set of [{}, { foo: 'bar' }, { baz: 'blah' }, { foo: 'bar', baz: 'blah' }] as Record<string, string>[]) {
      expect(labelSelectorFromSet(set).matches(labelset)).to.equal(true)
    }
    expect(labelSelectorFromSet(undefined).empty).to.equal(true)
    expect(labelSelectorFromSet({}).empty).to.equal(true)
    expect(labelSelectorFromSet({}).toString()).to.equal('')
    expect(labelSelectorFromSet({ app: 'foo' }).toString()).to.equal('app=foo')
    expect(labelSelectorFromSet({ app: 'foo', a: 'b' }).toString()).to.equal('a=b,app=foo')
  })

  describe('TestLexer', () => {
    const cases: [string, LabelToken][] = [
      ['', 'EndOfStringToken'],
      [',', 'CommaToken'],
      ['notin', 'NotInToken'],
      ['in', 'InToken'],
      ['=', 'EqualsToken'],
      ['==', 'DoubleEqualsToken'],
      ['>', 'GreaterThanToken'],
      ['<', 'LessThanToken'],
      // the longest valid token wins
      ['!', 'DoesNotExistToken'],
      ['!=', 'NotEqualsToken'],
      ['(', 'OpenParToken'],
      [')', 'ClosedParToken'],
      // non-special characters are part of an identifier
      ['~', 'IdentifierToken'],
      ['||', 'IdentifierToken'],
    ]
    for (const [s, token] of cases) {
      it(`${JSON.stringify(s)} -> ${token}`, () => {
        expect(scanLabelSelector(s)[0]).to.deep.equal({ token, literal: s })
      })
    }
  })

  describe('TestLexerSequence / TestParserLookahead', () => {
    const cases: [string, LabelToken[]][] = [
      ['key in ( value )', ['IdentifierToken', 'InToken', 'OpenParToken', 'IdentifierToken', 'ClosedParToken']],
      ['key notin ( value )', ['IdentifierToken', 'NotInToken', 'OpenParToken', 'IdentifierToken', 'ClosedParToken']],
      ['key in ( value1, value2 )', ['IdentifierToken', 'InToken', 'OpenParToken', 'IdentifierToken', 'CommaToken', 'IdentifierToken', 'ClosedParToken']],
      ['key', ['IdentifierToken']],
      ['!key', ['DoesNotExistToken', 'IdentifierToken']],
      ['()', ['OpenParToken', 'ClosedParToken']],
      ['', []],
      ['x in (),y', ['IdentifierToken', 'InToken', 'OpenParToken', 'ClosedParToken', 'CommaToken', 'IdentifierToken']],
      ['== != (), = notin', ['DoubleEqualsToken', 'NotEqualsToken', 'OpenParToken', 'ClosedParToken', 'CommaToken', 'EqualsToken', 'NotInToken']],
      ['key>2', ['IdentifierToken', 'GreaterThanToken', 'IdentifierToken']],
      ['key<1', ['IdentifierToken', 'LessThanToken', 'IdentifierToken']],
      // beyond Go's table: "!==" is "!=" then "=", and a NUL ends the input like the end of string
      ['a!==b', ['IdentifierToken', 'NotEqualsToken', 'EqualsToken', 'IdentifierToken']],
      ['a\0b', ['IdentifierToken', 'IdentifierToken']],
      [' \0a', []],
    ]
    for (const [s, tokens] of cases) {
      it(JSON.stringify(s), () => {
        expect(scanLabelSelector(s).map((i) => i.token)).to.deep.equal([...tokens, 'EndOfStringToken'])
      })
    }
  })

  describe('TestParseOperator (through the parser)', () => {
    const expected = 'expected: in, notin, =, ==, !=, gt, lt'
    for (const op of ['in (a)', '=a', '==a', '>1', '<1', 'notin (a)', '!=a']) {
      it(`accepts x${op}`, () => {
        expect(() => parseLabelSelector(`x ${op}`)).not.to.throw()
      })
    }
    const bad: [string, string][] = [
      ['x !', `unable to parse requirement: found '!', ${expected}`],
      ['x exists', `unable to parse requirement: found 'exists', ${expected}`],
      ['x (', `unable to parse requirement: found '(', ${expected}`],
    ]
    for (const [s, msg] of bad) {
      it(`rejects ${JSON.stringify(s)}`, () => {
        expect(() => parseLabelSelector(s)).to.throw(Error).with.property('message', msg)
      })
    }
  })

  describe('TestRequirementConstructor', () => {
    const a254 = 'a'.repeat(254)
    const cases: [string, LabelOperator, string[], string | undefined][] = [
      ['x1', 'in', [], "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
      ['x2', 'notin', [], "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
      ['x3', 'in', ['foo'], undefined],
      ['x4', 'notin', ['foo'], undefined],
      ['x5', '=', ['bar', 'foo'], 'values: Invalid value: []string{"bar", "foo"}: exact-match compatibility requires one single value'],
      ['x6', 'exists', [], undefined],
      ['x7', '!', [], undefined],
      ['x8', 'exists', ['foo'], 'values: Invalid value: []string{"foo"}: values set must be empty for exists and does not exist'],
      ['x9', 'in', ['bar'], undefined],
      ['x10', 'in', ['bar'], undefined],
      ['x11', 'gt', ['1'], undefined],
      ['x12', 'lt', ['6'], undefined],
      ['x13', 'gt', [], "values: Invalid value: []string{}: for 'Gt', 'Lt' operators, exactly one value is required"],
      ['x14', 'gt', ['bar'], `values[0]: Invalid value: "bar": for 'Gt', 'Lt' operators, the value must be an integer`],
      ['x15', 'lt', ['bar'], `values[0]: Invalid value: "bar": for 'Gt', 'Lt' operators, the value must be an integer`],
      [a254, 'exists', [], `key: Invalid value: "${a254}": name part must be no more than 63 characters`],
      ['x16', '=', [a254], `values[0][x16]: Invalid value: "${a254}": must be no more than 63 characters`],
      ['x17', '=', ['a b'], `values[0][x17]: Invalid value: "a b": ${labelValueMsg}`],
      [
        'x18',
        'unsupportedOp' as LabelOperator,
        [],
        'operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
      ],
      // several errors aggregate like field.ErrorList.ToAggregate()
      [
        'x19',
        'gt',
        ['a', 'b'],
        "[values: Invalid value: []string{\"a\", \"b\"}: for 'Gt', 'Lt' operators, exactly one value is required, values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer, values[1]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer]",
      ],
    ]
    for (const [key, op, vals, msg] of cases) {
      it(`${key.slice(0, 10)} ${op} ${JSON.stringify(vals).slice(0, 20)}`, () => {
        if (msg === undefined) expect(() => newLabelRequirement(key, op, vals)).not.to.throw()
        else expect(() => newLabelRequirement(key, op, vals)).to.throw(Error).with.property('message', msg)
      })
    }
  })

  describe('TestToString', () => {
    const cases: [LabelRequirement[], string][] = [
      [[req('x', 'in', ['abc', 'def']), req('y', 'notin', ['jkl']), req('z', 'exists')], 'x in (abc,def),y notin (jkl),z'],
      [[req('x', 'notin', ['abc', 'def']), req('y', '!=', ['jkl']), req('z', '!')], 'x notin (abc,def),y!=jkl,!z'],
      [[req('x', 'notin', ['abc']), req('y', 'in', ['jkl', 'mno']), req('z', 'notin', [''])], 'x notin (abc),y in (jkl,mno),z notin ()'],
      [[req('x', '=', ['abc']), req('y', '==', ['jkl']), req('z', '!=', ['a']), req('z', 'exists')], 'x=abc,y==jkl,z!=a,z'],
      [[req('x', 'gt', ['2']), req('y', 'lt', ['8']), req('z', 'exists')], 'x>2,y<8,z'],
    ]
    for (const [reqs, out] of cases) {
      it(out, () => {
        expect(labelSelectorFromRequirements(reqs).toString()).to.equal(out)
      })
    }

    it('TestSafeSort: prints values sorted without reordering the requirement', () => {
      const r = req('x', 'in', ['foo', 'bar'])
      expect(requirementString(r)).to.equal('x in (bar,foo)')
      expect(r.values).to.deep.equal(['foo', 'bar'])
    })
  })

  describe('TestRequirementSelectorMatching', () => {
    const cases: [Record<string, string>, LabelRequirement[], boolean][] = [
      [{ x: 'foo', y: 'baz' }, [req('x', 'in', ['foo']), req('y', 'notin', ['alpha'])], true],
      [{ x: 'foo', y: 'baz' }, [req('x', 'in', ['foo']), req('y', 'in', ['alpha'])], false],
      [{ y: '' }, [req('x', 'notin', ['']), req('y', 'exists')], true],
      [{ y: '' }, [req('x', '!'), req('y', 'exists')], true],
      [{ y: '' }, [req('x', 'notin', ['']), req('y', '!')], false],
      [{ y: 'baz' }, [req('x', 'in', [''])], false],
      [{ z: '2' }, [req('z', 'gt', ['1'])], true],
      [{ z: 'v2' }, [req('z', 'gt', ['1'])], false],
    ]
    cases.forEach(([set, reqs, match], i) => {
      it(`case ${i}`, () => {
        expect(labelSelectorFromRequirements(reqs).matches(set)).to.equal(match)
      })
    })
  })

  describe('TestSetSelectorParser', () => {
    // input, expected requirements (sorted by key) or undefined when only validity is checked, valid
    const cases: [string, LabelRequirement[] | undefined, boolean][] = [
      ['', [], true],
      ['\rx', [req('x', 'exists')], true],
      ['this-is-a-dns.domain.com/key-with-dash', [req('this-is-a-dns.domain.com/key-with-dash', 'exists')], true],
      ['this-is-another-dns.domain.com/key-with-dash in (so,what)', [req('this-is-another-dns.domain.com/key-with-dash', 'in', ['so', 'what'])], true],
      ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', [req('0.1.2.domain/99', 'notin', ['10.10.100.1', 'tick.tack.clock'])], true],
      ['foo  in\t (abc)', [req('foo', 'in', ['abc'])], true],
      ['x notin\n (abc)', [req('x', 'notin', ['abc'])], true],
      ['x  notin\t\t\t(abc,def)', [req('x', 'notin', ['abc', 'def'])], true],
      ['x in (abc,def)', [req('x', 'in', ['abc', 'def'])], true],
      ['x in (abc,)', [req('x', 'in', ['', 'abc'])], true],
      ['x in ()', [req('x', 'in', [''])], true],
      ['x notin (abc,,def),bar,z in (),w', [req('bar', 'exists'), req('w', 'exists'), req('x', 'notin', ['', 'abc', 'def']), req('z', 'in', [''])], true],
      ['x,y in (a)', [req('x', 'exists'), req('y', 'in', ['a'])], true],
      ['x=a', [req('x', '=', ['a'])], true],
      ['x>1', [req('x', 'gt', ['1'])], true],
      ['x<7', [req('x', 'lt', ['7'])], true],
      ['x=a,y!=b', [req('x', '=', ['a']), req('y', '!=', ['b'])], true],
      ['x=a,y!=b,z in (h,i,j)', [req('x', '=', ['a']), req('y', '!=', ['b']), req('z', 'in', ['h', 'i', 'j'])], true],
      ['x=a||y=b', undefined, false],
      ['x,,y', undefined, false],
      [',x,y', undefined, false],
      ['x nott in (y)', undefined, false],
      ['x notin ( )', [req('x', 'notin', [''])], true],
      ['x notin (, a)', [req('x', 'notin', ['', 'a'])], true],
      ['a in (xyz),', undefined, false],
      ['a in (xyz)b notin ()', undefined, false],
      ['a ', [req('a', 'exists')], true],
      ['a in (x,y,notin, z,in)', [req('a', 'in', ['in', 'notin', 'x', 'y', 'z'])], true],
      ['a in (xyz abc)', undefined, false],
      ['a notin(', undefined, false],
      ['a (', undefined, false],
      ['(', undefined, false],
      // beyond Go's table: duplicates collapse like a sets.String
      ['x in (b,a,b)', [req('x', 'in', ['a', 'b'])], true],
    ]
    for (const [input, out, valid] of cases) {
      it(`${JSON.stringify(input)} is ${valid ? 'valid' : 'invalid'}`, () => {
        if (!valid) {
          expect(() => parseLabelSelector(input)).to.throw(Error)
          return
        }
        const sel = parseLabelSelector(input)
        if (out) expect(sel.requirements).to.deep.equal(out)
      })
    }
  })

  describe('TestRequiresExactMatch', () => {
    const r = (key: string, operator: LabelOperator, values: string[]): LabelRequirement => ({ key, operator, values })
    const cases: [string, LabelRequirement[], string, string | undefined][] = [
      ['keyInOperatorExactMatch', [r('key', 'in', ['value'])], 'key', 'value'],
      ['keyInOperatorNotExactMatch', [r('key', 'in', ['value', 'value2'])], 'key', undefined],
      ['keyInOperatorNotExactMatch (second key)', [r('key', 'in', ['value', 'value1']), r('key2', 'in', ['value2'])], 'key2', 'value2'],
      ['keyEqualOperatorExactMatch', [r('key', '=', ['value'])], 'key', 'value'],
      ['keyDoubleEqualOperatorExactMatch', [r('key', '==', ['value'])], 'key', 'value'],
      ['keyNotEqualOperatorExactMatch', [r('key', '!=', ['value'])], 'key', undefined],
      ['keyEqualOperatorExactMatchFirst', [r('key', 'in', ['value']), r('key2', 'in', ['value2'])], 'key', 'value'],
    ]
    for (const [name, reqs, label, value] of cases) {
      it(name, () => {
        expect(labelSelectorFromRequirements(reqs).requiresExactMatch(label)).to.equal(value)
      })
    }
  })

  describe('error messages kube-apiserver returns for ?labelSelector=', () => {
    const cases: [string, string][] = [
      ['app=a%b', `unable to parse requirement: values[0][app]: Invalid value: "a%b": ${labelValueMsg}`],
      ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${labelValueMsg}`],
      ['x==a==b', "found '==', expected: ',' or 'end of string'"],
      ['!x=a', "found '=', expected: ',' or 'end of string'"],
      ['x<a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
      ['x>99999999999999999999', `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`],
      ['x,,y', "found ',', expected: identifier after ','"],
      // a negative bound is a valid integer but not a valid label value
      ['x<-5', `unable to parse requirement: values[0][x]: Invalid value: "-5": ${labelValueMsg}`],
      [',x,y', "found ',', expected: !, identifier, or 'end of string'"],
      ['x nott in (y)', "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
      ['a in (xyz),', "found '', expected: identifier after ','"],
      ['a in (xyz)b notin ()', "found 'b', expected: ',' or 'end of string'"],
      ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'"],
      ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
      ['a in (', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
      ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
      ['a in (,', "unable to parse requirement: found '', expected: ',', or identifier"],
      ['a in x', "unable to parse requirement: found 'x' expected: '('"],
      ['a=(', "unable to parse requirement: found '(', expected: identifier"],
      ['(', "found '(', expected: !, identifier, or 'end of string'"],
      ['!', "unable to parse requirement: found '', expected: identifier"],
      ['!,', "unable to parse requirement: found ',', expected: identifier"],
      ['Key/a=b', `unable to parse requirement: <nil>: Invalid value: "Key/a": prefix part ${subdomainMsg}`],
      [
        'a/b/c',
        "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
      [
        '-x',
        "unable to parse requirement: <nil>: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
      ['x in (-a,-b)', `unable to parse requirement: [values[0][x]: Invalid value: "-a": ${labelValueMsg}, values[1][x]: Invalid value: "-b": ${labelValueMsg}]`],
      ['x=\u0001', `unable to parse requirement: values[0][x]: Invalid value: "\\x01": ${labelValueMsg}`],
    ]
    for (const [s, msg] of cases) {
      it(JSON.stringify(s), () => {
        expect(() => parseLabelSelector(s)).to.throw(Error).with.property('message', msg)
      })
    }
  })

  describe('labelSelectorFromObject (LabelSelectorAsSelector) and TestValidatedSelectorFromSet', () => {
    it('a missing selector selects nothing, an empty one everything', () => {
      expect(labelSelectorFromObject(undefined)).to.equal(nothingLabelSelector)
      expect(labelSelectorFromObject(null).matches({})).to.equal(false)
      expect(labelSelectorFromObject({}).empty).to.equal(true)
      expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).matches({ a: 'b' })).to.equal(true)
    })

    it('combines matchLabels and matchExpressions, sorted by key', () => {
      const sel = labelSelectorFromObject({
        matchLabels: { tier: 'web', app: 'shop' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'staging'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'NotIn', values: ['b'] },
          { key: 'owner', operator: 'Exists', values: [] },
        ],
      })
      expect(sel.toString()).to.equal('app=shop,!canary,env in (prod,staging),owner,tier=web,zone notin (b)')
      expect(sel.matches({ app: 'shop', tier: 'web', env: 'prod', owner: 'x' })).to.equal(true)
      expect(sel.matches({ app: 'shop', tier: 'web', env: 'prod', owner: 'x', canary: 'y' })).to.equal(false)
      expect(sel.matches({ app: 'shop', tier: 'web', env: 'dev', owner: 'x' })).to.equal(false)
      expect(sel.requiresExactMatch('app')).to.equal('shop')
    })

    it('reports an invalid matchLabels value like ValidatedSelectorFromSet', () => {
      const v = 'axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui'
      expect(() => labelSelectorFromObject({ matchLabels: { Key: v } }))
        .to.throw(Error)
        .with.property('message', `values[0][Key]: Invalid value: "${v}": must be no more than 63 characters`)
    })

    it('rejects unknown operators and bad value counts with Go\'s messages', () => {
      expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }))
        .to.throw(Error)
        .with.property('message', '"Foo" is not a valid label selector operator')
      expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }))
        .to.throw(Error)
        .with.property('message', "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty")
      expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }))
        .to.throw(Error)
        .with.property('message', 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist')
    })
  })
})
