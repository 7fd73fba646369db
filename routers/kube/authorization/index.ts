/**
 * @module routers/kube/authorization
 * authorization.k8s.io/v1 and authentication.k8s.io/v1 review APIs (pkg/registry/authorization,
 * pkg/registry/authentication): SelfSubjectAccessReview, SubjectAccessReview,
 * LocalSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview and TokenReview. They are
 * create-only and never stored: the declaration has verbs [create] (what discovery shows, as
 * kube's) and its own create handler that decodes, validates and answers 201 with the status
 * filled in. No authorizer is configured in this server yet, so every review is answered the way
 * kube's AlwaysAllow authorizer answers (allowed, no reason; `*` rules); the user is
 * res.locals.user when an authenticator set it, else system:anonymous in system:unauthenticated.
 */
import type { Request, Response } from 'express'
import * as errors from '../../../lib/api/errors.js'
import * as field from '../../../lib/api/field-errors.js'
import type { FieldError } from '../../../lib/api/field-errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { checkBodyAgainstURL, decodeObject } from '../../../lib/endpoints/decode.js'
import type { ResourceHandler, ResourceHandlers } from '../../../lib/endpoints/installer.js'
import { negotiateOutput } from '../../../lib/endpoints/negotiation.js'
import { writeObject } from '../../../lib/endpoints/response-writers.js'
import { writeOptions } from '../../../lib/endpoints/scope.js'
import type { RequestScope } from '../../../lib/endpoints/scope.js'
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import type { RequestContext } from '../../../lib/registry/strategy.js'
import { isObj } from '../json.js'


type UserInfo = NonNullable<RequestContext['user']>

/** Who the request runs as: the authenticated user, or the anonymous one while none is set. */
export function requestUser(res: Response): UserInfo {
  const user = res.locals['user'] as UserInfo | undefined
  if (user && typeof user.name === 'string') return user
  return { name: 'system:anonymous', groups: ['system:unauthenticated'] }
}

/** The decoded review, with kube's metadata as a create-only REST returns it (1.32: a null creationTimestamp). */
function decodeReview(scope: RequestScope, req: Request): KubeObject {
  const { fieldValidation } = writeOptions(scope.query, 'CreateOptions')
  const obj = decodeObject(req, scope.def, fieldValidation).object
  checkBodyAgainstURL(obj, scope.def.namespaced, scope.ctx.namespace)
  const metadata: Record<string, unknown> = { ...obj.metadata }
  if (scope.def.namespaced) metadata['namespace'] = scope.ctx.namespace
  delete metadata['managedFields']
  if (!('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null
  // kind and apiVersion first, as kube-apiserver serialises objects.
  const { kind: _kind, apiVersion: _apiVersion, metadata: _metadata, ...rest } = obj
  return { kind: scope.def.kind, apiVersion: `${scope.def.group}/${scope.def.version}`, metadata: metadata as KubeObject['metadata'], ...rest }
}

function respond(req: Request, res: Response, obj: KubeObject): void {
  writeObject(res, 201, obj, negotiateOutput(req.headers.accept).mediaType)
}

/** What a create-only review declares: only create, and its own handler for it. */
function review(def: Omit<ResourceDefinition, 'verbs' | 'listKind' | 'strategy'>, create: ResourceHandler): ResourceDefinition & ResourceHandlers {
  return { ...def, listKind: `${def.kind}List`, verbs: ['create'], strategy: {}, handlers: { create } }
}

/**
 * ValidateSubjectAccessReviewSpec (and the Self variant, which has no user). A nil pointer prints
 * as the string "null" in a field error, hence the quoted value.
 */
function validateAccessReviewSpec(spec: Record<string, unknown>, withUser: boolean): FieldError[] {
  const errs: FieldError[] = []
  const ra = spec['resourceAttributes']
  const nra = spec['nonResourceAttributes']
  const has = (v: unknown): boolean => v !== undefined && v !== null
  if (has(ra) && has(nra)) errs.push(field.invalid('spec.nonResourceAttributes', nra, 'cannot be specified in combination with resourceAttributes'))
  if (!has(ra) && !has(nra)) errs.push(field.invalid('spec.resourceAttributes', 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'))
  if (withUser) {
    const user = typeof spec['user'] === 'string' ? spec['user'] : ''
    const groups = Array.isArray(spec['groups']) ? spec['groups'] : []
    if (!user && groups.length === 0) errs.push(field.invalid('spec.user', user, 'at least one of user or group must be specified'))
  }
  return errs
}

function specOf(obj: KubeObject): Record<string, unknown> {
  if (!isObj(obj['spec'])) obj['spec'] = {}
  return obj['spec'] as Record<string, unknown>
}

const authz = 'authorization.k8s.io'
const authn = 'authentication.k8s.io'

/** AlwaysAllow's decision: allowed, and no reason (reason is omitempty). */
const allowed = { allowed: true }

export const selfsubjectaccessreviews = review(
  { group: authz, version: 'v1', resource: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, schema: { model: 'V1SelfSubjectAccessReview' } },
  async (scope, req, res) => {
    const obj = decodeReview(scope, req)
    const errs = validateAccessReviewSpec(specOf(obj), false)
    if (errs.length > 0) throw errors.invalid({ group: authz, kind: 'SelfSubjectAccessReview' }, '', errs)
    obj['status'] = { ...allowed }
    respond(req, res, obj)
  },
)

export const subjectaccessreviews = review(
  { group: authz, version: 'v1', resource: 'subjectaccessreviews', singular: 'subjectaccessreview', kind: 'SubjectAccessReview', namespaced: false, schema: { model: 'V1SubjectAccessReview' } },
  async (scope, req, res) => {
    const obj = decodeReview(scope, req)
    const errs = validateAccessReviewSpec(specOf(obj), true)
    if (errs.length > 0) throw errors.invalid({ group: authz, kind: 'SubjectAccessReview' }, '', errs)
    obj['status'] = { ...allowed }
    respond(req, res, obj)
  },
)

export const localsubjectaccessreviews = review(
  { group: authz, version: 'v1', resource: 'localsubjectaccessreviews', singular: 'localsubjectaccessreview', kind: 'LocalSubjectAccessReview', namespaced: true, schema: { model: 'V1LocalSubjectAccessReview' } },
  async (scope, req, res) => {
    const obj = decodeReview(scope, req)
    const spec = specOf(obj)
    const errs = validateAccessReviewSpec(spec, true)
    const ra = spec['resourceAttributes']
    if (isObj(ra) && (typeof ra['namespace'] === 'string' ? ra['namespace'] : '') !== scope.ctx.namespace) {
      errs.push(field.invalid('spec.resourceAttributes.namespace', typeof ra['namespace'] === 'string' ? ra['namespace'] : '', 'must match metadata.namespace'))
    }
    if (spec['nonResourceAttributes'] !== undefined && spec['nonResourceAttributes'] !== null) {
      errs.push(field.invalid('spec.nonResourceAttributes', spec['nonResourceAttributes'], 'disallowed on this kind of request'))
    }
    if (errs.length > 0) throw errors.invalid({ group: authz, kind: 'LocalSubjectAccessReview' }, '', errs)
    obj['status'] = { ...allowed }
    respond(req, res, obj)
  },
)

export const selfsubjectrulesreviews = review(
  { group: authz, version: 'v1', resource: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', namespaced: false, schema: { model: 'V1SelfSubjectRulesReview' } },
  async (scope, req, res) => {
    const obj = decodeReview(scope, req)
    const spec = specOf(obj)
    if (typeof spec['namespace'] !== 'string' || spec['namespace'] === '') throw errors.badRequest('no namespace on request')
    // AlwaysAllow's RulesFor: everything, and the list is complete.
    obj['status'] = {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    }
    respond(req, res, obj)
  },
)

export const selfsubjectreviews = review(
  { group: authn, version: 'v1', resource: 'selfsubjectreviews', singular: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, schema: { model: 'V1SelfSubjectReview' } },
  async (scope, req, res) => {
    const obj = decodeReview(scope, req)
    const user = requestUser(res)
    const userInfo: Record<string, unknown> = { username: user.name }
    if (user.uid) userInfo['uid'] = user.uid
    if (user.groups.length > 0) userInfo['groups'] = [...user.groups]
    if (user.extra && Object.keys(user.extra).length > 0) userInfo['extra'] = structuredClone(user.extra)
    obj['status'] = { userInfo }
    respond(req, res, obj)
  },
)

export const tokenreviews = review(
  { group: authn, version: 'v1', resource: 'tokenreviews', singular: 'tokenreview', kind: 'TokenReview', namespaced: false, schema: { model: 'V1TokenReview' } },
  async (scope, req, res) => {
    const obj = decodeReview(scope, req)
    const spec = specOf(obj)
    if (typeof spec['token'] !== 'string' || spec['token'] === '') throw errors.badRequest('token is required for TokenReview in authentication')
    // No token authenticator is configured: no token authenticates.
    obj['status'] = { user: {} }
    respond(req, res, obj)
  },
)

export const reviewResources: readonly ResourceDefinition[] = [
  tokenreviews,
  selfsubjectreviews,
  localsubjectaccessreviews,
  selfsubjectaccessreviews,
  selfsubjectrulesreviews,
  subjectaccessreviews,
]
