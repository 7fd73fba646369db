/**
 * @module routers/chain
 * createServerChain (cmd/kube-apiserver/app/server.go CreateServerChain): the only module that
 * knows the order. Built bottom-up, not-found → extensions → kube → aggregator; requests travel
 * the other way, through the filters once, then the three routers, each handing what it does not
 * own to the next with next().
 */
import express from 'express'
import type { Application, Router } from 'express'
import { bodyLimit } from '../lib/filters/body-limit.js'
import { auditID } from '../lib/filters/audit-id.js'
import { cacheControl } from '../lib/filters/cache-control.js'
import { filterChain } from '../lib/filters/chain.js'
import { maxInFlight } from '../lib/filters/max-in-flight.js'
import { muxAndDiscoveryComplete } from '../lib/filters/mux-discovery-complete.js'
import { panicRecovery } from '../lib/filters/panic-recovery.js'
import { isLongRunning, requestInfo } from '../lib/filters/request-info.js'
import { requestTimeout } from '../lib/filters/timeout.js'
import { InFlightTracker } from '../lib/filters/wait-group.js'
import { statusErrorWriter } from '../lib/endpoints/response-writers.js'
import type { Store } from '../lib/registry/store.js'
import { complete } from '../lib/server/config.js'
import type { CompletedConfig, Config } from '../lib/server/config.js'
import { emptyDelegate } from '../lib/server/generic-server.js'
import type { LifecycleSignals } from '../lib/server/lifecycle.js'
import { runServer } from '../lib/server/run.js'
import type { RunOptions, RunningServer } from '../lib/server/run.js'
import { AggregatorServer } from './aggregator/index.js'
import { ExtensionsServer } from './extensions/index.js'
import { KubeServer } from './kube/index.js'
import type { KubeServerOptions } from './kube/index.js'
import { notFoundHandler } from './not-found.js'
import { installNonResourcePaths } from './non-resource.js'
import { installOpenAPI } from './openapi.js'
import { schemaApplyTypes } from '../openapi/apply-types.js'
import { schemaStrategicMergePatcher } from '../openapi/patch-meta-lookup.js'

/** The generic server configuration plus the kube server's own options (--advertise-address, the root CA, ...). */
export type ServerChainConfig = Config & Pick<KubeServerOptions, 'advertiseAddress' | 'rootCA' | 'bootstrapIntervalMs'>

export interface PreparedServer {
  /** Listens on port/host, runs post-start hooks, and shuts down gracefully when signal aborts. */
  run(options?: RunOptions): Promise<RunningServer>
  /**
   * Runs post-start hooks and waits for MuxAndDiscoveryComplete without listening: for tests that
   * drive chain.app through supertest. Returns the function that stops hooks and controllers.
   */
  start(): Promise<() => Promise<void>>
}

export interface ServerChain {
  /** The mountable handler: filters once, the three routers, not-found, the error writer. */
  handler: Router
  /** An Express app with the handler at "/". */
  app: Application
  aggregator: AggregatorServer
  kube: KubeServer
  extensions: ExtensionsServer
  lifecycle: LifecycleSignals
  config: CompletedConfig
  tracker: InFlightTracker
  prepareRun(): PreparedServer
}

export function createServerChain(config: ServerChainConfig = {}): ServerChain {
  const { advertiseAddress, rootCA, bootstrapIntervalMs, ...genericConfig } = config
  const completed = complete({ strategicMergePatch: schemaStrategicMergePatcher(), applyTypes: schemaApplyTypes(), ...genericConfig })
  const { logger, lifecycle } = completed

  const notFound = express.Router()
  notFound.use(notFoundHandler())
  const extensions = new ExtensionsServer(completed, emptyDelegate('not-found', notFound))
  const namespacedStores = (): Store[] =>
    [kube, extensions].flatMap((s) => s.mux.all()).filter((r) => r.def.namespaced).map((r) => r.store)
  const kube: KubeServer = new KubeServer(completed, extensions, { namespacedStores, advertiseAddress, rootCA, bootstrapIntervalMs })
  // The aggregator resolves APIService Services through the kube server's Stores, and re-syncs
  // its automanaged APIServices when the extensions server's group-versions change (CRDs).
  const aggregator = new AggregatorServer(completed, kube, { lookupStore: (g, v, r) => kube.mux.lookup(g, v, r)?.store, localGroupVersionsSynced: extensions.crdsSynced })
  extensions.mux.onChange(() => void aggregator.localGroupVersionsChanged())

  const tracker = new InFlightTracker({ isLongRunning, signals: lifecycle })
  const handler = express.Router()
  // Filters in request order (DefaultBuildHandlerChain), then the servers from the outermost:
  // each server's handler hands what it does not serve to the next (its NextDelegate).
  handler.use(
    filterChain([
      auditID(),
      requestInfo(),
      muxAndDiscoveryComplete(lifecycle.muxAndDiscoveryComplete),
      cacheControl(),
      tracker.middleware(),
      requestTimeout({ timeoutMs: completed.requestTimeoutMs, isLongRunning }),
      maxInFlight({ maxRequestsInFlight: completed.maxRequestsInFlight, maxMutatingRequestsInFlight: completed.maxMutatingRequestsInFlight, isLongRunning }),
      bodyLimit({ maxBytes: completed.maxRequestBodyBytes }),
      ...(completed.authentication ? [completed.authentication] : []),
      ...(completed.authorization ? [completed.authorization] : []),
    ]),
    aggregator.handler,
  )
  handler.use(panicRecovery({ logger }), statusErrorWriter())

  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  app.use(handler)

  let prepared: PreparedServer | undefined
  const chain: ServerChain = {
    handler,
    app,
    aggregator,
    kube,
    extensions,
    lifecycle,
    config: completed,
    tracker,
    prepareRun(): PreparedServer {
      if (prepared) return prepared
      aggregator.prepareRun()
      installNonResourcePaths(aggregator, completed)
      const openapi = installOpenAPI(aggregator, [aggregator, kube, extensions])
      // Remote APIServices' kinds follow their servers' discovery into /openapi/v2 and /openapi/v3.
      aggregator.onRemoteResourcesChange((group, version, defs) => {
        openapi.removeGroupVersion(group, version)
        for (const def of defs ?? []) openapi.addResource(def)
      })
      // ...and their servers' own documents, once fetched, replace the schemas built from discovery.
      aggregator.onRemoteOpenAPIChange((g, v, docs) => void (docs ? openapi.setExternalGroupVersion(g, v, docs) : openapi.removeExternalGroupVersion(g, v)))
      let stopFn: (() => Promise<void>) | undefined
      const start = async (): Promise<() => Promise<void>> => {
        if (stopFn) return stopFn
        const hooksController = new AbortController()
        const hooks = aggregator.postStartHooks()
        await Promise.all(
          hooks.map((h) =>
            h.run({ signal: hooksController.signal }).catch((err: unknown) => logger.error({ err, hook: h.name }, 'post-start hook failed')),
          ),
        )
        void Promise.all(aggregator.muxAndDiscoveryCompleteSignals().values()).then(() => lifecycle.muxAndDiscoveryComplete.signal())
        await lifecycle.muxAndDiscoveryComplete.wait()
        stopFn = async () => {
          hooksController.abort()
          completed.shutdownController.abort()
        }
        return stopFn
      }
      prepared = {
        start,
        run: (options) =>
          runServer(
            {
              app,
              lifecycle,
              tracker,
              logger,
              shutdownDelayMs: completed.shutdownDelayMs,
              shutdownTimeoutMs: completed.shutdownTimeoutMs,
              start,
            },
            options,
          ),
      }
      return prepared
    },
  }
  return chain
}
