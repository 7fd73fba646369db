/**
 * @module lib/endpoints/handlers/get
 * GET of one object (handlers/get.go); a resourceVersion not reached yet is waited for.
 */
import type { Request, Response } from 'express'
import { negotiateOutput } from '../negotiation.js'
import type { RequestScope } from '../scope.js'
import { writeSingle } from './transform.js'
import { clientGone, waitForRevision } from './wait-for-revision.js'

export async function getResource(scope: RequestScope, req: Request, res: Response): Promise<void> {
  const n = negotiateOutput(req.headers.accept, { transforms: ['Table', 'PartialObjectMetadata'] })
  // A resourceVersion is "not older than": wait for the storage to reach it, as the watch cache does.
  await waitForRevision(scope.store.storage, scope.query.get('resourceVersion'), () => clientGone(res))
  const obj = await scope.store.get(scope.ctx, scope.info.name)
  writeSingle(scope, res, 200, obj, n)
}
