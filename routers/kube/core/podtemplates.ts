/**
 * @module routers/kube/core/podtemplates
 * core/v1 PodTemplate (pkg/registry/core/podtemplate): the template gets the pod defaults every
 * pod-bearing kind shares (./pod-defaults.js) and the template validation the workloads share
 * (../apps/pod-template.js); generation starts at 1 and follows changes to the template. The
 * table lists the template's containers, images and pod labels.
 */
import type { KubeObject } from '../../../lib/api/types.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { validatePodTemplateSpec } from '../apps/pod-template.js'
import { formatLabels, jsonEqual } from './helpers.js'
import { applyPodTemplateSpecDefaults, decodedKind } from './pod-defaults.js'
import { ensureMap, listOf, mapOf, strOf } from '../json.js'

function containers(obj: KubeObject): unknown[] {
  return listOf(mapOf(mapOf(obj, 'template'), 'spec'), 'containers')
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
    { name: 'Containers', type: 'string', description: 'Names of each container in the template.', cell: (o) => containers(o).map((c) => strOf(c, 'name')).join(',') },
    { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', cell: (o) => containers(o).map((c) => strOf(c, 'image')).join(',') },
    { name: 'Pod Labels', type: 'string', description: 'The labels for the pod template.', cell: (o) => formatLabels(mapOf(mapOf(o, 'template'), 'metadata')['labels']) },
  ],
  strategy: {
    // template is a non-pointer struct: a PodTemplate always has one.
    applyDefaults: (obj) => applyPodTemplateSpecDefaults(ensureMap(obj, 'template'), decodedKind(obj, 'PodTemplate')),
    validate: (_ctx, obj) => validatePodTemplateSpec(obj['template'], 'template'),
    validateUpdate: (_ctx, obj) => validatePodTemplateSpec(obj['template'], 'template'),
    // Any change to the template is a new generation.
    generationChanged: (obj, old) => !jsonEqual(obj['template'], old['template']),
  },
}
