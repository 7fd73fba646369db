/**
 * @module spec/e2e/crds-kubectl.spec
 * Everyday kubectl on a custom resource beyond spec/e2e/crds.spec.ts: `edit` through an EDITOR
 * script, `describe`, `apply --server-side` and a re-apply that drops a field, `get -w` seeing a
 * change, and `get apiservices` showing the CRD's group-version autoregistered as Local by the
 * aggregator.
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { stringify } from 'yaml'
import { kubectl, kubectlSpawn } from '../support/kubectl.js'
import type { KubectlResult } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const group = 'kubectl.e2e.example.com'

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `gears.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'gears', singular: 'gear', kind: 'Gear' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Teeth', type: 'integer', jsonPath: '.spec.teeth' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  teeth: { type: 'integer', minimum: 1 },
                  color: { type: 'string' },
                  material: { type: 'string' },
                },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
}

function gear(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: `${group}/v1`, kind: 'Gear', metadata: { name, namespace: 'default', labels: { app: 'demo' } }, spec })
}

function ok(r: KubectlResult): string {
  expect(r.code, `kubectl failed: ${r.stderr}`).to.equal(0)
  return r.stdout
}

describe('e2e: kubectl on custom resources (edit, describe, server-side apply, watch, apiservices)', function () {
  this.timeout(30_000)
  let server: StartedServer
  let dir: string
  const run = (args: string[], stdin?: string, env?: Record<string, string>): Promise<KubectlResult> =>
    kubectl(args, { kubeconfig: server.kubeconfigPath, stdin, env, timeoutMs: 20_000 })
  const spec = async (name: string): Promise<Record<string, unknown>> =>
    (JSON.parse(ok(await run(['get', 'gear', name, '-o', 'json']))) as { spec: Record<string, unknown> }).spec

  before(async () => {
    server = await startServer()
    dir = await mkdtemp(join(tmpdir(), 'crds-kubectl-'))
    ok(await run(['create', '-f', '-'], stringify(crd)))
    ok(await run(['wait', '--for=condition=Established', `crd/gears.${group}`, '--timeout=10s']))
    ok(await run(['create', '-f', '-'], gear('g1', { teeth: 12, color: 'red' })))
  })
  after(async () => {
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('edit with an EDITOR script changes the custom resource', async () => {
    const editor = join(dir, 'editor.sh')
    // kubectl hands the editor the object as YAML; spec fields sit at two spaces.
    await writeFile(editor, '#!/bin/sh\nset -e\nsed -i \'s/^  color: red$/  color: purple/\' "$1"\n')
    await chmod(editor, 0o755)
    expect(ok(await run(['edit', 'gear', 'g1'], undefined, { EDITOR: editor }))).to.equal(`gear.${group}/g1 edited\n`)
    expect(await spec('g1')).to.deep.equal({ teeth: 12, color: 'purple' })
  })

  it('edit that breaks the schema is refused with the validation message and changes nothing', async () => {
    const editor = join(dir, 'bad-editor.sh')
    await writeFile(editor, '#!/bin/sh\nset -e\nsed -i \'s/^  teeth: 12$/  teeth: 0/\' "$1"\n')
    await chmod(editor, 0o755)
    // kubectl keeps the refused edit, with the server's causes as comments, in a file under TMPDIR.
    const tmp = await mkdtemp(join(dir, 'tmp-'))
    const r = await run(['edit', 'gear', 'g1'], undefined, { EDITOR: editor, TMPDIR: tmp })
    expect(r.code).to.not.equal(0)
    expect(r.stderr).to.include(`error: gears.${group} "g1" is invalid`)
    expect(r.stderr).to.include('error: Edit cancelled, no valid changes were saved.')
    const copy = /A copy of your changes has been stored to "([^"]+)"/.exec(r.stderr)?.[1]
    expect(copy, r.stderr).to.be.a('string')
    expect((await readdir(tmp)).map((f) => join(tmp, f))).to.include(copy)
    expect(await readFile(copy!, 'utf8')).to.include(
      `# gears.${group} "g1" was not valid:\n# * spec.teeth: Invalid value: 0: spec.teeth in body should be greater than or equal to 1\n`,
    )
    expect((await spec('g1')).teeth).to.equal(12)
  })

  it('describe shows metadata and the spec as nested fields', async () => {
    const out = ok(await run(['describe', 'gear', 'g1']))
    expect(out).to.match(/^Name:\s+g1\nNamespace:\s+default\nLabels:\s+app=demo\n/)
    expect(out).to.match(/\nAPI Version:\s+kubectl\.e2e\.example\.com\/v1\n/)
    expect(out).to.match(/\nKind:\s+Gear\n/)
    expect(out).to.match(/\nSpec:\n\s+Color:\s+purple\n\s+Teeth:\s+12\n/)
    expect(out).to.match(/\nEvents:\s+<none>\n$/)
  })

  it('apply --server-side creates, and a re-apply without a field removes it', async () => {
    expect(ok(await run(['apply', '--server-side', '-f', '-'], gear('ssa', { teeth: 5, color: 'blue', material: 'steel' })))).to.equal(
      `gear.${group}/ssa serverside-applied\n`,
    )
    expect(await spec('ssa')).to.deep.equal({ teeth: 5, color: 'blue', material: 'steel' })
    const obj = JSON.parse(ok(await run(['get', 'gear', 'ssa', '-o', 'json', '--show-managed-fields']))) as { metadata: { managedFields?: { manager: string; operation: string }[] } }
    expect(obj.metadata.managedFields?.map((m) => `${m.manager}/${m.operation}`)).to.deep.equal(['kubectl/Apply'])
    ok(await run(['apply', '--server-side', '-f', '-'], gear('ssa', { teeth: 5, color: 'blue' })))
    expect(await spec('ssa')).to.deep.equal({ teeth: 5, color: 'blue' })
  })

  it('get -w prints the custom resource and then its change', async () => {
    const watch = await kubectlSpawn(['get', 'gear', 'g1', '-w'], { kubeconfig: server.kubeconfigPath })
    try {
      await watch.waitForStdout(/^NAME\s+TEETH\s*\ng1\s+12\s*\n/)
      ok(await run(['patch', 'gear', 'g1', '--type=merge', '-p', '{"spec":{"teeth":20}}']))
      await watch.waitForStdout(/\ng1\s+20\s*\n/)
    } finally {
      await watch.kill()
    }
  })

  it("get apiservices lists the CRD's group-version as automanaged and Local", async () => {
    const out = ok(await run(['get', 'apiservices', `v1.${group}`]))
    expect(out).to.match(new RegExp(`^NAME\\s+SERVICE\\s+AVAILABLE\\s+AGE\\nv1\\.kubectl\\.e2e\\.example\\.com\\s+Local\\s+True\\s+\\d+s\\n$`))
    const svc = JSON.parse(ok(await run(['get', 'apiservices', `v1.${group}`, '-o', 'json']))) as {
      metadata: { labels?: Record<string, string> }
      spec: { group: string; version: string; service?: unknown }
    }
    expect(svc.metadata.labels).to.include({ 'kube-aggregator.kubernetes.io/automanaged': 'true' })
    expect(svc.spec).to.include({ group, version: 'v1' })
    expect(svc.spec.service).to.equal(undefined)
  })
})
