/**
 * @module routers/extensions
 * The apiextensions server (apiextensions-apiserver): CustomResourceDefinitions and the custom
 * resources they define. This first version owns no group yet; it already registers the
 * CRDInformerHasNotSynced signal, so the chain's MuxAndDiscoveryComplete waits for every stored
 * CRD to be served once CRDs land.
 */
import type { CompletedConfig } from '../../lib/server/config.js'
import type { DelegationTarget } from '../../lib/server/generic-server.js'
import { GenericServer } from '../../lib/server/generic-server.js'

export class ExtensionsServer extends GenericServer {
  constructor(config: CompletedConfig, delegate: DelegationTarget) {
    super('apiextensions-apiserver', config, delegate)
    let synced!: () => void
    this.registerMuxAndDiscoveryCompleteSignal('CRDInformerHasNotSynced', new Promise<void>((resolve) => (synced = resolve)))
    this.addPostStartHook('crd-informer-synced', () => synced())
  }
}
