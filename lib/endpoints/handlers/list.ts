/**
 * @module lib/endpoints/handlers/list
 * GET of a collection (handlers/get.go ListResource): list, or watch when asked.
 */
import type { Request, Response } from 'express'
import { negotiateOutput } from '../negotiation.js'
import type { RequestScope } from '../scope.js'
import { parseListOptions } from './list-options.js'
import { writeList } from './transform.js'
import { clientGone, waitForRevision } from './wait-for-revision.js'
import { serveWatch } from './watch.js'
import type { WatchServing } from './watch.js'

export async function listResource(scope: RequestScope, req: Request, res: Response, watching: WatchServing): Promise<void> {
  const isWatch = scope.info.verb === 'watch'
  const opts = parseListOptions(scope.def, scope.query, isWatch)
  if (isWatch) {
    await serveWatch(scope, req, res, opts, watching)
    return
  }
  const n = negotiateOutput(req.headers.accept, { transforms: ['Table', 'PartialObjectMetadataList'] })
  if (opts.resourceVersionMatch === undefined || opts.resourceVersionMatch === 'NotOlderThan') {
    // A revision the storage has not reached yet is waited for (cacher waitUntilFreshAndBlock).
    await waitForRevision(scope.store.storage, opts.resourceVersion, () => clientGone(res))
  }
  const list = await scope.store.list(scope.ctx, opts)
  await writeList(scope, res, list, n)
}
