/**
 * @module lib/endpoints/protobuf-messages-reviews
 * The protobuf message rows of the review kinds (k8s.io/api authorization/v1 and
 * authentication/v1 at v0.32.3, generated.proto tags and Go json tags), part of the decoder
 * tables of ./protobuf-messages.ts: kubectl and client-go send SelfSubjectAccessReview and
 * friends as protobuf. Kept in their own file only because the main table is long.
 */
import type { Field } from './protobuf-messages.js'

const meta: Field = { number: 1, jsonName: 'metadata', type: 'message:meta.v1.ObjectMeta' }

export const reviewMessages: Record<string, Field[]> = {
  'meta.v1.FieldSelectorRequirement': [
    { number: 1, jsonName: 'key', type: 'string', keepEmpty: true },
    { number: 2, jsonName: 'operator', type: 'string', keepEmpty: true },
    { number: 3, jsonName: 'values', type: 'string', repeated: true },
  ],
  'authorization.v1.FieldSelectorAttributes': [
    { number: 1, jsonName: 'rawSelector', type: 'string' },
    { number: 2, jsonName: 'requirements', type: 'message:meta.v1.FieldSelectorRequirement', repeated: true },
  ],
  'authorization.v1.LabelSelectorAttributes': [
    { number: 1, jsonName: 'rawSelector', type: 'string' },
    { number: 2, jsonName: 'requirements', type: 'message:meta.v1.LabelSelectorRequirement', repeated: true },
  ],
  'authorization.v1.ResourceAttributes': [
    { number: 1, jsonName: 'namespace', type: 'string' },
    { number: 2, jsonName: 'verb', type: 'string' },
    { number: 3, jsonName: 'group', type: 'string' },
    { number: 4, jsonName: 'version', type: 'string' },
    { number: 5, jsonName: 'resource', type: 'string' },
    { number: 6, jsonName: 'subresource', type: 'string' },
    { number: 7, jsonName: 'name', type: 'string' },
    { number: 8, jsonName: 'fieldSelector', type: 'message:authorization.v1.FieldSelectorAttributes', pointer: true },
    { number: 9, jsonName: 'labelSelector', type: 'message:authorization.v1.LabelSelectorAttributes', pointer: true },
  ],
  'authorization.v1.NonResourceAttributes': [
    { number: 1, jsonName: 'path', type: 'string' },
    { number: 2, jsonName: 'verb', type: 'string' },
  ],
  'authorization.v1.SubjectAccessReviewStatus': [
    { number: 1, jsonName: 'allowed', type: 'bool', keepEmpty: true },
    { number: 4, jsonName: 'denied', type: 'bool' },
    { number: 2, jsonName: 'reason', type: 'string' },
    { number: 3, jsonName: 'evaluationError', type: 'string' },
  ],
  'authorization.v1.SelfSubjectAccessReviewSpec': [
    { number: 1, jsonName: 'resourceAttributes', type: 'message:authorization.v1.ResourceAttributes', pointer: true },
    { number: 2, jsonName: 'nonResourceAttributes', type: 'message:authorization.v1.NonResourceAttributes', pointer: true },
  ],
  'authorization.v1.SubjectAccessReviewSpec': [
    { number: 1, jsonName: 'resourceAttributes', type: 'message:authorization.v1.ResourceAttributes', pointer: true },
    { number: 2, jsonName: 'nonResourceAttributes', type: 'message:authorization.v1.NonResourceAttributes', pointer: true },
    { number: 3, jsonName: 'user', type: 'string' },
    { number: 4, jsonName: 'groups', type: 'string', repeated: true },
    { number: 5, jsonName: 'extra', type: 'map<string,message:certificates.v1.ExtraValue>' },
    { number: 6, jsonName: 'uid', type: 'string' },
  ],
  'authorization.v1.SelfSubjectAccessReview': [
    meta,
    { number: 2, jsonName: 'spec', type: 'message:authorization.v1.SelfSubjectAccessReviewSpec' },
    { number: 3, jsonName: 'status', type: 'message:authorization.v1.SubjectAccessReviewStatus' },
  ],
  'authorization.v1.SubjectAccessReview': [
    meta,
    { number: 2, jsonName: 'spec', type: 'message:authorization.v1.SubjectAccessReviewSpec' },
    { number: 3, jsonName: 'status', type: 'message:authorization.v1.SubjectAccessReviewStatus' },
  ],
  'authorization.v1.LocalSubjectAccessReview': [
    meta,
    { number: 2, jsonName: 'spec', type: 'message:authorization.v1.SubjectAccessReviewSpec' },
    { number: 3, jsonName: 'status', type: 'message:authorization.v1.SubjectAccessReviewStatus' },
  ],
  'authorization.v1.SelfSubjectRulesReviewSpec': [{ number: 1, jsonName: 'namespace', type: 'string' }],
  'authorization.v1.ResourceRule': [
    { number: 1, jsonName: 'verbs', type: 'string', repeated: true, keepEmpty: true },
    { number: 2, jsonName: 'apiGroups', type: 'string', repeated: true },
    { number: 3, jsonName: 'resources', type: 'string', repeated: true },
    { number: 4, jsonName: 'resourceNames', type: 'string', repeated: true },
  ],
  'authorization.v1.NonResourceRule': [
    { number: 1, jsonName: 'verbs', type: 'string', repeated: true, keepEmpty: true },
    { number: 2, jsonName: 'nonResourceURLs', type: 'string', repeated: true },
  ],
  'authorization.v1.SubjectRulesReviewStatus': [
    { number: 1, jsonName: 'resourceRules', type: 'message:authorization.v1.ResourceRule', repeated: true, keepEmpty: true },
    { number: 2, jsonName: 'nonResourceRules', type: 'message:authorization.v1.NonResourceRule', repeated: true, keepEmpty: true },
    { number: 3, jsonName: 'incomplete', type: 'bool', keepEmpty: true },
    { number: 4, jsonName: 'evaluationError', type: 'string' },
  ],
  'authorization.v1.SelfSubjectRulesReview': [
    meta,
    { number: 2, jsonName: 'spec', type: 'message:authorization.v1.SelfSubjectRulesReviewSpec' },
    { number: 3, jsonName: 'status', type: 'message:authorization.v1.SubjectRulesReviewStatus' },
  ],
  'authentication.v1.UserInfo': [
    { number: 1, jsonName: 'username', type: 'string' },
    { number: 2, jsonName: 'uid', type: 'string' },
    { number: 3, jsonName: 'groups', type: 'string', repeated: true },
    { number: 4, jsonName: 'extra', type: 'map<string,message:certificates.v1.ExtraValue>' },
  ],
  'authentication.v1.SelfSubjectReviewStatus': [{ number: 1, jsonName: 'userInfo', type: 'message:authentication.v1.UserInfo' }],
  'authentication.v1.SelfSubjectReview': [meta, { number: 2, jsonName: 'status', type: 'message:authentication.v1.SelfSubjectReviewStatus' }],
  'authentication.v1.TokenReviewSpec': [
    { number: 1, jsonName: 'token', type: 'string' },
    { number: 2, jsonName: 'audiences', type: 'string', repeated: true },
  ],
  'authentication.v1.TokenReviewStatus': [
    { number: 1, jsonName: 'authenticated', type: 'bool' },
    { number: 2, jsonName: 'user', type: 'message:authentication.v1.UserInfo' },
    { number: 4, jsonName: 'audiences', type: 'string', repeated: true },
    { number: 3, jsonName: 'error', type: 'string' },
  ],
  'authentication.v1.TokenReview': [
    meta,
    { number: 2, jsonName: 'spec', type: 'message:authentication.v1.TokenReviewSpec' },
    { number: 3, jsonName: 'status', type: 'message:authentication.v1.TokenReviewStatus' },
  ],
}
