/**
 * @module lib/endpoints/handlers/update
 * PUT of a whole object (handlers/update.go): the name and namespace in the body must match the
 * URL; a stale resourceVersion is a 409 (checked by the Store inside the read-modify-write). The
 * writer takes the fields it changed in managedFields.
 */
import type { Request, Response } from 'express'
import { cloneJSON } from '../../api/clone.js'
import { checkBodyAgainstURL, decodeObject } from '../decode.js'
import { managerOrUserAgent, recordUpdate } from '../fieldmanager/field-manager.js'
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
  checkBodyAgainstURL(obj, scope.def.namespaced, scope.ctx.namespace, name)
  const subresource = scope.info.subresource || undefined
  const manager = managerOrUserAgent(scope.query, req.headers['user-agent'])
  const fm = { def: scope.def, subresource, applyTypes: scope.applyTypes }
  const result = await scope.store.update(scope.ctx, name, () => cloneJSON(obj), {
    dryRun,
    subresource,
    // A uid in the body is a precondition on the stored object (rest.DefaultUpdatedObjectInfo).
    uidPrecondition: obj.metadata.uid || undefined,
    // Managed fields are computed on the defaulted object against the stored one.
    beforeWrite: (next, current) => void recordUpdate(fm, current, next, manager),
  })
  addWarnings(res, [...decoded.warnings, ...result.warnings])
  writeObject(res, result.created ? 201 : 200, result.object, n.mediaType)
}
