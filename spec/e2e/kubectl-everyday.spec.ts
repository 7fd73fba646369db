/**
 * @module spec/e2e/kubectl-everyday.spec
 * An everyday kubectl session (pinned v1.32 and v1.35 binaries) against the whole server chain:
 * imperative creates, apply of a multi-document manifest (created, unchanged, configured, a field
 * removed), every common output format and selector, describe, edit through KUBE_EDITOR, label,
 * annotate, the three patch types, scale, set image, diff, replace, the delete variants, wait,
 * explain and server-side dry runs. As in kubectl.spec.ts every command must exit as kubectl does
 * against kube-apiserver (without controllers), print what it prints there, and leave stderr EMPTY.
 * The steps build on each other, so they run in order against one server per kubectl version.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { parse as parseYAML } from 'yaml'
import { kubectl, kubectlPath, kubectlSpawn, kubectlVersions } from '../support/kubectl.js'
import type { KubectlResult, KubectlVersion } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const fixtures = fileURLToPath(new URL('./fixtures/everyday/', import.meta.url))
const fixture = (name: string): string => join(fixtures, name)

interface Container {
  name: string
  image: string
  env?: { name: string; value?: string }[]
}
interface DeploymentLike {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; generation?: number }
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; strategy?: { type?: string }; template: { spec: { containers: Container[] } } }
}
interface ServiceLike {
  kind: string
  metadata: { name: string; labels?: Record<string, string> }
  spec: { type?: string; clusterIP?: string; selector?: Record<string, string>; ports: { port: number; targetPort: number | string; protocol?: string }[] }
}
interface ConfigMapLike {
  metadata: { name: string }
  data?: Record<string, string>
}

function show(args: string[], r: KubectlResult): string {
  return `kubectl ${args.join(' ')} -> exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
}

/** kubectl 1.35 names the namespace in delete messages: `configmap "c" deleted from x namespace`. */
function deleted(version: KubectlVersion, resource: string, name: string, namespace = 'default'): string {
  return version === 'v35' ? `${resource} "${name}" deleted from ${namespace} namespace\n` : `${resource} "${name}" deleted\n`
}

const appCreated = [
  'deployment.apps/api created',
  'service/api created',
  'configmap/api-config created',
  'secret/api-secret created',
  'ingress.networking.k8s.io/api created',
  'cronjob.batch/api-report created',
]
const appUnchanged = appCreated.map((l) => l.replace(/created$/, 'unchanged'))
const appConfigMapConfigured = appUnchanged.map((l) => (l.startsWith('configmap/') ? 'configmap/api-config configured' : l))
const lines = (ls: string[]): string => ls.map((l) => `${l}\n`).join('')

for (const version of kubectlVersions) {
  describe(`e2e: an everyday kubectl ${version} session`, function () {
    let server: StartedServer
    let dir: string

    /** Runs kubectl with optional extra environment; the raw result, for commands that may fail. */
    const run = (args: string[], env?: Record<string, string>): Promise<KubectlResult> =>
      kubectl(args, { kubeconfig: server.kubeconfigPath, version, env })

    /** Runs kubectl and asserts exit 0 with nothing on stderr; returns stdout. */
    async function ok(args: string[], env?: Record<string, string>): Promise<string> {
      const r = await run(args, env)
      expect(r.code, show(args, r)).to.equal(0)
      expect(r.stderr, show(args, r)).to.equal('')
      return r.stdout
    }

    async function notFound(args: string[], message: string): Promise<void> {
      const r = await run(args)
      expect(r.code, show(args, r)).to.equal(1)
      expect(r.stdout, show(args, r)).to.equal('')
      expect(r.stderr, show(args, r)).to.equal(`Error from server (NotFound): ${message}\n`)
    }

    const getJSON = async <T>(args: string[]): Promise<T> => JSON.parse(await ok(['get', ...args, '-o', 'json'])) as T

    before(async function () {
      this.timeout(120_000) // the first run unpacks ~60 MB of kubectl
      await kubectlPath(version)
      dir = await mkdtemp(join(tmpdir(), 'kube-express-kubectl-everyday-'))
      server = await startServer()
    })

    after(async () => {
      await server?.stop()
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    it('create deployment web --image=nginx:1.27 --replicas=2', async () => {
      expect(await ok(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2'])).to.equal('deployment.apps/web created\n')
    })

    it('expose deployment web --port=80 --target-port=8080', async () => {
      expect(await ok(['expose', 'deployment', 'web', '--port=80', '--target-port=8080'])).to.equal('service/web exposed\n')
    })

    it('apply -f a multi-document manifest: everything created', async () => {
      expect(await ok(['apply', '-f', fixture('app.yaml')])).to.equal(lines(appCreated))
    })

    it('apply -f the same manifest again: everything unchanged', async () => {
      expect(await ok(['apply', '-f', fixture('app.yaml')])).to.equal(lines(appUnchanged))
    })

    it('apply -f with a changed value: only the ConfigMap configured', async () => {
      expect(await ok(['apply', '-f', fixture('app-changed.yaml')])).to.equal(lines(appConfigMapConfigured))
      const cm = await getJSON<ConfigMapLike>(['cm', 'api-config'])
      expect(cm.data).to.deep.equal({ LOG_LEVEL: 'debug', FEATURE_X: 'on' })
    })

    it('apply -f with a field removed: the ConfigMap configured and the key gone', async () => {
      expect(await ok(['apply', '-f', fixture('app-removed.yaml')])).to.equal(lines(appConfigMapConfigured))
      const cm = await getJSON<ConfigMapLike>(['cm', 'api-config'])
      expect(cm.data).to.deep.equal({ LOG_LEVEL: 'debug' })
    })

    it('apply --dry-run=server creates and configures nothing', async () => {
      expect(await ok(['apply', '-f', fixture('dry-run.yaml'), '--dry-run=server'])).to.equal('configmap/dry-cm created (server dry run)\n')
      expect(await ok(['apply', '-f', fixture('app.yaml'), '--dry-run=server'])).to.equal(
        lines(appConfigMapConfigured.map((l) => `${l} (server dry run)`)),
      )
      await notFound(['get', 'cm', 'dry-cm'], 'configmaps "dry-cm" not found')
      const cm = await getJSON<ConfigMapLike>(['cm', 'api-config'])
      expect(cm.data).to.deep.equal({ LOG_LEVEL: 'debug' })
    })

    it('create deployment --dry-run=server persists nothing', async () => {
      expect(await ok(['create', 'deployment', 'dry', '--image=nginx:1.27', '--dry-run=server'])).to.equal(
        'deployment.apps/dry created (server dry run)\n',
      )
      await notFound(['get', 'deployment', 'dry'], 'deployments.apps "dry" not found')
    })

    it('get deployment web -o wide', async () => {
      const out = await ok(['get', 'deployment', 'web', '-o', 'wide'])
      // No controllers run, so the status stays empty, exactly as on a bare kube-apiserver.
      expect(out).to.match(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+0\/2\s+0\s+0\s+\S+\s+nginx\s+nginx:1\.27\s+app=web\n$/)
    })

    it('get svc web -o wide', async () => {
      const out = await ok(['get', 'svc', 'web', '-o', 'wide'])
      expect(out).to.match(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR\nweb\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\s+app=web\n$/)
    })

    it('get deployment web -o yaml', async () => {
      const d = parseYAML(await ok(['get', 'deployment', 'web', '-o', 'yaml'])) as DeploymentLike
      expect(d.apiVersion).to.equal('apps/v1')
      expect(d.kind).to.equal('Deployment')
      expect(d.metadata.name).to.equal('web')
      expect(d.metadata.namespace).to.equal('default')
      expect(d.metadata.labels).to.deep.equal({ app: 'web' })
      expect(d.metadata.generation).to.equal(1)
      expect(d.spec.replicas).to.equal(2)
      expect(d.spec.selector.matchLabels).to.deep.equal({ app: 'web' })
      expect(d.spec.strategy?.type).to.equal('RollingUpdate')
      expect(d.spec.template.spec.containers.map((c) => [c.name, c.image])).to.deep.equal([['nginx', 'nginx:1.27']])
    })

    it('get svc web -o json', async () => {
      const s = await getJSON<ServiceLike>(['svc', 'web'])
      expect(s.kind).to.equal('Service')
      expect(s.metadata.labels).to.deep.equal({ app: 'web' })
      expect(s.spec.type).to.equal('ClusterIP')
      expect(s.spec.clusterIP).to.match(/^\d+\.\d+\.\d+\.\d+$/)
      expect(s.spec.selector).to.deep.equal({ app: 'web' })
      expect(s.spec.ports).to.have.length(1)
      expect(s.spec.ports[0]).to.include({ port: 80, targetPort: 8080, protocol: 'TCP' })
    })

    it('get deployments -o name', async () => {
      expect(await ok(['get', 'deployments', '-o', 'name'])).to.equal('deployment.apps/api\ndeployment.apps/web\n')
    })

    it('get -o jsonpath=...', async () => {
      expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).to.equal('nginx:1.27')
      expect(await ok(['get', 'deployments', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.replicas}{"\\n"}{end}'])).to.equal(
        'api=1\nweb=2\n',
      )
    })

    it('get -o custom-columns=...', async () => {
      const out = await ok(['get', 'deployments', '-o', 'custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[*].image'])
      expect(out).to.match(/^NAME\s+REPLICAS\s+IMAGE\napi\s+1\s+nginx:1\.27\nweb\s+2\s+nginx:1\.27\n$/)
    })

    it('get --show-labels', async () => {
      const out = await ok(['get', 'deployment', 'web', '--show-labels'])
      expect(out).to.match(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+LABELS\nweb\s+0\/2\s+0\s+0\s+\S+\s+app=web\n$/)
    })

    it('get -l app=web', async () => {
      const out = await ok(['get', 'deployments', '-l', 'app=web'])
      expect(out).to.match(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\S+\n$/)
      expect(await ok(['get', 'all', '-l', 'app=web', '-o', 'name'])).to.equal('service/web\ndeployment.apps/web\n')
    })

    it('get --field-selector metadata.name=web', async () => {
      const out = await ok(['get', 'deployments', '--field-selector', 'metadata.name=web'])
      expect(out).to.match(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\S+\n$/)
    })

    it('get --chunk-size=1 pages through the list with one header', async () => {
      const out = await ok(['get', 'deployments', '--chunk-size=1'])
      expect(out).to.match(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\napi\s+0\/1\s+0\s+0\s+\S+\nweb\s+0\/2\s+0\s+0\s+\S+\n$/)
      expect(await ok(['get', 'configmaps,secrets', '--chunk-size=1', '-o', 'name'])).to.match(
        /^(configmap\/kube-root-ca\.crt\n)?configmap\/api-config\nsecret\/api-secret\n$|^configmap\/api-config\n(configmap\/kube-root-ca\.crt\n)?secret\/api-secret\n$/,
      )
    })

    it('get all', async () => {
      const out = await ok(['get', 'all'])
      expect(out).to.match(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m)
      expect(out).to.match(/^service\/api\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP\s+\S+$/m)
      expect(out).to.match(/^service\/web\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP\s+\S+$/m)
      expect(out).to.match(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m)
      expect(out).to.match(/^deployment\.apps\/api\s+0\/1\s+0\s+0\s+\S+$/m)
      expect(out).to.match(/^deployment\.apps\/web\s+0\/2\s+0\s+0\s+\S+$/m)
      expect(out).to.match(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/m)
      // kube-apiserver's CronJob printer renders Suspend with printBoolPtr: the string "False", not false.
      expect(out).to.match(/^cronjob\.batch\/api-report\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\S+$/m)
      // Sections are separated by one blank line; nothing else is printed.
      expect(out.split('\n\n')).to.have.length(3)
    })

    it('describe deployment web', async () => {
      const out = await ok(['describe', 'deployment', 'web'])
      expect(out).to.match(/^Name:\s+web$/m)
      expect(out).to.match(/^Namespace:\s+default$/m)
      expect(out).to.match(/^Labels:\s+app=web$/m)
      expect(out).to.match(/^Selector:\s+app=web$/m)
      expect(out).to.match(/^Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m)
      expect(out).to.match(/^StrategyType:\s+RollingUpdate$/m)
      expect(out).to.match(/^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m)
      expect(out).to.match(/^ {2}Containers:\n {3}nginx:\n {4}Image:\s+nginx:1\.27$/m)
      expect(out).to.match(/^Events:\s+<none>\n$/m)
    })

    it('describe svc web', async () => {
      const out = await ok(['describe', 'svc', 'web'])
      expect(out).to.match(/^Name:\s+web$/m)
      expect(out).to.match(/^Namespace:\s+default$/m)
      expect(out).to.match(/^Selector:\s+app=web$/m)
      expect(out).to.match(/^Type:\s+ClusterIP$/m)
      expect(out).to.match(/^IP:\s+\d+\.\d+\.\d+\.\d+$/m)
      expect(out).to.match(/^Port:\s+<unset>\s+80\/TCP$/m)
      expect(out).to.match(/^TargetPort:\s+8080\/TCP$/m)
      expect(out).to.match(/^Session Affinity:\s+None$/m)
      expect(out).to.match(/^Events:\s+<none>\n$/m)
    })

    it('describe ns default', async () => {
      const out = await ok(['describe', 'ns', 'default'])
      expect(out).to.match(/^Name:\s+default\nLabels:\s+kubernetes\.io\/metadata\.name=default\nAnnotations:\s+<none>\nStatus:\s+Active\n/)
      expect(out).to.match(/\nNo resource quota\.\n\nNo LimitRange resource\.\n$/)
    })

    it('label deployment web env=dev', async () => {
      expect(await ok(['label', 'deployment', 'web', 'env=dev'])).to.equal('deployment.apps/web labeled\n')
      expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.labels}'])).to.equal('{"app":"web","env":"dev"}')
    })

    it('annotate deployment web owner=team-a', async () => {
      expect(await ok(['annotate', 'deployment', 'web', 'owner=team-a'])).to.equal('deployment.apps/web annotated\n')
      expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.owner}'])).to.equal('team-a')
    })

    it('edit deployment web with a sed KUBE_EDITOR changes a label', async () => {
      const editor = join(dir, 'editor.sh')
      // kubectl hands the editor the object as YAML; metadata.labels sit at four spaces.
      await writeFile(editor, '#!/bin/sh\nset -e\nsed -i \'s/^    env: dev$/    env: staging/\' "$1"\n')
      await chmod(editor, 0o755)
      expect(await ok(['edit', 'deployment', 'web'], { KUBE_EDITOR: editor })).to.equal('deployment.apps/web edited\n')
      expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.labels}'])).to.equal('{"app":"web","env":"staging"}')
    })

    it('patch --type=strategic (the default) merges containers by name', async () => {
      const patch = '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"MODE","value":"prod"}]}]}}}}'
      expect(await ok(['patch', 'deployment', 'web', '-p', patch])).to.equal('deployment.apps/web patched\n')
      const d = await getJSON<DeploymentLike>(['deployment', 'web'])
      expect(d.spec.template.spec.containers).to.have.length(1)
      expect(d.spec.template.spec.containers[0]).to.include({ name: 'nginx', image: 'nginx:1.27' })
      expect(d.spec.template.spec.containers[0].env).to.deep.equal([{ name: 'MODE', value: 'prod' }])
    })

    it('patch --type=merge', async () => {
      expect(await ok(['patch', 'svc', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"frontend"}}}'])).to.equal('service/web patched\n')
      expect(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.labels}'])).to.equal('{"app":"web","tier":"frontend"}')
    })

    it('patch --type=json', async () => {
      const patch = '[{"op":"replace","path":"/spec/replicas","value":4}]'
      expect(await ok(['patch', 'deployment', 'web', '--type=json', '-p', patch])).to.equal('deployment.apps/web patched\n')
      expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).to.equal('4')
    })

    it('scale deployment web --replicas=3', async () => {
      expect(await ok(['scale', 'deployment', 'web', '--replicas=3'])).to.equal('deployment.apps/web scaled\n')
      expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).to.equal('3')
    })

    it('set image deployment/web nginx=nginx:1.28', async () => {
      expect(await ok(['set', 'image', 'deployment/web', 'nginx=nginx:1.28'])).to.equal('deployment.apps/web image updated\n')
      expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).to.equal('nginx:1.28')
    })

    it('diff -f with the live state: exit 0, no output', async () => {
      const args = ['diff', '-f', fixture('app-removed.yaml')]
      const r = await run(args)
      expect(r.code, show(args, r)).to.equal(0)
      expect(r.stderr, show(args, r)).to.equal('')
      expect(r.stdout, show(args, r)).to.equal('')
    })

    it('diff -f with a difference: exit 1 and a unified diff of the ConfigMap only', async () => {
      const args = ['diff', '-f', fixture('app.yaml')]
      const r = await run(args)
      expect(r.code, show(args, r)).to.equal(1)
      expect(r.stderr, show(args, r)).to.equal('')
      expect(r.stdout).to.match(/^diff -u -N \S+\/v1\.ConfigMap\.default\.api-config \S+\/v1\.ConfigMap\.default\.api-config\n/)
      expect(r.stdout.match(/^diff -u -N /gm), show(args, r)).to.have.length(1)
      expect(r.stdout).to.match(/^\+ {2}FEATURE_X: "on"$/m)
      expect(r.stdout).to.match(/^- {2}LOG_LEVEL: debug$/m)
      expect(r.stdout).to.match(/^\+ {2}LOG_LEVEL: info$/m)
      // The generation does not move for a ConfigMap, and nothing else in the object changes.
      expect(r.stdout.split('\n').filter((l) => /^[-+](?![-+])/.test(l))).to.have.length(3)
    })

    it('replace -f', async () => {
      expect(await ok(['replace', '-f', fixture('replace-configmap.yaml')])).to.equal('configmap/api-config replaced\n')
      const cm = await getJSON<ConfigMapLike>(['cm', 'api-config'])
      expect(cm.data).to.deep.equal({ LOG_LEVEL: 'warn' })
    })

    it('run a pod, delete it while wait --for=delete follows it', async () => {
      expect(await ok(['run', 'tmp', '--image=busybox:1.36', '--restart=Never', '--', 'sleep', '3600'])).to.equal('pod/tmp created\n')
      // kubectl 1.35 follows the pod with a WatchList informer (sendInitialEvents=true), which only
      // syncs once the server sends the bookmark annotated k8s.io/initial-events-end, as 1.32 does.
      const waitArgs = ['wait', '--for=delete', 'pod/tmp', '--timeout=10s']
      const waiting = await kubectlSpawn(waitArgs, { kubeconfig: server.kubeconfigPath, version })
      try {
        // Give wait the time to start watching, so it sees the deletion rather than a NotFound.
        await new Promise((r) => setTimeout(r, 1000))
        expect(await ok(['delete', 'pod', 'tmp'])).to.equal(deleted(version, 'pod', 'tmp'))
        const r = await waiting.exited
        expect(r.code, show(waitArgs, r)).to.equal(0)
        expect(r.stderr, show(waitArgs, r)).to.equal('')
        expect(r.stdout, show(waitArgs, r)).to.equal('pod/tmp condition met\n')
      } finally {
        await waiting.kill()
      }
    })

    it('auth can-i create deployments / auth whoami', async () => {
      expect(await ok(['auth', 'can-i', 'create', 'deployments'])).to.equal('yes\n')
      const whoami = await ok(['auth', 'whoami', '-o', 'json'])
      expect(JSON.parse(whoami).status.userInfo).to.deep.equal({ username: 'system:anonymous', groups: ['system:unauthenticated'] })
    })

    it('run a pod with fractional requests, then describe it and set its image', async () => {
      const pod = await ok([
        'run', 'sized', '--image=nginx:1.27', '--restart=Never', '-o', 'json',
        '--overrides={"spec":{"containers":[{"name":"sized","image":"nginx:1.27","resources":{"requests":{"cpu":0.5},"limits":{"cpu":"1000m","memory":"2048Mi"}}}]}}',
      ])
      expect(JSON.parse(pod).spec.containers[0].resources).to.deep.equal({ requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } })
      const described = await ok(['describe', 'pod', 'sized'])
      expect(described).to.match(/cpu:\s+500m/)
      expect(described).to.include('/var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-')
      expect(await ok(['set', 'image', 'pod/sized', 'sized=nginx:1.28'])).to.equal('pod/sized image updated\n')
      await ok(['delete', 'pod', 'sized'])
    })

    it('wait --for=delete pod/tmp --timeout=10s after the pod is gone', async () => {
      // The pod no longer exists: kubectl treats NotFound as the condition being met.
      const out = await ok(['wait', '--for=delete', 'pod/tmp', '--timeout=10s'])
      expect(out).to.be.oneOf(['', 'pod/tmp condition met\n'])
    })

    it('delete by name', async () => {
      expect(await ok(['delete', 'cronjob', 'api-report'])).to.equal(deleted(version, 'cronjob.batch', 'api-report'))
      await notFound(['get', 'cronjob', 'api-report'], 'cronjobs.batch "api-report" not found')
    })

    it('delete by label -l app=web', async () => {
      expect(await ok(['delete', 'deployments,services', '-l', 'app=web'])).to.equal(
        deleted(version, 'deployment.apps', 'web') + deleted(version, 'service', 'web'),
      )
      expect(await ok(['get', 'deployments', '-o', 'name'])).to.equal('deployment.apps/api\n')
      // The bootstrap "kubernetes" Service stays, as on any cluster.
      expect(await ok(['get', 'services', '-o', 'name'])).to.equal('service/api\nservice/kubernetes\n')
    })

    it('delete --all in a namespace', async () => {
      expect(await ok(['create', 'namespace', 'scratch'])).to.equal('namespace/scratch created\n')
      expect(await ok(['create', 'secret', 'generic', 's1', '--from-literal=a=1', '-n', 'scratch'])).to.equal('secret/s1 created\n')
      expect(await ok(['create', 'secret', 'generic', 's2', '--from-literal=a=2', '-n', 'scratch'])).to.equal('secret/s2 created\n')
      expect(await ok(['delete', 'secrets', '--all', '-n', 'scratch'])).to.equal(
        deleted(version, 'secret', 's1', 'scratch') + deleted(version, 'secret', 's2', 'scratch'),
      )
      const args = ['get', 'secrets', '-n', 'scratch']
      const r = await run(args)
      expect(r.code, show(args, r)).to.equal(0)
      expect(r.stdout, show(args, r)).to.equal('')
      expect(r.stderr, show(args, r)).to.equal('No resources found in scratch namespace.\n')
      // The default namespace is untouched.
      expect(await ok(['get', 'secrets', '-o', 'name'])).to.equal('secret/api-secret\n')
    })

    it('explain deployment.spec.template.spec.containers', async () => {
      const out = await ok(['explain', 'deployment.spec.template.spec.containers'])
      expect(out).to.match(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: containers <\[\]Container>\n/)
      expect(out).to.match(/^DESCRIPTION:\n\s+List of containers belonging to the pod\./m)
      expect(out).to.match(/^FIELDS:$/m)
      expect(out).to.match(/^ {2}image\t<string>$/m)
      expect(out).to.match(/^ {2}name\t<string> -required-$/m)
    })
  })
}
