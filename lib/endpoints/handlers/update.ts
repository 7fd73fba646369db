/**
 * @module lib/endpoints/handlers/update
 * PUT of a whole object (handlers/update.go): the name and namespace in the body must match the
 * URL; a stale resourceVersion is a 409 (checked by the Store inside the read-modify-write).
 */
import type { Request, Response } from 'express'
import * as errors from '../../api/errors.js'
import { decodeObject } from '../decode.js'
import { negotiateOutput } from '../negotiation.js'
import { addWarnings, writeObject } from '../response-writers.js'
import { writeOptions } from '../scope.js'
import type { RequestScope } from '../scope.js'

export async function updateResource(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept)
  const name = scope.info.name
  const { dryRun, fieldValidation } = writeOptions(scope.query, 'UpdateOptions')
  const decoded = decodeObject(req, scope.def, fieldValidation)
  const obj = decoded.object
  const bodyName = obj.metadata.name
  if (bodyName !== name) {
    throw errors.badRequest(`the name of the object (${bodyName ?? ''}) does not match the name on the URL (${name})`)
  }
  if (scope.def.namespaced) {
    const ns = obj.metadata.namespace
    if (ns && ns !== scope.ctx.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
  }
  const result = await scope.store.update(scope.ctx, name, () => obj, { dryRun, subresource: scope.info.subresource || undefined })
  addWarnings(res, [...decoded.warnings, ...result.warnings])
  writeObject(res, result.created ? 201 : 200, result.object, n.mediaType)
}
