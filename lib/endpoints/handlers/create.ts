/**
 * @module lib/endpoints/handlers/create
 * POST of a new object (handlers/create.go): decode, check the namespace, record the creator in
 * managedFields, store, answer 201.
 */
import type { Request, Response } from 'express'
import { checkBodyAgainstURL, decodeObject } from '../decode.js'
import { managerOrUserAgent, recordUpdate } from '../fieldmanager/field-manager.js'
import { negotiateOutput } from '../negotiation.js'
import { addWarnings, writeObject } from '../response-writers.js'
import { writeOptions } from '../scope.js'
import type { RequestScope } from '../scope.js'

export async function createResource(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept)
  const { dryRun, fieldValidation } = writeOptions(scope.query, 'CreateOptions')
  const decoded = decodeObject(req, scope.def, fieldValidation)
  const obj = decoded.object
  checkBodyAgainstURL(obj, scope.def.namespaced, scope.ctx.namespace)
  recordUpdate({ def: scope.def, applyTypes: scope.applyTypes }, undefined, obj, managerOrUserAgent(scope.query, req.headers['user-agent']))
  const result = await scope.store.create(scope.ctx, obj, { dryRun, warnings: decoded.warnings })
  addWarnings(res, result.warnings)
  writeObject(res, 201, result.object, n.mediaType)
}
