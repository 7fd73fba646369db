/**
 * @module routers/kube/controllers/namespace-controller
 * The namespace controller that kube-controller-manager runs, inside the server because there is
 * no controller manager here: for every Terminating namespace it deletes all namespaced content
 * of every server in the chain, then removes the "kubernetes" finalizer through /finalize, which
 * lets the Store delete the namespace.
 */
import type { Logger } from 'pino'
import type { KubeObject } from '../../../lib/api/types.js'
import { isStatusError } from '../../../lib/api/errors.js'
import type { Store } from '../../../lib/registry/store.js'
import { namespaceFinalizer } from '../core/namespaces.js'

export interface NamespaceControllerDeps {
  namespaces: Store
  /** Every namespaced resource's Store across the chain, read when a namespace is cleaned. */
  namespacedStores: () => Store[]
  logger: Logger
}

export async function runNamespaceController(deps: NamespaceControllerDeps, signal: AbortSignal): Promise<void> {
  const { namespaces } = deps
  const inProgress = new Set<string>()
  const finalize = async (ns: KubeObject): Promise<void> => {
    const name = ns.metadata.name!
    if (inProgress.has(name)) return
    inProgress.add(name)
    let retry = false
    try {
      let remaining = 0
      for (const store of deps.namespacedStores()) {
        if (signal.aborted) return
        await store.deleteCollection({ namespace: name }, {})
        // Objects with finalizers are only marked: the namespace must wait for them to go.
        remaining += (await store.list({ namespace: name }, { limit: 1 })).items.length
      }
      if (remaining > 0) {
        retry = true
        return
      }
      await namespaces.update(
        { namespace: '' },
        name,
        (current) => {
          const next = structuredClone(current!)
          const spec = (next['spec'] ?? {}) as { finalizers?: string[] }
          spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== namespaceFinalizer)
          next['spec'] = spec
          return next
        },
        { subresource: 'finalize' },
      )
    } catch (err) {
      if (!(isStatusError(err) && err.code === 404)) deps.logger.error({ err, namespace: name }, 'namespace cleanup failed')
    } finally {
      inProgress.delete(name)
      // NamespaceContentRemaining: look again shortly, as the controller's requeue does.
      if (retry && !signal.aborted) setTimeout(() => void finalize(ns), 1000).unref()
    }
  }
  const terminating = (ns: KubeObject): boolean =>
    !!ns.metadata.deletionTimestamp && ((ns['spec'] as { finalizers?: string[] } | undefined)?.finalizers ?? []).includes(namespaceFinalizer)

  while (!signal.aborted) {
    try {
      const watcher = await namespaces.watch({ namespace: '' }, {})
      const stop = (): void => watcher.stop()
      signal.addEventListener('abort', stop, { once: true })
      try {
        for await (const event of watcher) {
          if ((event.type === 'ADDED' || event.type === 'MODIFIED') && terminating(event.object)) void finalize(event.object)
        }
      } finally {
        signal.removeEventListener('abort', stop)
      }
    } catch (err) {
      deps.logger.warn({ err }, 'namespace controller watch failed; restarting')
      await new Promise((r) => setTimeout(r, 1000).unref())
    }
  }
}
