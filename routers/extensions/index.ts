/**
 * @module routers/extensions
 * The apiextensions server (apiextensions-apiserver): apiextensions.k8s.io/v1
 * CustomResourceDefinitions and the custom resources they define, served on the generic Store as
 * soon as their CRD is Established. The CRDInformerHasNotSynced signal holds the chain's
 * MuxAndDiscoveryComplete until every CRD already in storage is served, so an early request gets
 * the not-found handler's 503 instead of a false 404.
 */
import type { CompletedConfig } from '../../lib/server/config.js'
import type { DelegationTarget } from '../../lib/server/generic-server.js'
import { GenericServer } from '../../lib/server/generic-server.js'
import { CRDController } from './crd-controller.js'
import { crdResource } from './crds.js'

export class ExtensionsServer extends GenericServer {
  readonly crdController: CRDController
  /** Resolves once every CRD in storage at start-up is served. */
  readonly crdsSynced: Promise<void>

  constructor(config: CompletedConfig, delegate: DelegationTarget) {
    super('apiextensions-apiserver', config, delegate)
    const crds = this.installResource(crdResource)
    this.crdController = new CRDController({
      crds,
      storage: config.storage,
      logger: config.logger,
      install: (def) => {
        this.installResource(def)
      },
      uninstall: (def) => this.mux.remove(def.group, def.version, def.resource),
    })
    let synced!: () => void
    const hasSynced = new Promise<void>((resolve) => (synced = resolve))
    this.crdsSynced = hasSynced
    this.registerMuxAndDiscoveryCompleteSignal('CRDInformerHasNotSynced', hasSynced)
    const controller = this.crdController
    // Hooks run to completion before the server is ready: the first list is awaited, the watch
    // loops run on until shutdown.
    this.addPostStartHook('start-apiextensions-controllers', async ({ signal }) => {
      let rv: string
      for (;;) {
        try {
          rv = await controller.sync()
          break
        } catch (err) {
          config.logger.warn({ err }, 'listing CRDs failed; retrying')
          if (signal.aborted) return
          await new Promise((r) => setTimeout(r, 500).unref())
        }
      }
      synced()
      void controller.run(rv, signal)
    })
    // Ready once every stored CRD is served (readyz reports this hook).
    this.addPostStartHook('crd-informer-synced', () => hasSynced)
  }
}
