/**
 * @module spec/lib/api/validation
 * Name and ObjectMeta validation against apimachinery's util/validation/validation_test.go,
 * api/validation/{objectmeta,generic}_test.go and apis/meta/v1/validation/validation_test.go
 * (release-1.32), asserting the exact messages kube-apiserver prints.
 */
import { expect } from 'chai'
import type { FieldError } from '../../../lib/api/field-errors.js'
import { aggregateMessage, fieldErrorMessage } from '../../../lib/api/field-errors.js'
import type { ObjectMeta } from '../../../lib/api/types.js'
import {
  TOTAL_ANNOTATION_SIZE_LIMIT_B,
  goQuote,
  goStringSlice,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  maskTrailingDash,
  nameIsDNSSubdomain,
  parseGoInt64,
  validateAnnotations,
  validateDeletingFinalizers,
  validateFieldManager,
  validateImmutableField,
  validateLabelSelector,
  validateLabels,
  validateManagedFields,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../../../lib/api/validation.js'

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
const namePartMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
const qualifiedNameMsg =
  "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

const messages = (errs: FieldError[]) => errs.map(fieldErrorMessage)

describe('lib/api/validation', () => {
  describe('TestIsDNS1123Label', () => {
    const good = ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)]
    const bad = [
      ...['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2'],
      ...['.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)],
    ]
    it('accepts the good values', () => {
      for (const v of good) expect(isDNS1123Label(v), v).to.deep.equal([])
    })
    it('rejects the bad values', () => {
      for (const v of bad) expect(isDNS1123Label(v), v).not.to.be.empty
    })
    it('words its messages like Go', () => {
      expect(isDNS1123Label('A')).to.deep.equal([labelMsg])
      expect(isDNS1123Label('a.b')).to.deep.equal(['must not contain dots'])
      expect(isDNS1123Label('a'.repeat(64))).to.deep.equal(['must be no more than 63 characters'])
      expect(isDNS1123Label('A'.repeat(64))).to.deep.equal(['must be no more than 63 characters', labelMsg])
    })
  })

  describe('TestIsDNS1123Subdomain', () => {
    const good = [
      ...['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2'],
      ...['a.a', 'ab.a', 'abc.a', 'a1.a', 'a-1.a', 'a--1--2--b.a', 'a.1', 'ab.1', 'abc.1', 'a1.1', 'a-1.1', 'a--1--2--b.1'],
      ...['0.a', '01.a', '012.a', '1a.a', '1-a.a', '1--a--b--2', '0.1', '01.1', '012.1', '1a.1', '1-a.1', '1--a--b--2.1'],
      ...['a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253)],
    ]
    const bad = [
      ...['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2'],
      ...['.', 'a.', '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2'],
      ...['A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A'],
      ...['A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b', 'a'.repeat(254)],
    ]
    it('accepts the good values', () => {
      for (const v of good) expect(isDNS1123Subdomain(v), v).to.deep.equal([])
    })
    it('rejects the bad values', () => {
      for (const v of bad) expect(isDNS1123Subdomain(v), v).not.to.be.empty
    })
    it('words its messages like Go', () => {
      expect(isDNS1123Subdomain('Foo')).to.deep.equal([subdomainMsg])
      expect(isDNS1123Subdomain('a'.repeat(254))).to.deep.equal(['must be no more than 253 characters'])
      expect(isDNS1123Subdomain('A'.repeat(254))).to.deep.equal(['must be no more than 253 characters', subdomainMsg])
    })
    it('counts bytes, as Go\'s len() does', () => {
      expect(isDNS1123Subdomain('é'.repeat(127))).to.deep.equal(['must be no more than 253 characters', subdomainMsg])
    })
    it('stays fast on long hostile input', () => {
      const start = Date.now()
      isDNS1123Subdomain('a'.repeat(200000) + '-')
      isValidLabelValue('a'.repeat(200000) + '-')
      expect(Date.now() - start).to.be.below(500)
    })
  })

  describe('TestIsDNS1035Label', () => {
    const good = ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)]
    const bad = [
      ...['0', '01', '012', '1a', '1-a', '1--a--b--2', '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1'],
      ...['_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)],
    ]
    it('accepts the good values and rejects the bad ones', () => {
      for (const v of good) expect(isDNS1035Label(v), v).to.deep.equal([])
      for (const v of bad) expect(isDNS1035Label(v), v).not.to.be.empty
      expect(isDNS1035Label('1a')).to.deep.equal([dns1035Msg])
    })
  })

  describe('TestIsQualifiedName', () => {
    const good = [
      ...['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes'],
      ...['now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123'],
      ...['example.com/Uppercase_Is_OK_123', 'requests.storage-foo', 'a'.repeat(63), 'a'.repeat(253) + '/' + 'b'.repeat(63)],
    ]
    const bad = [
      ...['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc'],
      ...['example.com/', '/simple', 'a'.repeat(64), 'a'.repeat(254) + '/abc'],
    ]
    it('accepts the good values', () => {
      for (const v of good) expect(isQualifiedName(v), v).to.deep.equal([])
    })
    it('rejects the bad values', () => {
      for (const v of bad) expect(isQualifiedName(v), v).not.to.be.empty
    })
    it('words its messages like Go', () => {
      expect(isQualifiedName('only/one/slash')).to.deep.equal([qualifiedNameMsg])
      expect(isQualifiedName('/simple')).to.deep.equal(['prefix part must be non-empty'])
      expect(isQualifiedName('example.com/')).to.deep.equal(['name part must be non-empty', namePartMsg])
      expect(isQualifiedName('Example.com/abc')).to.deep.equal(['prefix part ' + subdomainMsg])
      expect(isQualifiedName('a'.repeat(254) + '/abc')).to.deep.equal(['prefix part must be no more than 253 characters'])
      expect(isQualifiedName('a'.repeat(64))).to.deep.equal(['name part must be no more than 63 characters'])
      expect(isQualifiedName('cantendwithadash-')).to.deep.equal([namePartMsg])
    })
  })

  describe('TestIsValidLabelValue', () => {
    const good = ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), '']
    const bad = ['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', 'a'.repeat(64)]
    it('accepts the good values and rejects the bad ones', () => {
      for (const v of good) expect(isValidLabelValue(v), v).to.deep.equal([])
      for (const v of bad) expect(isValidLabelValue(v), v).not.to.be.empty
    })
    it('words its messages like Go', () => {
      expect(isValidLabelValue('a b')).to.deep.equal([labelValueMsg])
      expect(isValidLabelValue('a'.repeat(64))).to.deep.equal(['must be no more than 63 characters'])
    })
  })

  describe('path segment names and generateName prefixes', () => {
    it('IsValidPathSegmentName', () => {
      expect(isValidPathSegmentName('.')).to.deep.equal(["may not be '.'"])
      expect(isValidPathSegmentName('..')).to.deep.equal(["may not be '..'"])
      expect(isValidPathSegmentName('a/b%c')).to.deep.equal(["may not contain '/'", "may not contain '%'"])
      expect(isValidPathSegmentName('Any:Thing')).to.deep.equal([])
    })

    it('TestMaskTrailingDash (bug for bug: the last two characters become "a")', () => {
      const cases: [string, string][] = [
        ['', ''],
        ['-', '-'],
        ['-foo', '-foo'],
        ['-foo-', '-foa'],
        ['b-', 'a'],
        ['ab', 'ab'],
      ]
      for (const [before, after] of cases) expect(maskTrailingDash(before), before).to.equal(after)
    })

    it('TestValidateObjectMetaTrimsTrailingSlash: a generateName may end in a dash', () => {
      expect(nameIsDNSSubdomain('foo-', true)).to.deep.equal([])
      expect(validateObjectMeta({ name: 'test', generateName: 'foo-' }, { namespaced: false, nameValidation: 'subdomain' }, 'field')).to.deep.equal([])
    })
  })

  describe('ValidateObjectMeta', () => {
    const cm = { namespaced: true, nameValidation: 'subdomain' } as const
    const node = { namespaced: false, nameValidation: 'subdomain' } as const

    it('accepts a well-formed object', () => {
      const meta: ObjectMeta = {
        name: 'web',
        namespace: 'default',
        generation: 1,
        labels: { app: 'web', 'example.com/tier': 'front' },
        annotations: { 'Example.com/Note': 'x' },
        finalizers: ['example.com/cleanup'],
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1', controller: true }],
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1' }],
        creationTimestamp: null,
      }
      expect(validateObjectMeta(meta, cm)).to.deep.equal([])
    })

    it('requires a name or generateName', () => {
      expect(messages(validateObjectMeta({ namespace: 'default' }, cm))).to.deep.equal(['metadata.name: Required value: name or generateName is required'])
    })

    it('reports an invalid name with its value', () => {
      const errs = validateObjectMeta({ name: 'Foo', namespace: 'default' }, cm)
      expect(messages(errs)).to.deep.equal([`metadata.name: Invalid value: "Foo": ${subdomainMsg}`])
      expect(errs[0]).to.include({ type: 'FieldValueInvalid', field: 'metadata.name', badValue: 'Foo' })
    })

    it('validates generateName as a prefix and the name in full', () => {
      expect(messages(validateObjectMeta({ generateName: 'Web-', name: 'Web-abcde', namespace: 'default' }, cm))).to.deep.equal([
        `metadata.generateName: Invalid value: "Web-": ${subdomainMsg}`,
        `metadata.name: Invalid value: "Web-abcde": ${subdomainMsg}`,
      ])
    })

    it('TestValidateObjectMetaCustomName: takes a ValidateNameFunc', () => {
      const errs = validateObjectMeta({ name: 'test', generateName: 'foo' }, { namespaced: false, nameValidation: (s) => (s === 'test' ? [] : ['name-gen']) }, 'field')
      expect(messages(errs)).to.deep.equal(['field.generateName: Invalid value: "foo": name-gen'])
    })

    it('supports label and path-segment names', () => {
      expect(messages(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameValidation: 'label' }))).to.deep.equal([
        'metadata.name: Invalid value: "a.b": must not contain dots',
      ])
      expect(messages(validateObjectMeta({ name: 'system:admin' }, { namespaced: false, nameValidation: 'path-segment' }))).to.deep.equal([])
      expect(messages(validateObjectMeta({ name: '..' }, { namespaced: false, nameValidation: 'path-segment' }))).to.deep.equal([
        `metadata.name: Invalid value: "..": may not be '..'`,
      ])
    })

    it('TestValidateObjectMetaNamespaces: namespace is a DNS label', () => {
      expect(messages(validateObjectMeta({ name: 'test', namespace: 'foo.bar' }, { namespaced: true, nameValidation: () => [] }, 'field'))).to.deep.equal([
        'field.namespace: Invalid value: "foo.bar": must not contain dots',
      ])
      const long = 'A'.repeat(64)
      expect(messages(validateObjectMeta({ name: 'test', namespace: long }, cm, 'field'))).to.deep.equal([
        `field.namespace: Invalid value: "${long}": must be no more than 63 characters`,
        `field.namespace: Invalid value: "${long}": ${labelMsg}`,
      ])
    })

    it('requires a namespace on namespaced kinds and forbids it on cluster-scoped ones', () => {
      expect(messages(validateObjectMeta({ name: 'a' }, cm))).to.deep.equal(['metadata.namespace: Required value'])
      expect(messages(validateObjectMeta({ name: 'a', namespace: 'default' }, node))).to.deep.equal(['metadata.namespace: Forbidden: not allowed on this type'])
    })

    it('rejects a negative generation', () => {
      expect(messages(validateObjectMeta({ name: 'a', generation: -1 }, node))).to.deep.equal(['metadata.generation: Invalid value: -1: must be greater than or equal to 0'])
    })

    it('validates labels: keys are qualified names, values label values', () => {
      expect(messages(validateObjectMeta({ name: 'a', labels: { '-bad': 'ok', good: 'not ok' } }, node))).to.deep.equal([
        `metadata.labels: Invalid value: "-bad": ${namePartMsg}`,
        `metadata.labels: Invalid value: "not ok": ${labelValueMsg}`,
      ])
    })

    it('quotes bad values the way Go\'s %q does', () => {
      expect(messages(validateObjectMeta({ name: 'a\u0000b' }, node))).to.deep.equal([`metadata.name: Invalid value: "a\\x00b": ${subdomainMsg}`])
    })

    it('validates annotation keys case-insensitively and their total size', () => {
      expect(messages(validateObjectMeta({ name: 'a', annotations: { 'Example.COM/Key': 'v', 'bad key': 'v' } }, node))).to.deep.equal([
        `metadata.annotations: Invalid value: "bad key": ${namePartMsg}`,
      ])
      const big = { a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B) }
      expect(messages(validateObjectMeta({ name: 'a', annotations: big }, node))).to.deep.equal(['metadata.annotations: Too long: must have at most 262144 bytes'])
    })

    it('validates finalizer names and TestValidateFinalizersPreventConflictingFinalizers', () => {
      expect(messages(validateObjectMeta({ name: 'a', finalizers: ['a/b/c'] }, node))).to.deep.equal([`metadata.finalizers: Invalid value: "a/b/c": ${qualifiedNameMsg}`])
      expect(messages(validateObjectMeta({ name: 'test', resourceVersion: '1', finalizers: ['orphan', 'foregroundDeletion'] }, node, 'field'))).to.deep.equal([
        'field.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
      ])
    })

    describe('TestValidateObjectMetaOwnerReferences', () => {
      const ref = (kind: string, uid: string, controller?: boolean) => ({ apiVersion: 'customresourceVersion', kind, name: 'name', uid, ...(controller === undefined ? {} : { controller }) })
      it('simple success - third party extension', () => {
        expect(validateObjectMeta({ name: 'test', namespace: 'test', ownerReferences: [ref('customresourceKind', '1')] }, cm, 'field')).to.deep.equal([])
      })
      it('simple failures - event shouldn\'t be set as an owner', () => {
        expect(messages(validateObjectMeta({ name: 'test', namespace: 'test', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'name', uid: '1' }] }, cm, 'field'))).to.deep.equal([
          'field.ownerReferences: Invalid value: v1.OwnerReference{APIVersion:"v1", Kind:"Event", Name:"name", UID:"1", Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(nil)}: /v1, Kind=Event is disallowed from being an owner',
        ])
      })
      it('simple controller ref success - one reference with Controller set', () => {
        const refs = [ref('customresourceKind', '1', false), ref('customresourceKind', '2', true), ref('customresourceKind', '3', false), ref('customresourceKind', '4')]
        expect(validateObjectMeta({ name: 'test', namespace: 'test', ownerReferences: refs }, cm, 'field')).to.deep.equal([])
      })
      it('simple controller ref failure - two references with Controller set', () => {
        const refs = [ref('customresourceKind1', '1', false), ref('customresourceKind2', '2', true), ref('customresourceKind3', '3', true), ref('customresourceKind4', '4')]
        const errs = validateObjectMeta({ name: 'test', namespace: 'test', ownerReferences: refs }, cm, 'field')
        expect(errs).to.have.length(1)
        expect(errs[0]!.detail).to.equal('Only one reference can have Controller set to true. Found "true" in references for customresourceKind2/name and customresourceKind3/name')
      })
      it('missing fields', () => {
        expect(messages(validateObjectMeta({ name: 'test', ownerReferences: [{ apiVersion: 'a/b/c' }] }, node))).to.deep.equal([
          'metadata.ownerReferences.apiVersion: Invalid value: "a/b/c": version must not be empty',
          'metadata.ownerReferences.kind: Invalid value: "": kind must not be empty',
          'metadata.ownerReferences.name: Invalid value: "": name must not be empty',
          'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
        ])
      })
    })

    describe('managedFields (TestValidateManagedFieldsInvalid / Valid, TestValidateFieldManager*)', () => {
      it('accepts the valid entries', () => {
        const valid = [
          { operation: 'Update', apiVersion: 'v1' },
          { operation: 'Update', fieldsType: 'FieldsV1', apiVersion: 'v1' },
          { operation: 'Apply', fieldsType: 'FieldsV1', apiVersion: 'v1', subresource: 'scale' },
          { operation: 'Apply', fieldsType: 'FieldsV1', apiVersion: 'v1', manager: '🍔' },
        ]
        for (const entry of valid) expect(validateManagedFields([entry], 'managedFields'), JSON.stringify(entry)).to.deep.equal([])
        for (const m of ['filedManager', '你好', '🍔']) expect(validateFieldManager(m, 'fieldManager')).to.deep.equal([])
      })
      it('rejects the invalid entries with Go\'s messages', () => {
        const cases: [Record<string, unknown>, string[]][] = [
          [{ operation: 'Update', fieldsType: 'RandomVersion', apiVersion: 'v1' }, ['managedFields[0].fieldsType: Invalid value: "RandomVersion": must be `FieldsV1`']],
          [{ operation: 'RandomOperation', fieldsType: 'FieldsV1', apiVersion: 'v1' }, ['managedFields[0].operation: Invalid value: "RandomOperation": must be `Apply` or `Update`']],
          [{ fieldsType: 'FieldsV1', apiVersion: 'v1' }, ['managedFields[0].operation: Invalid value: "": must be `Apply` or `Update`']],
          [{ operation: 'Update', fieldsType: 'FieldsV1', manager: 'field\nmanager', apiVersion: 'v1' }, ['managedFields[0].manager: Invalid value: "field\\nmanager": invalid character U+000A (at position 5)']],
          [{ operation: 'Apply', fieldsType: 'FieldsV1', apiVersion: 'v1', subresource: 'TooLong'.repeat(40) }, ['managedFields[0].subresource: Too long: must have at most 256 bytes']],
        ]
        for (const [entry, expected] of cases) expect(messages(validateManagedFields([entry], 'managedFields'))).to.deep.equal(expected)
        expect(messages(validateFieldManager('f'.repeat(129), 'fieldManager'))).to.deep.equal(['fieldManager: Too long: must have at most 128 bytes'])
      })
    })
  })

  describe('TestValidateLabels and TestValidateAnnotations', () => {
    const keys = [
      ...['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes'],
      ...['now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678'],
    ]
    it('accepts the success cases', () => {
      for (const k of [...keys, 'UpperCaseAreOK123']) expect(validateLabels({ [k]: 'bar' }, 'field'), k).to.deep.equal([])
      expect(validateLabels({ goodvalue: '123_-.BaR' }, 'field')).to.deep.equal([])
      for (const k of [...keys, 'UpperCase123']) expect(validateAnnotations({ [k]: 'bar' }, 'field'), k).to.deep.equal([])
      expect(validateAnnotations({ a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B - 1) }, 'field')).to.deep.equal([])
      expect(validateAnnotations({ a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2 - 1), c: 'd'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2 - 1) }, 'field')).to.deep.equal([])
    })
    it('rejects bad keys with one error each', () => {
      const cases: [string, string][] = [
        ['nospecialchars^=@', 'name part must consist of'],
        ['cantendwithadash-', 'name part must consist of'],
        ['only/one/slash', 'a qualified name must consist of'],
        ['a'.repeat(254), 'must be no more than'],
      ]
      for (const [k, expect_] of cases) {
        for (const errs of [validateLabels({ [k]: 'bar' }, 'field'), validateAnnotations({ [k]: 'bar' }, 'field')]) {
          expect(errs, k).to.have.length(1)
          expect(errs[0]!.detail).to.include(expect_)
        }
      }
    })
    it('rejects bad label values with one error each', () => {
      const cases: [string, string][] = [
        ['a'.repeat(64), 'must be no more than'],
        ['some\\bad\\value', 'a valid label must be an empty string or consist of'],
        ['bad,value', 'a valid label must be an empty string or consist of'],
        ['?#$notsogood', 'a valid label must be an empty string or consist of'],
      ]
      for (const [v, expect_] of cases) {
        const errs = validateLabels({ key: v }, 'field')
        expect(errs).to.have.length(1)
        expect(errs[0]!.detail).to.include(expect_)
      }
    })
    it('rejects annotations over 256 KiB in total', () => {
      expect(messages(validateAnnotations({ a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B) }, 'field'))).to.deep.equal(['field: Too long: must have at most 262144 bytes'])
      expect(validateAnnotations({ a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2), c: 'd'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2) }, 'field')).to.have.length(1)
    })
    it('reports non-string values instead of throwing', () => {
      const errs = validateLabels({ a: 5 } as unknown as Record<string, string>, 'metadata.labels')
      expect(errs).to.have.length(1)
      expect(errs[0]).to.include({ type: 'FieldValueTypeInvalid', field: 'metadata.labels[a]' })
    })
  })

  describe('never throws on shapes Go\'s decoder would have rejected', () => {
    it('ObjectMeta with wrongly typed fields', () => {
      const meta = { name: 'a', labels: [1], annotations: 'x', finalizers: 'f', ownerReferences: [null, 3], managedFields: {}, generation: '1' } as unknown as ObjectMeta
      expect(() => validateObjectMeta(meta, { namespaced: false, nameValidation: 'subdomain' })).not.to.throw()
      expect(() => validateObjectMetaUpdate(meta, { name: 'a', deletionTimestamp: 'x', finalizers: 7 } as unknown as ObjectMeta)).not.to.throw()
      expect(() => validateDeletingFinalizers(meta, { name: 'a', deletionTimestamp: 'x', finalizers: 7 } as unknown as ObjectMeta)).not.to.throw()
    })
    it('label selectors with wrongly typed parts', () => {
      const ps = { matchLabels: { a: 1 }, matchExpressions: [null, { key: 5, operator: 'In', values: [1, 'ok'] }] } as never
      const errs = validateLabelSelector(ps, {}, 's')
      expect(errs.map((e) => `${e.type} ${e.field}`)).to.deep.equal([
        'FieldValueTypeInvalid s.matchLabels[a]',
        'FieldValueTypeInvalid s.matchExpressions[0]',
        // a non-string key is checked as "", which fails twice (empty, and not matching the regex)
        'FieldValueInvalid s.matchExpressions[1].key',
        'FieldValueInvalid s.matchExpressions[1].key',
        'FieldValueTypeInvalid s.matchExpressions[1].values[0]',
      ])
    })
  })

  describe('TestLabelSelectorMatchExpression (ValidateLabelSelector)', () => {
    it('accepts a valid selector', () => {
      expect(validateLabelSelector({ matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] }, {}, 'labelSelector')).to.deep.equal([])
    })
    it('reports the key, operator and values', () => {
      expect(messages(validateLabelSelector({ matchExpressions: [{ key: '-key', operator: 'In', values: ['value'] }] }, {}, 'labelSelector'))).to.deep.equal([
        `labelSelector.matchExpressions[0].key: Invalid value: "-key": ${namePartMsg}`,
      ])
      expect(messages(validateLabelSelector({ matchExpressions: [{ key: 'key', operator: 'abc', values: ['value'] }] }, {}, 'labelSelector'))).to.deep.equal([
        'labelSelector.matchExpressions[0].operator: Invalid value: "abc": not a valid selector operator',
      ])
      expect(messages(validateLabelSelector({ matchExpressions: [{ key: 'key', operator: 'In', values: ['-value'] }] }, {}, 'labelSelector'))).to.deep.equal([
        `labelSelector.matchExpressions[0].values[0]: Invalid value: "-value": ${labelValueMsg}`,
      ])
      expect(messages(validateLabelSelector({ matchLabels: { a: 'b c' }, matchExpressions: [{ key: 'k', operator: 'In' }, { key: 'k', operator: 'Exists', values: ['x'] }] }, {}, 'spec.selector'))).to.deep.equal([
        `spec.selector.matchLabels: Invalid value: "b c": ${labelValueMsg}`,
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      ])
    })
    it('honours the options', () => {
      expect(validateLabelSelector({ matchExpressions: [{ key: 'k', operator: 'Gt', values: ['-1'] }] }, { allowUnknownOperatorInRequirement: true, allowInvalidLabelValueInSelector: true }, 's')).to.deep.equal([])
    })
  })

  describe('ValidateObjectMetaUpdate', () => {
    const base: ObjectMeta = { name: 'test', namespace: 'ns', uid: 'u1', resourceVersion: '1', creationTimestamp: '2024-01-02T03:04:05Z' }

    it('accepts an unchanged object, whatever the timestamp spelling', () => {
      expect(validateObjectMetaUpdate({ ...base, creationTimestamp: '2024-01-02T04:04:05+01:00' }, base)).to.deep.equal([])
    })

    it('keeps name, namespace, uid and creationTimestamp immutable', () => {
      const errs = validateObjectMetaUpdate({ ...base, name: 'b', namespace: 'other', uid: 'u2', creationTimestamp: '2024-01-02T03:04:06Z' }, base)
      expect(messages(errs)).to.deep.equal([
        'metadata.name: Invalid value: "b": field is immutable',
        'metadata.namespace: Invalid value: "other": field is immutable',
        'metadata.uid: Invalid value: "u2": field is immutable',
        'metadata.creationTimestamp: Invalid value: 2024-01-02 03:04:06 +0000 UTC: field is immutable',
      ])
    })

    it('TestValidateObjectMetaUpdateIgnoresCreationTimestamp: any change of creationTimestamp is one error', () => {
      const t10 = '1970-01-01T00:00:10Z'
      const t11 = '1970-01-01T00:00:11Z'
      expect(messages(validateObjectMetaUpdate({ name: 'test', resourceVersion: '1' }, { name: 'test', resourceVersion: '1', creationTimestamp: t10 }, 'field'))).to.deep.equal([
        'field.creationTimestamp: Invalid value: 0001-01-01 00:00:00 +0000 UTC: field is immutable',
      ])
      expect(messages(validateObjectMetaUpdate({ name: 'test', resourceVersion: '1', creationTimestamp: t10 }, { name: 'test', resourceVersion: '1' }, 'field'))).to.deep.equal([
        'field.creationTimestamp: Invalid value: 1970-01-01 00:00:10 +0000 UTC: field is immutable',
      ])
      expect(validateObjectMetaUpdate({ name: 'test', resourceVersion: '1', creationTimestamp: t10 }, { name: 'test', resourceVersion: '1', creationTimestamp: t11 }, 'field')).to.have.length(1)
      expect(validateObjectMetaUpdate({ name: 'test', creationTimestamp: null }, { name: 'test' }, 'field')).to.deep.equal([])
    })

    describe('TestValidateObjectMetaUpdatePreventsDeletionFieldMutation', () => {
      const now = '1970-01-01T00:16:40Z'
      const later = '1970-01-01T00:33:20Z'
      const cases: [string, ObjectMeta, ObjectMeta, string[]][] = [
        ['valid without deletion fields', { name: 'test', resourceVersion: '1' }, { name: 'test', resourceVersion: '1' }, []],
        [
          'valid with deletion fields',
          { name: 'test', resourceVersion: '1', deletionTimestamp: now, deletionGracePeriodSeconds: 30 },
          { name: 'test', resourceVersion: '1', deletionTimestamp: now, deletionGracePeriodSeconds: 30 },
          [],
        ],
        ['invalid set deletionTimestamp', { name: 'test', resourceVersion: '1' }, { name: 'test', resourceVersion: '1', deletionTimestamp: now }, [
          'field.deletionTimestamp: Invalid value: 1970-01-01 00:16:40 +0000 UTC: field is immutable',
        ]],
        ['invalid clear deletionTimestamp', { name: 'test', resourceVersion: '1', deletionTimestamp: now }, { name: 'test', resourceVersion: '1' }, [
          'field.deletionTimestamp: Invalid value: "null": field is immutable',
        ]],
        ['invalid change deletionTimestamp', { name: 'test', resourceVersion: '1', deletionTimestamp: now }, { name: 'test', resourceVersion: '1', deletionTimestamp: later }, [
          'field.deletionTimestamp: Invalid value: 1970-01-01 00:33:20 +0000 UTC: field is immutable',
        ]],
        ['invalid set deletionGracePeriodSeconds', { name: 'test', resourceVersion: '1' }, { name: 'test', resourceVersion: '1', deletionGracePeriodSeconds: 30 }, [
          'field.deletionGracePeriodSeconds: Invalid value: 30: field is immutable',
        ]],
        ['invalid clear deletionGracePeriodSeconds', { name: 'test', resourceVersion: '1', deletionGracePeriodSeconds: 30 }, { name: 'test', resourceVersion: '1' }, [
          'field.deletionGracePeriodSeconds: Invalid value: "null": field is immutable',
        ]],
        ['invalid change deletionGracePeriodSeconds', { name: 'test', resourceVersion: '1', deletionGracePeriodSeconds: 30 }, { name: 'test', resourceVersion: '1', deletionGracePeriodSeconds: 40 }, [
          'field.deletionGracePeriodSeconds: Invalid value: 40: field is immutable',
        ]],
      ]
      // Go's table lists (Old, New); the arguments here are (new, old), so "set" means new has it.
      for (const [name, oldMeta, newMeta, expected] of cases) {
        it(name, () => {
          expect(messages(validateObjectMetaUpdate(newMeta, oldMeta, 'field'))).to.deep.equal(expected)
        })
      }
    })

    describe('TestObjectMetaGenerationUpdate', () => {
      it('invalid generation change - decremented', () => {
        expect(messages(validateObjectMetaUpdate({ name: 'test', resourceVersion: '1', generation: 4 }, { name: 'test', resourceVersion: '1', generation: 5 }, 'field'))).to.deep.equal([
          'field.generation: Invalid value: 4: must not be decremented',
        ])
      })
      it('valid generation change - incremented by one, or not updated', () => {
        expect(validateObjectMetaUpdate({ name: 'test', generation: 2 }, { name: 'test', generation: 1 }, 'field')).to.deep.equal([])
        expect(validateObjectMetaUpdate({ name: 'test', generation: 5 }, { name: 'test', generation: 5 }, 'field')).to.deep.equal([])
      })
    })

    it('validates the new labels and annotations too', () => {
      expect(messages(validateObjectMetaUpdate({ ...base, labels: { a: '-' } }, base))).to.deep.equal([`metadata.labels: Invalid value: "-": ${labelValueMsg}`])
    })

    it('leaves finalizers to validateDeletingFinalizers', () => {
      expect(validateObjectMetaUpdate({ ...base, deletionTimestamp: 'x', finalizers: ['a/b'] }, { ...base, deletionTimestamp: 'x' })).to.deep.equal([])
    })
  })

  describe('TestValidateFinalizersUpdate (validateDeletingFinalizers)', () => {
    const ts = '2024-01-01T00:00:00Z'
    const cases: [string, ObjectMeta, ObjectMeta, string[]][] = [
      ['invalid adding finalizers', { name: 'test', deletionTimestamp: ts, finalizers: ['x/a'] }, { name: 'test', deletionTimestamp: ts, finalizers: ['x/a', 'y/b'] }, [
        'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"y/b"}',
      ]],
      ['invalid changing finalizers', { name: 'test', deletionTimestamp: ts, finalizers: ['x/a'] }, { name: 'test', deletionTimestamp: ts, finalizers: ['x/b'] }, [
        'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x/b"}',
      ]],
      ['valid removing finalizers', { name: 'test', deletionTimestamp: ts, finalizers: ['x/a', 'y/b'] }, { name: 'test', deletionTimestamp: ts, finalizers: ['x/a'] }, []],
      ['valid adding finalizers for objects not being deleted', { name: 'test', finalizers: ['x/a'] }, { name: 'test', finalizers: ['x/a', 'y/b'] }, []],
      ['new finalizers print sorted and once', { name: 'test', deletionTimestamp: ts }, { name: 'test', finalizers: ['z', 'a', 'z'] }, [
        'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a", "z"}',
      ]],
    ]
    for (const [name, oldMeta, newMeta, expected] of cases) {
      it(name, () => {
        const errs = validateDeletingFinalizers(newMeta, oldMeta)
        expect(messages(errs)).to.deep.equal(expected)
        if (errs.length > 0) expect(aggregateMessage(errs)).to.equal(expected[0])
      })
    }
  })

  describe('ValidateImmutableField', () => {
    it('compares decoded JSON structurally and reports the new value', () => {
      expect(validateImmutableField({ matchLabels: { a: 'b' } }, { matchLabels: { a: 'b' } }, 'spec.selector')).to.deep.equal([])
      const errs = validateImmutableField('b', 'a', 'spec.x')
      expect(messages(errs)).to.deep.equal(['spec.x: Invalid value: "b": field is immutable'])
    })
  })

  describe('Go formatting helpers', () => {
    it('goQuote behaves like strconv.Quote', () => {
      const cases: [string, string][] = [
        ['abc', '"abc"'],
        ['a"b\\c', '"a\\"b\\\\c"'],
        ['\u0000\u0007\b\f\n\r\t\u000b\u007f', '"\\x00\\a\\b\\f\\n\\r\\t\\v\\x7f"'],
        ['café 你好 🍔', '"café 你好 🍔"'],
        ['\u2028\u00ad', '"\\u2028\\u00ad"'],
        ['\u{e0001}', '"\\U000e0001"'],
      ]
      for (const [input, quoted] of cases) expect(goQuote(input)).to.equal(quoted)
    })

    it('goStringSlice behaves like %#v', () => {
      expect(goStringSlice(['a', 'b'])).to.equal('[]string{"a", "b"}')
      expect(goStringSlice([])).to.equal('[]string{}')
      expect(goStringSlice(null)).to.equal('[]string(nil)')
    })

    it('parseGoInt64 behaves like strconv.ParseInt(s, 10, 64)', () => {
      expect(parseGoInt64('+5')).to.equal(5n)
      expect(parseGoInt64('-9223372036854775808')).to.equal(-9223372036854775808n)
      for (const bad of ['', ' 1', '1.0', '0x10', '1_000', '9223372036854775808']) expect(parseGoInt64(bad), bad).to.equal(undefined)
    })
  })
})
