/**
 * @module spec/e2e/crd-features.spec
 * Every structural-schema feature and CEL rule kind of custom resources, through real kubectl,
 * with our own CRDs (spec/e2e/fixtures/crds/): a valid custom resource is created and read back
 * defaulted and pruned (`get -o json`), an invalid one is refused with kube-apiserver's exact
 * message on stderr.
 */
import { join } from 'node:path'
import { expect } from 'chai'
import { stringify } from 'yaml'
import { kubectl, repoRoot } from '../support/kubectl.js'
import type { KubectlResult } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const fixtures = join(repoRoot, 'spec/e2e/fixtures/crds')
const apiVersion = 'features.e2e.example.com/v1'

function ok(r: KubectlResult): string {
  expect(r.code, `kubectl failed: ${r.stderr}`).to.equal(0)
  return r.stdout
}

function fails(r: KubectlResult): string {
  expect(r.code, `kubectl unexpectedly succeeded: ${r.stdout}`).to.not.equal(0)
  return r.stderr
}

describe('e2e: CRD schema features and CEL rules with kubectl', function () {
  this.timeout(30_000)
  let server: StartedServer
  const run = (args: string[], stdin?: string): Promise<KubectlResult> => kubectl(args, { kubeconfig: server.kubeconfigPath, stdin, timeoutMs: 20_000 })
  const manifest = (kind: string, name: string, spec: unknown): string => stringify({ apiVersion, kind, metadata: { name, namespace: 'default' }, spec })
  const getSpec = async (kind: string, name: string): Promise<Record<string, unknown>> =>
    (JSON.parse(ok(await run(['get', `${kind.toLowerCase()}.features.e2e.example.com`, name, '-o', 'json']))) as { spec: Record<string, unknown> }).spec

  before(async () => {
    server = await startServer()
    ok(await run(['create', '-f', fixtures]))
    ok(await run(['wait', '--for=condition=Established', 'crd/widgets.features.e2e.example.com', 'crd/gadgets.features.e2e.example.com', 'crd/probes.features.e2e.example.com', '--timeout=10s']))
  })
  after(async () => {
    await server?.stop()
  })

  describe('structural schema (Widget)', () => {
    const valid = {
      size: 'small',
      code: 'abc-1',
      replicas: 3,
      ratio: 0.5,
      owner: 'a@example.com',
      id: '123e4567-e89b-12d3-a456-426614174000',
      since: '2024-01-02T03:04:05Z',
      ports: [
        { name: 'http', port: 80 },
        { name: 'admin', port: 'admin' },
      ],
      tags: ['a', 'b'],
      weights: { first: {}, second: { weight: 5 } },
      selector: { app: 'web' },
      target: '50%',
      note: null,
      plain: null,
      level: null,
      nullableLevel: null,
      bogus: 1,
      extra: { anything: { goes: [1, 2] } },
      template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner', junk: 1 }, data: { a: 'b' } },
    }

    it('strict field validation (kubectl create default) refuses unknown fields, also in embedded metadata', async () => {
      expect(fails(await run(['create', '-f', '-'], manifest('Widget', 'strict', valid)))).to.include(
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus", unknown field "spec.template.metadata.junk"',
      )
    })

    it('warn field validation (--validate=warn) creates the object, prints a warning per unknown field and prunes them', async () => {
      const r = await run(['create', '--validate=warn', '-f', '-'], stringify({ apiVersion, kind: 'Widget', metadata: { name: 'warned', namespace: 'default', junk: 1 }, spec: { size: 'large', bogus: 1 } }))
      expect(ok(r)).to.equal('widget.features.e2e.example.com/warned created\n')
      expect(r.stderr).to.equal('Warning: unknown field "metadata.junk"\nWarning: unknown field "spec.bogus"\n')
      expect(await getSpec('Widget', 'warned')).to.deep.equal({ size: 'large', level: 'info', nullableLevel: 'info', config: { mode: 'auto', nested: { level: 3 } } })
    })

    it('creates a valid Widget and reads it back defaulted and pruned', async () => {
      expect(ok(await run(['create', '--validate=false', '-f', '-'], manifest('Widget', 'w1', valid)))).to.equal('widget.features.e2e.example.com/w1 created\n')
      const spec = await getSpec('Widget', 'w1')
      expect(spec).to.deep.equal({
        size: 'small',
        code: 'abc-1',
        replicas: 3,
        ratio: 0.5,
        owner: 'a@example.com',
        id: '123e4567-e89b-12d3-a456-426614174000',
        since: '2024-01-02T03:04:05Z',
        // nested defaults: config defaults to {} and then its own properties are defaulted
        config: { mode: 'auto', nested: { level: 3 } },
        // defaults inside array items; int-or-string takes both forms
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'admin', port: 'admin', protocol: 'TCP' },
        ],
        tags: ['a', 'b'],
        // defaults inside additionalProperties
        weights: { first: { weight: 1 }, second: { weight: 5 } },
        selector: { app: 'web' },
        target: '50%',
        // nullable keeps null (even with a default); a non-nullable null is dropped, then defaulted
        note: null,
        nullableLevel: null,
        level: 'info',
        // preserve-unknown-fields keeps everything below
        extra: { anything: { goes: [1, 2] } },
        // embedded resource: metadata reduced to ObjectMeta, the rest preserved
        template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' }, data: { a: 'b' } },
      })
      expect(spec).to.not.have.property('bogus')
      expect(spec).to.not.have.property('plain')
    })

    it('answers a create with 201 and the defaulted, pruned object (what kubectl prints as "created")', async () => {
      const res = await fetch(`${server.url}/apis/features.e2e.example.com/v1/namespaces/default/widgets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion, kind: 'Widget', metadata: { name: 'direct' }, spec: { size: 'medium', bogus: true } }),
      })
      expect(res.status).to.equal(201)
      const body = (await res.json()) as { metadata: { namespace: string }; spec: unknown }
      expect(body.metadata.namespace).to.equal('default')
      expect(body.spec).to.deep.equal({ size: 'medium', level: 'info', nullableLevel: 'info', config: { mode: 'auto', nested: { level: 3 } } })
    })

    const invalid: [string, Record<string, unknown>, string][] = [
      ['required', { code: 'abc' }, 'spec.size: Required value'],
      ['enum', { size: 'huge' }, 'spec.size: Unsupported value: "huge": supported values: "small", "medium", "large"'],
      ['pattern', { size: 'small', code: 'Abc' }, `spec.code: Invalid value: "Abc": spec.code in body should match '^[a-z][a-z0-9-]*$'`],
      ['maxLength', { size: 'small', code: 'abcdefghijklmnop' }, 'spec.code: Too long: must have at most 12 bytes'],
      ['minimum', { size: 'small', replicas: 0 }, 'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'],
      ['maximum', { size: 'small', replicas: 11 }, 'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'],
      ['exclusiveMinimum', { size: 'small', ratio: 0 }, 'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0'],
      ['format email', { size: 'small', owner: 'not-an-email' }, 'spec.owner: Invalid value: "not-an-email": spec.owner in body must be of type email: "not-an-email"'],
      ['format uuid', { size: 'small', id: 'nope' }, 'spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"'],
      ['format date-time', { size: 'small', since: 'yesterday' }, 'spec.since: Invalid value: "yesterday": spec.since in body must be of type date-time: "yesterday"'],
      ['list-type set with a duplicate', { size: 'small', tags: ['a', 'a'] }, 'spec.tags[1]: Duplicate value: "a"'],
      [
        'list-type map with a duplicate key',
        { size: 'small', ports: [{ name: 'http' }, { name: 'http', port: 81 }] },
        'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}',
      ],
      ['list-type map without its key', { size: 'small', ports: [{ port: 81 }] }, 'spec.ports[0].name: Required value'],
      ['int-or-string given a number', { size: 'small', target: 1.5 }, 'spec.target: Invalid value: "number": spec.target in body must be of type integer,string: "number"'],
      ['int-or-string given a boolean', { size: 'small', ports: [{ name: 'a', port: true }] }, 'spec.ports[0].port: Invalid value: "boolean": spec.ports[0].port in body must be of type integer,string: "boolean"'],
      ['embedded resource without apiVersion', { size: 'small', template: { kind: 'ConfigMap' } }, 'spec.template.apiVersion: Required value: must not be empty'],
      ['map values of the wrong type', { size: 'small', selector: { app: 1 } }, 'spec.selector.app: Invalid value: "integer": spec.selector.app in body must be of type string: "integer"'],
      ['additionalProperties values of the wrong type', { size: 'small', weights: { a: { weight: 'x' } } }, 'spec.weights.a.weight: Invalid value: "string": spec.weights.a.weight in body must be of type integer: "string"'],
    ]
    for (const [what, spec, message] of invalid) {
      it(`refuses ${what}`, async () => {
        expect(fails(await run(['create', '-f', '-'], manifest('Widget', 'bad', spec)))).to.equal(`The Widget "bad" is invalid: ${message}\n`)
      })
    }
  })

  describe('CEL validation rules (Gadget)', () => {
    const valid = { name: 'g-ok', items: [1, 2], order: ['a', 'b'], memory: '512Mi', immutableId: 'one' }

    it('creates a Gadget that passes every rule, defaulted', async () => {
      ok(await run(['create', '-f', '-'], manifest('Gadget', 'good', valid)))
      expect(await getSpec('Gadget', 'good')).to.deep.equal({ ...valid, minReplicas: 1, maxReplicas: 1 })
    })

    const invalid: [string, Record<string, unknown>, string][] = [
      ['a simple rule without message', { minReplicas: 3, maxReplicas: 2 }, 'spec: Invalid value: "object": failed rule: self.minReplicas <= self.maxReplicas'],
      ['a rule with reason and fieldPath', { minReplicas: 3, maxReplicas: 200 }, 'spec.maxReplicas: Forbidden: maxReplicas is at most 100'],
      ['a messageExpression', { name: 'g-abcdefghijk' }, 'spec: Invalid value: "object": name g-abcdefghijk is longer than 10 characters'],
      ['string functions (startsWith, lowerAscii)', { name: 'G-ok' }, 'spec: Invalid value: "object": name must start with g- and be lower case'],
      ['list macro exists', { items: [1, 3] }, 'spec: Invalid value: "object": items must be positive and include an even number'],
      ['list macro all', { items: [-2] }, 'spec: Invalid value: "object": items must be positive and include an even number'],
      ['list function isSorted', { order: ['b', 'a'] }, 'spec: Invalid value: "object": order must be sorted'],
      ['quantity comparison', { memory: '2Gi' }, 'spec: Invalid value: "object": memory must be below 1Gi'],
      [
        'quantity of a malformed value (evaluation error)',
        { memory: 'lots' },
        `spec: Invalid value: "object": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' evaluating rule: memory must be below 1Gi`,
      ],
    ]
    for (const [what, spec, message] of invalid) {
      it(`refuses ${what}`, async () => {
        const base = { name: 'g-ok', items: [2] }
        expect(fails(await run(['create', '-f', '-'], manifest('Gadget', 'bad', { ...base, ...spec })))).to.equal(`The Gadget "bad" is invalid: ${message}\n`)
      })
    }

    it('a transition rule (self == oldSelf) keeps a field immutable while other fields change', async () => {
      expect(fails(await run(['patch', 'gadget', 'good', '--type=merge', '-p', '{"spec":{"immutableId":"two"}}']))).to.equal(
        'The Gadget "good" is invalid: spec.immutableId: Invalid value: "string": immutableId is immutable\n',
      )
      ok(await run(['patch', 'gadget', 'good', '--type=merge', '-p', '{"spec":{"memory":"256Mi"}}']))
      expect(await getSpec('Gadget', 'good')).to.include({ memory: '256Mi', immutableId: 'one' })
    })
  })

  describe('more CEL library functions (Probe)', () => {
    it('creates a Probe that passes every rule', async () => {
      ok(await run(['create', '-f', '-'], manifest('Probe', 'good', { labels: { a: 'x' }, names: ['main'], url: 'https://example.com', csv: 'a,b', entries: [{ key: 'a', value: 'one' }] })))
    })

    const invalid: [string, Record<string, unknown>, string][] = [
      ['matches() over map keys with all()', { labels: { A: 'x' }, names: ['main'] }, 'spec: Invalid value: "object": label keys must be lower case'],
      ['map() and sum() in a messageExpression', { labels: {}, names: ['main', 'aaaaaaaaaa', 'bbbbbbbbbb'] }, 'spec: Invalid value: "object": total 24'],
      ['exists_one() with reason FieldValueRequired and a fieldPath', { labels: {}, names: ['x'] }, 'spec.names: Required value: exactly one main'],
      ['url().getScheme()', { labels: {}, names: ['main'], url: 'http://x' }, 'spec: Invalid value: "object": https only'],
      ['split()', { labels: {}, names: ['main'], csv: 'a,b,c,d' }, 'spec: Invalid value: "object": at most three'],
    ]
    for (const [what, spec, message] of invalid) {
      it(`refuses ${what}`, async () => {
        expect(fails(await run(['create', '-f', '-'], manifest('Probe', 'bad', spec)))).to.equal(`The Probe "bad" is invalid: ${message}\n`)
      })
    }

    it('a transition rule on list-type map items correlates old and new items by key', async () => {
      expect(fails(await run(['patch', 'probe', 'good', '--type=merge', '-p', '{"spec":{"entries":[{"key":"a","value":"two"}]}}']))).to.equal(
        'The Probe "good" is invalid: spec.entries[0]: Invalid value: "object": value is immutable\n',
      )
      // A new key has no old item: the transition rule does not run for it.
      ok(await run(['patch', 'probe', 'good', '--type=merge', '-p', '{"spec":{"entries":[{"key":"a","value":"one"},{"key":"b","value":"x"}]}}']))
    })

    const brokenCRD = (rule: string): Record<string, unknown> => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'brokens.features.e2e.example.com' },
      spec: {
        group: 'features.e2e.example.com',
        scope: 'Namespaced',
        names: { plural: 'brokens', kind: 'Broken' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule }], properties: { o: { type: 'object', properties: { x: { type: 'string' } } } } } } } },
          },
        ],
      },
    })

    it('refuses a rule with optional selection (valid in kube) saying plainly that it is not supported', async () => {
      const stderr = fails(await run(['create', '-f', '-'], stringify(brokenCRD("self.?o.?x.orValue('none') == 'none'"))))
      expect(stderr).to.include('spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{')
      expect(stderr).to.include('(optional field selection .?field and [?index] is not supported by kube-express)')
    })

    it('refuses a CRD whose rule does not compile, with the CEL error', async () => {
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'brokens.features.e2e.example.com' },
        spec: {
          group: 'features.e2e.example.com',
          scope: 'Namespaced',
          names: { plural: 'brokens', kind: 'Broken' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.nope > 1' }], properties: { a: { type: 'string' } } } } } },
            },
          ],
        },
      }
      expect(fails(await run(['create', '-f', '-'], stringify(crd)))).to.equal(
        'The CustomResourceDefinition "brokens.features.e2e.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: ' +
          'Invalid value: apiextensions.ValidationRule{Rule:"self.nope > 1", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: ' +
          "compilation failed: ERROR: <input>:1:5: undefined field 'nope'\n | self.nope > 1\n | ....^\n",
      )
    })
  })
})
