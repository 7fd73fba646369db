/**
 * @module lib/endpoints/handlers/get
 * GET of one object (handlers/get.go).
 */
import type { Request, Response } from 'express'
import { negotiateOutput } from '../negotiation.js'
import type { RequestScope } from '../scope.js'
import { writeSingle } from './transform.js'

export async function getResource(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept, { transforms: ['Table', 'PartialObjectMetadata'] })
  const obj = await scope.store.get(scope.ctx, scope.info.name)
  writeSingle(scope, res, 200, obj, n)
}
