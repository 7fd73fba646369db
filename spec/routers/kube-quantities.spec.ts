// resource.Quantity fields inside pods and every pod template: the decoder refuses an unparsable
// quantity with kube's 400, and writes valid ones back in canonical form, so kubectl's own
// client-side parsing (describe, set image, rollout status) never meets a raw value. Also the
// other decode-time conversion of the shared pod spec path: the deprecated serviceAccount field.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

const ns = '/api/v1/namespaces/default'
const apps = '/apis/apps/v1/namespaces/default'
const batch = '/apis/batch/v1/namespaces/default'
const quantityRegexError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

function podSpec(resources: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { containers: [{ name: 'c', image: 'nginx', resources }], ...extra }
}

function template(resources: Record<string, unknown>): Record<string, unknown> {
  return { metadata: { labels: { app: 'q' } }, spec: podSpec(resources) }
}

describe('resource quantities in pods and pod templates', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  it('refuses a Pod with an unparsable quantity with the decoder 400', async () => {
    const res = await request(chain.app)
      .post(`${ns}/pods`)
      .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: podSpec({ requests: { cpu: 0.5 }, limits: { cpu: '1000m', memory: 'zzz' } }) })
    expect(res.status).to.equal(400)
    expect(res.body.message).to.equal(`Pod in version "v1" cannot be handled as a Pod: ${quantityRegexError}`)
    expect(res.body.reason).to.equal('BadRequest')
  })

  it('writes a Pod quantities back canonical (numbers, milli, binary)', async () => {
    const res = await request(chain.app)
      .post(`${ns}/pods`)
      .send({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'canon' },
        spec: podSpec(
          { requests: { cpu: 0.5, memory: '1.5Gi' }, limits: { cpu: '1000m', memory: '2048Mi' } },
          { overhead: { cpu: '250m', memory: 1024 }, volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1024Mi' } }] },
        ),
      })
    expect(res.status).to.equal(201)
    const c = res.body.spec.containers[0]
    expect(c.resources).to.deep.equal({ requests: { cpu: '500m', memory: '1536Mi' }, limits: { cpu: '1', memory: '2Gi' } })
    expect(res.body.spec.overhead).to.deep.equal({ cpu: '250m', memory: '1024' })
    expect(res.body.spec.volumes[0].emptyDir).to.deep.equal({ sizeLimit: '1Gi' })
  })

  it('fills requests from canonical limits', async () => {
    const res = await request(chain.app)
      .post(`${ns}/pods`)
      .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lim' }, spec: podSpec({ limits: { cpu: 2, memory: '1024Ki' } }) })
    expect(res.status).to.equal(201)
    expect(res.body.spec.containers[0].resources.requests).to.deep.equal({ cpu: '2', memory: '1Mi' })
  })

  const workloads: [string, string, string, (r: Record<string, unknown>) => Record<string, unknown>][] = [
    ['Deployment', apps, 'deployments', (r) => ({ apiVersion: 'apps/v1', spec: { selector: { matchLabels: { app: 'q' } }, template: template(r) } })],
    ['ReplicaSet', apps, 'replicasets', (r) => ({ apiVersion: 'apps/v1', spec: { selector: { matchLabels: { app: 'q' } }, template: template(r) } })],
    ['DaemonSet', apps, 'daemonsets', (r) => ({ apiVersion: 'apps/v1', spec: { selector: { matchLabels: { app: 'q' } }, template: template(r) } })],
    ['StatefulSet', apps, 'statefulsets', (r) => ({ apiVersion: 'apps/v1', spec: { serviceName: 'q', selector: { matchLabels: { app: 'q' } }, template: template(r) } })],
    ['Job', batch, 'jobs', (r) => ({ apiVersion: 'batch/v1', spec: { template: { spec: { ...podSpec(r), restartPolicy: 'Never' } } } })],
    ['CronJob', batch, 'cronjobs', (r) => ({ apiVersion: 'batch/v1', spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { ...podSpec(r), restartPolicy: 'Never' } } } } } })],
    ['ReplicationController', ns, 'replicationcontrollers', (r) => ({ apiVersion: 'v1', spec: { selector: { app: 'q' }, template: template(r) } })],
    ['PodTemplate', ns, 'podtemplates', (r) => ({ apiVersion: 'v1', template: template(r) })],
  ]
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of several kinds
  type Json = any
  const podSpecOf = (kind: string, body: Json): Json =>
    kind === 'PodTemplate' ? body.template.spec : kind === 'CronJob' ? body.spec.jobTemplate.spec.template.spec : body.spec.template.spec

  for (const [kind, prefix, resource, make] of workloads) {
    it(`canonicalizes and checks the quantities of a ${kind} template`, async () => {
      const bad = { kind, metadata: { name: 'bad' }, ...make({ limits: { memory: 'zzz' } }) }
      const refused = await request(chain.app).post(`${prefix}/${resource}`).send(bad)
      expect(refused.status).to.equal(400)
      expect(refused.body.message).to.equal(`${kind} in version "v1" cannot be handled as a ${kind}: ${quantityRegexError}`)
      const good = { kind, metadata: { name: 'good' }, ...make({ requests: { cpu: 0.5 }, limits: { cpu: '1000m', memory: '2048Mi' } }) }
      const created = await request(chain.app).post(`${prefix}/${resource}`).send(good)
      expect(created.status, JSON.stringify(created.body)).to.equal(201)
      expect(podSpecOf(kind, created.body).containers[0].resources).to.deep.equal({ requests: { cpu: '500m' }, limits: { cpu: '1', memory: '2Gi' } })
    })
  }

  it('writes the deprecated serviceAccount back as a copy of serviceAccountName in templates', async () => {
    const make = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name },
      template: { spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } },
    })
    const fromNew = await request(chain.app).post(`${ns}/podtemplates`).send(make('sa1', { serviceAccountName: 'builder' }))
    expect(fromNew.body.template.spec).to.deep.include({ serviceAccountName: 'builder', serviceAccount: 'builder' })
    const fromOld = await request(chain.app).post(`${ns}/podtemplates`).send(make('sa2', { serviceAccount: 'legacy' }))
    expect(fromOld.body.template.spec).to.deep.include({ serviceAccountName: 'legacy', serviceAccount: 'legacy' })
  })

  it('canonicalizes StatefulSet volumeClaimTemplates', async () => {
    const res = await request(chain.app)
      .post(`${apps}/statefulsets`)
      .send({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'claims' },
        spec: {
          serviceName: 'q',
          selector: { matchLabels: { app: 'q' } },
          template: template({}),
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } } }],
        },
      })
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
    expect(res.body.spec.volumeClaimTemplates[0].spec.resources.requests).to.deep.equal({ storage: '1Gi' })
  })
})
