/**
 * @module routers/kube/batch/cronjobs
 * batch/v1 CronJob (pkg/registry/batch/cronjob, SetDefaults_CronJob, ValidateCronJob): policy and
 * history defaults, the schedule parsed as robfig/cron's ParseStandard does (five fields or a
 * descriptor, no TZ= prefix), names short enough for the jobs' suffix, and a job template that
 * restarts Never or OnFailure.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { ageCell } from '../../../lib/registry/duration.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { validatePodTemplateSpec } from '../apps/pod-template.js'
import { ageColumn, formatLabelSelector, keepSpec, keepStatus, nonNegative, semanticEqual } from '../apps/workload.js'
import { applyPodTemplateSpecDefaults, decodedKind } from '../core/pod-defaults.js'
import { defaultPointer, ensureObj, ensureSpec, isObj, objOf, specOf, statusOf, str } from '../json.js'
import type { Obj } from '../json.js'

/** SetDefaults_CronJob, then the pod template's defaults inside jobTemplate. */
export function applyCronJobDefaults(obj: KubeObject): void {
  const spec = ensureSpec(obj)
  if (!spec) return
  if (spec['concurrencyPolicy'] === undefined || spec['concurrencyPolicy'] === null || spec['concurrencyPolicy'] === '') spec['concurrencyPolicy'] = 'Allow'
  defaultPointer(spec, 'suspend', false)
  defaultPointer(spec, 'successfulJobsHistoryLimit', 3)
  defaultPointer(spec, 'failedJobsHistoryLimit', 1)
  const jobTemplate = ensureObj(spec, 'jobTemplate')
  const jobSpec = jobTemplate && ensureObj(jobTemplate, 'spec')
  const template = jobSpec && ensureObj(jobSpec, 'template')
  if (template) applyPodTemplateSpecDefaults(template, decodedKind(obj, 'CronJob'))
}

// ---------------------------------------------------------------------------------------------
// robfig/cron/v3 ParseStandard: its error texts are what kube reports.
// ---------------------------------------------------------------------------------------------

interface Bounds {
  min: number
  max: number
  names?: Record<string, number>
}

const months: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } }
const dow: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } }
const standardFields: Bounds[] = [{ min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, months, dow]
const descriptors = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'])

function mustParseInt(expr: string): number | string {
  if (!/^[+-]?\d+$/.test(expr)) return `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`
  const n = Number(expr)
  return n < 0 ? `negative number (${n}) not allowed: ${expr}` : n
}

function parseIntOrName(expr: string, names?: Record<string, number>): number | string {
  const named = names?.[expr.toLowerCase()]
  return named ?? mustParseInt(expr)
}

/** getRange: one comma-separated part of a field. Returns an error text or undefined. */
function rangeError(expr: string, b: Bounds): string | undefined {
  const rangeAndStep = expr.split('/')
  const lowAndHigh = rangeAndStep[0]!.split('-')
  let start: number
  let end: number
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min
    end = b.max
  } else {
    const s = parseIntOrName(lowAndHigh[0]!, b.names)
    if (typeof s === 'string') return s
    start = s
    if (lowAndHigh.length === 1) end = s
    else if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1]!, b.names)
      if (typeof e === 'string') return e
      end = e
    } else return `too many hyphens: ${expr}`
  }
  if (rangeAndStep.length === 2) {
    const step = mustParseInt(rangeAndStep[1]!)
    if (typeof step === 'string') return step
    if (step === 0) return `step of range should be a positive number: ${expr}`
    if (lowAndHigh.length === 1 && lowAndHigh[0] !== '*' && lowAndHigh[0] !== '?') end = b.max
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`
  return undefined
}

/** cron.ParseStandard's error, or undefined when the schedule parses. */
export function cronScheduleError(schedule: string): string | undefined {
  if (schedule.length === 0) return 'empty spec string'
  let spec = schedule
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ')
    spec = i < 0 ? '' : spec.slice(i).trim()
  }
  if (spec.startsWith('@')) {
    if (descriptors.has(spec)) return undefined
    if (spec.startsWith('@every ')) return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(spec.slice(7).trim()) ? undefined : `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(spec.slice(7).trim())}`
    return `unrecognized descriptor: ${spec}`
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '')
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`
  for (let i = 0; i < 5; i++) {
    for (const part of fields[i]!.split(',')) {
      const err = rangeError(part, standardFields[i]!)
      if (err) return err
    }
  }
  return undefined
}

const concurrencyPolicies = ['Allow', 'Forbid', 'Replace']

/** ValidateCronJobSpec with validateScheduleFormat and the job template's restart policy. */
function validateCronJobSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = []
  const schedule = str(spec['schedule'])
  if (!schedule) errs.push(field.required('spec.schedule'))
  else {
    const err = cronScheduleError(schedule)
    if (err) errs.push(field.invalid('spec.schedule', schedule, err))
    else if (schedule.includes('TZ')) errs.push(field.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'))
  }
  errs.push(...nonNegative(spec['startingDeadlineSeconds'], 'spec.startingDeadlineSeconds'))
  const policy = str(spec['concurrencyPolicy'])
  if (!concurrencyPolicies.includes(policy)) errs.push(field.notSupported('spec.concurrencyPolicy', policy, concurrencyPolicies))
  errs.push(...nonNegative(spec['successfulJobsHistoryLimit'], 'spec.successfulJobsHistoryLimit'))
  errs.push(...nonNegative(spec['failedJobsHistoryLimit'], 'spec.failedJobsHistoryLimit'))
  const jobSpec = objOf(objOf(spec['jobTemplate'])['spec'])
  const template = jobSpec['template']
  errs.push(...validatePodTemplateSpec(template, 'spec.jobTemplate.spec.template'))
  const restartPolicy = str(objOf(objOf(template)['spec'])['restartPolicy'])
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errs.push(field.notSupported('spec.jobTemplate.spec.template.spec.restartPolicy', restartPolicy, ['OnFailure', 'Never']))
  }
  if (jobSpec['manualSelector'] === true) {
    errs.push(field.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']))
  }
  return errs
}

/** The Job name a CronJob builds is its name plus an 11-character suffix, within 63. */
function validateCronJobCreate(obj: KubeObject): FieldError[] {
  const name = obj.metadata.name ?? ''
  const errs: FieldError[] = name.length > 52 ? [field.invalid('metadata.name', name, 'must be no more than 52 characters')] : []
  return [...errs, ...validateCronJobSpec(specOf(obj))]
}

export const cronjobs: ResourceDefinition = {
  group: 'batch',
  version: 'v1',
  resource: 'cronjobs',
  singular: 'cronjob',
  kind: 'CronJob',
  listKind: 'CronJobList',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  subresources: ['status'],
  schema: { model: 'V1CronJob' },
  tableColumns: [
    { name: 'Schedule', type: 'string', description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.', cell: (o) => str(specOf(o)['schedule']) },
    { name: 'Timezone', type: 'string', description: 'The time zone name for the given schedule.', cell: (o) => str(specOf(o)['timeZone']) || '<none>' },
    {
      name: 'Suspend',
      type: 'boolean',
      description: 'This flag tells the controller to suspend subsequent executions.',
      // printBoolPtr: the cell is the text "True"/"False"/"<unset>", though the column is boolean.
      cell: (o) => {
        const suspend = specOf(o)['suspend']
        return suspend === undefined || suspend === null ? '<unset>' : suspend === true ? 'True' : 'False'
      },
    },
    {
      name: 'Active',
      type: 'integer',
      description: 'A list of pointers to currently running jobs.',
      cell: (o) => (Array.isArray(statusOf(o)['active']) ? (statusOf(o)['active'] as unknown[]).length : 0),
    },
    {
      name: 'Last Schedule',
      type: 'string',
      description: 'Information when was the last time the job was successfully scheduled.',
      cell: (o, now) => (typeof statusOf(o)['lastScheduleTime'] === 'string' ? ageCell(statusOf(o)['lastScheduleTime'] as string, now) : '<none>'),
    },
    ageColumn,
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      description: 'Names of each container in the template.',
      cell: (o) => jobContainers(o).map((c) => str(c['name'])).join(','),
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      description: 'Images referenced by each container in the template.',
      cell: (o) => jobContainers(o).map((c) => str(c['image'])).join(','),
    },
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description: 'A label query over pods that should match the pod count.',
      cell: (o) => formatLabelSelector(objOf(objOf(specOf(o)['jobTemplate'])['spec'])['selector']),
    },
  ],
  strategy: {
    prepareForCreate(_ctx, obj) {
      obj['status'] = {}
    },
    applyDefaults: applyCronJobDefaults,
    validate: (_ctx, obj) => validateCronJobCreate(obj),
    prepareForUpdate: (_ctx, obj, old) => keepStatus(obj, old),
    prepareForSubresourceUpdate(sub, _ctx, obj, old) {
      if (sub === 'status') keepSpec(obj, old)
    },
    validateUpdate: (_ctx, obj) => validateCronJobSpec(specOf(obj)),
    generationChanged: (obj, old) => !semanticEqual(obj['spec'], old['spec']),
  },
}

function jobContainers(o: KubeObject): Obj[] {
  const containers = objOf(objOf(objOf(objOf(specOf(o)['jobTemplate'])['spec'])['template'])['spec'])['containers']
  return Array.isArray(containers) ? containers.filter(isObj) : []
}
