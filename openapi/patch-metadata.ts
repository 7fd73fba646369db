/**
 * @module openapi/patch-metadata
 * The one table of merge semantics that @kubernetes/client-node's models drop: patch strategies,
 * merge keys, list and map types (the `x-kubernetes-*` extensions of the real OpenAPI). kubectl's
 * client-side apply and edit build strategic merge patches from exactly these extensions, and
 * server-side apply reads the list types, so without them a patch replaces `containers` wholesale.
 *
 * Rows are keyed by client-node class name and were taken from Kubernetes' own swagger
 * (kubernetes-client/javascript src/gen/swagger.json.unprocessed), GA versions only. Lists whose
 * only marker is `atomic` are left out because atomic is what both patch kinds assume anyway;
 * ObjectMeta.managedFields is kept for readers who look for it. Extend this table, not the walker,
 * when a beta type or a new field needs them.
 */

/** The vendor extensions one property (or, under `type`, a whole struct) may carry. */
export interface SchemaExtensions {
  'x-kubernetes-patch-strategy'?: string
  'x-kubernetes-patch-merge-key'?: string
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map'
  'x-kubernetes-list-map-keys'?: string[]
  'x-kubernetes-map-type'?: 'atomic' | 'granular'
}

export interface ModelPatchMetadata {
  /** Extensions on the model's own schema (a struct that is replaced as a whole). */
  type?: SchemaExtensions
  properties?: Record<string, SchemaExtensions>
}

/** A list of objects keyed by `mergeKey`, merged item by item (SMP) and as a map (SSA). */
function mergeMap(mergeKey: string, mapKeys: string[] = [mergeKey], strategy = 'merge'): SchemaExtensions {
  return {
    'x-kubernetes-list-map-keys': mapKeys,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-patch-merge-key': mergeKey,
    'x-kubernetes-patch-strategy': strategy,
  }
}

/** A list map for server-side apply only: strategic merge still replaces it. */
function listMap(...mapKeys: string[]): SchemaExtensions {
  return { 'x-kubernetes-list-map-keys': mapKeys, 'x-kubernetes-list-type': 'map' }
}

/** SMP merges by key while SSA treats the list as one value (JobStatus.conditions, PodStatus.hostIPs). */
function atomicMergeBy(mergeKey: string): SchemaExtensions {
  return { 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-patch-merge-key': mergeKey, 'x-kubernetes-patch-strategy': 'merge' }
}

function strategy(patchStrategy: string): SchemaExtensions {
  return { 'x-kubernetes-patch-strategy': patchStrategy }
}

const set: SchemaExtensions = { 'x-kubernetes-list-type': 'set' }
const mergeSet: SchemaExtensions = { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' }
const atomicList: SchemaExtensions = { 'x-kubernetes-list-type': 'atomic' }
const atomicMap: SchemaExtensions = { 'x-kubernetes-map-type': 'atomic' }
const granularMap: SchemaExtensions = { 'x-kubernetes-map-type': 'granular' }

export const patchMetadata: Readonly<Record<string, ModelPatchMetadata>> = {
  CoreV1EndpointPort: { type: atomicMap },
  DiscoveryV1EndpointPort: { type: atomicMap },
  RbacV1Subject: { type: atomicMap },
  V1APIServiceStatus: { properties: { conditions: mergeMap('type') } },
  V1AllocatedDeviceStatus: { properties: { conditions: listMap('type') } },
  V1CSIDriverSpec: { properties: { volumeLifecycleModes: set } },
  V1CSINodeSpec: { properties: { drivers: mergeMap('name') } },
  V1CertificateSigningRequestStatus: { properties: { conditions: listMap('type') } },
  V1ComponentStatus: { properties: { conditions: mergeMap('type') } },
  V1ConfigMapKeySelector: { type: atomicMap },
  V1Container: {
    properties: {
      env: mergeMap('name'),
      ports: mergeMap('containerPort', ['containerPort', 'protocol']),
      volumeDevices: mergeMap('devicePath'),
      volumeMounts: mergeMap('mountPath'),
    },
  },
  V1ContainerRestartRuleOnExitCodes: { properties: { values: set } },
  V1ContainerStatus: { properties: { allocatedResourcesStatus: mergeMap('name'), volumeMounts: mergeMap('mountPath') } },
  V1CrossVersionObjectReference: { type: atomicMap },
  V1CustomResourceDefinitionStatus: { properties: { conditions: listMap('type') } },
  V1DaemonSetStatus: { properties: { conditions: mergeMap('type') } },
  V1DeploymentSpec: { properties: { strategy: strategy('retainKeys') } },
  V1DeploymentStatus: { properties: { conditions: mergeMap('type') } },
  V1Endpoint: { properties: { addresses: set } },
  V1EndpointAddress: { type: atomicMap },
  V1EphemeralContainer: {
    properties: {
      env: mergeMap('name'),
      ports: mergeMap('containerPort', ['containerPort', 'protocol']),
      volumeDevices: mergeMap('devicePath'),
      volumeMounts: mergeMap('mountPath'),
    },
  },
  V1FileKeySelector: { type: atomicMap },
  V1FlowSchemaStatus: { properties: { conditions: mergeMap('type') } },
  V1JSONSchemaProps: { properties: { 'x-kubernetes-validations': mergeMap('rule') } },
  V1JobStatus: { properties: { conditions: atomicMergeBy('type') } },
  V1LabelSelector: { type: atomicMap },
  V1LocalObjectReference: { type: atomicMap },
  V1MatchResources: { type: atomicMap },
  V1MutatingWebhook: { properties: { matchConditions: mergeMap('name') } },
  V1MutatingWebhookConfiguration: { properties: { webhooks: mergeMap('name') } },
  V1NamedRuleWithOperations: { type: atomicMap },
  V1NamespaceStatus: { properties: { conditions: mergeMap('type') } },
  V1NodeSelector: { type: atomicMap },
  V1NodeSelectorTerm: { type: atomicMap },
  V1NodeSpec: { properties: { podCIDRs: mergeSet } },
  V1NodeStatus: { properties: { addresses: mergeMap('type'), conditions: mergeMap('type') } },
  V1NonResourcePolicyRule: { properties: { nonResourceURLs: set, verbs: set } },
  V1ObjectFieldSelector: { type: atomicMap },
  V1ObjectMeta: { properties: { finalizers: mergeSet, managedFields: atomicList, ownerReferences: mergeMap('uid') } },
  V1ObjectReference: { type: atomicMap },
  V1OwnerReference: { type: atomicMap },
  V1ParamKind: { type: atomicMap },
  V1ParamRef: { type: atomicMap },
  V1PersistentVolumeClaimStatus: { properties: { allocatedResourceStatuses: granularMap, conditions: mergeMap('type') } },
  V1PersistentVolumeSpec: { properties: { claimRef: granularMap } },
  V1PodDisruptionBudgetSpec: { properties: { selector: strategy('replace') } },
  V1PodDisruptionBudgetStatus: { properties: { conditions: mergeMap('type') } },
  V1PodFailurePolicyOnExitCodesRequirement: { properties: { values: set } },
  V1PodSpec: {
    properties: {
      containers: mergeMap('name'),
      ephemeralContainers: mergeMap('name'),
      hostAliases: mergeMap('ip'),
      imagePullSecrets: mergeMap('name'),
      initContainers: mergeMap('name'),
      nodeSelector: atomicMap,
      resourceClaims: mergeMap('name', ['name'], 'merge,retainKeys'),
      schedulingGates: mergeMap('name'),
      topologySpreadConstraints: mergeMap('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
      volumes: mergeMap('name', ['name'], 'merge,retainKeys'),
    },
  },
  V1PodStatus: {
    properties: {
      conditions: mergeMap('type'),
      hostIPs: atomicMergeBy('ip'),
      podIPs: mergeMap('ip'),
      resourceClaimStatuses: mergeMap('name', ['name'], 'merge,retainKeys'),
    },
  },
  V1PriorityLevelConfigurationStatus: { properties: { conditions: mergeMap('type') } },
  V1ReplicaSetStatus: { properties: { conditions: mergeMap('type') } },
  V1ReplicationControllerSpec: { properties: { selector: atomicMap } },
  V1ReplicationControllerStatus: { properties: { conditions: mergeMap('type') } },
  V1ResourceClaimStatus: { properties: { devices: listMap('driver', 'device', 'pool', 'shareID'), reservedFor: mergeMap('uid') } },
  V1ResourceFieldSelector: { type: atomicMap },
  V1ResourcePolicyRule: { properties: { apiGroups: set, namespaces: set, resources: set, verbs: set } },
  V1ResourceRequirements: { properties: { claims: listMap('name') } },
  V1ResourceStatus: { properties: { resources: listMap('resourceID') } },
  V1RoleRef: { type: atomicMap },
  V1Scheduling: { properties: { nodeSelector: atomicMap } },
  V1ScopeSelector: { type: atomicMap },
  V1SecretKeySelector: { type: atomicMap },
  V1SecretReference: { type: atomicMap },
  V1ServiceAccount: { properties: { secrets: mergeMap('name') } },
  V1ServiceBackendPort: { type: atomicMap },
  V1ServiceCIDRStatus: { properties: { conditions: mergeMap('type') } },
  V1ServiceSpec: { properties: { ports: mergeMap('port', ['port', 'protocol']), selector: atomicMap } },
  V1ServiceStatus: { properties: { conditions: mergeMap('type') } },
  V1StatefulSetStatus: { properties: { conditions: mergeMap('type') } },
  V1TopologySelectorTerm: { type: atomicMap },
  V1TypedLocalObjectReference: { type: atomicMap },
  V1UncountedTerminatedPods: { properties: { failed: set, succeeded: set } },
  V1ValidatingAdmissionPolicyBindingSpec: { properties: { validationActions: set } },
  V1ValidatingAdmissionPolicySpec: { properties: { matchConditions: mergeMap('name'), variables: mergeMap('name') } },
  V1ValidatingAdmissionPolicyStatus: { properties: { conditions: listMap('type') } },
  V1ValidatingWebhook: { properties: { matchConditions: mergeMap('name') } },
  V1ValidatingWebhookConfiguration: { properties: { webhooks: mergeMap('name') } },
  V1Variable: { type: atomicMap },
  V2HorizontalPodAutoscalerStatus: { properties: { conditions: mergeMap('type') } },
}

/** Extensions for one property of a client-node model, or undefined. */
export function propertyExtensions(model: string, property: string): SchemaExtensions | undefined {
  return patchMetadata[model]?.properties?.[property]
}

/** Extensions for a client-node model's own schema, or undefined. */
export function modelExtensions(model: string): SchemaExtensions | undefined {
  return patchMetadata[model]?.type
}
