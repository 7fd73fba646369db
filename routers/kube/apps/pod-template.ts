/**
 * @module routers/kube/apps/pod-template
 * ValidatePodTemplateSpec and the part of ValidatePodSpec (pkg/apis/core/validation) that a
 * workload's template most often gets wrong: containers and their names, images, ports, env,
 * pull and termination-message policies, volumes and mounts, restart and DNS policies, and the
 * name-like fields. Messages and paths follow kube's; the checks kube does beyond these
 * (security contexts, affinity, resources, probes, topology spread...) are not made here.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import { emptyError, inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isValidPortNum, maxLenError, validateAnnotations, validateLabels } from '../../../lib/api/validation.js'

import { isObj, objListOf as listOf, objOf, str } from '../json.js'
import type { Obj } from '../json.js'

function stringMap(v: unknown): Record<string, string> | undefined {
  return isObj(v) ? (v as Record<string, string>) : undefined
}

export { inclusiveRangeError }

/** ValidateDNS1123Label: one Invalid per message. */
function validateDNS1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => field.invalid(path, value, msg))
}

function validateSubdomainName(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((msg) => field.invalid(path, value, msg))
}

/** IsValidPortName (IANA_SVC_NAME) */
function isValidPortName(port: string): string[] {
  const errs: string[] = []
  if (port.length > 15) errs.push(maxLenError(15))
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)')
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)')
  if (port.includes('--')) errs.push('must not contain consecutive hyphens')
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen')
  return errs
}


const supportedPortProtocols = ['SCTP', 'TCP', 'UDP']

/** validateContainerPorts */
function validateContainerPorts(ports: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  ports.forEach((port, i) => {
    const p = `${path}[${i}]`
    const name = str(port['name'])
    if (name) {
      const msgs = isValidPortName(name)
      if (msgs.length > 0) for (const msg of msgs) errs.push(field.invalid(`${p}.name`, name, msg))
      else if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name))
      else names.add(name)
    }
    const containerPort = typeof port['containerPort'] === 'number' ? port['containerPort'] : 0
    if (containerPort === 0) errs.push(field.required(`${p}.containerPort`))
    else for (const msg of isValidPortNum(containerPort)) errs.push(field.invalid(`${p}.containerPort`, containerPort, msg))
    const hostPort = typeof port['hostPort'] === 'number' ? port['hostPort'] : 0
    if (hostPort !== 0) for (const msg of isValidPortNum(hostPort)) errs.push(field.invalid(`${p}.hostPort`, hostPort, msg))
    const protocol = str(port['protocol'])
    if (!protocol) errs.push(field.required(`${p}.protocol`))
    else if (!supportedPortProtocols.includes(protocol)) errs.push(field.notSupported(`${p}.protocol`, protocol, supportedPortProtocols))
  })
  return errs
}

/** ValidateEnv with RelaxedEnvironmentVariableValidation (beta and on in 1.32). */
function validateEnv(env: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = []
  env.forEach((ev, i) => {
    const p = `${path}[${i}].name`
    const name = str(ev['name'])
    if (!name) {
      errs.push(field.required(p), field.invalid(p, name, `environment variable name ${emptyError()}`))
    } else if ([...name].some((ch) => ch < ' ' || ch > '~' || ch === '=')) {
      errs.push(field.invalid(p, name, "a valid environment variable name must consist only of printable ASCII characters other than '='"))
    }
  })
  return errs
}

/** ValidateVolumeMounts: the mounted volume must exist, and mount paths be set and unique. */
function validateVolumeMounts(mounts: Obj[], volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = []
  const mountPoints = new Set<string>()
  mounts.forEach((mount, i) => {
    const p = `${path}[${i}]`
    const name = str(mount['name'])
    if (!name) errs.push(field.required(`${p}.name`))
    if (!volumes.has(name)) errs.push(field.notFound(`${p}.name`, name))
    const mountPath = str(mount['mountPath'])
    if (!mountPath) errs.push(field.required(`${p}.mountPath`))
    if (mountPoints.has(mountPath)) errs.push(field.invalid(`${p}.mountPath`, mountPath, 'must be unique'))
    mountPoints.add(mountPath)
  })
  return errs
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never']
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError']

/** validateContainerCommon: what regular and init containers share. */
function validateContainerCommon(container: Obj, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = []
  const name = str(container['name'])
  if (!name) errs.push(field.required(`${path}.name`))
  else errs.push(...validateDNS1123Label(name, `${path}.name`))
  // Leading and trailing whitespace is tolerated in templates: " " is a known placeholder image.
  if (!str(container['image'])) errs.push(field.required(`${path}.image`))
  const tmp = str(container['terminationMessagePolicy'])
  if (!tmp) errs.push(field.required(`${path}.terminationMessagePolicy`))
  else if (!terminationMessagePolicies.includes(tmp)) errs.push(field.notSupported(`${path}.terminationMessagePolicy`, tmp, terminationMessagePolicies))
  errs.push(...validateContainerPorts(listOf(container['ports']), `${path}.ports`))
  errs.push(...validateEnv(listOf(container['env']), `${path}.env`))
  errs.push(...validateVolumeMounts(listOf(container['volumeMounts']), volumes, `${path}.volumeMounts`))
  const pull = str(container['imagePullPolicy'])
  if (!pull) errs.push(field.required(`${path}.imagePullPolicy`))
  else if (!pullPolicies.includes(pull)) errs.push(field.notSupported(`${path}.imagePullPolicy`, pull, pullPolicies))
  return errs
}

/** The VolumeSource members, in the order validateVolumeSource looks at them. */
const volumeSources: readonly string[] = [
  'hostPath', 'emptyDir', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
]

/** ValidateVolumes: names, and exactly one source each. Returns the names mounts may refer to. */
function validateVolumes(volumes: Obj[], path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = []
  const names = new Set<string>()
  volumes.forEach((volume, i) => {
    const p = `${path}[${i}]`
    const el: FieldError[] = []
    const sources = volumeSources.filter((k) => volume[k] !== undefined && volume[k] !== null)
    if (sources.length === 0) el.push(field.required(p, 'must specify a volume type'))
    for (const extra of sources.slice(1)) el.push(field.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'))
    const name = str(volume['name'])
    if (!name) el.push(field.required(`${p}.name`))
    else el.push(...validateDNS1123Label(name, `${p}.name`))
    if (names.has(name)) el.push(field.duplicate(`${p}.name`, name))
    if (el.length === 0) names.add(name)
    else errs.push(...el)
  })
  return { errs, names }
}

const restartPolicies = ['Always', 'OnFailure', 'Never']
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']

/** The ValidatePodSpec subset described in the module comment. */
export function validatePodSpec(specIn: unknown, path: string): FieldError[] {
  const spec = objOf(specIn)
  const { errs, names: volumes } = validateVolumes(listOf(spec['volumes']), `${path}.volumes`)

  const containers = listOf(spec['containers'])
  if (containers.length === 0) errs.push(field.required(`${path}.containers`))
  const names = new Set<string>()
  containers.forEach((c, i) => {
    const p = `${path}.containers[${i}]`
    errs.push(...validateContainerCommon(c, volumes, p))
    const name = str(c['name'])
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name))
    else names.add(name)
  })
  listOf(spec['initContainers']).forEach((c, i) => {
    const p = `${path}.initContainers[${i}]`
    errs.push(...validateContainerCommon(c, volumes, p))
    // Names are unique across regular and init containers.
    const name = str(c['name'])
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name))
    else if (name) names.add(name)
  })

  const restartPolicy = str(spec['restartPolicy'])
  if (!restartPolicy) errs.push(field.required(`${path}.restartPolicy`))
  else if (!restartPolicies.includes(restartPolicy)) errs.push(field.notSupported(`${path}.restartPolicy`, restartPolicy, restartPolicies))
  const dnsPolicy = str(spec['dnsPolicy'])
  if (!dnsPolicy) errs.push(field.required(`${path}.dnsPolicy`))
  else if (!dnsPolicies.includes(dnsPolicy)) errs.push(field.notSupported(`${path}.dnsPolicy`, dnsPolicy, dnsPolicies))
  errs.push(...validateLabels(stringMap(spec['nodeSelector']), `${path}.nodeSelector`))

  const serviceAccountName = str(spec['serviceAccountName'])
  if (serviceAccountName) errs.push(...validateSubdomainName(serviceAccountName, `${path}.serviceAccountName`))
  const nodeName = str(spec['nodeName'])
  if (nodeName) errs.push(...validateSubdomainName(nodeName, `${path}.nodeName`))
  const deadline = spec['activeDeadlineSeconds']
  if (typeof deadline === 'number' && (deadline < 1 || deadline > 2147483647)) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, deadline, inclusiveRangeError(1, 2147483647)))
  }
  const hostname = str(spec['hostname'])
  if (hostname) errs.push(...validateDNS1123Label(hostname, `${path}.hostname`))
  const subdomain = str(spec['subdomain'])
  if (subdomain) errs.push(...validateDNS1123Label(subdomain, `${path}.subdomain`))
  return errs
}

/**
 * ValidatePodTemplateSpec: the template's labels and annotations (on paths without "metadata",
 * as kube reports them), its pod spec, and no ephemeral containers.
 */
export function validatePodTemplateSpec(templateIn: unknown, path: string): FieldError[] {
  const template = objOf(templateIn)
  const meta = objOf(template['metadata'])
  const errs = validateLabels(stringMap(meta['labels']), `${path}.labels`)
  errs.push(...validateAnnotations(stringMap(meta['annotations']), `${path}.annotations`))
  const spec = objOf(template['spec'])
  errs.push(...validatePodSpec(spec, `${path}.spec`))
  if (listOf(spec['ephemeralContainers']).length > 0) {
    errs.push(field.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'))
  }
  return errs
}
