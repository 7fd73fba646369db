/**
 * @module routers/kube/controllers/serviceaccounts-controller
 * The serviceaccounts controller of kube-controller-manager (pkg/controller/serviceaccount/
 * serviceaccounts_controller.go): every active namespace has a "default" ServiceAccount, made
 * again when deleted. It runs inside the server because there is no controller manager.
 */
import type { Logger } from 'pino'
import type { Store } from '../../../lib/registry/store.js'
import { runPerNamespaceObject } from './per-namespace-object.js'

export const defaultServiceAccountName = 'default'

export interface ServiceAccountsControllerDeps {
  namespaces: Store
  serviceaccounts: Store
  logger: Logger
}

/** Resolves once the namespaces present at start have their "default"; keeps watching after. */
export function runServiceAccountsController(deps: ServiceAccountsControllerDeps, signal: AbortSignal): Promise<void> {
  return runPerNamespaceObject(
    {
      name: 'serviceaccount-controller',
      namespaces: deps.namespaces,
      store: deps.serviceaccounts,
      objectName: defaultServiceAccountName,
      desired: () => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: defaultServiceAccountName } }),
      logger: deps.logger,
    },
    signal,
  )
}
