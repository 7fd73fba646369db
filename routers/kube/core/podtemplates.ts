/**
 * @module routers/kube/core/podtemplates
 * core/v1 PodTemplate (pkg/registry/core/podtemplate): the pod template spec gets the pod
 * defaults kubectl shows (restartPolicy, dnsPolicy, schedulerName, container pull policy and
 * termination message, probe timings, volume modes), generation follows template changes, and the
 * template is checked for what matters most: containers, names, images, ports and policies.
 * The pod-spec helpers are exported for the workload kinds that embed a template.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { isDNS1123Label, maxLenError, validateAnnotations, validateLabels } from '../../../lib/api/validation.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import type { JsonMap } from './helpers.js'
import { ensureMap, formatLabels, isMap, isValidPortNum, jsonEqual, listOf, mapOf, strOf, supportedPortProtocols } from './helpers.js'

// ---------------------------------------------------------------------------------------------
// Defaulting (pkg/apis/core/v1/defaults.go)
// ---------------------------------------------------------------------------------------------

/** parsers.ParseImageName's tag: "latest" when the reference names neither tag nor digest. */
function imageTag(image: string): string {
  if (image.includes('@')) return ''
  const lastSlash = image.lastIndexOf('/')
  const colon = image.lastIndexOf(':')
  return colon > lastSlash ? image.slice(colon + 1) : 'latest'
}

/** SetDefaults_Probe and its handlers. */
function defaultProbe(probe: unknown): void {
  if (!isMap(probe)) return
  probe['timeoutSeconds'] ??= 1
  probe['periodSeconds'] ??= 10
  probe['successThreshold'] ??= 1
  probe['failureThreshold'] ??= 3
  const httpGet = probe['httpGet']
  if (isMap(httpGet) && !httpGet['scheme']) httpGet['scheme'] = 'HTTP'
}

/** SetDefaults_ObjectFieldSelector: downward-API field references name their version. */
function defaultFieldRef(ref: unknown): void {
  if (isMap(ref) && !ref['apiVersion']) ref['apiVersion'] = 'v1'
}

/** SetDefaults_Container, SetDefaults_ContainerPort, and the probes and env it holds. */
function defaultContainer(c: unknown): void {
  if (!isMap(c)) return
  if (!c['imagePullPolicy']) c['imagePullPolicy'] = imageTag(strOf(c, 'image')) === 'latest' ? 'Always' : 'IfNotPresent'
  if (!c['terminationMessagePath']) c['terminationMessagePath'] = '/dev/termination-log'
  if (!c['terminationMessagePolicy']) c['terminationMessagePolicy'] = 'File'
  // A non-pointer struct field: the encoder always writes it, {} when empty.
  ensureMap(c, 'resources')
  for (const port of listOf(c, 'ports')) if (isMap(port) && !port['protocol']) port['protocol'] = 'TCP'
  for (const env of listOf(c, 'env')) defaultFieldRef(mapOf(mapOf(env, 'valueFrom'), 'fieldRef'))
  for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[p])
}

/** SetDefaults_Volume and the per-source defaults of the sources pod templates mostly use. */
function defaultVolume(v: unknown): void {
  if (!isMap(v)) return
  const sources = Object.keys(v).filter((k) => k !== 'name')
  if (sources.length === 0) v['emptyDir'] = {}
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = v[key]
    if (isMap(src) && src['defaultMode'] === undefined) src['defaultMode'] = 420
  }
  const hostPath = v['hostPath']
  if (isMap(hostPath) && hostPath['type'] === undefined) hostPath['type'] = ''
  for (const item of listOf(v['downwardAPI'], 'items')) defaultFieldRef(mapOf(item, 'fieldRef'))
}

/** SetDefaults_PodSpec and what it reaches: the defaults `kubectl get -o yaml` shows in a template. */
export function defaultPodSpec(spec: JsonMap): void {
  if (!spec['dnsPolicy']) spec['dnsPolicy'] = 'ClusterFirst'
  if (!spec['restartPolicy']) spec['restartPolicy'] = 'Always'
  ensureMap(spec, 'securityContext')
  spec['terminationGracePeriodSeconds'] ??= 30
  if (!spec['schedulerName']) spec['schedulerName'] = 'default-scheduler'
  for (const c of [...listOf(spec, 'initContainers'), ...listOf(spec, 'containers')]) defaultContainer(c)
  for (const v of listOf(spec, 'volumes')) defaultVolume(v)
}

/** A PodTemplateSpec as the encoder writes it: metadata always present, spec defaulted. */
export function defaultPodTemplateSpec(template: JsonMap): void {
  // ObjectMeta's creationTimestamp is a non-pointer metav1.Time: a nested template writes null.
  const meta = mapOf(template, 'metadata')
  if (!('creationTimestamp' in meta)) meta['creationTimestamp'] = null
  // metadata comes first in the struct, so first in what kube writes.
  const spec = ensureMap(template, 'spec')
  for (const k of Object.keys(template)) if (k !== 'metadata') delete template[k]
  Object.assign(template, { metadata: meta, spec })
  defaultPodSpec(spec)
}

// ---------------------------------------------------------------------------------------------
// Validation (ValidatePodTemplateSpec, the parts of ValidatePodSpec a template most often fails)
// ---------------------------------------------------------------------------------------------

const restartPolicies = ['Always', 'OnFailure', 'Never']
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']
const pullPolicies = ['Always', 'IfNotPresent', 'Never']
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError']

/** IsValidPortName */
function isValidPortName(name: string): string[] {
  const errs: string[] = []
  if (name.length > 15) errs.push(maxLenError(15))
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)')
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)')
  if (name.includes('--')) errs.push('must not contain consecutive hyphens')
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen')
  return errs
}

function validateContainerPorts(ports: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  ports.forEach((port, i) => {
    const p = `${path}[${i}]`
    const name = strOf(port, 'name')
    if (name !== '') {
      const msgs = isValidPortName(name)
      if (msgs.length > 0) for (const msg of msgs) errs.push(field.invalid(`${p}.name`, name, msg))
      else if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name))
      else names.add(name)
    }
    const containerPort = isMap(port) ? (port['containerPort'] ?? 0) : 0
    if (containerPort === 0) errs.push(field.required(`${p}.containerPort`))
    else for (const msg of isValidPortNum(containerPort)) errs.push(field.invalid(`${p}.containerPort`, containerPort, msg))
    const hostPort = isMap(port) ? (port['hostPort'] ?? 0) : 0
    if (hostPort !== 0) for (const msg of isValidPortNum(hostPort)) errs.push(field.invalid(`${p}.hostPort`, hostPort, msg))
    const protocol = strOf(port, 'protocol')
    if (protocol === '') errs.push(field.required(`${p}.protocol`))
    else if (!supportedPortProtocols.includes(protocol)) errs.push(field.notSupported(`${p}.protocol`, protocol, supportedPortProtocols))
  })
  return errs
}

/** validateContainers / validateInitContainers: names unique across both lists, images required. */
function validateContainers(containers: unknown[], path: string, seen: Set<string>): FieldError[] {
  const errs: FieldError[] = []
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`
    const name = strOf(c, 'name')
    if (name === '') errs.push(field.required(`${p}.name`))
    else for (const msg of isDNS1123Label(name)) errs.push(field.invalid(`${p}.name`, name, msg))
    if (name !== '' && seen.has(name)) errs.push(field.duplicate(`${p}.name`, name))
    else if (name !== '') seen.add(name)
    if (strOf(c, 'image') === '') errs.push(field.required(`${p}.image`))
    const pull = strOf(c, 'imagePullPolicy')
    if (pull === '') errs.push(field.required(`${p}.imagePullPolicy`))
    else if (!pullPolicies.includes(pull)) errs.push(field.notSupported(`${p}.imagePullPolicy`, pull, pullPolicies))
    const tmp = strOf(c, 'terminationMessagePolicy')
    if (tmp === '') errs.push(field.required(`${p}.terminationMessagePolicy`))
    else if (!terminationMessagePolicies.includes(tmp)) errs.push(field.notSupported(`${p}.terminationMessagePolicy`, tmp, terminationMessagePolicies))
    errs.push(...validateContainerPorts(listOf(c, 'ports'), `${p}.ports`))
  })
  return errs
}

function validateVolumes(volumes: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  volumes.forEach((v, i) => {
    const p = `${path}[${i}]`
    const name = strOf(v, 'name')
    if (name === '') errs.push(field.required(`${p}.name`))
    else for (const msg of isDNS1123Label(name)) errs.push(field.invalid(`${p}.name`, name, msg))
    if (name !== '' && names.has(name)) errs.push(field.duplicate(`${p}.name`, name))
    else if (name !== '') names.add(name)
  })
  return errs
}

/** The ValidatePodSpec checks a template fails most: containers, volumes and the pod's policies. */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  errs.push(...validateVolumes(listOf(spec, 'volumes'), `${path}.volumes`))
  const containers = listOf(spec, 'containers')
  const seen = new Set<string>()
  if (containers.length === 0) errs.push(field.required(`${path}.containers`))
  else errs.push(...validateContainers(containers, `${path}.containers`, seen))
  errs.push(...validateContainers(listOf(spec, 'initContainers'), `${path}.initContainers`, seen))
  const restart = strOf(spec, 'restartPolicy')
  if (restart === '') errs.push(field.required(`${path}.restartPolicy`))
  else if (!restartPolicies.includes(restart)) errs.push(field.notSupported(`${path}.restartPolicy`, restart, restartPolicies))
  const dns = strOf(spec, 'dnsPolicy')
  if (dns === '') errs.push(field.required(`${path}.dnsPolicy`))
  else if (!dnsPolicies.includes(dns)) errs.push(field.notSupported(`${path}.dnsPolicy`, dns, dnsPolicies))
  const grace = isMap(spec) ? spec['terminationGracePeriodSeconds'] : undefined
  if (typeof grace === 'number' && grace < 0) errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'))
  return errs
}

/** ValidatePodTemplateSpec: the template's own labels and annotations, its spec, no ephemeral containers. */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const meta = mapOf(template, 'metadata')
  const errs = [
    ...validateLabels(meta['labels'] as Record<string, string> | undefined, `${path}.labels`),
    ...validateAnnotations(meta['annotations'] as Record<string, string> | undefined, `${path}.annotations`),
    ...validatePodSpec(mapOf(template, 'spec'), `${path}.spec`),
  ]
  if (listOf(mapOf(template, 'spec'), 'ephemeralContainers').length > 0) {
    errs.push(field.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'))
  }
  return errs
}

// ---------------------------------------------------------------------------------------------
// Declaration
// ---------------------------------------------------------------------------------------------

function containerCells(obj: KubeObject): { names: string; images: string } {
  const containers = listOf(mapOf(mapOf(obj, 'template'), 'spec'), 'containers')
  return { names: containers.map((c) => strOf(c, 'name')).join(','), images: containers.map((c) => strOf(c, 'image')).join(',') }
}

export const podtemplates: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'podtemplates',
  singular: 'podtemplate',
  kind: 'PodTemplate',
  listKind: 'PodTemplateList',
  namespaced: true,
  schema: { model: 'V1PodTemplate' },
  tableColumns: [
    { name: 'Containers', type: 'string', description: 'Names of each container in the template.', cell: (o) => containerCells(o).names },
    { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', cell: (o) => containerCells(o).images },
    { name: 'Pod Labels', type: 'string', description: 'The labels for the pod template.', cell: (o) => formatLabels(mapOf(mapOf(o, 'template'), 'metadata')['labels']) },
  ],
  strategy: {
    applyDefaults: (obj) => defaultPodTemplateSpec(ensureMap(obj, 'template')),
    validate: (_ctx, obj) => validatePodTemplateSpec(obj['template'], 'template'),
    validateUpdate: (_ctx, obj) => validatePodTemplateSpec(obj['template'], 'template'),
    // Any change to the template is a new generation.
    generationChanged: (obj, old) => !jsonEqual(obj['template'], old['template']),
  },
}
