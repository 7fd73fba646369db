// CEL validation rules of CRD schemas (x-kubernetes-validations): compile errors with kube's paths
// and messages, rule evaluation with self/oldSelf, messages, reasons and fieldPaths, the Kubernetes
// CEL library, and the real CRDs of ../shared/testdata.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import { before, describe, it } from 'mocha'
import { parseAllDocuments } from 'yaml'
import { aggregateMessage, fieldErrorMessage } from '../../lib/api/field-errors.js'
import { compileValidationRules } from '../../routers/extensions/cel/index.js'
import { sharedTestdata, skipWithoutSharedTestdata } from '../support/testdata.js'

type Schema = Record<string, unknown>
const root = 'spec.versions[0].schema.openAPIV3Schema'

/** A CRD schema whose spec has the given properties and rules. */
function specSchema(properties: Schema, rules: Schema[] = []): Schema {
  return {
    type: 'object',
    properties: { spec: { type: 'object', properties, 'x-kubernetes-validations': rules } },
  }
}

function resource(spec: unknown): Schema {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec }
}

/** Compiles, expecting no compile errors, and returns the messages of validating obj (and oldObj). */
function messages(schema: Schema, obj: unknown, oldObj?: unknown): string[] {
  const compiled = compileValidationRules(schema, root)
  expect(compiled.errors.map(fieldErrorMessage)).to.deep.equal([])
  return compiled.validate(obj, oldObj).map(fieldErrorMessage)
}

function compileErrors(schema: Schema): string[] {
  return compileValidationRules(schema, root).errors.map(fieldErrorMessage)
}

describe('CEL validation rules', () => {
  describe('rules on scalar values (self typed from the schema)', () => {
    const cases: { name: string; prop: Schema; value: unknown; rule: string; ok: boolean }[] = [
      { name: 'integer comparison', prop: { type: 'integer' }, value: 5, rule: 'self >= 0 && self < 10', ok: true },
      { name: 'integer comparison fails', prop: { type: 'integer' }, value: 50, rule: 'self < 10', ok: false },
      { name: 'integers are ints (int division)', prop: { type: 'integer' }, value: 7, rule: 'self / 2 == 3', ok: true },
      { name: 'numbers are doubles', prop: { type: 'number' }, value: 7, rule: 'self / 2.0 == 3.5', ok: true },
      { name: 'string size', prop: { type: 'string' }, value: 'héllo', rule: 'size(self) == 5', ok: true },
      { name: 'startsWith/endsWith/contains', prop: { type: 'string' }, value: 'abc', rule: "self.startsWith('a') && self.endsWith('c') && self.contains('b')", ok: true },
      { name: 'matches (RE2 pattern)', prop: { type: 'string' }, value: 'a-b', rule: "self.matches('^[a-z]+-[a-z]+$')", ok: true },
      { name: 'matches fails', prop: { type: 'string' }, value: 'A_B', rule: "self.matches('^[a-z]+-[a-z]+$')", ok: false },
      { name: 'raw triple-quoted regex', prop: { type: 'string' }, value: 'x.example.com', rule: 'self.matches(r"""^[a-z]+(\\.[a-z]+)*$""")', ok: true },
      { name: 'ext strings', prop: { type: 'string' }, value: ' Ab/Cd ', rule: "self.trim().lowerAscii().split('/') == ['ab', 'cd'] && self.charAt(1) == 'A' && self.indexOf('b') == 2 && self.replace('b', 'x').upperAscii() == ' AX/CD '", ok: true },
      { name: 'substring and lastIndexOf', prop: { type: 'string' }, value: 'a.b.c', rule: "self.substring(self.lastIndexOf('.') + 1) == 'c'", ok: true },
      { name: 'regex find/findAll', prop: { type: 'string' }, value: 'a1b22c333', rule: "self.find('[0-9]+') == '1' && self.findAll('[0-9]+') == ['1', '22', '333'] && self.findAll('[0-9]+', 2).size() == 2", ok: true },
      { name: 'int-or-string holding an int', prop: { 'x-kubernetes-int-or-string': true }, value: 3, rule: "type(self) == int ? self > 2 : self.endsWith('%')", ok: true },
      { name: 'int-or-string holding a string', prop: { 'x-kubernetes-int-or-string': true }, value: '30%', rule: "type(self) == int ? self > 2 : self.endsWith('%')", ok: true },
      { name: 'date-time strings are timestamps', prop: { type: 'string', format: 'date-time' }, value: '2024-01-02T03:04:05Z', rule: "self > timestamp('2024-01-01T00:00:00Z') && self.getFullYear() == 2024", ok: true },
      { name: 'duration strings are durations', prop: { type: 'string', format: 'duration' }, value: '90s', rule: "self > duration('1m')", ok: true },
      { name: 'quantity comparison', prop: { type: 'string' }, value: '1500m', rule: "isQuantity(self) && quantity(self).isGreaterThan(quantity('1')) && quantity(self).compareTo(quantity('1.5')) == 0", ok: true },
      { name: 'quantity arithmetic', prop: { type: 'string' }, value: '1Gi', rule: "quantity(self).add(quantity('512Mi')).sub(1).asInteger() == 1610612735 && quantity(self).isInteger() && quantity(self).sign() == 1", ok: true },
      { name: 'quantity approximate float', prop: { type: 'string' }, value: '250m', rule: 'quantity(self).asApproximateFloat() == 0.25', ok: true },
      { name: 'quantity limit fails', prop: { type: 'string' }, value: '2Gi', rule: "quantity(self).isLessThan(quantity('1Gi'))", ok: false },
      { name: 'isQuantity false', prop: { type: 'string' }, value: 'lots', rule: 'isQuantity(self)', ok: false },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const schema = specSchema({ v: { ...c.prop, 'x-kubernetes-validations': [{ rule: c.rule }] } })
        const got = messages(schema, resource({ v: c.value }))
        const type = typeof c.prop.type === 'string' ? c.prop.type : ''
        expect(got).to.deep.equal(c.ok ? [] : [`spec.v: Invalid value: ${JSON.stringify(type)}: failed rule: ${c.rule}`])
      })
    }
  })

  describe('URL, IP and CIDR libraries', () => {
    const cases: { name: string; value: string; rule: string; ok: boolean }[] = [
      { name: 'url getters', value: 'https://example.com:8443/a/b?x=1&x=2', rule: "isURL(self) && url(self).getScheme() == 'https' && url(self).getHost() == 'example.com:8443' && url(self).getHostname() == 'example.com' && url(self).getPort() == '8443' && url(self).getEscapedPath() == '/a/b' && url(self).getQuery() == {'x': ['1', '2']}", ok: true },
      { name: 'an absolute path is a URL, a bare host is not', value: 'example.com', rule: "isURL('/only/path') && isURL(self)", ok: false },
      { name: 'IPv6 host without brackets', value: 'https://[::1]:80/p', rule: "url(self).getHostname() == '::1'", ok: true },
      { name: 'ip parsing is strict (no leading zeros, no IPv4-mapped IPv6)', value: '010.0.0.1', rule: "isIP('10.0.0.1') && !isIP('::ffff:1.2.3.4') && isIP(self)", ok: false },
      { name: 'ip predicates and canonical form', value: '2001:db8:0:0:0:0:0:1', rule: "ip(self).family() == 6 && string(ip(self)) == '2001:db8::1' && !ip.isCanonical(self) && ip('127.0.0.2').isLoopback() && ip('8.8.8.8').isGlobalUnicast() && !ip('169.254.1.1').isGlobalUnicast()", ok: true },
      { name: 'cidr containment', value: '10.0.0.0/8', rule: "isCIDR(self) && cidr(self).containsIP('10.1.2.3') && !cidr(self).containsIP(ip('11.0.0.1')) && cidr(self).containsCIDR('10.1.0.0/16') && cidr('10.1.2.3/8').masked() == cidr(self) && cidr(self).prefixLength() == 8", ok: true },
      { name: 'an invalid cidr fails isCIDR', value: '10.0.0.0/33', rule: 'isCIDR(self)', ok: false },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const schema = specSchema({ v: { type: 'string', 'x-kubernetes-validations': [{ rule: c.rule }] } })
        expect(messages(schema, resource({ v: c.value }))).to.deep.equal(c.ok ? [] : [`spec.v: Invalid value: "string": failed rule: ${c.rule}`])
      })
    }

    it('url() of something that is not a URL is a runtime error', () => {
      const schema = specSchema({ v: { type: 'string', 'x-kubernetes-validations': [{ rule: "url(self).getScheme() == 'https'" }] } })
      expect(messages(schema, resource({ v: 'no url' }))).to.deep.equal([
        `spec.v: Invalid value: "string": URL parse error during conversion from string: parse "no url": invalid URI for request evaluating rule: url(self).getScheme() == 'https'`,
      ])
    })
  })

  describe('lists and maps', () => {
    const list = { type: 'array', items: { type: 'integer' } }
    const cases: { name: string; rule: string; ok: boolean }[] = [
      { name: 'all', rule: 'self.all(x, x > 0)', ok: true },
      { name: 'all fails', rule: 'self.all(x, x > 1)', ok: false },
      { name: 'exists', rule: 'self.exists(x, x == 3)', ok: true },
      { name: 'exists_one', rule: 'self.exists_one(x, x == 2)', ok: true },
      { name: 'size', rule: 'size(self) == 3 && self.size() == 3', ok: true },
      { name: 'map and filter', rule: 'self.map(x, x * 2) == [2, 4, 6] && self.filter(x, x > 1).size() == 2', ok: true },
      { name: 'in', rule: '2 in self && !(7 in self)', ok: true },
      { name: 'kube lists library', rule: 'self.isSorted() && self.sum() == 6 && self.min() == 1 && self.max() == 3 && self.indexOf(2) == 1 && self.lastIndexOf(9) == -1', ok: true },
      { name: 'sets library', rule: 'sets.contains(self, [1, 2]) && sets.intersects(self, [3, 4]) && !sets.equivalent(self, [1])', ok: true },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const got = messages(specSchema({ l: { ...list, 'x-kubernetes-validations': [{ rule: c.rule }] } }), resource({ l: [1, 2, 3] }))
        expect(got).to.deep.equal(c.ok ? [] : [`spec.l: Invalid value: "array": failed rule: ${c.rule}`])
      })
    }

    it('rules on items run for every item, at the item path', () => {
      const schema = specSchema({ l: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != 'bad'", message: 'no bad items' }] } } })
      expect(messages(schema, resource({ l: ['ok', 'bad', 'bad'] }))).to.deep.equal([
        'spec.l[1]: Invalid value: "string": no bad items',
        'spec.l[2]: Invalid value: "string": no bad items',
      ])
    })

    it('rules on map values run for every value, at the key path; map rules see the keys', () => {
      const schema = specSchema({
        labels: {
          type: 'object',
          additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'size(self) < 4' }] },
          'x-kubernetes-validations': [{ rule: "self.all(k, k.startsWith('x'))", message: 'keys must start with x' }, { rule: "'xa' in self && self.xa == 'a'" }],
        },
      })
      expect(messages(schema, resource({ labels: { xa: 'a', yb: 'long value' } }))).to.deep.equal([
        'spec.labels: Invalid value: "object": keys must start with x',
        'spec.labels[yb]: Invalid value: "string": failed rule: size(self) < 4',
      ])
    })

    it('property names that are CEL keywords or contain dashes are escaped', () => {
      const schema = specSchema({ namespace: { type: 'string' }, 'my-field': { type: 'integer' } }, [{ rule: "self.__namespace__ == 'ns' && self.my__dash__field == 1" }])
      expect(messages(schema, resource({ namespace: 'ns', 'my-field': 1 }))).to.deep.equal([])
    })
  })

  describe('failures: message, messageExpression, reason, fieldPath', () => {
    const props = { replicas: { type: 'integer' }, max: { type: 'integer' } }
    const obj = resource({ replicas: 5, max: 3 })
    const cases: { name: string; rule: Schema; want: string }[] = [
      { name: 'default detail is "failed rule: <rule>"', rule: { rule: 'self.replicas <= self.max' }, want: 'spec: Invalid value: "object": failed rule: self.replicas <= self.max' },
      { name: 'message', rule: { rule: 'self.replicas <= self.max', message: ' replicas must not exceed max ' }, want: 'spec: Invalid value: "object": replicas must not exceed max' },
      { name: 'messageExpression', rule: { rule: 'self.replicas <= self.max', message: 'static', messageExpression: "'replicas ' + string(self.replicas) + ' > max ' + string(self.max)" }, want: 'spec: Invalid value: "object": replicas 5 > max 3' },
      { name: 'messageExpression failing at runtime falls back to message', rule: { rule: 'self.replicas <= self.max', message: 'static', messageExpression: "'x' + self.missing" }, want: 'spec: Invalid value: "object": static' },
      { name: 'reason FieldValueForbidden', rule: { rule: 'self.replicas <= self.max', reason: 'FieldValueForbidden', message: 'too many' }, want: 'spec: Forbidden: too many' },
      { name: 'reason FieldValueRequired', rule: { rule: 'self.replicas <= self.max', reason: 'FieldValueRequired', message: 'need less' }, want: 'spec: Required value: need less' },
      { name: 'reason FieldValueDuplicate', rule: { rule: 'self.replicas <= self.max', reason: 'FieldValueDuplicate' }, want: 'spec: Duplicate value: "object"' },
      { name: 'fieldPath', rule: { rule: 'self.replicas <= self.max', fieldPath: '.replicas', message: 'too many' }, want: 'spec.replicas: Invalid value: "object": too many' },
      { name: 'runtime error: no such key', rule: { rule: 'self.missing == 1' }, want: 'spec: Invalid value: "object": no such key: missing evaluating rule: self.missing == 1' },
      { name: 'runtime error: division by zero', rule: { rule: 'self.replicas / (self.max - 3) > 0' }, want: 'spec: Invalid value: "object": division by zero evaluating rule: self.replicas / (self.max - 3) > 0' },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const schema = specSchema({ ...props, missing: { type: 'integer' } }, [c.rule])
        expect(messages(schema, obj)).to.deep.equal([c.want])
      })
    }

    it('the resource root has path <nil> and sees apiVersion, kind, metadata.name', () => {
      const schema = { type: 'object', 'x-kubernetes-validations': [{ rule: "self.kind == 'Widget' && self.metadata.name.startsWith('prod-')" }] }
      expect(messages(schema, resource({}))).to.deep.equal([
        `<nil>: Invalid value: "object": failed rule: self.kind == 'Widget' && self.metadata.name.startsWith('prod-')`,
      ])
    })

    it('several failures aggregate as kube prints them', () => {
      const schema = specSchema(props, [{ rule: 'self.replicas < 5' }, { rule: 'self.max > 3', message: 'max too small' }])
      const errs = compileValidationRules(schema, root).validate(obj, undefined)
      expect(aggregateMessage(errs)).to.equal('[spec: Invalid value: "object": failed rule: self.replicas < 5, spec: Invalid value: "object": max too small]')
    })

    it('a regex RE2 does not accept is a runtime error, not a crash', () => {
      const schema = specSchema({ s: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.find('a(?=b)') == 'a'" }] } })
      expect(messages(schema, resource({ s: 'ab' }))).to.deep.equal([
        `spec.s: Invalid value: "string": error parsing regexp: invalid or unsupported Perl syntax: \`(?=\` evaluating rule: self.find('a(?=b)') == 'a'`,
      ])
    })

    it('nested comprehensions over a huge list stop with kube\'s cost-limit error instead of hanging', () => {
      const schema = specSchema({ l: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.exists_one(y, y == x))' }] } })
      const small = resource({ l: [1, 2, 3] })
      expect(messages(schema, small)).to.deep.equal([])
      const huge = resource({ l: Array.from({ length: 5000 }, (_, i) => i) })
      expect(messages(schema, huge)).to.deep.equal([
        `spec.l: Invalid value: "array": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.exists_one(y, y == x))`,
      ])
    })

    it('no rules: hasRules is false and validate returns nothing', () => {
      const c = compileValidationRules(specSchema({ a: { type: 'string' } }), root)
      expect(c.hasRules).to.equal(false)
      expect(c.validate(resource({ a: 'x' }), undefined)).to.deep.equal([])
    })
  })

  describe('transition rules (oldSelf)', () => {
    const schema = specSchema({
      name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'name is immutable' }] },
      size: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'size may only grow' }] },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, port: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.port == oldSelf.port', message: 'port is immutable' }],
        },
      },
    })
    const old = resource({ name: 'a', size: 2, ports: [{ name: 'http', port: 80 }] })

    it('do not run on create', () => {
      expect(messages(schema, old, undefined)).to.deep.equal([])
    })
    it('pass when unchanged and fail on update when broken', () => {
      expect(messages(schema, old, old)).to.deep.equal([])
      const next = resource({ name: 'b', size: 1, ports: [{ name: 'https', port: 443 }, { name: 'http', port: 8080 }] })
      expect(messages(schema, next, old)).to.deep.equal([
        'spec.name: Invalid value: "string": name is immutable',
        'spec.size: Invalid value: "integer": size may only grow',
        'spec.ports[1]: Invalid value: "object": port is immutable',
      ])
    })
    it('do not run when the old value is absent at that path', () => {
      const before = resource({ size: 2 })
      expect(messages(schema, resource({ name: 'new', size: 3 }), before)).to.deep.equal([])
    })
    it('optionalOldSelf rules also run on create, with oldSelf an optional', () => {
      const s = specSchema({
        tier: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: "!oldSelf.hasValue() ? self == 'free' : oldSelf.value() == 'free' || self == oldSelf.value()", optionalOldSelf: true, message: 'new resources start free; paid tiers are fixed' }],
        },
        note: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != oldSelf.orValue('')", optionalOldSelf: true, message: 'note must change' }] },
      })
      expect(messages(s, resource({ tier: 'gold' }), undefined)).to.deep.equal(['spec.tier: Invalid value: "string": new resources start free; paid tiers are fixed'])
      expect(messages(s, resource({ tier: 'free', note: '' }), undefined)).to.deep.equal(['spec.note: Invalid value: "string": note must change'])
      expect(messages(s, resource({ tier: 'gold' }), resource({ tier: 'free' }))).to.deep.equal([])
      expect(messages(s, resource({ tier: 'free' }), resource({ tier: 'gold' }))).to.deep.equal(['spec.tier: Invalid value: "string": new resources start free; paid tiers are fixed'])
    })

    it('unchanged values that break a non-transition rule are ratcheted on update', () => {
      const s = specSchema({ n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 10' }] }, m: { type: 'integer' } })
      const bad = resource({ n: 20, m: 1 })
      expect(messages(s, bad, undefined)).to.have.length(1)
      expect(messages(s, resource({ n: 20, m: 2 }), bad)).to.deep.equal([])
      expect(messages(s, resource({ n: 21, m: 1 }), bad)).to.deep.equal(['spec.n: Invalid value: "integer": failed rule: self < 10'])
    })
  })

  describe('compile errors (refusing the CRD)', () => {
    const at = `${root}.properties[spec].x-kubernetes-validations[0]`
    const props = { a: { type: 'integer' }, list: { type: 'array', items: { type: 'string' } } }
    const goRule = (rule: string, extra = 'MessageExpression:""') =>
      `apiextensions.ValidationRule{Rule:${JSON.stringify(rule)}, Message:"", ${extra}, Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}`
    const cases: { name: string; rule: Schema; want: string }[] = [
      {
        name: 'syntax error, with position and caret',
        rule: { rule: 'self.a ==== 1' },
        want: `${at}.rule: Invalid value: ${goRule('self.a ==== 1')}: compilation failed: ERROR: <input>:1:8: Syntax error: found = but expecting end of input\n | self.a ==== 1\n | .......^`,
      },
      {
        name: 'undeclared reference',
        rule: { rule: 'self.a == b' },
        want: `${at}.rule: Invalid value: ${goRule('self.a == b')}: compilation failed: ERROR: <input>:1:11: undeclared reference to 'b' (in container '')\n | self.a == b\n | ..........^`,
      },
      {
        name: 'undefined field of a schema object',
        rule: { rule: 'self.nope == 1' },
        want: `${at}.rule: Invalid value: ${goRule('self.nope == 1')}: compilation failed: ERROR: <input>:1:5: undefined field 'nope'\n | self.nope == 1\n | ....^`,
      },
      {
        name: 'unknown function',
        rule: { rule: 'frobnicate(self.a)' },
        want: `${at}.rule: Invalid value: ${goRule('frobnicate(self.a)')}: compilation failed: ERROR: <input>:1:11: undeclared reference to 'frobnicate' (in container '')\n | frobnicate(self.a)\n | ..........^`,
      },
      {
        name: 'a Kubernetes function this server does not implement says so',
        rule: { rule: "isSemver('1.0.0')" },
        want: `${at}.rule: Invalid value: ${goRule("isSemver('1.0.0')")}: compilation failed: ERROR: <input>:1:9: undeclared reference to 'isSemver' (in container ''): the Kubernetes CEL function 'isSemver' is not supported by kube-express\n | isSemver('1.0.0')\n | ........^`,
      },
      {
        name: 'wrong arity of a method',
        rule: { rule: "self.list.all(x, x.charAt() == 'a')" },
        want: `${at}.rule: Invalid value: ${goRule("self.list.all(x, x.charAt() == 'a')")}: compilation failed: ERROR: <input>:1:26: found no matching overload for 'charAt' applied to 'string.()'\n | self.list.all(x, x.charAt() == 'a')\n | .........................^`,
      },
      {
        name: 'comparing values of different types',
        rule: { rule: "self.a == 'x'" },
        want: `${at}.rule: Invalid value: ${goRule("self.a == 'x'")}: compilation failed: ERROR: <input>:1:8: found no matching overload for '_==_' applied to '(int, string)'\n | self.a == 'x'\n | .......^`,
      },
      {
        name: 'rule that is not a bool',
        rule: { rule: 'self.a + 1' },
        want: `${at}.rule: Invalid value: ${goRule('self.a + 1')}: cel expression must evaluate to a bool`,
      },
      {
        name: 'messageExpression that does not compile',
        rule: { rule: 'true', messageExpression: '"abc' },
        want: `${at}.messageExpression: Invalid value: ${goRule('true', 'MessageExpression:"\\"abc"')}: messageExpression compilation failed: ERROR: <input>:1:1: Syntax error:`,
      },
      {
        name: 'messageExpression that is not a string',
        rule: { rule: 'true', messageExpression: '42' },
        want: `${at}.messageExpression: Invalid value: ${goRule('true', 'MessageExpression:"42"')}: messageExpression must evaluate to a string`,
      },
      { name: 'empty rule', rule: { rule: ' ' }, want: `${at}.rule: Required value: rule is not specified` },
      {
        name: 'unsupported reason',
        rule: { rule: 'true', reason: 'FieldValueBogus' },
        want: `${at}.reason: Unsupported value: "FieldValueBogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      },
      {
        name: 'fieldPath that is not in the schema',
        rule: { rule: 'true', fieldPath: '.b' },
        want: `${at}.fieldPath: Invalid value: ".b": fieldPath must be a valid path: does not refer to a valid field`,
      },
      {
        name: 'multi-line rule without message',
        rule: { rule: 'true &&\ntrue' },
        want: `${at}.message: Required value: message must be specified if rule contains line breaks`,
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const errs = compileErrors(specSchema(props, [c.rule]))
        expect(errs).to.have.length(1)
        expect(errs[0]).to.satisfy((m: string) => m.startsWith(c.want), `${errs[0]}\n  does not start with\n${c.want}`)
      })
    }

    it('a transition rule below a list that is not a map list is refused', () => {
      const schema = specSchema({ l: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } })
      expect(compileErrors(schema)).to.deep.equal([
        `${root}.properties[spec].properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${root}.properties[spec].properties[l].items`,
      ])
    })
  })

  describe('the CRDs of ../shared/testdata', function () {
    const testdata = sharedTestdata
    before(function () {
      skipWithoutSharedTestdata(this)
    })

    const loadYaml = (file: string): Schema[] =>
      parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as Schema).filter((d) => d && typeof d === 'object')
    const crds = (): Schema[] => {
      const out: Schema[] = []
      const dir = join(testdata, 'crds')
      for (const project of readdirSync(dir)) {
        for (const f of readdirSync(join(dir, project))) if (f.endsWith('.yaml')) out.push(...loadYaml(join(dir, project, f)))
      }
      return out
    }
    const versions = (crd: Schema): { name: string; schema: Schema }[] => {
      const spec = crd.spec as { versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] }
      return spec.versions.filter((v) => v.schema?.openAPIV3Schema).map((v) => ({ name: v.name, schema: v.schema!.openAPIV3Schema! }))
    }

    it('every CRD with x-kubernetes-validations compiles without errors', function () {
      skipWithoutSharedTestdata(this)
      let withRules = 0
      for (const crd of crds()) {
        versions(crd).forEach((v, i) => {
          const compiled = compileValidationRules(v.schema, `spec.versions[${i}].schema.openAPIV3Schema`)
          expect(compiled.errors.map(fieldErrorMessage), `${(crd.metadata as Schema).name} ${v.name}`).to.deep.equal([])
          if (compiled.hasRules) withRules++
        })
      }
      expect(withRules).to.be.greaterThan(0)
    })

    /** Structural defaulting (kube applies it before CEL rules run); a minimal one for these examples. */
    const applyDefaults = (value: unknown, schema: Schema | undefined): void => {
      if (!schema || value === null || typeof value !== 'object') return
      if (Array.isArray(value)) {
        for (const item of value) applyDefaults(item, schema.items as Schema | undefined)
        return
      }
      const obj = value as Schema
      const properties = schema.properties as Record<string, Schema> | undefined
      for (const [k, p] of Object.entries(properties ?? {})) {
        if (!(k in obj) && p.default !== undefined) obj[k] = structuredClone(p.default)
        applyDefaults(obj[k], p)
      }
      const additional = schema.additionalProperties as Schema | undefined
      if (additional && typeof additional === 'object') for (const v of Object.values(obj)) applyDefaults(v, additional)
    }

    it('the example custom resources pass their CRD rules on create and on an unchanged update', function () {
      skipWithoutSharedTestdata(this)
      const byKind = new Map<string, Schema>()
      for (const crd of crds()) {
        const spec = crd.spec as { group: string; names: { kind: string } }
        versions(crd).forEach((v) => byKind.set(`${spec.group}/${v.name}/${spec.names.kind}`, v.schema))
      }
      let checked = 0
      const dir = join(testdata, 'crs')
      for (const project of readdirSync(dir)) {
        for (const f of readdirSync(join(dir, project))) {
          if (!f.endsWith('.yaml')) continue
          for (const obj of loadYaml(join(dir, project, f))) {
            const schema = byKind.get(`${obj.apiVersion}/${obj.kind}`)
            if (!schema) continue
            const compiled = compileValidationRules(schema, 'spec.versions[0].schema.openAPIV3Schema')
            applyDefaults(obj, schema)
            expect(compiled.validate(obj, undefined).map(fieldErrorMessage), `${f} ${obj.kind}`).to.deep.equal([])
            expect(compiled.validate(obj, obj).map(fieldErrorMessage), `${f} ${obj.kind} update`).to.deep.equal([])
            checked++
          }
        }
      }
      expect(checked).to.be.greaterThan(0)
    })

    it('a gateway-api rule rejects a broken HTTPRoute with its message', function () {
      skipWithoutSharedTestdata(this)
      const crd = crds().find((c) => (c.metadata as Schema).name === 'httproutes.gateway.networking.k8s.io')!
      const v1 = versions(crd).find((v) => v.name === 'v1')!
      const compiled = compileValidationRules(v1.schema, 'spec.versions[0].schema.openAPIV3Schema')
      const route = {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r' },
        spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'no-slash' } }] }] },
      }
      const errs = compiled.validate(route, undefined).map(fieldErrorMessage)
      expect(errs).to.include('spec.rules[0].matches[0].path: Invalid value: "object": value must be an absolute path and start with \'/\' when type one of [\'Exact\', \'PathPrefix\']')
    })
  })
})
