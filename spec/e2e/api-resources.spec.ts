/**
 * @module spec/e2e/api-resources.spec
 * `kubectl api-resources -o wide` (real kubectl 1.32) against the server, compared with what a
 * real 1.32 cluster prints for the groups of the built-in API this server declares: names, short
 * names, apiVersion, scope, kind, verbs and categories, in kubectl's order. The expected table
 * follows kube-apiserver 1.32 (pkg/registry/<group>/<resource>/storage: ShortNames(),
 * Categories(), which verbs each REST storage implements; the preferred version per group).
 * Resources a real cluster has beyond those declared here (bindings, componentstatuses,
 * flowcontrol, certificates, csinodes...) are outside the comparison.
 */
import { expect } from 'chai'
import { kubectl } from '../support/kubectl.js'
import type { KubectlResult } from '../support/kubectl.js'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const all = 'create,delete,deletecollection,get,list,patch,update,watch'

/** NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND, VERBS, CATEGORIES as a 1.32 cluster prints them. */
const expected: readonly (readonly [string, string, string, string, string, string, string])[] = [
  ['configmaps', 'cm', 'v1', 'true', 'ConfigMap', all, ''],
  ['endpoints', 'ep', 'v1', 'true', 'Endpoints', all, ''],
  ['events', 'ev', 'v1', 'true', 'Event', all, ''],
  ['limitranges', 'limits', 'v1', 'true', 'LimitRange', all, ''],
  ['namespaces', 'ns', 'v1', 'false', 'Namespace', 'create,delete,get,list,patch,update,watch', ''],
  ['nodes', 'no', 'v1', 'false', 'Node', all, ''],
  ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim', all, ''],
  ['persistentvolumes', 'pv', 'v1', 'false', 'PersistentVolume', all, ''],
  ['pods', 'po', 'v1', 'true', 'Pod', all, 'all'],
  ['podtemplates', '', 'v1', 'true', 'PodTemplate', all, ''],
  ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController', all, 'all'],
  ['resourcequotas', 'quota', 'v1', 'true', 'ResourceQuota', all, ''],
  ['secrets', '', 'v1', 'true', 'Secret', all, ''],
  ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount', all, ''],
  ['services', 'svc', 'v1', 'true', 'Service', all, 'all'],
  ['mutatingwebhookconfigurations', '', 'admissionregistration.k8s.io/v1', 'false', 'MutatingWebhookConfiguration', all, 'api-extensions'],
  ['validatingwebhookconfigurations', '', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingWebhookConfiguration', all, 'api-extensions'],
  ['controllerrevisions', '', 'apps/v1', 'true', 'ControllerRevision', all, ''],
  ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet', all, 'all'],
  ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment', all, 'all'],
  ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet', all, 'all'],
  ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet', all, 'all'],
  ['selfsubjectreviews', '', 'authentication.k8s.io/v1', 'false', 'SelfSubjectReview', 'create', ''],
  ['tokenreviews', '', 'authentication.k8s.io/v1', 'false', 'TokenReview', 'create', ''],
  ['localsubjectaccessreviews', '', 'authorization.k8s.io/v1', 'true', 'LocalSubjectAccessReview', 'create', ''],
  ['selfsubjectaccessreviews', '', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview', 'create', ''],
  ['selfsubjectrulesreviews', '', 'authorization.k8s.io/v1', 'false', 'SelfSubjectRulesReview', 'create', ''],
  ['subjectaccessreviews', '', 'authorization.k8s.io/v1', 'false', 'SubjectAccessReview', 'create', ''],
  ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler', all, 'all'],
  ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob', all, 'all'],
  ['jobs', '', 'batch/v1', 'true', 'Job', all, 'all'],
  ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease', all, ''],
  ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice', all, ''],
  ['events', 'ev', 'events.k8s.io/v1', 'true', 'Event', all, ''],
  ['ingressclasses', '', 'networking.k8s.io/v1', 'false', 'IngressClass', all, ''],
  ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress', all, ''],
  ['networkpolicies', 'netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy', all, ''],
  ['runtimeclasses', '', 'node.k8s.io/v1', 'false', 'RuntimeClass', all, ''],
  ['poddisruptionbudgets', 'pdb', 'policy/v1', 'true', 'PodDisruptionBudget', all, ''],
  ['clusterrolebindings', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRoleBinding', all, ''],
  ['clusterroles', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole', all, ''],
  ['rolebindings', '', 'rbac.authorization.k8s.io/v1', 'true', 'RoleBinding', all, ''],
  ['roles', '', 'rbac.authorization.k8s.io/v1', 'true', 'Role', all, ''],
  ['priorityclasses', 'pc', 'scheduling.k8s.io/v1', 'false', 'PriorityClass', all, ''],
  ['csidrivers', '', 'storage.k8s.io/v1', 'false', 'CSIDriver', all, ''],
  ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass', all, ''],
  ['volumeattachments', '', 'storage.k8s.io/v1', 'false', 'VolumeAttachment', all, ''],
]

type Row = string[]

/** kubectl's tabwriter table, cut at the header's column starts (empty cells stay empty). */
function parseTable(text: string): { header: string[]; rows: Row[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  const headerLine = lines[0] ?? ''
  const starts = [...headerLine.matchAll(/\S+/g)].map((m) => m.index)
  const cut = (line: string): string[] => starts.map((s, i) => line.slice(s, starts[i + 1] ?? line.length).trim())
  return { header: cut(headerLine), rows: lines.slice(1).map(cut) }
}

function show(args: string[], r: KubectlResult): string {
  return `kubectl ${args.join(' ')} -> exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
}

describe('kubectl api-resources parity with kube-apiserver 1.32 (kubectl v1.32)', function () {
  this.timeout(60000)
  let server: StartedServer
  before(async () => {
    server = await startServer()
  })
  after(async () => server.stop())

  const run = async (args: string[]): Promise<string> => {
    const r = await kubectl(args, { kubeconfig: server.kubeconfigPath, version: 'v32' })
    expect(r.code, show(args, r)).to.equal(0)
    expect(r.stderr, show(args, r)).to.equal('')
    return r.stdout
  }

  it('lists the declared groups exactly as a 1.32 cluster does, in the same order', async () => {
    const { header, rows } = parseTable(await run(['api-resources', '-o', 'wide']))
    expect(header).to.deep.equal(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES'])
    const declared = new Set(expected.map((e) => `${e[2]} ${e[0]}`))
    const ours = rows.filter((r) => declared.has(`${r[2]} ${r[0]}`))
    expect(ours).to.deep.equal(expected.map((e) => [...e]))
  })

  it('lists nothing under those groups that a 1.32 cluster lacks', async () => {
    const { rows } = parseTable(await run(['api-resources', '-o', 'wide']))
    const groups = new Set(expected.map((e) => e[2]))
    const names = new Set(expected.map((e) => `${e[2]} ${e[0]}`))
    // Resources of the same group-versions that 1.32 also serves but this comparison leaves out.
    const elsewhere = new Set(['v1 bindings', 'v1 componentstatuses', 'storage.k8s.io/v1 csinodes', 'storage.k8s.io/v1 csistoragecapacities'])
    const extra = rows.filter((r) => groups.has(r[2]!) && !names.has(`${r[2]} ${r[0]}`) && !elsewhere.has(`${r[2]} ${r[0]}`))
    expect(extra.map((r) => `${r[2]} ${r[0]}`)).to.deep.equal([])
  })

  it('answers --api-group, --namespaced and -o name as kubectl does on a cluster', async () => {
    expect(await run(['api-resources', '--api-group=autoscaling', '-o', 'name'])).to.equal('horizontalpodautoscalers.autoscaling\n')
    expect(await run(['api-resources', '--api-group=events.k8s.io', '-o', 'name'])).to.equal('events.events.k8s.io\n')
    expect(await run(['api-resources', '--api-group=authentication.k8s.io', '-o', 'name'])).to.equal('selfsubjectreviews.authentication.k8s.io\ntokenreviews.authentication.k8s.io\n')
    const clusterScoped = (await run(['api-resources', '--namespaced=false', '--api-group=', '-o', 'name'])).split('\n').filter(Boolean)
    expect(clusterScoped).to.include.members(['namespaces', 'nodes', 'persistentvolumes'])
    expect(clusterScoped).to.not.include('pods')
  })
})
