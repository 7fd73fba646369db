// The batch, autoscaling, policy, networking and small-group declarations on a chain that
// installs them through typedResource: discovery facts, defaults on create, a validation message
// and Table columns per group.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'
import type { KubeObject } from '../../lib/api/types.js'
import { autoscalingResources } from '../../routers/kube/autoscaling/index.js'
import { hpaV1ToV2, hpaV2ToV1 } from '../../routers/kube/autoscaling/hpa-conversion.js'
import { batchResources } from '../../routers/kube/batch/index.js'
import { cronScheduleError } from '../../routers/kube/batch/cronjobs.js'
import { miscResources } from '../../routers/kube/misc/index.js'
import { networkingResources } from '../../routers/kube/networking/index.js'
import { policyResources } from '../../routers/kube/policy/index.js'
import { typedResource } from '../../routers/kube/typed.js'

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'

async function resources(app: ServerChain['app'], gv: string): Promise<Map<string, Record<string, unknown>>> {
  const res = await request(app).get(`/apis/${gv}`)
  expect(res.status).to.equal(200)
  return new Map(res.body.resources.map((r: { name: string }) => [r.name, r]))
}

async function columns(app: ServerChain['app'], path: string): Promise<string[]> {
  const res = await request(app).get(path).set('Accept', tableAccept)
  expect(res.status).to.equal(200)
  return res.body.columnDefinitions.map((c: { name: string }) => c.name)
}

describe('batch, autoscaling, policy, networking and small groups', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    for (const def of [...batchResources, ...autoscalingResources, ...policyResources, ...networkingResources, ...miscResources]) {
      chain.kube.installResource(typedResource(def))
    }
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  describe('batch/v1', () => {
    const base = '/apis/batch/v1/namespaces/default'
    it('serves jobs and cronjobs with categories, short names and status', async () => {
      const byName = await resources(chain.app, 'batch/v1')
      expect(byName.get('jobs')).to.deep.include({ kind: 'Job', namespaced: true, categories: ['all'] })
      expect(byName.get('jobs')).to.not.have.property('shortNames')
      expect(byName.get('cronjobs')).to.deep.include({ kind: 'CronJob', shortNames: ['cj'], categories: ['all'] })
      expect([...byName.keys()]).to.include.members(['jobs/status', 'cronjobs/status'])
    })

    it('defaults a job and generates its selector from the uid', async () => {
      const res = await request(chain.app)
        .post(`${base}/jobs`)
        .send({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5' }], restartPolicy: 'Never' } } } })
      expect(res.status).to.equal(201)
      const { spec, metadata, status } = res.body
      expect(status).to.deep.equal({})
      expect(spec).to.deep.include({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed' })
      expect(spec.selector).to.deep.equal({ matchLabels: { 'batch.kubernetes.io/controller-uid': metadata.uid } })
      expect(spec.template.metadata.labels).to.deep.equal({
        'batch.kubernetes.io/controller-uid': metadata.uid,
        'batch.kubernetes.io/job-name': 'pi',
        'controller-uid': metadata.uid,
        'job-name': 'pi',
      })
      expect(spec.template.spec.containers[0].imagePullPolicy).to.equal('IfNotPresent')
    })

    it('rejects a job template that restarts Always, and template changes', async () => {
      const res = await request(chain.app)
        .post(`${base}/jobs`)
        .send({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'always' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } })
      expect(res.status).to.equal(422)
      expect(res.body.message).to.equal('Job.batch "always" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"')
      const job = (await request(chain.app).get(`${base}/jobs/pi`)).body
      job.spec.template.spec.containers[0].image = 'perl:6'
      const upd = await request(chain.app).put(`${base}/jobs/pi`).send(job)
      expect(upd.status).to.equal(422)
      expect(upd.body.details.causes.map((c: { field: string }) => c.field)).to.include('spec.template')
    })

    it('prints jobs with Status, Completions, Duration and the wide columns', async () => {
      expect(await columns(chain.app, `${base}/jobs`)).to.deep.equal(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'])
      const res = await request(chain.app).get(`${base}/jobs`).set('Accept', tableAccept)
      expect(res.body.rows[0].cells.slice(0, 4)).to.deep.equal(['pi', 'Running', '0/1', ''])
    })

    it('defaults cronjobs, checks the schedule and prints them', async () => {
      const body = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'hello' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } } } }
      const res = await request(chain.app).post(`${base}/cronjobs`).send(body)
      expect(res.status).to.equal(201)
      expect(res.body.spec).to.deep.include({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })
      const bad = await request(chain.app).post(`${base}/cronjobs`).send({ ...body, metadata: { name: 'bad' }, spec: { ...body.spec, schedule: '* * *' } })
      expect(bad.status).to.equal(422)
      expect(bad.body.message).to.equal('CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]')
      expect(await columns(chain.app, `${base}/cronjobs`)).to.deep.equal(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector'])
      const table = await request(chain.app).get(`${base}/cronjobs`).set('Accept', tableAccept)
      expect(table.body.rows[0].cells.slice(0, 6)).to.deep.equal(['hello', '*/5 * * * *', '<none>', 'False', 0, '<none>'])
    })

    it('parses schedules as robfig/cron does', () => {
      expect(cronScheduleError('@hourly')).to.equal(undefined)
      expect(cronScheduleError('0 0 * jan-mar mon-fri')).to.equal(undefined)
      expect(cronScheduleError('61 * * * *')).to.equal('end of range (61) above maximum (59): 61')
      expect(cronScheduleError('@often')).to.equal('unrecognized descriptor: @often')
    })
  })

  describe('autoscaling', () => {
    const hpa = { metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 } }
    it('serves v2 (preferred) and v1 with the hpa short name', async () => {
      for (const v of ['v2', 'v1']) {
        const byName = await resources(chain.app, `autoscaling/${v}`)
        expect(byName.get('horizontalpodautoscalers')).to.deep.include({ kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'], categories: ['all'] })
        expect(byName.has('horizontalpodautoscalers/status')).to.equal(true)
      }
      const group = (await request(chain.app).get('/apis/autoscaling')).body
      expect(group.preferredVersion).to.deep.equal({ groupVersion: 'autoscaling/v2', version: 'v2' })
    })

    it('defaults minReplicas and the CPU metric, and validates maxReplicas', async () => {
      const res = await request(chain.app).post('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers').send({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', ...hpa })
      expect(res.status).to.equal(201)
      expect(res.body.spec.minReplicas).to.equal(1)
      expect(res.body.spec.metrics).to.deep.equal([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }])
      expect(res.body.status).to.deep.equal({ desiredReplicas: 0 })
      const v1 = await request(chain.app)
        .post('/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers')
        .send({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', ...hpa, metadata: { name: 'web1' }, spec: { ...hpa.spec, targetCPUUtilizationPercentage: 50 } })
      expect(v1.status).to.equal(201)
      expect(v1.body.spec.minReplicas).to.equal(1)
      expect(v1.body.status).to.deep.equal({ currentReplicas: 0, desiredReplicas: 0 })
      const bad = await request(chain.app)
        .post('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers')
        .send({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad' }, spec: { ...hpa.spec, minReplicas: 3, maxReplicas: 2 } })
      expect(bad.status).to.equal(422)
      expect(bad.body.message).to.equal('HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`')
    })

    describe('one storage for v1 and v2', () => {
      const v1Base = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers'
      const v2Base = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers'

      it('reads an HPA made through v1 through v2, and refuses the same name twice', async () => {
        const v2 = await request(chain.app).get(`${v2Base}/web1`)
        expect(v2.status).to.equal(200)
        expect(v2.body.apiVersion).to.equal('autoscaling/v2')
        expect(v2.body.spec.metrics).to.deep.equal([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }])
        expect(v2.body.status).to.deep.equal({ desiredReplicas: 0 })
        expect(v2.body.metadata).to.not.have.property('annotations')
        const again = await request(chain.app).post(v2Base).send({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', ...hpa, metadata: { name: 'web1' } })
        expect(again.status).to.equal(409)
        // Both listed through v1, in v1's shape (the v2 one with its CPU target as v1 spells it).
        const targets = (await request(chain.app).get(v1Base)).body.items.map((i: { metadata: { name: string }; spec: { targetCPUUtilizationPercentage?: number } }) => [i.metadata.name, i.spec.targetCPUUtilizationPercentage])
        expect(targets).to.deep.equal([
          ['web', 80],
          ['web1', 50],
        ])
      })

      it('makes the implicit 80% CPU target of v1 explicit in v2', async () => {
        await request(chain.app).post(v1Base).send({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', ...hpa, metadata: { name: 'implicit' } }).expect(201)
        const v2 = await request(chain.app).get(`${v2Base}/implicit`)
        expect(v2.body.spec.metrics).to.deep.equal([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }])
        // Read back as v1, the now explicit target shows.
        const v1 = await request(chain.app).get(`${v1Base}/implicit`)
        expect(v1.body.spec.targetCPUUtilizationPercentage).to.equal(80)
        expect(v1.body.metadata).to.not.have.property('annotations')
      })

      it('keeps what v1 cannot say in round-trip annotations, and brings it back on a v1 write', async () => {
        const pods = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }
        const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }
        const behavior = { scaleDown: { stabilizationWindowSeconds: 60 } }
        const created = await request(chain.app)
          .post(v2Base)
          .send({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'rich', annotations: { team: 'a' } }, spec: { ...hpa.spec, metrics: [cpu, pods], behavior } })
        expect(created.status).to.equal(201)
        const storedBehavior = created.body.spec.behavior
        const v1 = (await request(chain.app).get(`${v1Base}/rich`)).body
        expect(v1.spec).to.deep.equal({ scaleTargetRef: hpa.spec.scaleTargetRef, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 })
        expect(v1.status).to.deep.equal({ currentReplicas: 0, desiredReplicas: 0 })
        expect(v1.metadata.annotations.team).to.equal('a')
        expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).to.deep.equal([{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }])
        expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'])).to.deep.equal(storedBehavior)

        // A v1 client changes the CPU target and writes back what it read.
        v1.spec.targetCPUUtilizationPercentage = 60
        const put = await request(chain.app).put(`${v1Base}/rich`).send(v1)
        expect(put.status).to.equal(200)
        expect(put.body.spec.targetCPUUtilizationPercentage).to.equal(60)
        const v2 = (await request(chain.app).get(`${v2Base}/rich`)).body
        expect(v2.metadata.annotations).to.deep.equal({ team: 'a' })
        // The annotation's metrics come first, then the one targetCPUUtilizationPercentage makes.
        expect(v2.spec.metrics).to.deep.equal([pods, { ...cpu, resource: { ...cpu.resource, target: { type: 'Utilization', averageUtilization: 60 } } }])
        expect(v2.spec.behavior).to.deep.equal(storedBehavior)
      })

      it('shows v2 current metrics and conditions through v1 status', async () => {
        const status = {
          currentReplicas: 2,
          desiredReplicas: 3,
          currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 91, averageValue: '450m' } } }],
          conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        }
        const res = await request(chain.app).patch(`${v2Base}/rich/status`).set('Content-Type', 'application/merge-patch+json').send({ status })
        expect(res.status).to.equal(200)
        const v1 = (await request(chain.app).get(`${v1Base}/rich`)).body
        expect(v1.status).to.deep.equal({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 91 })
        expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/current-metrics'])).to.deep.equal([
          { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 91, currentAverageValue: '450m' } },
        ])
        expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions'])).to.deep.equal(status.conditions)
        const table = await request(chain.app).get(`${v1Base}/rich`).set('Accept', tableAccept)
        expect(table.body.rows[0].cells.slice(0, 6)).to.deep.equal(['rich', 'Deployment/web', 'cpu: 91%/60%', '1', '5', '2'])
      })

      it('round-trips every v2 metric source and status through v1 unchanged', () => {
        const sel = { matchLabels: { app: 'web' } }
        const ref = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }
        const v2: KubeObject = {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'all', namespace: 'default', annotations: { keep: 'me' } },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            minReplicas: 2,
            maxReplicas: 9,
            metrics: [
              { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', target: { type: 'AverageValue', averageValue: '1Gi' } } },
              { type: 'Pods', pods: { metric: { name: 'qps', selector: sel }, target: { type: 'AverageValue', averageValue: '10' } } },
              { type: 'Object', object: { describedObject: ref, metric: { name: 'rps' }, target: { type: 'Value', value: '2k' } } },
              { type: 'External', external: { metric: { name: 'queue', selector: sel }, target: { type: 'AverageValue', averageValue: '30' } } },
            ],
          },
          status: {
            currentReplicas: 3,
            desiredReplicas: 4,
            currentMetrics: [
              { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '12' } } },
              { type: 'Object', object: { metric: { name: 'rps' }, current: { value: '1k' }, describedObject: ref } },
              { type: 'External', external: { metric: { name: 'queue' }, current: { averageValue: '29' } } },
            ],
          },
        }
        const v1 = hpaV2ToV1(v2)
        expect(v1.metadata.annotations!['keep']).to.equal('me')
        expect(JSON.parse(v1.metadata.annotations!['autoscaling.alpha.kubernetes.io/metrics']!)).to.deep.equal([
          { type: 'ContainerResource', containerResource: { name: 'memory', targetAverageValue: '1Gi', container: 'app' } },
          { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10', selector: sel } },
          { type: 'Object', object: { target: ref, metricName: 'rps', targetValue: '2k' } },
          { type: 'External', external: { metricName: 'queue', metricSelector: sel, targetAverageValue: '30' } },
        ])
        expect(hpaV1ToV2(v1)).to.deep.equal(v2)
      })

      it('watches v2 objects as v1 and selects them by v1 fields', async () => {
        const store = chain.kube.mux.lookup('autoscaling', 'v1', 'horizontalpodautoscalers')!.store
        const watcher = await store.watch({ namespace: 'default' }, {})
        const seen: string[] = []
        for await (const event of watcher) {
          seen.push(`${event.type} ${event.object.apiVersion} ${event.object.metadata.name}`)
          if (seen.length === 4) break
        }
        watcher.stop()
        expect(seen).to.have.members(['ADDED autoscaling/v1 web', 'ADDED autoscaling/v1 web1', 'ADDED autoscaling/v1 implicit', 'ADDED autoscaling/v1 rich'])
        const one = await request(chain.app).get(`${v1Base}?fieldSelector=metadata.name%3Drich`)
        expect(one.body.items.map((i: { spec: { targetCPUUtilizationPercentage?: number } }) => i.spec.targetCPUUtilizationPercentage)).to.deep.equal([60])
      })
    })

    it('prints Reference, Targets, MinPods, MaxPods and Replicas', async () => {
      expect(await columns(chain.app, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers')).to.deep.equal(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'])
      const res = await request(chain.app).get('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers').set('Accept', tableAccept)
      expect(res.body.rows[0].cells.slice(0, 6)).to.deep.equal(['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', '5', '0'])
    })
  })

  describe('policy/v1', () => {
    const base = '/apis/policy/v1/namespaces/default/poddisruptionbudgets'
    it('serves pdb, refuses both bounds and prints the budget', async () => {
      const byName = await resources(chain.app, 'policy/v1')
      expect(byName.get('poddisruptionbudgets')).to.deep.include({ kind: 'PodDisruptionBudget', shortNames: ['pdb'] })
      const res = await request(chain.app).post(base).send({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'x' } } } })
      expect(res.status).to.equal(201)
      expect(res.body.status).to.deep.equal({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 })
      const bad = await request(chain.app).post(base).send({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'q' }, spec: { minAvailable: 1, maxUnavailable: '50%' } })
      expect(bad.status).to.equal(422)
      expect(bad.body.details.causes[0]).to.deep.include({ field: 'spec' })
      expect(bad.body.details.causes[0].message).to.match(/minAvailable and maxUnavailable cannot be both set$/)
      expect(await columns(chain.app, base)).to.deep.equal(['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'])
      const table = await request(chain.app).get(base).set('Accept', tableAccept)
      expect(table.body.rows[0].cells.slice(0, 4)).to.deep.equal(['p', '1', 'N/A', 0])
    })
  })

  describe('networking.k8s.io/v1', () => {
    it('serves ingresses, ingressclasses and networkpolicies', async () => {
      const byName = await resources(chain.app, 'networking.k8s.io/v1')
      expect(byName.get('ingresses')).to.deep.include({ kind: 'Ingress', shortNames: ['ing'], namespaced: true })
      expect(byName.get('ingressclasses')).to.deep.include({ kind: 'IngressClass', namespaced: false })
      expect(byName.get('networkpolicies')).to.deep.include({ kind: 'NetworkPolicy', shortNames: ['netpol'] })
      expect(byName.has('ingresses/status')).to.equal(true)
    })

    it('requires a pathType and prints ingresses', async () => {
      const base = '/apis/networking.k8s.io/v1/namespaces/default/ingresses'
      const rule = (pathType?: string): Record<string, unknown> => ({ host: 'a.example.com', http: { paths: [{ path: '/', ...(pathType ? { pathType } : {}), backend: { service: { name: 's', port: { number: 80 } } } }] } })
      const bad = await request(chain.app).post(base).send({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad' }, spec: { rules: [rule()] } })
      expect(bad.status).to.equal(422)
      expect(bad.body.message).to.equal('Ingress.networking.k8s.io "bad" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified')
      const ok = await request(chain.app).post(base).send({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: { ingressClassName: 'nginx', rules: [rule('Prefix')] } })
      expect(ok.status).to.equal(201)
      expect(await columns(chain.app, base)).to.deep.equal(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'])
      const table = await request(chain.app).get(base).set('Accept', tableAccept)
      expect(table.body.rows[0].cells.slice(0, 5)).to.deep.equal(['web', 'nginx', 'a.example.com', '', '80'])
    })

    it('defaults ingress class parameters and network policy types', async () => {
      const ic = await request(chain.app)
        .post('/apis/networking.k8s.io/v1/ingressclasses')
        .send({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Cfg', apiGroup: 'x.io', name: 'p' } } })
      expect(ic.status).to.equal(201)
      expect(ic.body.spec.parameters.scope).to.equal('Cluster')
      expect(await columns(chain.app, '/apis/networking.k8s.io/v1/ingressclasses')).to.deep.equal(['Name', 'Controller', 'Parameters', 'Age'])
      const np = await request(chain.app)
        .post('/apis/networking.k8s.io/v1/namespaces/default/networkpolicies')
        .send({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] } })
      expect(np.status).to.equal(201)
      expect(np.body.spec.policyTypes).to.deep.equal(['Ingress'])
      expect(np.body.spec.ingress[0].ports[0].protocol).to.equal('TCP')
      const table = await request(chain.app).get('/apis/networking.k8s.io/v1/namespaces/default/networkpolicies').set('Accept', tableAccept)
      expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Pod-Selector', 'Age'])
      expect(table.body.rows[0].cells.slice(0, 2)).to.deep.equal(['deny', '<none>'])
    })
  })

  describe('small groups', () => {
    it('serves each group-version with its short names and scope', async () => {
      expect((await resources(chain.app, 'discovery.k8s.io/v1')).get('endpointslices')).to.deep.include({ kind: 'EndpointSlice', namespaced: true })
      expect((await resources(chain.app, 'coordination.k8s.io/v1')).get('leases')).to.deep.include({ kind: 'Lease', namespaced: true })
      expect((await resources(chain.app, 'events.k8s.io/v1')).get('events')).to.deep.include({ kind: 'Event', shortNames: ['ev'] })
      expect((await resources(chain.app, 'scheduling.k8s.io/v1')).get('priorityclasses')).to.deep.include({ shortNames: ['pc'], namespaced: false })
      const storage = await resources(chain.app, 'storage.k8s.io/v1')
      expect(storage.get('storageclasses')).to.deep.include({ shortNames: ['sc'], namespaced: false })
      expect([...storage.keys()]).to.include.members(['csidrivers', 'volumeattachments', 'volumeattachments/status'])
      expect((await resources(chain.app, 'node.k8s.io/v1')).get('runtimeclasses')).to.deep.include({ kind: 'RuntimeClass', namespaced: false })
    })

    describe('events.k8s.io/v1 and core/v1 Events on one storage', () => {
      const coreBase = '/api/v1/namespaces/default/events'
      const newBase = '/apis/events.k8s.io/v1/namespaces/default/events'
      const pod = { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u-1', apiVersion: 'v1' }

      it('reads an old-style core event with the deprecated fields', async () => {
        const created = await request(chain.app)
          .post(coreBase)
          .send({
            metadata: { name: 'old.1' },
            involvedObject: pod,
            reason: 'Pulled',
            message: 'pulled image',
            source: { component: 'kubelet', host: 'node-1' },
            firstTimestamp: '2026-01-01T00:00:00Z',
            lastTimestamp: '2026-01-01T00:01:00Z',
            count: 3,
            type: 'Normal',
          })
        expect(created.status).to.equal(201)
        const res = await request(chain.app).get(`${newBase}/old.1`)
        expect(res.status).to.equal(200)
        const { metadata: _m, ...body } = res.body
        expect(body).to.deep.equal({
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          eventTime: null,
          reason: 'Pulled',
          type: 'Normal',
          regarding: pod,
          note: 'pulled image',
          deprecatedSource: { component: 'kubelet', host: 'node-1' },
          deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
          deprecatedLastTimestamp: '2026-01-01T00:01:00Z',
          deprecatedCount: 3,
        })
      })

      it('reads a new-style event through core/v1 with core field names', async () => {
        const created = await request(chain.app).post(newBase).send({
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: 'new.1' },
          eventTime: '2026-01-01T00:00:00.000000Z',
          reportingController: 'example.com/ctrl',
          reportingInstance: 'ctrl-0',
          action: 'Scale',
          reason: 'Scaled',
          regarding: pod,
          note: 'scaled up',
          type: 'Normal',
        })
        expect(created.status, JSON.stringify(created.body)).to.equal(201)
        expect(created.body).to.deep.include({ deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null, note: 'scaled up' })
        const core = (await request(chain.app).get(`${coreBase}/new.1`)).body
        expect(core).to.deep.include({
          apiVersion: 'v1',
          involvedObject: pod,
          message: 'scaled up',
          reason: 'Scaled',
          action: 'Scale',
          source: {},
          firstTimestamp: null,
          lastTimestamp: null,
          eventTime: '2026-01-01T00:00:00.000000Z',
          reportingComponent: 'example.com/ctrl',
          reportingInstance: 'ctrl-0',
        })
        expect(core).to.not.have.property('note')
        const clash = await request(chain.app).post(coreBase).send({ metadata: { name: 'new.1' }, involvedObject: pod })
        expect(clash.status).to.equal(409)
      })

      it('selects events.k8s.io events by their own field names', async () => {
        const byRegarding = await request(chain.app).get(`${newBase}?fieldSelector=regarding.name%3Dweb-1,reportingController%3Dexample.com%2Fctrl`)
        expect(byRegarding.status).to.equal(200)
        expect(byRegarding.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal(['new.1'])
        const all = await request(chain.app).get(`${newBase}?fieldSelector=regarding.kind%3DPod`)
        expect(all.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal(['new.1', 'old.1'])
        const deleted = await request(chain.app).delete(`${newBase}/old.1`)
        expect(deleted.status).to.equal(200)
        expect((await request(chain.app).get(`${coreBase}/old.1`)).status).to.equal(404)
      })
    })

    it('requires and checks the endpoint slice address type', async () => {
      const base = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices'
      const bad = await request(chain.app).post(base).send({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'bad' }, endpoints: [] })
      expect(bad.status).to.equal(422)
      expect(bad.body.message).to.equal('EndpointSlice.discovery.k8s.io "bad" is invalid: addressType: Required value')
      const ok = await request(chain.app)
        .post(base)
        .send({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [{ addresses: ['10.0.0.1'] }] })
      expect(ok.status).to.equal(201)
      expect(ok.body.ports).to.deep.equal([{ port: 80, name: '', protocol: 'TCP' }])
      const table = await request(chain.app).get(base).set('Accept', tableAccept)
      expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'])
      const rows = (table.body.rows as { cells: unknown[] }[]).map((r) => r.cells.slice(0, 3))
      // Beside the bootstrap slice of the "kubernetes" Service (https on 6443).
      expect(rows).to.deep.equal([
        ['kubernetes', 'IPv4', '6443'],
        ['s', 'IPv4', '80'],
      ])
      expect(table.body.rows[1].cells[3]).to.equal('10.0.0.1')
    })

    it('defaults storage classes, keeps the provisioner and prints them', async () => {
      const base = '/apis/storage.k8s.io/v1/storageclasses'
      const res = await request(chain.app).post(base).send({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/fast' })
      expect(res.status).to.equal(201)
      expect(res.body).to.deep.include({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' })
      const upd = await request(chain.app).put(`${base}/fast`).send({ ...res.body, provisioner: 'example.com/slow' })
      expect(upd.status).to.equal(422)
      expect(upd.body.message).to.equal('StorageClass.storage.k8s.io "fast" is invalid: provisioner: Forbidden: updates to provisioner are forbidden.')
      expect(await columns(chain.app, base)).to.deep.equal(['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'])
    })

    it('defaults priority classes, keeps their value and prints them', async () => {
      const base = '/apis/scheduling.k8s.io/v1/priorityclasses'
      const res = await request(chain.app).post(base).send({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 })
      expect(res.status).to.equal(201)
      expect(res.body.preemptionPolicy).to.equal('PreemptLowerPriority')
      const upd = await request(chain.app).put(`${base}/high`).send({ ...res.body, value: 5 })
      expect(upd.status).to.equal(422)
      expect(upd.body.message).to.equal('PriorityClass.scheduling.k8s.io "high" is invalid: value: Forbidden: may not be changed in an update.')
      const table = await request(chain.app).get(base).set('Accept', tableAccept)
      expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy'])
      expect(table.body.rows[0].cells).to.include.members(['high', 1000, false, 'PreemptLowerPriority'])
    })

    it('validates runtime class handlers, leases and CSI driver defaults', async () => {
      const rc = await request(chain.app).post('/apis/node.k8s.io/v1/runtimeclasses').send({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc' })
      expect(rc.status).to.equal(201)
      expect(await columns(chain.app, '/apis/node.k8s.io/v1/runtimeclasses')).to.deep.equal(['Name', 'Handler', 'Age'])
      const bad = await request(chain.app).post('/apis/node.k8s.io/v1/runtimeclasses').send({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'bad' }, handler: 'Bad_Handler' })
      expect(bad.status).to.equal(422)
      expect(bad.body.details.causes[0].field).to.equal('handler')
      const lease = await request(chain.app).post('/apis/coordination.k8s.io/v1/namespaces/default/leases').send({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'me' } })
      expect(lease.status).to.equal(201)
      const leaseTable = await request(chain.app).get('/apis/coordination.k8s.io/v1/namespaces/default/leases').set('Accept', tableAccept)
      expect(leaseTable.body.rows[0].cells.slice(0, 2)).to.deep.equal(['l', 'me'])
      const csi = await request(chain.app).post('/apis/storage.k8s.io/v1/csidrivers').send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'csi.example.com' }, spec: {} })
      expect(csi.status).to.equal(201)
      expect(csi.body.spec).to.deep.include({ attachRequired: true, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'], fsGroupPolicy: 'ReadWriteOnceWithFSType' })
    })
  })
})
