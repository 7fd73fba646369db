/**
 * @module spec/e2e/helm.spec
 * The real helm binaries from the kubectl Lambda layers (helm 3 in v32, helm 4 in v35) drive a
 * whole release lifecycle against the chain: install (with a pre-install hook), list, upgrade,
 * history, rollback and uninstall of the fixture chart in spec/e2e/fixtures/chart. Every helm run
 * must exit 0 with nothing on stderr, and the cluster state is checked over plain HTTP after
 * each step. helm gets a throwaway HOME and HELM_* directories and never touches the network.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { helmPath, repoRoot, runProcess } from '../support/kubectl.js'
import type { KubectlResult, KubectlVersion } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const chartDir = join(repoRoot, 'spec', 'e2e', 'fixtures', 'chart')
const namespace = 'default'
const release = 'demo'

type HelmResult = KubectlResult

interface Env {
  dir: string
  kubeconfig: string
}

async function helm(version: KubectlVersion, env: Env, args: string[], timeoutMs = 45_000): Promise<HelmResult> {
  const bin = await helmPath(version)
  const childEnv: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    // A developer's clusters, helm settings and proxies must not leak into the run.
    if (k === 'KUBECONFIG' || k.startsWith('HELM_') || k.startsWith('KUBECTL_') || /_proxy$/i.test(k)) continue
    childEnv[k] = v
  }
  Object.assign(childEnv, {
    HOME: env.dir,
    KUBECONFIG: env.kubeconfig,
    HELM_CACHE_HOME: join(env.dir, 'cache'),
    HELM_CONFIG_HOME: join(env.dir, 'config'),
    HELM_DATA_HOME: join(env.dir, 'data'),
    HELM_NAMESPACE: namespace,
    // No repository index, no plugins, no registry: a local chart only.
    HELM_REPOSITORY_CONFIG: join(env.dir, 'config', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(env.dir, 'cache', 'repository'),
    HELM_REGISTRY_CONFIG: join(env.dir, 'config', 'registry', 'config.json'),
    HELM_PLUGINS: join(env.dir, 'plugins'),
  })
  return runProcess(bin, args, childEnv, timeoutMs)
}

/** Runs helm and requires exit 0 with an empty stderr; returns stdout. */
async function helmOk(version: KubectlVersion, env: Env, args: string[]): Promise<string> {
  const r = await helm(version, env, args)
  const what = `helm ${args.join(' ')} -> exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
  expect(r.code, what).to.equal(0)
  expect(r.stderr, what).to.equal('')
  return r.stdout
}

interface Obj {
  kind?: string
  type?: string
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  data?: Record<string, string>
  spec?: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, checked field by field
async function get(server: StartedServer, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, { headers: { accept: 'application/json' } })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // keep the text for the assertion message
  }
  return { status: res.status, body }
}

async function getObj(server: StartedServer, path: string): Promise<Obj> {
  const r = await get(server, path)
  expect(r.status, `GET ${path}: ${JSON.stringify(r.body)}`).to.equal(200)
  return r.body as Obj
}

async function expectGone(server: StartedServer, path: string): Promise<void> {
  const r = await get(server, path)
  expect(r.status, `GET ${path} after uninstall: ${JSON.stringify(r.body)}`).to.equal(404)
}

const ns = `/api/v1/namespaces/${namespace}`
const paths = {
  config: `${ns}/configmaps/${release}-config`,
  hook: `${ns}/configmaps/${release}-pre-install`,
  secret: `${ns}/secrets/${release}-secret`,
  service: `${ns}/services/${release}-svc`,
  serviceAccount: `${ns}/serviceaccounts/${release}-sa`,
  deployment: `/apis/apps/v1/namespaces/${namespace}/deployments/${release}-deploy`,
  role: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/${release}-role`,
  roleBinding: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings/${release}-rolebinding`,
}
const released = ['config', 'secret', 'service', 'serviceAccount', 'deployment', 'role', 'roleBinding'] as const

async function releaseSecrets(server: StartedServer): Promise<Obj[]> {
  const sel = encodeURIComponent(`owner=helm,name=${release}`)
  const r = await get(server, `${ns}/secrets?labelSelector=${sel}`)
  expect(r.status, JSON.stringify(r.body)).to.equal(200)
  return (r.body.items as Obj[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
}

interface ListEntry {
  name: string
  namespace: string
  revision: string
  status: string
  chart: string
}
interface HistoryEntry {
  revision: number
  status: string
  chart: string
  description: string
}

interface LifecycleOptions {
  /** Extra arguments for `helm install` (later revisions keep the method: --server-side=auto). */
  installArgs?: string[]
  /**
   * Set when the lifecycle cannot run against the server yet: its tests are declared with it.skip
   * (pending), the reason is the comment at the call site.
   */
  pending?: boolean
}

function helmLifecycle(version: KubectlVersion, label: string, opts: LifecycleOptions = {}): void {
  const step = opts.pending ? it.skip : it
  describe(`e2e: ${label} (${version} layer)`, function () {
    this.timeout(60_000)
    let server: StartedServer
    const env: Env = { dir: '', kubeconfig: '' }
    const h = (args: string[]): Promise<string> => helmOk(version, env, args)

    before(async () => {
      server = await startServer()
      env.dir = await mkdtemp(join(tmpdir(), `kube-express-helm-${version}-`))
      // helm warns on stderr about a group- or world-readable kubeconfig: give it a private copy.
      env.kubeconfig = join(env.dir, 'kubeconfig')
      await writeFile(env.kubeconfig, await readFile(server.kubeconfigPath))
      await chmod(env.kubeconfig, 0o600)
    })

    after(async () => {
      await server?.stop()
      if (env.dir) await rm(env.dir, { recursive: true, force: true })
    })

    it('helm version runs offline', async () => {
      const out = await h(['version', '--short'])
      expect(out).to.match(version === 'v32' ? /^v3\./ : /^v4\./)
    })

    step('install creates every templated object, runs the pre-install hook and records revision 1', async () => {
      const out = await h(['install', release, chartDir, '-n', namespace, ...(opts.installArgs ?? [])])
      expect(out).to.match(/STATUS: deployed/)
      expect(out).to.match(/REVISION: 1/)

      const cm = await getObj(server, paths.config)
      expect(cm.data).to.deep.equal({ someValue: 'original', revision: '1' })
      expect(cm.metadata.labels?.['app.kubernetes.io/managed-by']).to.equal('Helm')
      expect(cm.metadata.annotations?.['meta.helm.sh/release-name']).to.equal(release)
      expect(cm.metadata.annotations?.['meta.helm.sh/release-namespace']).to.equal(namespace)

      const hook = await getObj(server, paths.hook)
      expect(hook.data).to.deep.equal({ phase: 'pre-install' })
      expect(hook.metadata.annotations?.['helm.sh/hook']).to.equal('pre-install')

      const secret = await getObj(server, paths.secret)
      expect(secret.type).to.equal('Opaque')
      expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).to.equal('s3cr3t')

      const svc = await getObj(server, paths.service)
      expect(svc.spec.ports[0].port).to.equal(80)
      expect(svc.spec.ports[0].targetPort).to.equal(8080)

      const dep = await getObj(server, paths.deployment)
      expect(dep.spec.replicas).to.equal(1)
      expect(dep.spec.template.spec.serviceAccountName).to.equal(`${release}-sa`)
      expect(dep.spec.template.spec.containers[0].env).to.deep.equal([{ name: 'SOME_VALUE', value: 'original' }])

      await getObj(server, paths.serviceAccount)
      const role = (await getObj(server, paths.role)) as Obj & { rules?: unknown }
      expect(role.rules).to.deep.equal([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }])
      const rb = (await getObj(server, paths.roleBinding)) as any // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(rb.roleRef).to.deep.equal({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${release}-role` })

      const secrets = await releaseSecrets(server)
      expect(secrets.map((s) => s.metadata.name)).to.deep.equal([`sh.helm.release.v1.${release}.v1`])
      expect(secrets[0].type).to.equal('helm.sh/release.v1')
      expect(secrets[0].metadata.labels).to.include({ owner: 'helm', name: release, status: 'deployed', version: '1' })
    })

    step('list shows the deployed release', async () => {
      const out = await h(['list', '-n', namespace, '-o', 'json'])
      const list = JSON.parse(out) as ListEntry[]
      expect(list).to.have.length(1)
      expect(list[0]).to.include({ name: release, namespace, revision: '1', status: 'deployed', chart: 'demo-0.1.0' })
    })

    step('upgrade --set someValue=changed updates the objects and records revision 2', async () => {
      const out = await h(['upgrade', release, chartDir, '-n', namespace, '--set', 'someValue=changed'])
      expect(out).to.match(/REVISION: 2/)

      const cm = await getObj(server, paths.config)
      expect(cm.data).to.deep.equal({ someValue: 'changed', revision: '2' })
      const dep = await getObj(server, paths.deployment)
      expect(dep.spec.template.spec.containers[0].env).to.deep.equal([{ name: 'SOME_VALUE', value: 'changed' }])

      const secrets = await releaseSecrets(server)
      expect(secrets.map((s) => [s.metadata.name, s.type, s.metadata.labels?.status])).to.deep.equal([
        [`sh.helm.release.v1.${release}.v1`, 'helm.sh/release.v1', 'superseded'],
        [`sh.helm.release.v1.${release}.v2`, 'helm.sh/release.v1', 'deployed'],
      ])
    })

    step('history lists both revisions', async () => {
      const out = await h(['history', release, '-n', namespace, '-o', 'json'])
      const hist = (JSON.parse(out) as HistoryEntry[]).map((e) => [e.revision, e.status, e.chart])
      expect(hist).to.deep.equal([
        [1, 'superseded', 'demo-0.1.0'],
        [2, 'deployed', 'demo-0.1.0'],
      ])
    })

    step('rollback to revision 1 restores the original values as revision 3', async () => {
      const out = await h(['rollback', release, '1', '-n', namespace])
      expect(out).to.match(/Rollback was a success/)

      // A rollback re-applies revision 1's rendered manifest, .Release.Revision included.
      const cm = await getObj(server, paths.config)
      expect(cm.data).to.deep.equal({ someValue: 'original', revision: '1' })
      const dep = await getObj(server, paths.deployment)
      expect(dep.spec.template.spec.containers[0].env).to.deep.equal([{ name: 'SOME_VALUE', value: 'original' }])

      const hist = (JSON.parse(await h(['history', release, '-n', namespace, '-o', 'json'])) as HistoryEntry[]).map((e) => [
        e.revision,
        e.status,
        e.description,
      ])
      expect(hist).to.deep.equal([
        [1, 'superseded', 'Install complete'],
        [2, 'superseded', 'Upgrade complete'],
        [3, 'deployed', 'Rollback to 1'],
      ])
      const secrets = await releaseSecrets(server)
      expect(secrets.map((s) => s.metadata.name)).to.deep.equal([1, 2, 3].map((v) => `sh.helm.release.v1.${release}.v${v}`))
      expect(secrets.every((s) => s.type === 'helm.sh/release.v1')).to.equal(true)
    })

    step('uninstall removes every released object and the release records', async () => {
      const out = await h(['uninstall', release, '-n', namespace])
      expect(out).to.match(new RegExp(`release "${release}" uninstalled`))

      for (const key of released) await expectGone(server, paths[key])
      expect(await releaseSecrets(server)).to.deep.equal([])
      // helm 3 lists only deployed releases unless --all; helm 4 lists every status by default.
      const listAll = version === 'v32' ? ['list', '-n', namespace, '--all', '-o', 'json'] : ['list', '-n', namespace, '-o', 'json']
      expect(JSON.parse(await h(listAll))).to.deep.equal([])

      // Helm never tracks hook resources as part of the release: the pre-install ConfigMap stays.
      await getObj(server, paths.hook)
      const del = await fetch(`${server.url}${paths.hook}`, { method: 'DELETE' })
      expect(del.status).to.equal(200)
    })
  })
}

helmLifecycle('v32', 'helm 3')
// helm 4 defaults to server-side apply: PATCH with application/apply-patch+yaml and
// fieldManager=helm, creating objects by apply and upgrading through re-applies.
helmLifecycle('v35', 'helm 4, server-side apply (default)')
// The same helm 4 with client-side apply (three-way strategic merge patches, like helm 3).
helmLifecycle('v35', 'helm 4, client-side apply', { installArgs: ['--server-side=false'] })
