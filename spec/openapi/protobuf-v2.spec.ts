/**
 * @module spec/openapi/protobuf-v2.spec
 * /openapi/v2 as protobuf (a gnostic openapi.v2.Document), the form client-go's OpenAPISchema asks
 * for. The bytes are read back with a decoder written here from OpenAPIv2.proto's field numbers
 * (independent of the encoder's tables) and must give back the JSON document's definitions, the
 * PATCH operations kubectl's legacy fieldValidation check reads, and the vendor extensions as YAML.
 * Then the real kubectl (1.32 and 1.35): `apply -f` of a kind the server does not have must end in
 * kube's "resource mapping not found" instead of "error validating data", server-side validation
 * still refuses unknown fields, and when v3 lacks fieldValidation kubectl validates client-side
 * from the protobuf definitions (so it parses every one of them).
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import express from 'express'
import type { Express } from 'express'
import request from 'supertest'
import { parse as parseYAML } from 'yaml'
import { statusErrorWriter } from '../../lib/endpoints/response-writers.js'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'
import { OpenAPIRegistry } from '../../openapi/document.js'
import { deprecatedProtobufV2MediaType, openAPIRouter, protobufV2MediaType } from '../../openapi/handlers.js'
import { encodeOpenAPIV2Document } from '../../openapi/protobuf-v2.js'
import { kubectl, kubectlVersions } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'
import { configmaps, crontabs, deployments, namespaces } from './fixtures.js'

// ---------------------------------------------------------------------------------------------
// A minimal protobuf reader: each message becomes field number → raw values.

type Raw = bigint | Buffer
type Message = Map<number, Raw[]>

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n
  let shift = 0n
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint')
    const byte = buf[pos++]!
    result |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return [result, pos]
    shift += 7n
  }
}

function decode(buf: Buffer): Message {
  const out: Message = new Map()
  let pos = 0
  while (pos < buf.length) {
    const [key, next] = readVarint(buf, pos)
    pos = next
    const field = Number(key >> 3n)
    const wire = Number(key & 7n)
    let value: Raw
    if (wire === 0) [value, pos] = readVarint(buf, pos)
    else if (wire === 1) {
      value = buf.subarray(pos, pos + 8)
      pos += 8
    } else if (wire === 2) {
      const [len, start] = readVarint(buf, pos)
      value = buf.subarray(start, start + Number(len))
      pos = start + Number(len)
    } else throw new Error(`unexpected wire type ${wire}`)
    if (pos > buf.length) throw new Error('truncated field')
    out.set(field, [...(out.get(field) ?? []), value])
  }
  return out
}

const bytesOf = (m: Message, f: number): Buffer[] => (m.get(f) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v))
const strOf = (m: Message, f: number): string | undefined => bytesOf(m, f).at(-1)?.toString('utf8')
const strsOf = (m: Message, f: number): string[] => bytesOf(m, f).map((b) => b.toString('utf8'))
const msgOf = (m: Message, f: number): Message | undefined => {
  const b = bytesOf(m, f).at(-1)
  return b ? decode(b) : undefined
}
const msgsOf = (m: Message, f: number): Message[] => bytesOf(m, f).map(decode)
const varintOf = (m: Message, f: number): bigint | undefined => (m.get(f) ?? []).find((v): v is bigint => typeof v === 'bigint')
/** Any { google.protobuf.Any value = 1; string yaml = 2 } → the value its YAML holds. */
const anyOf = (m: Message): unknown => parseYAML(strOf(m, 2) ?? '')

/** NamedX { string name = 1; X value = 2 } list → [name, value message]. */
const namedOf = (m: Message, f: number): Array<[string, Message]> => msgsOf(m, f).map((n) => [strOf(n, 1) ?? '', msgOf(n, 2) ?? new Map()])

/** Schema (OpenAPIv2.proto: _ref 1 ... vendor_extension 31) back into the JSON form. */
function schemaJSON(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const strings: Array<[number, string]> = [[1, '$ref'], [2, 'format'], [3, 'title'], [4, 'description'], [13, 'pattern'], [26, 'discriminator']]
  for (const [f, key] of strings) if (strOf(m, f) !== undefined) out[key] = strOf(m, f)
  for (const [f, key] of [[5, 'default'], [30, 'example']] as const) {
    const a = msgOf(m, f)
    if (a) out[key] = anyOf(a)
  }
  for (const [f, key] of [[6, 'multipleOf'], [7, 'maximum'], [9, 'minimum']] as const) {
    const b = bytesOf(m, f).at(-1)
    if (b) out[key] = b.readDoubleLE(0)
  }
  for (const [f, key] of [[8, 'exclusiveMaximum'], [10, 'exclusiveMinimum'], [16, 'uniqueItems'], [27, 'readOnly']] as const) {
    if (varintOf(m, f) !== undefined) out[key] = varintOf(m, f) === 1n
  }
  const ints: Array<[number, string]> = [[11, 'maxLength'], [12, 'minLength'], [14, 'maxItems'], [15, 'minItems'], [17, 'maxProperties'], [18, 'minProperties']]
  for (const [f, key] of ints) if (varintOf(m, f) !== undefined) out[key] = Number(BigInt.asIntN(64, varintOf(m, f)!))
  if (m.has(19)) out.required = strsOf(m, 19)
  if (m.has(20)) out.enum = msgsOf(m, 20).map(anyOf)
  const additional = msgOf(m, 21)
  if (additional) out.additionalProperties = additional.has(1) ? schemaJSON(msgOf(additional, 1)!) : varintOf(additional, 2) === 1n
  const type = msgOf(m, 22)
  if (type) {
    const values = strsOf(type, 1)
    out.type = values.length === 1 ? values[0] : values
  }
  const items = msgOf(m, 23)
  if (items) {
    const schemas = msgsOf(items, 1).map(schemaJSON)
    out.items = schemas.length === 1 ? schemas[0] : schemas
  }
  if (m.has(24)) out.allOf = msgsOf(m, 24).map(schemaJSON)
  const properties = msgOf(m, 25)
  if (properties) out.properties = Object.fromEntries(namedOf(properties, 1).map(([name, s]) => [name, schemaJSON(s)]))
  for (const [name, value] of namedOf(m, 31)) out[name] = anyOf(value)
  return out
}

function definitionsOf(document: Message): Record<string, Record<string, unknown>> {
  return Object.fromEntries(namedOf(msgOf(document, 9) ?? new Map(), 1).map(([name, s]) => [name, schemaJSON(s)]))
}

/** Drops what JSON.stringify drops (undefined members), so the JSON document compares as served. */
function asServed(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown
}

function registryWith(...defs: Array<typeof configmaps>): OpenAPIRegistry {
  const registry = new OpenAPIRegistry()
  for (const d of defs) registry.addResource(d)
  return registry
}

describe('openapi/protobuf-v2', () => {
  describe('encodeOpenAPIV2Document', () => {
    const registry = registryWith(configmaps, namespaces, deployments, crontabs)
    const json = asServed(registry.v2Document()) as { info: { title: string; version: string }; definitions: Record<string, unknown> }
    const document = decode(encodeOpenAPIV2Document(registry.v2Document()))

    it('writes swagger and info', () => {
      expect(strOf(document, 1)).to.equal('2.0')
      const info = msgOf(document, 2)!
      expect([strOf(info, 1), strOf(info, 2)]).to.deep.equal([json.info.title, json.info.version])
    })

    it('gives back every definition of the JSON document, field for field', () => {
      const definitions = definitionsOf(document)
      expect(Object.keys(definitions)).to.deep.equal(Object.keys(json.definitions))
      for (const [name, schema] of Object.entries(json.definitions)) expect(definitions[name], name).to.deep.equal(schema)
    })

    it('carries vendor extensions as YAML, the way kube-openapi reads them', () => {
      const raw = new Map(namedOf(msgOf(document, 9)!, 1))
      const deployment = raw.get('io.k8s.api.apps.v1.Deployment')!
      const gvk = new Map(namedOf(deployment, 31)).get('x-kubernetes-group-version-kind')!
      expect(parseYAML(strOf(gvk, 2)!)).to.deep.equal([{ group: 'apps', kind: 'Deployment', version: 'v1' }])

      const podSpec = definitionsOf(document)['io.k8s.api.core.v1.PodSpec']!
      const containers = (podSpec.properties as Record<string, Record<string, unknown>>).containers!
      expect(containers).to.include({ 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map' })
      expect(containers.items).to.deep.equal({ $ref: '#/definitions/io.k8s.api.core.v1.Container' })
    })

    it("lets kubectl's legacy check find fieldValidation on each kind's PATCH", () => {
      // QueryParamVerifier.supportsQueryParam: paths[].patch vendor GVK, then query parameter names.
      const paths = new Map(namedOf(msgOf(document, 8)!, 2))
      const item = paths.get('/api/v1/namespaces/{name}')!
      const patch = msgOf(item, 8)!
      const gvk = new Map(namedOf(patch, 13)).get('x-kubernetes-group-version-kind')!
      expect(parseYAML(strOf(gvk, 2)!)).to.deep.equal({ group: '', kind: 'Namespace', version: 'v1' })
      const queryNames = msgsOf(patch, 8).map((p) => strOf(msgOf(msgOf(msgOf(p, 1)!, 2) ?? new Map(), 3) ?? new Map(), 4))
      expect(queryNames).to.include('fieldValidation')
      const body = msgsOf(patch, 8).map((p) => msgOf(msgOf(p, 1)!, 1)).find((b) => b !== undefined)!
      expect([strOf(body, 2), strOf(body, 3), varintOf(body, 4)]).to.deep.equal(['body', 'body', 1n])
    })

    it('writes numbers, negative integers, boolean additionalProperties and type lists', () => {
      const doc = {
        swagger: '2.0',
        definitions: {
          x: {
            type: ['string', 'null'],
            minimum: -1.5,
            maxLength: 4,
            minItems: -2,
            additionalProperties: false,
            enum: ['a', 1, null],
            items: [{ type: 'string' }, { type: 'integer' }],
            properties: {},
            'x-kubernetes-preserve-unknown-fields': true,
          },
        },
      }
      expect(definitionsOf(decode(encodeOpenAPIV2Document(doc))).x).to.deep.equal(doc.definitions.x)
    })
  })

  describe('GET /openapi/v2', () => {
    let registry: OpenAPIRegistry
    let app: Express

    beforeEach(() => {
      registry = registryWith(configmaps, namespaces)
      app = express()
      app.use(openAPIRouter(registry))
      app.use(statusErrorWriter())
    })

    const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void): void => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => done(null, Buffer.concat(chunks)))
    }

    it('answers both protobuf spellings with the current protobuf type and the JSON ETag', async () => {
      for (const accept of [deprecatedProtobufV2MediaType, protobufV2MediaType]) {
        const res = await request(app).get('/openapi/v2').set('Accept', accept).buffer(true).parse(binary).expect(200)
        expect(res.headers['content-type']).to.equal(protobufV2MediaType)
        expect(res.headers.vary).to.match(/Accept/)
        expect(res.headers.etag).to.equal(`"${registry.v2Serialized().hash}"`)
        expect(Object.keys(definitionsOf(decode(res.body as Buffer)))).to.include('io.k8s.api.core.v1.ConfigMap')
        await request(app).get('/openapi/v2').set('Accept', accept).set('If-None-Match', res.headers.etag as string).expect(304)
      }
    })

    it('prefers JSON for wildcards and follows q', async () => {
      for (const accept of ['*/*', 'application/*', `${deprecatedProtobufV2MediaType};q=0.5, application/json`]) {
        const res = await request(app).get('/openapi/v2').set('Accept', accept).expect(200)
        expect(res.headers['content-type'], accept).to.equal('application/json')
      }
      const res = await request(app).get('/openapi/v2').set('Accept', `application/json;q=0.5, ${deprecatedProtobufV2MediaType}`).expect(200)
      expect(res.headers['content-type']).to.equal(protobufV2MediaType)
    })

    it('answers a media type it does not have with 406', async () => {
      for (const accept of ['text/html', 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf']) {
        const res = await request(app).get('/openapi/v2').set('Accept', accept).expect(406)
        expect(res.body).to.include({ kind: 'Status', reason: 'NotAcceptable', code: 406 })
      }
    })

    it('follows the document when a resource is added', async () => {
      const get = async (): Promise<Record<string, unknown>> => {
        const res = await request(app).get('/openapi/v2').set('Accept', deprecatedProtobufV2MediaType).buffer(true).parse(binary).expect(200)
        return definitionsOf(decode(res.body as Buffer))
      }
      expect(await get()).to.not.have.property('com.example.stable.v1.CronTab')
      registry.addResource(crontabs)
      expect(await get()).to.have.property('com.example.stable.v1.CronTab')
    })
  })

  describe('with the real kubectl', function () {
    this.timeout(60_000)
    let server: StartedServer
    let dir: string
    /** A kubeconfig whose server answers the CRD list (see the `before` hook). */
    let withCRDList: string
    /** A kubeconfig whose /openapi/v3/api/v1 lacks fieldValidation, as on a pre-1.25 server. */
    let withoutFieldValidation: string
    let stubHost: Server | undefined

    before(async () => {
      server = await startServer()
      dir = await mkdtemp(join(tmpdir(), 'kube-express-pbv2-'))
      // A host app in front of the same chain, the way an embedding app mounts it:
      // - at /: kubectl's legacy fieldValidation check lists CRDs for a kind it cannot find, and a
      //   kube-apiserver always has that API; until this server serves it, the host answers the
      //   list (empty) in its place.
      // - at /legacy: /openapi/v3/api/v1 without fieldValidation, so kubectl validates core kinds
      //   itself from the /openapi/v2 protobuf definitions (what it does against an old server).
      const crdsServed = (await fetch(`${server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`)).status !== 404
      const host = express()
      host.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', function emptyCRDList(_req, res, next) {
        if (crdsServed) return next()
        res.json({ kind: 'CustomResourceDefinitionList', apiVersion: 'apiextensions.k8s.io/v1', metadata: { resourceVersion: '1' }, items: [] })
      })
      host.get('/legacy/openapi/v3/api/v1', async function apiV1WithoutFieldValidation(_req, res) {
        const doc = await (await fetch(`${server.url}/openapi/v3/api/v1`, { headers: { accept: 'application/json' } })).text()
        res.type('application/json').send(doc.replaceAll('"fieldValidation"', '"fieldValidationX"'))
      })
      host.use('/legacy', server.chain.handler)
      host.use(server.chain.handler)
      const listening = createServer(host)
      stubHost = listening
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', () => resolve()))
      const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
      withCRDList = join(dir, 'kubeconfig-with-crd-list')
      await writeFile(withCRDList, kubeconfigYAML(base))
      withoutFieldValidation = join(dir, 'kubeconfig-without-field-validation')
      await writeFile(withoutFieldValidation, kubeconfigYAML(`${base}/legacy`))
    })

    after(async () => {
      if (stubHost) {
        const closing = stubHost
        await new Promise<void>((resolve) => {
          closing.close(() => resolve())
          closing.closeAllConnections()
        })
      }
      await server?.stop()
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    async function manifest(name: string, text: string): Promise<string> {
      const path = join(dir, name)
      await writeFile(path, text)
      return path
    }

    for (const version of kubectlVersions) {
      describe(`kubectl ${version}`, () => {
        it('apply of a kind in no group the server has: resource mapping not found', async () => {
          const file = await manifest(`widget-${version}.yaml`, 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n')
          const res = await kubectl(['apply', '-f', file], { kubeconfig: server.kubeconfigPath, version })
          expect(res.code).to.equal(1)
          expect(res.stderr).to.equal(
            `error: resource mapping not found for name: "w" namespace: "" from "${file}": no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first\n`,
          )
        })

        it('apply of a kind missing from a group the server has: resource mapping not found', async () => {
          // v1 exists in /openapi/v3 without Deployment, so kubectl falls back to the legacy check:
          // /openapi/v2 protobuf paths (Namespace's PATCH has fieldValidation), then the CRD list.
          const file = await manifest(`deploy-v1-${version}.yaml`, 'apiVersion: v1\nkind: Deployment\nmetadata:\n  name: w\n')
          const res = await kubectl(['apply', '-f', file], { kubeconfig: withCRDList, version })
          expect(res.code).to.equal(1)
          expect(res.stderr).to.equal(
            `error: resource mapping not found for name: "w" namespace: "" from "${file}": no matches for kind "Deployment" in version "v1"\nensure CRDs are installed first\n`,
          )
        })

        it('apply of a Deployment still validates: an unknown field is refused by strict decoding', async () => {
          const name = `web-${version}`
          const good = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: a, image: 'a:1'}\n`
          const goodFile = await manifest(`${name}.yaml`, good)
          const created = await kubectl(['apply', '-f', goodFile], { kubeconfig: server.kubeconfigPath, version })
          expect(created.stderr).to.equal('')
          expect(created.stdout).to.equal(`deployment.apps/${name} created\n`)

          // A new name, so this is a create: kube's strict decoding message for a create, verbatim.
          const badFile = await manifest(`${name}-bad.yaml`, good.replace(`name: ${name}\n`, `name: ${name}-bad\n`).replace('  selector:', '  bogus: 1\n  selector:'))
          const refused = await kubectl(['apply', '-f', badFile], { kubeconfig: server.kubeconfigPath, version })
          expect(refused.code).to.equal(1)
          expect(refused.stderr).to.equal(
            `Error from server (BadRequest): error when creating "${badFile}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus"\n`,
          )
        })

        it('validates a core kind client-side from the protobuf definitions when v3 lacks fieldValidation', async () => {
          const args = ['create', '-f', '-', '--dry-run=client', '-o', 'name', '--validate=strict']
          const valid = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: checked\ndata:\n  a: b\n'
          const ok = await kubectl(args, { kubeconfig: withoutFieldValidation, version, stdin: valid })
          expect([ok.code, ok.stdout, ok.stderr]).to.deep.equal([0, 'configmap/checked\n', ''])
          const bad = await kubectl(args, { kubeconfig: withoutFieldValidation, version, stdin: `${valid}bogus: 1\n` })
          expect(bad.code).to.equal(1)
          expect(bad.stderr).to.equal(
            'error: error validating "STDIN": error validating data: ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap; if you choose to ignore these errors, turn validation off with --validate=false\n',
          )
        })

        it('get --raw /openapi/v2 is still JSON', async () => {
          const res = await kubectl(['get', '--raw', '/openapi/v2'], { kubeconfig: server.kubeconfigPath, version })
          expect(res.code).to.equal(0)
          const body = JSON.parse(res.stdout) as { swagger: string; definitions: Record<string, unknown> }
          expect(body.swagger).to.equal('2.0')
          expect(body.definitions).to.have.property('io.k8s.api.apps.v1.Deployment')
        })
      })
    }
  })
})
