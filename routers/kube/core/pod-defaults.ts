/**
 * @module routers/kube/core/pod-defaults
 * The defaulting every kind with a pod inside shares (pkg/apis/core/v1/defaults.go and the
 * generated SetObjectDefaults_*): SetDefaults_PodSpec, containers, probes, volumes, and the pod-
 * and PVC-only extras. Pods, PodTemplates, ReplicationControllers, Deployments, ReplicaSets,
 * StatefulSets, DaemonSets, Jobs and CronJobs all call into this one module. It works on plain
 * JSON and mutates in place; a field of the wrong type is left for validation to report.
 */
import * as errors from '../../../lib/api/errors.js'
import type { KubeObject } from '../../../lib/api/types.js'

import { assertQuantities, canonicalizeQuantities, parseQuantity } from './helpers.js'

import { ensureObj, isObj } from '../json.js'
import type { Obj } from '../json.js'

function objAt(parent: Obj, key: string): Obj | undefined {
  const v = parent[key]
  return isObj(v) ? v : undefined
}

function mapsAt(parent: Obj, key: string): Obj[] {
  const v = parent[key]
  return Array.isArray(v) ? v.filter(isObj) : []
}

/** A string field Go defaults when it is "" (absent, null and "" all decode to ""). */
function defaultString(o: Obj, key: string, value: string): void {
  const v = o[key]
  if (v === undefined || v === null || v === '') o[key] = value
}

/** A pointer field Go defaults when nil. */
function defaultPointer(o: Obj, key: string, value: unknown): void {
  const v = o[key]
  if (v === undefined || v === null) o[key] = value
}

/** An int field Go defaults when it is 0. */
function defaultNonZero(o: Obj, key: string, value: number): void {
  const v = o[key]
  if (v === undefined || v === null || v === 0) o[key] = value
}

// ---------------------------------------------------------------------------------------------
// Image references (k8s.io/kubernetes/pkg/util/parsers.ParseImageName over distribution/reference)
// ---------------------------------------------------------------------------------------------

const alphaNumeric = '[a-z0-9]+'
const separator = '(?:[._]|__|[-]+)'
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`
const tagPattern = '[\\w][\\w.-]{0,127}'
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
const referencePattern = new RegExp(`^((?:${domain}/)?${pathComponent}(?:/${pathComponent})*)(?::(${tagPattern}))?(?:@(${digestPattern}))?$`)
const nameTotalLengthMax = 255

/**
 * The tag ParseImageName finds: the explicit tag, "latest" when there is neither a tag nor a
 * digest, "" for a digest-only reference, and undefined when the reference does not parse.
 */
export function imageTag(image: string): string | undefined {
  const m = referencePattern.exec(image)
  if (!m || m[1]!.length > nameTotalLengthMax) return undefined
  if (m[2]) return m[2]
  return m[3] ? '' : 'latest'
}

/** SetDefaults_Container's pull policy: Always for :latest (or no tag at all), else IfNotPresent. */
export function defaultImagePullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  return typeof image === 'string' && imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent'
}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------

/** SetDefaults_HTTPGetAction */
function applyHTTPGetDefaults(handler: Obj | undefined): void {
  const httpGet = handler && objAt(handler, 'httpGet')
  if (!httpGet) return
  defaultString(httpGet, 'path', '/')
  defaultString(httpGet, 'scheme', 'HTTP')
}

/** SetDefaults_Probe plus its handler's defaults (httpGet, and grpc.service's +default=""). */
export function applyProbeDefaults(probe: Obj): void {
  applyHTTPGetDefaults(probe)
  const grpc = objAt(probe, 'grpc')
  if (grpc) defaultPointer(grpc, 'service', '')
  defaultNonZero(probe, 'timeoutSeconds', 1)
  defaultNonZero(probe, 'periodSeconds', 10)
  defaultNonZero(probe, 'successThreshold', 1)
  defaultNonZero(probe, 'failureThreshold', 3)
}

/** SetDefaults_ObjectFieldSelector */
function applyFieldRefDefaults(holder: Obj | undefined): void {
  const fieldRef = holder && objAt(holder, 'fieldRef')
  if (fieldRef) defaultString(fieldRef, 'apiVersion', 'v1')
}

/**
 * SetDefaults_Container with the generated parts: ports' protocol, env fieldRef apiVersion,
 * probes and lifecycle handlers. `resources` is a non-pointer struct in Go, so a typed round
 * trip always writes it, as `{}` when empty.
 */
export function applyContainerDefaults(container: Obj): void {
  for (const port of mapsAt(container, 'ports')) defaultString(port, 'protocol', 'TCP')
  for (const env of mapsAt(container, 'env')) applyFieldRefDefaults(objAt(env, 'valueFrom'))
  ensureObj(container, 'resources')
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = objAt(container, key)
    if (probe) applyProbeDefaults(probe)
  }
  const lifecycle = objAt(container, 'lifecycle')
  if (lifecycle) {
    applyHTTPGetDefaults(objAt(lifecycle, 'postStart'))
    applyHTTPGetDefaults(objAt(lifecycle, 'preStop'))
  }
  defaultString(container, 'terminationMessagePath', '/dev/termination-log')
  defaultString(container, 'terminationMessagePolicy', 'File')
  defaultString(container, 'imagePullPolicy', defaultImagePullPolicy(container['image']))
}

// ---------------------------------------------------------------------------------------------
// Volumes
// ---------------------------------------------------------------------------------------------

/** The VolumeSource members: a volume naming none of them becomes an emptyDir. */
const volumeSources: readonly string[] = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
]

/** 0644, the default mode of secret, configMap, downwardAPI and projected volumes. */
const defaultVolumeMode = 420

function applyDownwardAPIItemsDefaults(source: Obj): void {
  for (const item of mapsAt(source, 'items')) applyFieldRefDefaults(item)
}

/** SetDefaults_Volume and the per-source defaulters the generated code calls. */
export function applyVolumeDefaults(volume: Obj): void {
  if (!volumeSources.some((k) => volume[k] !== undefined && volume[k] !== null)) volume['emptyDir'] = {}
  const hostPath = objAt(volume, 'hostPath')
  if (hostPath) defaultPointer(hostPath, 'type', '')
  for (const key of ['secret', 'configMap']) {
    const source = objAt(volume, key)
    if (source) defaultPointer(source, 'defaultMode', defaultVolumeMode)
  }
  const downwardAPI = objAt(volume, 'downwardAPI')
  if (downwardAPI) {
    defaultPointer(downwardAPI, 'defaultMode', defaultVolumeMode)
    applyDownwardAPIItemsDefaults(downwardAPI)
  }
  const projected = objAt(volume, 'projected')
  if (projected) {
    defaultPointer(projected, 'defaultMode', defaultVolumeMode)
    for (const source of mapsAt(projected, 'sources')) {
      const dapi = objAt(source, 'downwardAPI')
      if (dapi) applyDownwardAPIItemsDefaults(dapi)
      const token = objAt(source, 'serviceAccountToken')
      if (token) defaultPointer(token, 'expirationSeconds', 3600)
    }
  }
  const iscsi = objAt(volume, 'iscsi')
  if (iscsi) defaultString(iscsi, 'iscsiInterface', 'default')
  const rbd = objAt(volume, 'rbd')
  if (rbd) {
    defaultString(rbd, 'pool', 'rbd')
    defaultString(rbd, 'user', 'admin')
    defaultString(rbd, 'keyring', '/etc/ceph/keyring')
  }
  const azureDisk = objAt(volume, 'azureDisk')
  if (azureDisk) {
    defaultPointer(azureDisk, 'cachingMode', 'ReadWrite')
    defaultPointer(azureDisk, 'fsType', 'ext4')
    defaultPointer(azureDisk, 'readOnly', false)
    defaultPointer(azureDisk, 'kind', 'Shared')
  }
  const scaleIO = objAt(volume, 'scaleIO')
  if (scaleIO) {
    defaultString(scaleIO, 'storageMode', 'ThinProvisioned')
    defaultString(scaleIO, 'fsType', 'xfs')
  }
  const claimTemplate = objAt(volume, 'ephemeral') && objAt(objAt(volume, 'ephemeral')!, 'volumeClaimTemplate')
  const claimSpec = claimTemplate && objAt(claimTemplate, 'spec')
  if (claimSpec) applyPersistentVolumeClaimSpecDefaults(claimSpec)
}

// ---------------------------------------------------------------------------------------------
// resource.Quantity fields: the JSON decoder parses them, so an unparsable one makes the whole
// body a 400 and a parsed one is written back in canonical form ("0.5" -> "500m", 2048Mi -> "2Gi").
// ---------------------------------------------------------------------------------------------

/** A ResourceList (map of quantities) inside a decoded object. */
function resourceListQuantities(list: unknown, kind: string): void {
  assertQuantities(kind, [list])
  canonicalizeQuantities(list)
}

/** A ResourceRequirements / VolumeResourceRequirements: requests and limits (claims are names). */
function resourceRequirementsQuantities(resources: Obj | undefined, kind: string): void {
  if (!resources) return
  resourceListQuantities(resources['requests'], kind)
  resourceListQuantities(resources['limits'], kind)
}

/** A single Quantity field (emptyDir.sizeLimit); null stays null (a nil pointer). */
function singleQuantity(holder: Obj | undefined, key: string, kind: string): void {
  if (!holder || holder[key] === undefined || holder[key] === null) return
  const q = parseQuantity(holder[key])
  if (typeof q === 'string') throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${q}`)
  holder[key] = q.text
}

/** The quantities of a PersistentVolumeClaimSpec (claim templates, ephemeral volumes). */
export function canonicalizeClaimSpecQuantities(spec: Obj | undefined, kind: string): void {
  if (spec) resourceRequirementsQuantities(objAt(spec, 'resources'), kind)
}

/**
 * Every resource.Quantity of a PodSpec, as the decoder of `kind` sees them: container, init and
 * ephemeral container resources, pod overhead, pod-level resources, emptyDir size limits and
 * ephemeral volume claim templates. Throws kube's 400 for the first unparsable one.
 */
export function canonicalizePodSpecQuantities(spec: Obj, kind: string): void {
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const container of mapsAt(spec, key)) resourceRequirementsQuantities(objAt(container, 'resources'), kind)
  }
  resourceListQuantities(spec['overhead'], kind)
  resourceRequirementsQuantities(objAt(spec, 'resources'), kind)
  for (const volume of mapsAt(spec, 'volumes')) {
    singleQuantity(objAt(volume, 'emptyDir'), 'sizeLimit', kind)
    const claimTemplate = objAt(volume, 'ephemeral') && objAt(objAt(volume, 'ephemeral')!, 'volumeClaimTemplate')
    canonicalizeClaimSpecQuantities(claimTemplate && objAt(claimTemplate, 'spec'), kind)
  }
}

// ---------------------------------------------------------------------------------------------
// Pod specs and templates
// ---------------------------------------------------------------------------------------------

/**
 * SetDefaults_PodSpec plus what the generated defaulters do for its volumes and containers, after
 * the decoder's quantity parsing (`kind` is the decoded kind, for its error message).
 */
export function applyPodSpecDefaults(spec: Obj, kind: string): void {
  canonicalizePodSpecQuantities(spec, kind)
  for (const volume of mapsAt(spec, 'volumes')) applyVolumeDefaults(volume)
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const container of mapsAt(spec, key)) applyContainerDefaults(container)
  }
  // The v1 conversion: serviceAccountName falls back to the deprecated serviceAccount, which is
  // always written back as a copy of serviceAccountName (and left out when that is empty).
  const serviceAccountName = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] ? spec['serviceAccountName'] : spec['serviceAccount']
  if (typeof serviceAccountName === 'string' && serviceAccountName !== '') {
    spec['serviceAccountName'] = serviceAccountName
    spec['serviceAccount'] = serviceAccountName
  } else if (spec['serviceAccount'] === '' || spec['serviceAccount'] === null) {
    delete spec['serviceAccount']
  }
  // Added in PodSpec's field order, which is the order Go writes them in.
  defaultString(spec, 'restartPolicy', 'Always')
  defaultPointer(spec, 'terminationGracePeriodSeconds', 30)
  defaultString(spec, 'dnsPolicy', 'ClusterFirst')
  defaultPointer(spec, 'securityContext', {})
  defaultString(spec, 'schedulerName', 'default-scheduler')
}

/**
 * A PodTemplateSpec as embedded in workloads. Its ObjectMeta is a non-pointer struct whose zero
 * creationTimestamp Go writes as null, so templates read back with `creationTimestamp: null`.
 */
export function applyPodTemplateSpecDefaults(template: Obj, kind: string): void {
  const metadata = ensureObj(template, 'metadata')
  if (metadata && !('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null
  const spec = ensureObj(template, 'spec')
  if (spec) applyPodSpecDefaults(spec, kind)
}

/** The kind the decoder handled, for its error messages: the object's own, else `fallback`. */
export function decodedKind(obj: Obj, fallback: string): string {
  return typeof obj['kind'] === 'string' && obj['kind'] !== '' ? obj['kind'] : fallback
}

/** The pod template of a workload at obj.spec.template, defaulted; no-op when malformed. */
export function applyWorkloadTemplateDefaults(obj: KubeObject): void {
  const spec = isObj(obj['spec']) ? obj['spec'] : undefined
  const template = spec && ensureObj(spec, 'template')
  if (template) applyPodTemplateSpecDefaults(template, decodedKind(obj, 'Pod'))
}

/**
 * SetObjectDefaults_Pod: the pod spec defaults plus SetDefaults_Pod's Pod-only ones (requests
 * from limits, enableServiceLinks, host ports under hostNetwork), which templates never get.
 */
export function applyPodDefaults(pod: KubeObject): void {
  const spec = ensureObj(pod, 'spec')
  if (!spec) return
  applyPodSpecDefaults(spec, decodedKind(pod, 'Pod'))
  for (const key of ['containers', 'initContainers']) {
    for (const container of mapsAt(spec, key)) {
      const resources = objAt(container, 'resources')
      const limits = resources && objAt(resources, 'limits')
      if (!resources || !limits) continue
      const requests = ensureObj(resources, 'requests')
      if (!requests) continue
      for (const [name, quantity] of Object.entries(limits)) if (!(name in requests)) requests[name] = quantity
    }
  }
  defaultPointer(spec, 'enableServiceLinks', true)
  if (spec['hostNetwork'] === true) {
    for (const key of ['containers', 'initContainers']) {
      for (const container of mapsAt(spec, key)) {
        for (const port of mapsAt(container, 'ports')) {
          if (port['hostPort'] === undefined || port['hostPort'] === null || port['hostPort'] === 0) port['hostPort'] = port['containerPort']
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PersistentVolumeClaims (StatefulSet volumeClaimTemplates, ephemeral volumes)
// ---------------------------------------------------------------------------------------------

/** SetDefaults_PersistentVolumeClaimSpec */
export function applyPersistentVolumeClaimSpecDefaults(spec: Obj): void {
  defaultPointer(spec, 'volumeMode', 'Filesystem')
}

/** SetDefaults_PersistentVolumeClaim with its spec: a claim starts Pending. */
export function applyPersistentVolumeClaimDefaults(claim: Obj): void {
  const spec = ensureObj(claim, 'spec')
  if (spec) applyPersistentVolumeClaimSpecDefaults(spec)
  const status = ensureObj(claim, 'status')
  if (status) defaultString(status, 'phase', 'Pending')
}
