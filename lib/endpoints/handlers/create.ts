/**
 * @module lib/endpoints/handlers/create
 * POST of a new object (handlers/create.go): decode, check the namespace, store, answer 201. The
 * creator is recorded in managedFields once the Store has defaulted the object.
 */
import type { Request, Response } from 'express'
import type { KubeObject } from '../../api/types.js'
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
  const manager = managerOrUserAgent(scope.query, req.headers['user-agent'])
  const fm = { def: scope.def, applyTypes: scope.applyTypes }
  // The field manager sees the defaulted object, as kube's does after decoding with defaults.
  const beforeWrite = (next: KubeObject): void => void recordUpdate(fm, undefined, next, manager)
  const result = await scope.store.create(scope.ctx, obj, { dryRun, warnings: decoded.warnings, beforeWrite })
  addWarnings(res, result.warnings)
  writeObject(res, 201, result.object, n.mediaType)
}
