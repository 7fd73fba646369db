// kube-apiserver's default mutating admission plugins on pod (and claim) create: ServiceAccount
// (default account, projected token volume and mounts, 403 for a missing account), Priority,
// DefaultTolerationSeconds and DefaultStorageClass.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

const ns = '/api/v1/namespaces/default'
const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount'

function pod(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } }
}

describe('default admission plugins', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
  })
  after(async () => stop())

  describe('ServiceAccount', () => {
    it('defaults the account and mounts the kube-api-access volume in every container', async () => {
      const body = pod('sa', { initContainers: [{ name: 'init', image: 'busybox' }] })
      const res = await request(chain.app).post(`${ns}/pods`).send(body)
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      const spec = res.body.spec
      expect(spec.serviceAccountName).to.equal('default')
      expect(spec.serviceAccount).to.equal('default')
      expect(spec.volumes).to.have.length(1)
      const volume = spec.volumes[0]
      expect(volume.name).to.match(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
      expect(volume.projected).to.deep.equal({
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
        defaultMode: 420,
      })
      for (const c of [...spec.initContainers, ...spec.containers]) {
        expect(c.volumeMounts).to.deep.equal([{ name: volume.name, readOnly: true, mountPath }])
      }
    })

    it('mounts nothing when the pod opts out, and keeps a container own mount at the path', async () => {
      const off = await request(chain.app).post(`${ns}/pods`).send(pod('sa-off', { automountServiceAccountToken: false }))
      expect(off.status).to.equal(201)
      expect(off.body.spec.volumes).to.equal(undefined)
      expect(off.body.spec.containers[0].volumeMounts).to.equal(undefined)
      const own = pod('sa-own', { volumes: [{ name: 'mine', emptyDir: {} }] })
      ;(own['spec'] as { containers: Record<string, unknown>[] }).containers.push({ name: 'd', image: 'nginx', volumeMounts: [{ name: 'mine', mountPath }] })
      const res = await request(chain.app).post(`${ns}/pods`).send(own)
      expect(res.status).to.equal(201)
      expect(res.body.spec.containers[1].volumeMounts).to.deep.equal([{ name: 'mine', mountPath }])
      expect(res.body.spec.containers[0].volumeMounts[0].mountPath).to.equal(mountPath)
    })

    it('honours automountServiceAccountToken: false on the account and copies its pull secrets', async () => {
      await request(chain.app)
        .post(`${ns}/serviceaccounts`)
        .send({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'regcred' }] })
        .expect(201)
      const res = await request(chain.app).post(`${ns}/pods`).send(pod('sa-quiet', { serviceAccountName: 'quiet' }))
      expect(res.status).to.equal(201)
      expect(res.body.spec.volumes).to.equal(undefined)
      expect(res.body.spec.imagePullSecrets).to.deep.equal([{ name: 'regcred' }])
    })

    it('refuses a pod whose service account does not exist', async () => {
      const res = await request(chain.app).post(`${ns}/pods`).send(pod('sa-missing', { serviceAccountName: 'nobody' }))
      expect(res.status).to.equal(403)
      expect(res.body.reason).to.equal('Forbidden')
      expect(res.body.message).to.equal('pods "sa-missing" is forbidden: error looking up service account default/nobody: serviceaccount "nobody" not found')
    })
  })

  describe('DefaultTolerationSeconds', () => {
    it('adds the not-ready and unreachable tolerations', async () => {
      const res = await request(chain.app).post(`${ns}/pods`).send(pod('tol'))
      expect(res.body.spec.tolerations).to.deep.equal([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ])
    })

    it('keeps a pod own toleration of one of them', async () => {
      const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }
      const res = await request(chain.app).post(`${ns}/pods`).send(pod('tol-own', { tolerations: [own] }))
      expect(res.body.spec.tolerations).to.deep.equal([own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }])
    })
  })

  describe('Priority', () => {
    it('gives priority 0 and PreemptLowerPriority without a class', async () => {
      const res = await request(chain.app).post(`${ns}/pods`).send(pod('prio'))
      expect(res.body.spec.priority).to.equal(0)
      expect(res.body.spec.preemptionPolicy).to.equal('PreemptLowerPriority')
      expect(res.body.spec.priorityClassName).to.equal(undefined)
    })

    it('takes the value of the named class, and refuses an unknown one', async () => {
      await request(chain.app)
        .post('/apis/scheduling.k8s.io/v1/priorityclasses')
        .send({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' })
        .expect(201)
      const res = await request(chain.app).post(`${ns}/pods`).send(pod('prio-high', { priorityClassName: 'high' }))
      expect(res.status).to.equal(201)
      expect(res.body.spec).to.deep.include({ priority: 1000, preemptionPolicy: 'Never', priorityClassName: 'high' })
      const unknown = await request(chain.app).post(`${ns}/pods`).send(pod('prio-x', { priorityClassName: 'nope' }))
      expect(unknown.status).to.equal(403)
      expect(unknown.body.message).to.equal('pods "prio-x" is forbidden: no PriorityClass with name nope was found')
      const conflict = await request(chain.app).post(`${ns}/pods`).send(pod('prio-y', { priorityClassName: 'high', priority: 5 }))
      expect(conflict.status).to.equal(403)
      expect(conflict.body.message).to.equal(
        'pods "prio-y" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
      )
    })
  })

  describe('DefaultStorageClass', () => {
    it('gives a claim without storageClassName the default class, and leaves "" alone', async () => {
      const claim = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra },
      })
      const before = await request(chain.app).post(`${ns}/persistentvolumeclaims`).send(claim('c0'))
      expect(before.body.spec.storageClassName).to.equal(undefined)
      await request(chain.app)
        .post('/apis/storage.k8s.io/v1/storageclasses')
        .send({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'x.io/p' })
        .expect(201)
      const res = await request(chain.app).post(`${ns}/persistentvolumeclaims`).send(claim('c1'))
      expect(res.body.spec.storageClassName).to.equal('std')
      const none = await request(chain.app).post(`${ns}/persistentvolumeclaims`).send(claim('c2', { storageClassName: '' }))
      expect(none.body.spec.storageClassName).to.equal('')
    })
  })
})
