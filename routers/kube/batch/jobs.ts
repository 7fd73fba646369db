/**
 * @module routers/kube/batch/jobs
 * batch/v1 Job (pkg/registry/batch/job, SetDefaults_Job, ValidateJob): completions, parallelism,
 * backoff and replacement defaults, the selector generated from the uid unless manualSelector,
 * a template that restarts Never or OnFailure, selector and template immutable, status only
 * through /status.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { validateImmutableField } from '../../../lib/api/validation.js'
import { humanDuration } from '../../../lib/registry/duration.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { validatePodTemplateSpec } from '../apps/pod-template.js'
import {
  ageColumn,
  containersColumn,
  formatLabelSelector,
  goLabelSelector,
  imagesColumn,
  invalidGo,
  keepSpec,
  keepStatus,
  nonNegative,
  selectorMismatch,
  selectorOf,
  semanticEqual,
} from '../apps/workload.js'
import { applyPodTemplateSpecDefaults, decodedKind } from '../core/pod-defaults.js'
import type { Obj } from '../json.js'
import { defaultPointer, defaultString, ensureObj, ensureSpec, isObj, objOf, specOf, statusOf, str } from '../json.js'

export const controllerUidLabel = 'batch.kubernetes.io/controller-uid'
export const jobNameLabel = 'batch.kubernetes.io/job-name'
const legacyControllerUidLabel = 'controller-uid'
const legacyJobNameLabel = 'job-name'

/** SetDefaults_Job (JobPodReplacementPolicy is on by default in 1.32), then the template's defaults. */
export function applyJobSpecDefaults(spec: Obj, kind: string): void {
  // Both unset: a non-parallel job. Only parallelism unset: one pod at a time.
  if ((spec['completions'] === undefined || spec['completions'] === null) && (spec['parallelism'] === undefined || spec['parallelism'] === null)) {
    spec['completions'] = 1
  }
  defaultPointer(spec, 'parallelism', 1)
  defaultPointer(spec, 'backoffLimit', spec['backoffLimitPerIndex'] !== undefined && spec['backoffLimitPerIndex'] !== null ? 2147483647 : 6)
  defaultPointer(spec, 'completionMode', 'NonIndexed')
  defaultPointer(spec, 'suspend', false)
  const podFailurePolicy = spec['podFailurePolicy']
  if (isObj(podFailurePolicy) && Array.isArray(podFailurePolicy['rules'])) {
    for (const rule of podFailurePolicy['rules'].filter(isObj)) {
      if (Array.isArray(rule['onPodConditions'])) for (const pattern of rule['onPodConditions'].filter(isObj)) defaultString(pattern, 'status', 'True')
    }
  }
  defaultPointer(spec, 'podReplacementPolicy', isObj(podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed')
  defaultPointer(spec, 'manualSelector', false)
  const template = ensureObj(spec, 'template')
  if (template) applyPodTemplateSpecDefaults(template, kind)
}

/** SetObjectDefaults_Job: the spec, and the job's labels taken from the template when it has none. */
export function applyJobDefaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  if (!creating.has(obj)) copyTemplateLabels(obj)
  applyJobSpecDefaults(spec, decodedKind(obj, 'Job'))
}

/**
 * Objects in create: kube defaults at decode, before generateSelector, while here prepareForCreate
 * runs first, so the label copy happens there and defaulting must not repeat it.
 */
const creating = new WeakSet<KubeObject>()

function templateLabelsOf(obj: KubeObject): unknown {
  return objOf(objOf(specOf(obj)['template'])['metadata'])['labels']
}

/** A job without labels takes its template's. */
function copyTemplateLabels(obj: KubeObject): void {
  const labels = templateLabelsOf(obj)
  if (isObj(labels) && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...(labels as Record<string, string>) }
}

function manualSelector(spec: Obj): boolean {
  return spec['manualSelector'] === true
}

function setLabel(labels: Obj, key: string, value: string): void {
  if (!(key in labels)) labels[key] = value
}

/**
 * generateSelector: kube calls it from Validate, once generateName has produced the name. Here
 * the uid-based parts are set in prepareForCreate (the uid is already filled in) and the job-name
 * labels as soon as the name is known: then, or in canonicalize for generated names.
 */
function generateSelector(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec || manualSelector(spec)) return
  const template = ensureObj(spec, 'template')
  const meta = template && ensureObj(template, 'metadata')
  const labels = meta && ensureObj(meta, 'labels')
  if (!labels) return
  const uid = obj.metadata.uid ?? ''
  if (obj.metadata.name) {
    setLabel(labels, legacyJobNameLabel, obj.metadata.name)
    setLabel(labels, jobNameLabel, obj.metadata.name)
  }
  setLabel(labels, legacyControllerUidLabel, uid)
  setLabel(labels, controllerUidLabel, uid)
  const selector = ensureObj(spec, 'selector')
  const matchLabels = selector && ensureObj(selector, 'matchLabels')
  if (matchLabels) setLabel(matchLabels, controllerUidLabel, uid)
}

function addJobNameLabels(obj: KubeObject): void {
  const spec = specOf(obj)
  if (manualSelector(spec) || !obj.metadata.name) return
  const labels = objOf(objOf(spec['template'])['metadata'])['labels']
  if (!isObj(labels)) return
  setLabel(labels, legacyJobNameLabel, obj.metadata.name)
  setLabel(labels, jobNameLabel, obj.metadata.name)
}

/** validateGeneratedSelector: a generated selector must be exactly the uid one. */
function validateGeneratedSelector(obj: KubeObject, spec: Obj): FieldError[] {
  if (manualSelector(spec)) return []
  const uid = obj.metadata.uid ?? ''
  const errs: FieldError[] = []
  const labels = objOf(objOf(objOf(spec['template'])['metadata'])['labels'])
  for (const key of [controllerUidLabel, legacyControllerUidLabel]) {
    if (labels[key] === undefined) errs.push(field.required(`spec.template.metadata.labels[${key}]`, ''))
    else if (labels[key] !== uid) {
      errs.push(field.invalid(`spec.template.metadata.labels[${key}]`, labels[key], 'must be equal to metadata.uid'))
    }
  }
  const sel = spec['selector']
  const matchLabels = objOf(objOf(sel)['matchLabels'])
  if (!isObj(sel) || Object.keys(matchLabels).length !== 1 || matchLabels[controllerUidLabel] !== uid || objOf(sel)['matchExpressions'] !== undefined) {
    errs.push(invalidGo('spec.selector', sel ?? null, goLabelSelector(sel), '`selector` not auto-generated'))
  }
  return errs
}

const completionModes = ['NonIndexed', 'Indexed']
const replacementPolicies = ['Failed', 'TerminatingOrFailed']

/** ValidateJobSpec (the parts a user most often gets wrong) plus the generated-selector check. */
function validateJob(obj: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const errs: FieldError[] = []
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) errs.push(...nonNegative(spec[f], `spec.${f}`))
  const deadline = spec['activeDeadlineSeconds']
  if (typeof deadline === 'number' && deadline <= 0) errs.push(field.invalid('spec.activeDeadlineSeconds', deadline, 'must be greater than 0'))
  const mode = spec['completionMode']
  if (typeof mode === 'string' && !completionModes.includes(mode)) errs.push(field.notSupported('spec.completionMode', mode, completionModes))
  if (mode === 'Indexed' && (spec['completions'] === undefined || spec['completions'] === null)) {
    errs.push(field.required('spec.completions', 'when completion mode is Indexed'))
  }
  const replacement = spec['podReplacementPolicy']
  if (typeof replacement === 'string' && !replacementPolicies.includes(replacement)) {
    errs.push(field.notSupported('spec.podReplacementPolicy', replacement, replacementPolicies))
  }
  const sel = spec['selector']
  if (sel === undefined || sel === null) errs.push(field.required('spec.selector'))
  else {
    const selector = selectorOf(sel)
    if (!selector) errs.push(invalidGo('spec.selector', sel, goLabelSelector(sel), 'invalid label selector'))
    else if (!selector.matches(objOf(objOf(objOf(spec['template'])['metadata'])['labels']) as Record<string, string>)) errs.push(selectorMismatch(spec))
  }
  errs.push(...validatePodTemplateSpec(spec['template'], 'spec.template'))
  const restartPolicy = str(objOf(objOf(spec['template'])['spec'])['restartPolicy'])
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errs.push(field.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['OnFailure', 'Never']))
  }
  errs.push(...validateGeneratedSelector(obj, spec))
  return errs
}

/** ValidateJobSpecUpdate: selector and template never change (kube allows a few template fields while suspended; not here). */
function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(obj)
  const oldSpec = specOf(old)
  const errs = [...validateImmutableField(spec['selector'], oldSpec['selector'], 'spec.selector')]
  if (!semanticEqual(spec['template'], oldSpec['template'])) errs.push(field.invalid('spec.template', spec['template'], 'field is immutable'))
  errs.push(...validateImmutableField(spec['completionMode'], oldSpec['completionMode'], 'spec.completionMode'))
  errs.push(...validateImmutableField(spec['manualSelector'], oldSpec['manualSelector'], 'spec.manualSelector'))
  return errs
}

function hasCondition(o: KubeObject, type: string): boolean {
  const conditions = statusOf(o)['conditions']
  return Array.isArray(conditions) && conditions.some((c) => isObj(c) && c['type'] === type && c['status'] === 'True')
}

/** printJob's Status cell. */
function jobStatus(o: KubeObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete'
  if (hasCondition(o, 'Failed')) return 'Failed'
  if (o.metadata.deletionTimestamp) return 'Terminating'
  if (hasCondition(o, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet'
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget'
  if (hasCondition(o, 'Suspended')) return 'Suspended'
  return 'Running'
}

/** printJob's Completions cell. */
function jobCompletions(o: KubeObject): string {
  const spec = specOf(o)
  const succeeded = typeof statusOf(o)['succeeded'] === 'number' ? statusOf(o)['succeeded'] : 0
  if (typeof spec['completions'] === 'number') return `${succeeded}/${spec['completions']}`
  const parallelism = typeof spec['parallelism'] === 'number' ? spec['parallelism'] : 0
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`
}

function jobDuration(o: KubeObject, now: Date): string {
  const start = statusOf(o)['startTime']
  const end = statusOf(o)['completionTime']
  if (typeof start !== 'string') return ''
  const until = typeof end === 'string' ? Date.parse(end) : now.getTime()
  return humanDuration(until - Date.parse(start))
}

export const jobs: ResourceDefinition = {
  group: 'batch',
  version: 'v1',
  resource: 'jobs',
  singular: 'job',
  kind: 'Job',
  listKind: 'JobList',
  namespaced: true,
  categories: ['all'],
  subresources: ['status'],
  schema: { model: 'V1Job' },
  selectableFields: { 'status.successful': (o) => String(typeof statusOf(o)['succeeded'] === 'number' ? statusOf(o)['succeeded'] : 0) },
  tableColumns: [
    { name: 'Status', type: 'string', description: 'Status of the job.', cell: jobStatus },
    { name: 'Completions', type: 'string', description: 'The number of pods which reached phase Succeeded.', cell: jobCompletions },
    { name: 'Duration', type: 'string', description: 'Time required to complete the job.', cell: jobDuration },
    ageColumn,
    containersColumn,
    imagesColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'A label query over pods that should match the pod count.', cell: (o) => formatLabelSelector(specOf(o)['selector']) },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
      creating.add(obj)
      // Go shares the template's label map with the job's, so the generated labels show on both.
      const hadLabels = isObj(templateLabelsOf(obj))
      generateSelector(obj)
      if (hadLabels) copyTemplateLabels(obj)
    },
    applyDefaults: applyJobDefaults,
    validate: (_ctx, obj) => validateJob(obj),
    canonicalize: addJobNameLabels,
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj, old) => [...validateJob(obj), ...validateJobUpdate(obj, old)],
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}
