/**
 * @module routers/kube/admissionregistration/webhooks
 * What ValidatingWebhookConfiguration and MutatingWebhookConfiguration share
 * (pkg/apis/admissionregistration/v1 defaults, pkg/apis/admissionregistration/validation and
 * apiserver pkg/util/webhook): per-webhook defaulting, validation with kube's messages, the
 * update-time relaxations for already stored configurations, and the Webhooks table column.
 */
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { goQuote, goStringSlice, isDNS1035Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum, validateLabelSelector } from '../../../lib/api/validation.js'
import type { LabelSelectorObject } from '../../../lib/api/validation.js'
import type { TableColumn } from '../../../lib/registry/resource.js'
import { jsonEqual } from '../core/helpers.js'
import { isObj, listOf, strOf } from '../json.js'
import type { Obj } from '../json.js'

export const admissionRegistrationGroup = 'admissionregistration.k8s.io'

export type WebhookKind = 'validating' | 'mutating'

function webhooksOf(obj: KubeObject): Obj[] {
  return listOf(obj, 'webhooks').filter(isObj)
}

function strings(obj: unknown, key: string): string[] {
  return listOf(obj, key).filter((v): v is string => typeof v === 'string')
}


/** A nil pointer in Go: absent or null in JSON. */
function unset(v: unknown): boolean {
  return v === undefined || v === null
}

// ---------------------------------------------------------------------------------------------
// Defaults (SetDefaults_ValidatingWebhook, SetDefaults_MutatingWebhook, SetDefaults_Rule,
// SetDefaults_ServiceReference). sideEffects and admissionReviewVersions have no v1 default:
// they are required instead.
// ---------------------------------------------------------------------------------------------

export function defaultWebhooks(obj: KubeObject, kind: WebhookKind): void {
  for (const hook of webhooksOf(obj)) {
    if (unset(hook['failurePolicy'])) hook['failurePolicy'] = 'Fail'
    if (unset(hook['matchPolicy'])) hook['matchPolicy'] = 'Equivalent'
    if (unset(hook['namespaceSelector'])) hook['namespaceSelector'] = {}
    if (unset(hook['objectSelector'])) hook['objectSelector'] = {}
    if (unset(hook['timeoutSeconds'])) hook['timeoutSeconds'] = 10
    if (kind === 'mutating' && unset(hook['reinvocationPolicy'])) hook['reinvocationPolicy'] = 'Never'
    for (const rule of listOf(hook, 'rules')) if (isObj(rule) && unset(rule['scope'])) rule['scope'] = '*'
    const service = isObj(hook['clientConfig']) ? hook['clientConfig']['service'] : undefined
    if (isObj(service) && unset(service['port'])) service['port'] = 443
  }
}

/** Go's field order for each webhook, so stored objects read like kube's. */
const fieldOrder: Record<WebhookKind, readonly string[]> = {
  validating: ['name', 'clientConfig', 'rules', 'failurePolicy', 'matchPolicy', 'namespaceSelector', 'objectSelector', 'sideEffects', 'timeoutSeconds', 'admissionReviewVersions', 'matchConditions'],
  mutating: ['name', 'clientConfig', 'rules', 'failurePolicy', 'matchPolicy', 'namespaceSelector', 'objectSelector', 'sideEffects', 'timeoutSeconds', 'admissionReviewVersions', 'reinvocationPolicy', 'matchConditions'],
}

/**
 * Writes each webhook in Go's field order. name, clientConfig and admissionReviewVersions have no
 * omitempty, so Go always writes them ("" / {} / null).
 */
export function canonicalizeWebhooks(obj: KubeObject, kind: WebhookKind): void {
  if (!Array.isArray(obj['webhooks'])) return
  obj['webhooks'] = obj['webhooks'].map((hook: unknown) => {
    if (!isObj(hook)) return hook
    const out: Obj = { name: hook['name'] ?? '', clientConfig: hook['clientConfig'] ?? {}, admissionReviewVersions: hook['admissionReviewVersions'] ?? null }
    const ordered: Obj = {}
    for (const key of fieldOrder[kind]) {
      const v = key in out ? out[key] : hook[key]
      if (v !== undefined) ordered[key] = v
    }
    return ordered
  })
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** The knobs ValidateXWebhookConfigurationUpdate loosens for what is already stored. */
export interface WebhookValidationOptions {
  ignoreMatchConditions: boolean
  requireNoSideEffects: boolean
  requireRecognizedAdmissionReviewVersion: boolean
  requireUniqueWebhookNames: boolean
  allowInvalidLabelValueInSelector: boolean
}

export const createOptions: WebhookValidationOptions = {
  ignoreMatchConditions: false,
  requireNoSideEffects: true,
  requireRecognizedAdmissionReviewVersion: true,
  requireUniqueWebhookNames: true,
  allowInvalidLabelValueInSelector: false,
}

/** sets.NewString(...).List(): sorted. */
const supportedFailurePolicies = ['Fail', 'Ignore']
const supportedMatchPolicies = ['Equivalent', 'Exact']
const supportedSideEffectClasses = ['None', 'NoneOnDryRun', 'Some', 'Unknown']
const noSideEffectClasses = ['None', 'NoneOnDryRun']
const supportedOperations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE']
const supportedReinvocationPolicies = ['IfNeeded', 'Never']
const validScopes = ['*', 'Cluster', 'Namespaced']
const acceptedAdmissionReviewVersions = ['v1', 'v1beta1']

/** %#v of a typed string slice: `[]admissionregistration.OperationType{"*", "CREATE"}`. */
function goTypedSlice(type: string, values: readonly string[]): string {
  return `[]${type}{${values.map(goQuote).join(', ')}}`
}

function invalidSlice(path: string, values: string[], detail: string, type?: string): FieldError {
  return { ...field.invalid(path, values, detail), badValueText: type ? goTypedSlice(type, values) : goStringSlice(values) }
}

/** IsFullyQualifiedName: a DNS subdomain with at least three segments. */
function isFullyQualifiedName(path: string, name: string): FieldError[] {
  if (name === '') return [field.required(path)]
  const errs = isDNS1123Subdomain(name)
  if (errs.length > 0) return [field.invalid(path, name, errs.join(','))]
  if (name.split('.').length < 3) return [field.invalid(path, name, 'should be a domain with at least three segments separated by dots')]
  return []
}

/** validateResources: the rules about "*", "x/*" and "* /x" (subresources allowed). */
function validateResources(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = []
  if (resources.length === 0) errs.push(field.required(path))
  const resourcesWithWildcardSubresources = new Set<string>()
  const subresourcesWithWildcardResource = new Set<string>()
  let hasDoubleWildcard = false
  let hasSingleWildcard = false
  let hasResourceWithoutSubresource = false
  resources.forEach((resSub, i) => {
    if (resSub === '') {
      errs.push(field.required(`${path}[${i}]`))
      return
    }
    if (resSub === '*/*') hasDoubleWildcard = true
    if (resSub === '*') hasSingleWildcard = true
    const slash = resSub.indexOf('/')
    if (slash < 0) {
      // Go assigns, not ORs: only the last plain resource decides (kept as kube has it).
      hasResourceWithoutSubresource = resSub !== '*'
      return
    }
    const res = resSub.slice(0, slash)
    const sub = resSub.slice(slash + 1)
    if (resourcesWithWildcardSubresources.has(res)) errs.push(field.invalid(`${path}[${i}]`, resSub, `if '${res}/*' is present, must not specify ${resSub}`))
    if (subresourcesWithWildcardResource.has(sub)) errs.push(field.invalid(`${path}[${i}]`, resSub, `if '*/${sub}' is present, must not specify ${resSub}`))
    if (sub === '*') resourcesWithWildcardSubresources.add(res)
    if (res === '*') subresourcesWithWildcardResource.add(sub)
  })
  if (resources.length > 1 && hasDoubleWildcard) errs.push(invalidSlice(path, resources, "if '*/*' is present, must not specify other resources"))
  if (hasSingleWildcard && hasResourceWithoutSubresource) errs.push(invalidSlice(path, resources, "if '*' is present, must not specify other resources without subresources"))
  return errs
}

/** validateRuleWithOperations and validateRule. */
function validateRule(rule: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  const operations = strings(rule, 'operations')
  if (operations.length === 0) errs.push(field.required(`${path}.operations`))
  if (operations.length > 1 && operations.includes('*')) {
    errs.push(invalidSlice(`${path}.operations`, operations, "if '*' is present, must not specify other operations", 'admissionregistration.OperationType'))
  }
  operations.forEach((op, i) => {
    if (!supportedOperations.includes(op)) errs.push(field.notSupported(`${path}.operations[${i}]`, op, supportedOperations))
  })
  const apiGroups = strings(rule, 'apiGroups')
  if (apiGroups.length === 0) errs.push(field.required(`${path}.apiGroups`))
  if (apiGroups.length > 1 && apiGroups.includes('*')) errs.push(invalidSlice(`${path}.apiGroups`, apiGroups, "if '*' is present, must not specify other API groups"))
  const apiVersions = strings(rule, 'apiVersions')
  if (apiVersions.length === 0) errs.push(field.required(`${path}.apiVersions`))
  if (apiVersions.length > 1 && apiVersions.includes('*')) errs.push(invalidSlice(`${path}.apiVersions`, apiVersions, "if '*' is present, must not specify other API versions"))
  apiVersions.forEach((v, i) => {
    if (v === '') errs.push(field.required(`${path}.apiVersions[${i}]`))
  })
  errs.push(...validateResources(strings(rule, 'resources'), `${path}.resources`))
  const scope = isObj(rule) ? rule['scope'] : undefined
  if (typeof scope === 'string' && !validScopes.includes(scope)) errs.push(field.notSupported(`${path}.scope`, scope, validScopes))
  return errs
}

function validateAdmissionReviewVersions(versions: string[], requireRecognized: boolean, path: string): FieldError[] {
  const errs: FieldError[] = []
  if (versions.length < 1) return [field.required(path, `must specify one of ${acceptedAdmissionReviewVersions.join(', ')}`)]
  const seen = new Set<string>()
  let hasAccepted = false
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(field.invalid(`${path}[${i}]`, v, 'duplicate version'))
      return
    }
    seen.add(v)
    for (const msg of isDNS1035Label(v)) errs.push(field.invalid(`${path}[${i}]`, v, msg))
    if (acceptedAdmissionReviewVersions.includes(v)) hasAccepted = true
  })
  if (requireRecognized && !hasAccepted) errs.push(invalidSlice(path, versions, `must include at least one of ${acceptedAdmissionReviewVersions.join(', ')}`))
  return errs
}

/**
 * The url.Parse pieces ValidateWebhookURL looks at. Go's parser fails on few inputs; the ones
 * modelled are control characters and a leading colon.
 */
function parseUrl(raw: string): { error: string } | { scheme: string; host: string; user?: string; fragment: string; query: string } {
  const quoted = goQuote(raw)
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return { error: `parse ${quoted}: net/url: invalid control character in URL` }
  let rest = raw
  let fragment = ''
  const hash = rest.indexOf('#')
  if (hash >= 0) {
    fragment = rest.slice(hash + 1)
    rest = rest.slice(0, hash)
  }
  let scheme = ''
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest)
  if (m) {
    scheme = m[1]!.toLowerCase()
    rest = rest.slice(m[0].length)
  } else if (rest.startsWith(':')) {
    return { error: `parse ${quoted}: missing protocol scheme` }
  }
  let query = ''
  const q = rest.indexOf('?')
  if (q >= 0) {
    query = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  let host = ''
  let user: string | undefined
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2)
    let authority = end < 0 ? rest.slice(2) : rest.slice(2, end)
    const at = authority.lastIndexOf('@')
    if (at >= 0) {
      user = authority.slice(0, at)
      authority = authority.slice(at + 1)
    }
    host = authority
  }
  return { scheme, host, user, fragment, query }
}

/** webhook.ValidateWebhookURL with forceHttps. */
function validateWebhookUrl(path: string, url: string): FieldError[] {
  const form = '; desired format: https://host[/path]'
  const u = parseUrl(url)
  if ('error' in u) return [field.required(path, `url must be a valid URL: ${u.error}${form}`)]
  const errs: FieldError[] = []
  if (u.scheme !== 'https') errs.push(field.invalid(path, u.scheme, `'https' is the only allowed URL scheme${form}`))
  if (u.host === '') errs.push(field.invalid(path, u.host, `host must be specified${form}`))
  if (u.user !== undefined) errs.push(field.invalid(path, u.user, 'user information is not permitted in the URL'))
  if (u.fragment !== '') errs.push(field.invalid(path, u.fragment, 'fragments are not permitted in the URL'))
  if (u.query !== '') errs.push(field.invalid(path, u.query, 'query parameters are not permitted in the URL'))
  return errs
}

/**
 * webhook.ValidateWebhookService. Kube declares it (namespace, name) but calls it with
 * (name, namespace), so a missing service name is reported on service.namespace and the other
 * way round; clients see kube's paths, so the swap is kept.
 */
function validateWebhookService(path: string, service: Obj): FieldError[] {
  const errs: FieldError[] = []
  const namespaceArg = strOf(service, 'name')
  const nameArg = strOf(service, 'namespace')
  if (nameArg === '') errs.push(field.required(`${path}.name`))
  if (namespaceArg === '') errs.push(field.required(`${path}.namespace`))
  const port = service['port']
  const portErrs = isValidPortNum(port)
  if (portErrs.length > 0) errs.push(field.invalid(`${path}.port`, port, `port is not valid: ${portErrs.join(', ')}`))
  if (typeof service['path'] !== 'string') return errs
  const urlPath = service['path']
  if (urlPath === '/' || urlPath === '') return errs
  if (urlPath === '//') return [...errs, field.invalid(`${path}.path`, urlPath, 'segment[0] may not be empty')]
  if (!urlPath.startsWith('/')) errs.push(field.invalid(`${path}.path`, urlPath, "must start with a '/'"))
  let toCheck = urlPath.slice(1)
  if (toCheck.endsWith('/')) toCheck = toCheck.slice(0, -1)
  toCheck.split('/').forEach((step, i) => {
    if (step === '') {
      errs.push(field.invalid(`${path}.path`, urlPath, `segment[${i}] may not be empty`))
      return
    }
    for (const failure of isDNS1123Subdomain(step)) errs.push(field.invalid(`${path}.path`, urlPath, `segment[${i}]: ${failure}`))
  })
  return errs
}

/** validateMatchConditions, short of compiling the CEL expressions (no CEL environment here). */
function validateMatchConditions(conditions: unknown[], path: string): FieldError[] {
  if (conditions.length > 64) return [{ type: 'FieldValueTooMany', field: path, badValue: conditions.length, detail: 'must have at most 64 items' }]
  const errs: FieldError[] = []
  const names = new Set<string>()
  conditions.forEach((c, i) => {
    const p = `${path}[${i}]`
    if (strOf(c, 'expression').trim() === '') errs.push(field.required(`${p}.expression`))
    const name = strOf(c, 'name')
    if (name === '') errs.push(field.required(`${p}.name`))
    else for (const msg of isQualifiedName(name)) errs.push(field.invalid(`${p}.name`, name, msg))
    if (name !== '') {
      if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name))
      else names.add(name)
    }
  })
  return errs
}

/** validateValidatingWebhook / validateMutatingWebhook. */
function validateWebhook(hook: Obj, kind: WebhookKind, opts: WebhookValidationOptions, path: string): FieldError[] {
  const errs = isFullyQualifiedName(`${path}.name`, strOf(hook, 'name'))
  listOf(hook, 'rules').forEach((rule, i) => errs.push(...validateRule(rule, `${path}.rules[${i}]`)))
  const failurePolicy = hook['failurePolicy']
  if (typeof failurePolicy === 'string' && !supportedFailurePolicies.includes(failurePolicy)) {
    errs.push(field.notSupported(`${path}.failurePolicy`, failurePolicy, supportedFailurePolicies))
  }
  const matchPolicy = hook['matchPolicy']
  if (typeof matchPolicy === 'string' && !supportedMatchPolicies.includes(matchPolicy)) errs.push(field.notSupported(`${path}.matchPolicy`, matchPolicy, supportedMatchPolicies))
  const allowedSideEffects = opts.requireNoSideEffects ? noSideEffectClasses : supportedSideEffectClasses
  const sideEffects = hook['sideEffects']
  if (unset(sideEffects)) errs.push(field.required(`${path}.sideEffects`, `must specify one of ${allowedSideEffects.join(', ')}`))
  else if (!allowedSideEffects.includes(sideEffects as string)) errs.push(field.notSupported(`${path}.sideEffects`, sideEffects, allowedSideEffects))
  const timeout = hook['timeoutSeconds']
  if (typeof timeout === 'number' && (timeout > 30 || timeout < 1)) errs.push(field.invalid(`${path}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'))
  const selectorOpts = { allowInvalidLabelValueInSelector: opts.allowInvalidLabelValueInSelector }
  for (const key of ['namespaceSelector', 'objectSelector']) {
    if (isObj(hook[key])) errs.push(...validateLabelSelector(hook[key] as LabelSelectorObject, selectorOpts, `${path}.${key}`))
  }
  if (kind === 'mutating') {
    const reinvocation = hook['reinvocationPolicy']
    if (typeof reinvocation === 'string' && !supportedReinvocationPolicies.includes(reinvocation)) {
      errs.push(field.notSupported(`${path}.reinvocationPolicy`, reinvocation, supportedReinvocationPolicies))
    }
  }
  const cc = isObj(hook['clientConfig']) ? hook['clientConfig'] : {}
  const hasUrl = !unset(cc['url'])
  const service = cc['service']
  const hasService = !unset(service)
  if (hasUrl === hasService) errs.push(field.required(`${path}.clientConfig`, 'exactly one of url or service is required'))
  else if (hasUrl) errs.push(...validateWebhookUrl(`${path}.clientConfig.url`, strOf(cc, 'url')))
  else if (isObj(service)) errs.push(...validateWebhookService(`${path}.clientConfig.service`, service))
  if (!opts.ignoreMatchConditions) errs.push(...validateMatchConditions(listOf(hook, 'matchConditions'), `${path}.matchConditions`))
  return errs
}

/** validateValidatingWebhookConfiguration / validateMutatingWebhookConfiguration. */
export function validateWebhookConfiguration(obj: KubeObject, kind: WebhookKind, opts: WebhookValidationOptions): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  webhooksOf(obj).forEach((hook, i) => {
    const path = `webhooks[${i}]`
    errs.push(...validateWebhook(hook, kind, opts, path))
    errs.push(...validateAdmissionReviewVersions(strings(hook, 'admissionReviewVersions'), opts.requireRecognizedAdmissionReviewVersion, `${path}.admissionReviewVersions`))
    const name = strOf(hook, 'name')
    if (opts.requireUniqueWebhookNames && name !== '') {
      if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name))
      else names.add(name)
    }
  })
  return errs
}

/** The update options: what the stored object already gets away with stays allowed. */
export function updateOptions(obj: KubeObject, old: KubeObject): WebhookValidationOptions {
  const hooks = webhooksOf(obj)
  const oldHooks = webhooksOf(old)
  const ignoreMatchConditions = hooks.length === oldHooks.length && oldHooks.every((h, i) => jsonEqual(h['matchConditions'] ?? null, hooks[i]!['matchConditions'] ?? null))
  const names = oldHooks.map((h) => strOf(h, 'name'))
  return {
    ignoreMatchConditions,
    requireNoSideEffects: oldHooks.every((h) => noSideEffectClasses.includes(strOf(h, 'sideEffects'))),
    requireRecognizedAdmissionReviewVersion: oldHooks.every((h) => {
      const versions = strings(h, 'admissionReviewVersions')
      return versions.length === 0 || versions.some((v) => acceptedAdmissionReviewVersions.includes(v))
    }),
    requireUniqueWebhookNames: new Set(names).size === names.length,
    allowInvalidLabelValueInSelector: oldHooks.some((h) =>
      ['namespaceSelector', 'objectSelector'].some((k) => isObj(h[k]) && validateLabelSelector(h[k] as LabelSelectorObject, {}, '').length > 0),
    ),
  }
}

/** Any change to the webhooks is a new generation (PrepareForUpdate of both strategies). */
export function webhooksChanged(obj: KubeObject, old: KubeObject): boolean {
  return !jsonEqual(obj['webhooks'] ?? null, old['webhooks'] ?? null)
}

/** printValidatingWebhook / printMutatingWebhook: the webhook count, then the usual Age. */
export const webhooksColumn: TableColumn = {
  name: 'Webhooks',
  type: 'integer',
  description: 'Webhooks indicates the number of webhooks registered in this configuration',
  cell: (o) => listOf(o, 'webhooks').length,
}
