/**
 * @module routers/aggregator
 * The aggregator server (kube-aggregator), the front of the chain: it owns /apis, the merged
 * discovery of every server behind it in kube-aggregator's priority order, legacy or aggregated
 * (apidiscovery.k8s.io/v2) as the client asks. Local group-versions go down the chain with next().
 */
import type { NextFunction, Request, Response } from 'express'
import { aggregatedDiscovery, apiGroupList } from '../../lib/endpoints/discovery/documents.js'
import { writeDiscovery } from '../../lib/endpoints/discovery/handlers.js'
import type { RequestInfo } from '../../lib/endpoints/request-info.js'
import type { CompletedConfig } from '../../lib/server/config.js'
import type { DelegationTarget } from '../../lib/server/generic-server.js'
import { GenericServer } from '../../lib/server/generic-server.js'

export class AggregatorServer extends GenericServer {
  constructor(config: CompletedConfig, delegate: DelegationTarget) {
    super('kube-aggregator', config, delegate)
    const server = this
    this.router.get(['/apis', '/apis/'], function apisDiscovery(req: Request, res: Response, next: NextFunction): void {
      const info = res.locals['requestInfo'] as RequestInfo
      if (info.isResourceRequest) return next()
      // The core group is served at /api; /apis lists the named groups only.
      const named = () => server.discoveryGroupVersions().filter((gv) => gv.group !== '')
      writeDiscovery(req, res, () => apiGroupList(named()), () => aggregatedDiscovery(named()))
    })
  }
}
