// The core/v1 kinds beyond Namespace and ConfigMap, through the composed chain: what each shows
// after defaulting, a validation failure in kube's words, its Table, a field selector, and its
// discovery facts, asserting what a client sees on the wire.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import { compareQuantities, parseQuantity } from '../../routers/kube/core/helpers.js'
import type { Quantity } from '../../routers/kube/core/helpers.js'

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'
const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

interface Column {
  name: string
  type: string
  format: string
  priority: number
}

interface Row {
  cells: unknown[]
}

describe('resource.Quantity', () => {
  const parsed = (s: string | number): Quantity => {
    const q = parseQuantity(s)
    if (typeof q === 'string') throw new Error(q)
    return q
  }

  it('prints the canonical form kube-apiserver writes back', () => {
    const cases: [string | number, string][] = [
      ['0.5', '500m'],
      [1.5, '1500m'],
      ['1000m', '1'],
      ['1000', '1k'],
      ['1024', '1024'],
      ['2048Ki', '2Mi'],
      ['1.5Gi', '1536Mi'],
      ['0.5Ki', '512'],
      ['-0.5Gi', '-512Mi'],
      ['12e-1', '1200e-3'],
      ['0.0000000001', '1n'],
      ['100000000000000000000', '100E'],
      // Inputs already in canonical form are kept as typed, quirks included.
      ['007', '007'],
      ['+1', '+1'],
    ]
    for (const [input, text] of cases) expect(parsed(input).text, String(input)).to.equal(text)
  })

  it('compares by value and refuses what the decoder refuses', () => {
    expect(compareQuantities(parsed('1Gi'), parsed('1024Mi'))).to.equal(0)
    expect(compareQuantities(parsed('1'), parsed('999m'))).to.equal(1)
    expect(compareQuantities(parsed('1k'), parsed('1Ki'))).to.equal(-1)
    expect(parseQuantity('1x')).to.equal("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    expect(parseQuantity('1kk')).to.equal("unable to parse quantity's suffix")
  })
})

describe('core/v1 resources', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  const post = (path: string, body: object) => request(chain.app).post(path).send(body)
  const table = async (path: string): Promise<{ columns: Column[]; rows: Row[] }> => {
    const res = await request(chain.app).get(path).set('Accept', tableAccept)
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    expect(res.body.kind).to.equal('Table')
    return { columns: res.body.columnDefinitions, rows: res.body.rows }
  }
  const columnsOf = (cols: Column[]) => cols.map((c) => [c.name, c.type, c.priority])
  const names = (res: request.Response) => res.body.items.map((o: { metadata: { name: string } }) => o.metadata.name)

  describe('discovery', () => {
    let resources: Record<string, unknown>[]
    before(async () => {
      const res = await request(chain.app).get('/api/v1')
      resources = res.body.resources
    })
    const entry = (name: string) => resources.find((r) => r['name'] === name)

    const expected: [string, string, string, boolean, string[] | undefined][] = [
      ['secrets', 'secret', 'Secret', true, undefined],
      ['serviceaccounts', 'serviceaccount', 'ServiceAccount', true, ['sa']],
      ['endpoints', 'endpoints', 'Endpoints', true, ['ep']],
      ['podtemplates', 'podtemplate', 'PodTemplate', true, undefined],
      ['events', 'event', 'Event', true, ['ev']],
      ['limitranges', 'limitrange', 'LimitRange', true, ['limits']],
      ['resourcequotas', 'resourcequota', 'ResourceQuota', true, ['quota']],
      ['nodes', 'node', 'Node', false, ['no']],
      ['persistentvolumes', 'persistentvolume', 'PersistentVolume', false, ['pv']],
      ['persistentvolumeclaims', 'persistentvolumeclaim', 'PersistentVolumeClaim', true, ['pvc']],
    ]
    for (const [name, singular, kind, namespaced, shortNames] of expected) {
      it(`lists ${name} with kube's names, scope and verbs`, () => {
        const r = entry(name)
        expect(r, name).to.not.equal(undefined)
        expect(r).to.include({ name, singularName: singular, kind, namespaced })
        expect(r!['verbs']).to.deep.equal(allVerbs)
        expect(r!['shortNames']).to.deep.equal(shortNames)
        // None of these kinds is in a category: `kubectl get all` leaves them out.
        expect(r).to.not.have.property('categories')
      })
    }

    it('serves status subresources where kube has them, and no others', () => {
      for (const name of ['resourcequotas', 'nodes', 'persistentvolumes', 'persistentvolumeclaims']) {
        expect(entry(`${name}/status`), name).to.deep.include({ singularName: '', verbs: ['get', 'patch', 'update'] })
      }
      for (const name of ['secrets', 'serviceaccounts', 'endpoints', 'podtemplates', 'events', 'limitranges']) {
        expect(resources.filter((r) => String(r['name']).startsWith(`${name}/`)), name).to.deep.equal([])
      }
    })

    it('publishes an OpenAPI schema for every new kind', async () => {
      const res = await request(chain.app).get('/openapi/v3/api/v1')
      expect(res.status).to.equal(200)
      const schemas = Object.keys(res.body.components.schemas)
      for (const kind of ['Secret', 'ServiceAccount', 'Endpoints', 'PodTemplate', 'Event', 'LimitRange', 'ResourceQuota', 'Node', 'PersistentVolume', 'PersistentVolumeClaim']) {
        expect(schemas, kind).to.include(`io.k8s.api.core.v1.${kind}`)
      }
    })
  })

  describe('secrets', () => {
    it('defaults the type to Opaque and folds stringData into data', async () => {
      const res = await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'opaque' }, data: { b: 'Yg==' }, stringData: { a: 'hello', b: 'bee' } })
      expect(res.status).to.equal(201)
      expect(res.body.type).to.equal('Opaque')
      expect(res.body.data).to.deep.equal({ a: 'aGVsbG8=', b: 'YmVl' })
      expect(res.body).to.not.have.property('stringData')
    })

    it('requires the keys of a TLS secret', async () => {
      const res = await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': '' } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal('Secret "tls" is invalid: data[tls.key]: Required value')
    })

    it('checks the other well-known types and the key syntax', async () => {
      const cases: [object, string][] = [
        [{ type: 'kubernetes.io/dockerconfigjson' }, 'data[.dockerconfigjson]: Required value'],
        [
          { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":').toString('base64') } },
          'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input',
        ],
        [
          { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('nope').toString('base64') } },
          `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'o' in literal null (expecting 'u')`,
        ],
        [{ type: 'kubernetes.io/basic-auth' }, '[data[username]: Required value, data[password]: Required value]'],
        [{ type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } }, 'data[ssh-privatekey]: Required value'],
        [{ type: 'kubernetes.io/service-account-token' }, 'metadata.annotations[kubernetes.io/service-account.name]: Required value'],
        [
          { stringData: { 'a b': 'x' } },
          "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ],
      ]
      for (const [body, message] of cases) {
        const res = await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'bad' }, ...body })
        expect(res.status, message).to.equal(422)
        expect(res.body.message).to.equal(`Secret "bad" is invalid: ${message}`)
      }
      const basic = await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'basic' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'u' } })
      expect(basic.status).to.equal(201)
    })

    it('refuses data that is not base64 as the decoder does', async () => {
      const res = await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'b64' }, data: { a: 'abc' } })
      expect(res.status).to.equal(400)
      // Go counts back to the start of the unfinished quantum.
      expect(res.body.message).to.equal('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0')
      const bad = await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'b64' }, data: { a: 'ab!d' } })
      expect(bad.body.message).to.equal('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2')
    })

    it('keeps the type and the data of an immutable secret', async () => {
      const created = await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'frozen' }, immutable: true, stringData: { a: 'b' } })
      expect(created.status).to.equal(201)
      const res = await request(chain.app)
        .put('/api/v1/namespaces/default/secrets/frozen')
        .send({ ...created.body, type: 'Other', immutable: false, data: { a: 'Yw==' } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'Secret "frozen" is invalid: [type: Invalid value: "Other": field is immutable, immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set]',
      )
    })

    it('prints NAME TYPE DATA AGE and selects by type', async () => {
      await post('/api/v1/namespaces/default/secrets', { metadata: { name: 'cert' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } })
      const t = await table('/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Dcert')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Type', 'string', 0],
        ['Data', 'string', 0],
        ['Age', 'string', 0],
      ])
      expect(t.rows[0]!.cells.slice(0, 3)).to.deep.equal(['cert', 'kubernetes.io/tls', 2])
      const tls = await request(chain.app).get('/api/v1/namespaces/default/secrets?fieldSelector=type%3Dkubernetes.io/tls')
      expect(names(tls)).to.deep.equal(['cert'])
      const notOpaque = await request(chain.app).get('/api/v1/secrets?fieldSelector=type!%3DOpaque')
      expect(names(notOpaque)).to.include.members(['cert', 'basic']).and.not.include('opaque')
    })
  })

  describe('serviceaccounts', () => {
    it('keeps only the names of secret references and returns the object on delete', async () => {
      const res = await post('/api/v1/namespaces/default/serviceaccounts', {
        metadata: { name: 'robot' },
        secrets: [{ name: 'token', namespace: 'default', uid: 'x' }],
        imagePullSecrets: [{ name: 'pull' }],
      })
      expect(res.status).to.equal(201)
      expect(res.body.secrets).to.deep.equal([{ name: 'token' }])
      expect(res.body.imagePullSecrets).to.deep.equal([{ name: 'pull' }])
      const t = await table('/api/v1/namespaces/default/serviceaccounts?fieldSelector=metadata.name%3Drobot')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Secrets', 'string', 0],
        ['Age', 'string', 0],
      ])
      expect(t.rows.map((r) => r.cells.slice(0, 2))).to.deep.equal([['robot', 1]])
      const del = await request(chain.app).delete('/api/v1/namespaces/default/serviceaccounts/robot')
      expect(del.status).to.equal(200)
      expect(del.body.kind).to.equal('ServiceAccount')
    })

    it('warns when the deprecated enforce-mountable-secrets annotation is added', async () => {
      const res = await post('/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'enforcing', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } } })
      expect(res.status).to.equal(201)
      expect(res.headers['warning']).to.contain('metadata.annotations[kubernetes.io/enforce-mountable-secrets]: deprecated in v1.32+; prefer separate namespaces to isolate access to mounted secrets')
    })

    it('validates the name as a DNS subdomain', async () => {
      const res = await post('/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'Robot' } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.match(/^ServiceAccount "Robot" is invalid: metadata.name: Invalid value: "Robot": a lowercase RFC 1123 subdomain/)
    })
  })

  describe('endpoints', () => {
    it('defaults port protocols and prints the first host:ports', async () => {
      const res = await post('/api/v1/namespaces/default/endpoints', {
        metadata: { name: 'web' },
        subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::1' }], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }],
      })
      expect(res.status).to.equal(201)
      expect(res.body.subsets[0].ports).to.deep.equal([
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'https', port: 443, protocol: 'TCP' },
      ])
      const t = await table('/api/v1/namespaces/default/endpoints?fieldSelector=metadata.name%3Dweb')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Endpoints', 'string', 0],
        ['Age', 'string', 0],
      ])
      expect(t.rows[0]!.cells.slice(0, 2)).to.deep.equal(['web', '10.0.0.1:80,10.0.0.2:80,[fd00::1]:80 + 3 more...'])
    })

    it('rejects special addresses, nameless ports among several and unknown protocols', async () => {
      const res = await post('/api/v1/namespaces/default/endpoints', {
        metadata: { name: 'bad' },
        subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }, { name: 'b', port: 0, protocol: 'HTTP' }] }, { ports: [{ port: 1 }] }],
      })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'Endpoints "bad" is invalid: [subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128), ' +
          'subsets[0].ports[0].name: Required value, subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive, ' +
          'subsets[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP", ' +
          'subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`]',
      )
      const ip = await post('/api/v1/namespaces/default/endpoints', { metadata: { name: 'bad' }, subsets: [{ addresses: [{ ip: 'nope' }] }] })
      expect(ip.body.message).to.equal(
        'Endpoints "bad" is invalid: [subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff), subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address]',
      )
    })
  })

  describe('podtemplates', () => {
    it('applies the pod defaults kubectl shows and tracks the generation', async () => {
      const res = await post('/api/v1/namespaces/default/podtemplates', {
        metadata: { name: 'tpl' },
        template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }, { name: 'side', image: 'busybox:1.36' }] } },
      })
      expect(res.status).to.equal(201)
      expect(res.body.metadata.generation).to.equal(1)
      const spec = res.body.template.spec
      expect(spec).to.include({ dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 })
      expect(spec.securityContext).to.deep.equal({})
      expect(spec.containers[0]).to.deep.include({
        imagePullPolicy: 'Always',
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        resources: {},
        ports: [{ containerPort: 80, protocol: 'TCP' }],
      })
      expect(spec.containers[1].imagePullPolicy).to.equal('IfNotPresent')
      expect(res.body.template.metadata.creationTimestamp).to.equal(null)

      const patched = await request(chain.app)
        .patch('/api/v1/namespaces/default/podtemplates/tpl')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ template: { metadata: { labels: { tier: 'back' } } } }))
      expect(patched.body.metadata.generation).to.equal(2)
      const relabelled = await request(chain.app)
        .patch('/api/v1/namespaces/default/podtemplates/tpl')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ metadata: { labels: { x: 'y' } } }))
      expect(relabelled.body.metadata.generation).to.equal(2)

      const t = await table('/api/v1/namespaces/default/podtemplates?fieldSelector=metadata.name%3Dtpl')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Containers', 'string', 0],
        ['Images', 'string', 0],
        ['Pod Labels', 'string', 0],
      ])
      expect(t.rows[0]!.cells).to.deep.equal(['tpl', 'web,side', 'nginx,busybox:1.36', 'app=web,tier=back'])
    })

    it('requires containers, names and images', async () => {
      const empty = await post('/api/v1/namespaces/default/podtemplates', { metadata: { name: 'bad' }, template: { spec: {} } })
      expect(empty.status).to.equal(422)
      expect(empty.body.message).to.equal('PodTemplate "bad" is invalid: template.spec.containers: Required value')
      const res = await post('/api/v1/namespaces/default/podtemplates', {
        metadata: { name: 'bad' },
        template: { spec: { containers: [{ name: 'a' }, { name: 'a', image: 'x' }], restartPolicy: 'Sometimes' } },
      })
      expect(res.body.message).to.equal(
        'PodTemplate "bad" is invalid: [template.spec.containers[0].image: Required value, template.spec.containers[1].name: Duplicate value: "a", ' +
          'template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"]',
      )
    })
  })

  describe('events', () => {
    it('writes the fields the Go struct always has and selects by involved object and reason', async () => {
      const res = await post('/api/v1/namespaces/default/events', {
        metadata: { name: 'web.1' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u-1', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
        reason: 'Pulled',
        message: 'Pulled image  ',
        type: 'Normal',
        source: { component: 'kubelet', host: 'node-1' },
        count: 3,
        firstTimestamp: '2024-01-01T00:00:00Z',
        lastTimestamp: new Date(Date.now() - 65_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      })
      expect(res.status).to.equal(201)
      expect(res.body).to.include({ eventTime: null, reportingComponent: '', reportingInstance: '' })
      await post('/api/v1/namespaces/default/events', {
        metadata: { name: 'Node.Other' },
        involvedObject: { kind: 'Node', name: 'node-1' },
        reason: 'Starting',
        type: 'Warning',
      })

      const byObject = await request(chain.app).get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DPod,involvedObject.name%3Dweb')
      expect(names(byObject)).to.deep.equal(['web.1'])
      for (const selector of ['reason=Starting', 'type=Warning', 'involvedObject.uid!=u-1', 'source=', 'reportingComponent=']) {
        const r = await request(chain.app).get(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(selector)}`)
        expect(r.status, selector).to.equal(200)
        expect(names(r), selector).to.include('Node.Other')
      }
      const bySource = await request(chain.app).get('/api/v1/namespaces/default/events?fieldSelector=source%3Dkubelet')
      expect(names(bySource)).to.deep.equal(['web.1'])

      const t = await table('/api/v1/namespaces/default/events?fieldSelector=metadata.name%3Dweb.1')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Last Seen', 'string', 0],
        ['Type', 'string', 0],
        ['Reason', 'string', 0],
        ['Object', 'string', 0],
        ['Subobject', 'string', 1],
        ['Source', 'string', 1],
        ['Message', 'string', 0],
        ['First Seen', 'string', 1],
        ['Count', 'string', 1],
        ['Name', 'string', 1],
      ])
      const cells = t.rows[0]!.cells
      // kube's event printer puts Name last, wide-only.
      expect(cells[cells.length - 1]).to.equal('web.1')
      expect(cells[0]).to.match(/^6[5-9]s$/)
      expect(cells.slice(1)).to.deep.include.members(['Normal', 'Pulled', 'pod/web', 'spec.containers{web}', 'kubelet, node-1', 'Pulled image', 3])
    })

    it("checks the namespace against the involved object's", async () => {
      const res = await post('/api/v1/namespaces/default/events', { metadata: { name: 'x' }, involvedObject: { kind: 'Pod', namespace: 'other', name: 'p' } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal('Event "x" is invalid: involvedObject.namespace: Invalid value: "other": does not match event.namespace')
      const modern = await post('/api/v1/namespaces/default/events', { metadata: { name: 'y' }, eventTime: '2024-01-01T00:00:00.000000Z', involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' } })
      // An empty reporter also fails IsQualifiedName, so kube lists it three times.
      expect(modern.body.message).to.equal(
        'Event "y" is invalid: [reportingComponent: Required value, reportingComponent: Invalid value: "": name part must be non-empty, ' +
          "reportingComponent: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), " +
          'reportingInstance: Required value, action: Required value, reason: Required value]',
      )
    })

    it('creates on PUT', async () => {
      const res = await request(chain.app).put('/api/v1/namespaces/default/events/put-made').send({ metadata: { name: 'put-made' }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' } })
      expect(res.status).to.equal(201)
    })
  })

  describe('limitranges', () => {
    it('defaults container limits from max and requests from the limit or min, canonically', async () => {
      const res = await post('/api/v1/namespaces/default/limitranges', {
        metadata: { name: 'limits' },
        spec: { limits: [{ type: 'Container', max: { cpu: '2000m', memory: '1Gi' }, min: { cpu: '0.1', 'ephemeral-storage': '1024Mi' } }, { type: 'Pod', max: { cpu: 4 } }] },
      })
      expect(res.status).to.equal(201)
      const [container, pod] = res.body.spec.limits
      expect(container).to.deep.equal({
        type: 'Container',
        max: { cpu: '2', memory: '1Gi' },
        min: { cpu: '100m', 'ephemeral-storage': '1Gi' },
        default: { cpu: '2', memory: '1Gi' },
        defaultRequest: { cpu: '2', memory: '1Gi', 'ephemeral-storage': '1Gi' },
      })
      expect(pod).to.deep.equal({ type: 'Pod', max: { cpu: '4' } })
    })

    it('reports min above max with the quantity as Go prints it', async () => {
      const res = await post('/api/v1/namespaces/default/limitranges', { metadata: { name: 'bad' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '1Gi' }, min: { storage: '2Gi' } }] } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'LimitRange "bad" is invalid: spec.limits[0].min[storage]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2147483648, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2Gi", Format:"BinarySI"}: min value 2Gi is greater than max value 1Gi',
      )
      const types = await post('/api/v1/namespaces/default/limitranges', { metadata: { name: 'bad' }, spec: { limits: [{ type: 'Node' }, { type: 'Pod', default: { cpu: '1' }, max: { gpu: '1' } }] } })
      expect(types.body.message).to.equal(
        'LimitRange "bad" is invalid: [spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified, ' +
          'spec.limits[1].max[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified, ' +
          'spec.limits[1].max[gpu]: Invalid value: "gpu": must be a standard resource for containers, ' +
          "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod']",
      )
    })

    it('refuses an unparsable quantity as the decoder does', async () => {
      const res = await post('/api/v1/namespaces/default/limitranges', { metadata: { name: 'bad' }, spec: { limits: [{ type: 'Container', max: { cpu: 'lots' } }] } })
      expect(res.status).to.equal(400)
      expect(res.body.message).to.equal(
        "LimitRange in version \"v1\" cannot be handled as a LimitRange: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      )
    })

    it('has no printer: Name and Created At, selected by name', async () => {
      const t = await table('/api/v1/namespaces/default/limitranges?fieldSelector=metadata.name%3Dlimits')
      expect(t.columns.map((c) => [c.name, c.type, c.format])).to.deep.equal([
        ['Name', 'string', 'name'],
        ['Created At', 'string', 'date'],
      ])
      expect(t.rows).to.have.length(1)
    })
  })

  describe('resourcequotas', () => {
    it('starts with an empty status that only /status writes, and prints usage from it', async () => {
      const res = await post('/api/v1/namespaces/default/resourcequotas', {
        metadata: { name: 'quota' },
        spec: { hard: { 'requests.cpu': '1000m', 'limits.memory': '2048Mi', pods: '10' } },
        status: { hard: { pods: '1' } },
      })
      expect(res.status).to.equal(201)
      expect(res.body.spec.hard).to.deep.equal({ 'requests.cpu': '1', 'limits.memory': '2Gi', pods: '10' })
      expect(res.body.status).to.deep.equal({})

      const ignored = await request(chain.app).put('/api/v1/namespaces/default/resourcequotas/quota').send({ ...res.body, status: { hard: { pods: '3' } } })
      expect(ignored.body.status).to.deep.equal({})
      const status = await request(chain.app)
        .put('/api/v1/namespaces/default/resourcequotas/quota/status')
        .send({ ...res.body, spec: { hard: { pods: '99' } }, status: { hard: res.body.spec.hard, used: { 'requests.cpu': '500m', pods: '2' } } })
      expect(status.status).to.equal(200)
      expect(status.body.spec.hard.pods).to.equal('10')
      expect(status.body.status.used).to.deep.equal({ 'requests.cpu': '500m', pods: '2' })

      const t = await table('/api/v1/namespaces/default/resourcequotas?fieldSelector=metadata.name%3Dquota')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Age', 'string', 0],
        ['Request', 'string', 0],
        ['Limit', 'string', 0],
      ])
      expect(t.rows[0]!.cells[2]).to.equal('pods: 2/10, requests.cpu: 500m/1')
      expect(t.rows[0]!.cells[3]).to.equal('limits.memory: 0/2Gi')
    })

    it('checks resource names and values', async () => {
      const res = await post('/api/v1/namespaces/default/resourcequotas', { metadata: { name: 'bad' }, spec: { hard: { cpu: '-1', widgets: '1', pods: '1.5' } } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'ResourceQuota "bad" is invalid: [spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0, ' +
          'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified, ' +
          'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota, ' +
          'spec.hard[pods]: Invalid value: resource.Quantity{i:resource.int64Amount{value:15, scale:-1}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"", Format:"DecimalSI"}: must be an integer]',
      )
    })
  })

  describe('nodes', () => {
    const node = (name: string, extra: object = {}) => ({ metadata: { name }, ...extra })

    it('is cluster-scoped, keeps the status a kubelet registers with, and fills the structs kube writes', async () => {
      const res = await post('/api/v1/nodes', node('bare'))
      expect(res.status).to.equal(201)
      expect(res.body.metadata).to.not.have.property('namespace')
      expect(res.body.spec).to.deep.equal({})
      expect(res.body.status.daemonEndpoints).to.deep.equal({ kubeletEndpoint: { Port: 0 } })
      expect(res.body.status.nodeInfo).to.include({ kubeletVersion: '', osImage: '', architecture: '' })

      const full = await post(
        '/api/v1/nodes',
        node('worker-1', {
          metadata: { name: 'worker-1', labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/gpu': '' } },
          spec: { unschedulable: true },
          status: {
            capacity: { cpu: '4', memory: '8192Mi' },
            conditions: [{ type: 'Ready', status: 'True' }],
            addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
            nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'containerd://1.7' },
          },
        }),
      )
      expect(full.status).to.equal(201)
      expect(full.body.status.capacity).to.deep.equal({ cpu: '4', memory: '8Gi' })
      expect(full.body.status.allocatable).to.deep.equal({ cpu: '4', memory: '8Gi' })
      expect(full.body.status.conditions).to.deep.equal([{ type: 'Ready', status: 'True' }])
    })

    it('prints STATUS ROLES AGE VERSION and the wide columns, and selects on spec.unschedulable', async () => {
      const t = await table('/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Status', 'string', 0],
        ['Roles', 'string', 0],
        ['Age', 'string', 0],
        ['Version', 'string', 0],
        ['Internal-IP', 'string', 1],
        ['External-IP', 'string', 1],
        ['OS-Image', 'string', 1],
        ['Kernel-Version', 'string', 1],
        ['Container-Runtime', 'string', 1],
      ])
      expect(t.rows).to.have.length(1)
      const [name, status, roles, , version, ...wide] = t.rows[0]!.cells
      expect([name, status, roles, version]).to.deep.equal(['worker-1', 'Ready,SchedulingDisabled', 'gpu,worker', 'v1.32.0'])
      expect(wide).to.deep.equal(['10.0.0.5', '<none>', 'Debian', '6.1', 'containerd://1.7'])
      const schedulable = await request(chain.app).get('/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse')
      expect(names(schedulable)).to.include('bare').and.not.include('worker-1')
      const bare = await table('/api/v1/nodes?fieldSelector=metadata.name%3Dbare')
      expect(bare.rows[0]!.cells.slice(1, 3)).to.deep.equal(['Unknown', '<none>'])
      expect(bare.rows[0]!.cells.slice(7)).to.deep.equal(['<unknown>', '<unknown>', '<unknown>'])
    })

    it('changes status only through /status', async () => {
      const got = await request(chain.app).get('/api/v1/nodes/bare')
      const conditions = [{ type: 'Ready', status: 'False' }]
      const main = await request(chain.app).put('/api/v1/nodes/bare').send({ ...got.body, spec: { unschedulable: true }, status: { ...got.body.status, conditions } })
      expect(main.body.spec.unschedulable).to.equal(true)
      expect(main.body.status).to.not.have.property('conditions')
      const status = await request(chain.app)
        .patch('/api/v1/nodes/bare/status')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ spec: { unschedulable: false }, status: { conditions } }))
      expect(status.status).to.equal(200)
      expect(status.body.spec.unschedulable).to.equal(true)
      expect(status.body.status.conditions).to.deep.equal(conditions)
    })

    it('validates taints under metadata.taints, as kube reports them', async () => {
      const res = await post(
        '/api/v1/nodes',
        node('tainted', {
          spec: {
            taints: [
              { key: 'a', effect: 'NoSchedule' },
              { key: 'a', effect: 'NoSchedule' },
              { key: 'b', effect: 'Sometimes' },
            ],
          },
        }),
      )
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'Node "tainted" is invalid: [metadata.taints[1]: Duplicate value: core.Taint{Key:"a", Value:"", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair, ' +
          'metadata.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"]',
      )
    })
  })

  describe('persistentvolumes', () => {
    it('defaults the policy and mode, starts Pending, and returns the object on delete', async () => {
      const res = await post('/api/v1/persistentvolumes', {
        metadata: { name: 'pv-1', annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } },
        spec: { capacity: { storage: '10240Mi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], hostPath: { path: '/data' }, storageClassName: 'fast', claimRef: { namespace: 'default', name: 'claim' } },
      })
      expect(res.status).to.equal(201)
      expect(res.body.spec).to.deep.include({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', capacity: { storage: '10Gi' } })
      expect(res.body.spec.hostPath).to.deep.equal({ path: '/data', type: '' })
      expect(res.body.status.phase).to.equal('Pending')
      expect(res.body.status.lastPhaseTransitionTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)

      const t = await table('/api/v1/persistentvolumes?fieldSelector=name%3Dpv-1')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Capacity', 'string', 0],
        ['Access Modes', 'string', 0],
        ['Reclaim Policy', 'string', 0],
        ['Status', 'string', 0],
        ['Claim', 'string', 0],
        ['StorageClass', 'string', 0],
        ['VolumeAttributesClass', 'string', 0],
        ['Reason', 'string', 0],
        ['Age', 'string', 0],
        ['VolumeMode', 'string', 1],
      ])
      const cells = t.rows[0]!.cells
      expect([...cells.slice(0, 9), cells[10]]).to.deep.equal(['pv-1', '10Gi', 'RWO,ROX', 'Retain', 'Pending', 'default/claim', 'slow', '<unset>', '', 'Filesystem'])

      const del = await request(chain.app).delete('/api/v1/persistentvolumes/pv-1')
      expect(del.body.kind).to.equal('PersistentVolume')
    })

    it('needs access modes, a storage capacity and exactly one source', async () => {
      const res = await post('/api/v1/persistentvolumes', { metadata: { name: 'bad' }, spec: {} })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'PersistentVolume "bad" is invalid: [spec.accessModes: Required value, spec.capacity: Required value, ' +
          'spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage", spec: Required value: must specify a volume type]',
      )
      const two = await post('/api/v1/persistentvolumes', {
        metadata: { name: 'bad' },
        spec: { capacity: { storage: '0' }, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'], hostPath: { path: '/a' }, nfs: { server: 's', path: '/b' } },
      })
      expect(two.body.message).to.equal(
        'PersistentVolume "bad" is invalid: [spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes, ' +
          'spec.capacity[storage]: Invalid value: "0": must be greater than zero, spec.nfs: Forbidden: may not specify more than 1 volume type]',
      )
    })

    it('keeps the source immutable and the status to /status', async () => {
      const created = await post('/api/v1/persistentvolumes', { metadata: { name: 'pv-2' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/a' } } })
      const moved = await request(chain.app).put('/api/v1/persistentvolumes/pv-2').send({ ...created.body, spec: { ...created.body.spec, hostPath: { path: '/b' } } })
      expect(moved.status).to.equal(422)
      expect(moved.body.message).to.equal('PersistentVolume "pv-2" is invalid: spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation')
      const bound = await request(chain.app)
        .patch('/api/v1/persistentvolumes/pv-2/status')
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ status: { phase: 'Available' } }))
      expect(bound.status).to.equal(200)
      expect(bound.body.status.phase).to.equal('Available')
      expect(bound.body.status.lastPhaseTransitionTime).to.be.a('string')
    })
  })

  describe('persistentvolumeclaims', () => {
    const claim = (name: string, spec: object = {}) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } })

    it('defaults the volume mode, starts Pending and mirrors dataSource into dataSourceRef', async () => {
      const res = await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('data', { dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } }))
      expect(res.status).to.equal(201)
      expect(res.body.spec.volumeMode).to.equal('Filesystem')
      expect(res.body.spec.dataSourceRef).to.deep.equal({ kind: 'PersistentVolumeClaim', name: 'src' })
      expect(res.body.status).to.deep.equal({ phase: 'Pending' })
    })

    it('requires access modes and a storage request with kube\'s paths', async () => {
      const res = await post('/api/v1/namespaces/default/persistentvolumeclaims', { metadata: { name: 'bad' }, spec: { accessModes: ['ReadWriteSometimes'] } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal(
        'PersistentVolumeClaim "bad" is invalid: [spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod", spec.resources[storage]: Required value]',
      )
      const none = await post('/api/v1/namespaces/default/persistentvolumeclaims', { metadata: { name: 'bad' }, spec: { resources: { requests: { storage: '1Gi' } } } })
      expect(none.body.message).to.equal('PersistentVolumeClaim "bad" is invalid: spec.accessModes: Required value: at least 1 access mode is required')
    })

    it('keeps the spec immutable except volumeName once, and the storage request of a bound claim', async () => {
      const created = await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('grow'))
      const path = '/api/v1/namespaces/default/persistentvolumeclaims/grow'
      const patch = (body: object, sub = '') => request(chain.app).patch(path + sub).set('Content-Type', 'application/merge-patch+json').send(JSON.stringify(body))
      const unbound = await patch({ spec: { resources: { requests: { storage: '2Gi' } } } })
      expect(unbound.status).to.equal(422)
      expect(unbound.body.message).to.equal(
        'PersistentVolumeClaim "grow" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      )
      const same = await patch({ spec: { resources: { requests: { storage: '1024Mi' } } } })
      expect(same.status, JSON.stringify(same.body)).to.equal(200)
      expect(same.body.spec.resources.requests.storage).to.equal('1Gi')
      expect((await patch({ spec: { volumeName: 'pv-9' } })).status).to.equal(200)
      const bound = await patch({ status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, '/status')
      expect(bound.body.status.phase).to.equal('Bound')
      const grown = await patch({ spec: { resources: { requests: { storage: '2Gi' } } } })
      expect(grown.status).to.equal(200)
      const shrunk = await patch({ spec: { resources: { requests: { storage: '1Gi' } } } })
      expect(shrunk.body.message).to.equal('PersistentVolumeClaim "grow" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity')
      const modes = await patch({ spec: { accessModes: ['ReadWriteMany'] } })
      expect(modes.status).to.equal(422)
      expect(created.status).to.equal(201)
    })

    it('prints STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS and selects by name', async () => {
      const t = await table('/api/v1/namespaces/default/persistentvolumeclaims?fieldSelector=name%3Dgrow')
      expect(columnsOf(t.columns)).to.deep.equal([
        ['Name', 'string', 0],
        ['Status', 'string', 0],
        ['Volume', 'string', 0],
        ['Capacity', 'string', 0],
        ['Access Modes', 'string', 0],
        ['StorageClass', 'string', 0],
        ['VolumeAttributesClass', 'string', 0],
        ['Age', 'string', 0],
        ['VolumeMode', 'string', 1],
      ])
      const cells = t.rows[0]!.cells
      expect([...cells.slice(0, 7), cells[8]]).to.deep.equal(['grow', 'Bound', 'pv-9', '1Gi', 'RWO', '', '<unset>', 'Filesystem'])
      const pending = await table('/api/v1/namespaces/default/persistentvolumeclaims?fieldSelector=name%3Ddata')
      expect(pending.rows[0]!.cells.slice(1, 5)).to.deep.equal(['Pending', '', '', ''])
      const unknown = await request(chain.app).get('/api/v1/namespaces/default/persistentvolumeclaims?fieldSelector=status.phase%3DBound')
      expect(unknown.status).to.equal(400)
      expect(unknown.body.message).to.equal('field label not supported: status.phase')
    })
  })
})
