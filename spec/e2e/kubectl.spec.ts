/**
 * @module spec/e2e/kubectl.spec
 * The real kubectl (pinned v1.32 and v1.35 binaries) against the whole server chain. Every command
 * must exit 0, print what kubectl prints against kube-apiserver, and leave stderr EMPTY: kubectl
 * reports protocol slips (bad discovery, missing Table support, odd watch frames) as warnings on
 * stderr while still succeeding, so a warning counts as a failure here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { parse as parseYAML } from 'yaml'
import { kubectl, kubectlPath, kubectlSpawn, kubectlVersions } from '../support/kubectl.js'
import type { KubectlResult, KubectlVersion } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

interface ConfigMapLike {
  metadata: { name: string; namespace?: string }
  data?: Record<string, string>
}

/** The server speaks v1.32; only kubectl version itself complains about a client three minors ahead. */
const skewWarning: Record<KubectlVersion, string> = {
  v32: '',
  v35: 'Warning: version difference between client (1.35) and server (1.32) exceeds the supported minor version skew of +/-1\n',
}

// kube-apiserver's text for an invalid DNS-1123 subdomain name, which kubectl prints verbatim.
const invalidFooMessage =
  'The ConfigMap "Foo" is invalid: metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case ' +
  "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n"

function show(args: string[], r: KubectlResult): string {
  return `kubectl ${args.join(' ')} -> exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
}

/** Runs kubectl and asserts success with nothing on stderr; returns stdout. */
async function ok(args: string[], server: StartedServer, version: KubectlVersion, stdin?: string): Promise<string> {
  const r = await kubectl(args, { kubeconfig: server.kubeconfigPath, version, stdin })
  expect(r.code, show(args, r)).to.equal(0)
  expect(r.stderr, show(args, r)).to.equal('')
  return r.stdout
}

const configMapYAML = (name: string, data: Record<string, string>): string =>
  ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, 'data:', ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`), ''].join('\n')

for (const version of kubectlVersions) {
  describe(`e2e: kubectl ${version}`, function () {
    let server: StartedServer
    let dir: string

    before(async function () {
      this.timeout(120_000) // the first run unpacks ~60 MB of kubectl
      await kubectlPath(version)
      dir = await mkdtemp(join(tmpdir(), 'kube-express-kubectl-spec-'))
    })

    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    describe('the server on its own port', () => {
      before(async () => {
        server = await startServer()
      })
      after(async () => {
        await server?.stop()
      })

      it('kubectl version shows a v1.32 server', async () => {
        const args = ['version']
        const r = await kubectl(args, { kubeconfig: server.kubeconfigPath, version })
        expect(r.code, show(args, r)).to.equal(0)
        expect(r.stderr, show(args, r)).to.equal(skewWarning[version])
        expect(r.stdout).to.match(/^Server Version: v1\.32\.\d+$/m)

        const jsonArgs = ['version', '-o', 'json']
        const j = await kubectl(jsonArgs, { kubeconfig: server.kubeconfigPath, version })
        expect(j.code, show(jsonArgs, j)).to.equal(0)
        expect(j.stderr, show(jsonArgs, j)).to.equal(skewWarning[version])
        const info = JSON.parse(j.stdout) as { serverVersion?: { gitVersion?: string; major?: string; minor?: string } }
        expect(info.serverVersion?.gitVersion).to.match(/^v1\.32\.\d+$/)
        expect(info.serverVersion?.major).to.equal('1')
        expect(info.serverVersion?.minor).to.match(/^32\+?$/)
      })

      it('kubectl api-versions lists v1', async () => {
        const out = await ok(['api-versions'], server, version)
        expect(out.split('\n')).to.include('v1')
      })

      it('kubectl api-resources lists namespaces and configmaps with short names', async () => {
        const out = await ok(['api-resources'], server, version)
        expect(out).to.match(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\n/)
        expect(out).to.match(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m)
        expect(out).to.match(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m)
      })

      it('kubectl get ns shows the system namespaces', async () => {
        const out = await ok(['get', 'ns'], server, version)
        expect(out).to.match(/^NAME\s+STATUS\s+AGE\n/)
        for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
          expect(out).to.match(new RegExp(`^${ns}\\s+Active\\s+\\S+$`, 'm'))
        }
      })

      it('kubectl create ns x', async () => {
        expect(await ok(['create', 'ns', 'x'], server, version)).to.equal('namespace/x created\n')
      })

      it('kubectl create configmap c --from-literal=a=b -n x', async () => {
        expect(await ok(['create', 'configmap', 'c', '--from-literal=a=b', '-n', 'x'], server, version)).to.equal('configmap/c created\n')
      })

      it('kubectl apply -f twice: created, then unchanged', async () => {
        const file = join(dir, 'cm.yaml')
        await writeFile(file, configMapYAML('applied', { k: 'v' }))
        expect(await ok(['apply', '-f', file, '-n', 'x'], server, version)).to.equal('configmap/applied created\n')
        expect(await ok(['apply', '-f', file, '-n', 'x'], server, version)).to.match(/^configmap\/applied (unchanged|configured)\n$/)
      })

      it('kubectl get cm -n x -o yaml shows the data', async () => {
        const out = await ok(['get', 'cm', '-n', 'x', '-o', 'yaml'], server, version)
        const list = parseYAML(out) as { kind: string; items: ConfigMapLike[] }
        expect(list.kind).to.equal('List')
        const byName = new Map(list.items.map((i) => [i.metadata.name, i]))
        expect(byName.get('c')?.data).to.deep.equal({ a: 'b' })
        expect(byName.get('c')?.metadata.namespace).to.equal('x')
        expect(byName.get('applied')?.data).to.deep.equal({ k: 'v' })
      })

      it('kubectl get cm c -n x -w sees a patch made meanwhile', async () => {
        const args = ['get', 'cm', 'c', '-n', 'x', '-w']
        const watch = await kubectlSpawn(args, { kubeconfig: server.kubeconfigPath, version })
        try {
          // The DATA column goes from 1 to 2 when the patch adds a key.
          await watch.waitForStdout(/^c\s+1\s+\S+$/m)
          expect(await ok(['patch', 'cm', 'c', '-n', 'x', '--type=merge', '-p', '{"data":{"d":"e"}}'], server, version)).to.equal(
            'configmap/c patched\n',
          )
          await watch.waitForStdout(/^c\s+2\s+\S+$/m)
        } finally {
          await watch.kill()
        }
        expect(watch.stderr, `kubectl ${args.join(' ')} stderr`).to.equal('')
        expect(watch.stdout).to.match(/^NAME\s+DATA\s+AGE\n/)
      })

      it('kubectl delete cm c -n x returns and reports the deletion', async () => {
        // kubectl waits (through a watch) until the object is gone: a server that never reports
        // the deletion makes this hang until the helper's timeout.
        const out = await ok(['delete', 'cm', 'c', '-n', 'x'], server, version)
        // v1.35 appends the namespace: configmap "c" deleted from x namespace
        expect(out).to.match(/^configmap "c" deleted( from x namespace)?\n$/)
      })

      it('kubectl get cm c -n x then fails with NotFound', async () => {
        const args = ['get', 'cm', 'c', '-n', 'x']
        const r = await kubectl(args, { kubeconfig: server.kubeconfigPath, version })
        expect(r.code, show(args, r)).to.equal(1)
        expect(r.stdout, show(args, r)).to.equal('')
        expect(r.stderr, show(args, r)).to.equal('Error from server (NotFound): configmaps "c" not found\n')
      })

      it('kubectl create -f with an invalid name prints the Invalid message', async () => {
        const file = join(dir, 'invalid.yaml')
        await writeFile(file, configMapYAML('Foo', { a: 'b' }))
        const args = ['create', '-f', file, '-n', 'x']
        const r = await kubectl(args, { kubeconfig: server.kubeconfigPath, version })
        expect(r.code, show(args, r)).to.equal(1)
        expect(r.stdout, show(args, r)).to.equal('')
        expect(r.stderr, show(args, r)).to.equal(invalidFooMessage)
      })
    })

    describe('the handler mounted under /k8s in a host app', () => {
      let mounted: StartedServer
      before(async () => {
        mounted = await startServer({ prefix: '/k8s' })
        expect(mounted.url).to.match(/\/k8s$/)
      })
      after(async () => {
        await mounted?.stop()
      })

      it('kubectl get ns', async () => {
        const out = await ok(['get', 'ns'], mounted, version)
        expect(out).to.match(/^default\s+Active\s+\S+$/m)
        expect(out).to.match(/^kube-system\s+Active\s+\S+$/m)
      })

      it('kubectl create configmap', async () => {
        expect(await ok(['create', 'configmap', 'p', '--from-literal=k=v', '-n', 'default'], mounted, version)).to.equal('configmap/p created\n')
      })

      it('kubectl get cm -o yaml', async () => {
        const out = await ok(['get', 'cm', '-n', 'default', '-o', 'yaml'], mounted, version)
        const list = parseYAML(out) as { kind: string; items: ConfigMapLike[] }
        expect(list.kind).to.equal('List')
        expect(list.items.find((i) => i.metadata.name === 'p')?.data).to.deep.equal({ k: 'v' })
      })
    })
  })
}
