/**
 * @module routers/kube/controllers/per-namespace-object
 * The shape shared by the controllers that keep one named object in every namespace (the
 * serviceaccounts controller's "default" ServiceAccount, the root CA publisher's
 * "kube-root-ca.crt" ConfigMap). They follow storage, not this process: a first pass over the
 * listed namespaces, then watches on namespaces and on the owned object from that list's
 * resourceVersion, so objects made or removed by another process sharing the storage are seen too.
 * Creates tolerate AlreadyExists (another process won the race), and nothing is created into a
 * Terminating namespace: the namespace controller is emptying it.
 */
import type { Logger } from 'pino'
import { isStatusError } from '../../../lib/api/errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { Store } from '../../../lib/registry/store.js'

export interface PerNamespaceObjectOptions {
  /** Controller name, for logs. */
  name: string
  namespaces: Store
  /** The Store of the kind kept in each namespace. */
  store: Store
  /** metadata.name of the kept object. */
  objectName: string
  /** The object to create in a namespace that lacks it (without metadata.namespace). */
  desired(): KubeObject
  /** The updated object when the stored one drifted (root CA publisher), or undefined to leave it. */
  repair?(current: KubeObject): KubeObject | undefined
  logger: Logger
}

/** A namespace the controllers may write into: present and not being terminated. */
function isActive(ns: KubeObject): boolean {
  return !ns.metadata.deletionTimestamp && (ns['status'] as { phase?: string } | undefined)?.phase !== 'Terminating'
}

/** NotFound (the namespace went away), NamespaceTerminating and Invalid are not worth a retry. */
function isGiveUp(err: unknown): boolean {
  if (!isStatusError(err)) return false
  if (err.code === 404) return true
  // A user made the object immutable or otherwise unwritable: retrying cannot help.
  if (err.code === 422) return true
  return (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating')
}

/** Makes sure namespace `ns` holds the object, creating or repairing it. */
async function syncNamespace(opts: PerNamespaceObjectOptions, ns: string): Promise<void> {
  let namespace: KubeObject
  try {
    namespace = await opts.namespaces.get({ namespace: '' }, ns)
  } catch (err) {
    if (isStatusError(err) && err.code === 404) return
    throw err
  }
  if (!isActive(namespace)) return
  const ctx = { namespace: ns }
  let current: KubeObject | undefined
  try {
    current = await opts.store.get(ctx, opts.objectName)
  } catch (err) {
    if (!(isStatusError(err) && err.code === 404)) throw err
  }
  try {
    if (!current) {
      const obj = opts.desired()
      obj.metadata = { ...obj.metadata, name: opts.objectName, namespace: ns }
      await opts.store.create(ctx, obj)
      return
    }
    const repaired = opts.repair?.(current)
    if (repaired) await opts.store.update(ctx, opts.objectName, () => repaired)
  } catch (err) {
    // 409: another process created it first, or the object changed under the repair (the
    // watch brings the new state round again).
    if (isStatusError(err) && err.code === 409) return
    if (isGiveUp(err)) return
    throw err
  }
}

/** Consumes one watch until it ends or the signal aborts. */
async function follow(store: Store, resourceVersion: string, signal: AbortSignal, onEvent: (type: string, obj: KubeObject) => void): Promise<void> {
  const watcher = await store.watch({ namespace: '' }, { resourceVersion })
  if (signal.aborted) return watcher.stop()
  const stop = (): void => watcher.stop()
  signal.addEventListener('abort', stop, { once: true })
  try {
    for await (const event of watcher) onEvent(event.type, event.object)
  } finally {
    signal.removeEventListener('abort', stop)
    watcher.stop()
  }
}

/**
 * Runs the controller: resolves once every namespace listed at start has been synced, then keeps
 * watching in the background until the signal aborts.
 */
export async function runPerNamespaceObject(opts: PerNamespaceObjectOptions, signal: AbortSignal): Promise<void> {
  // One sync per namespace at a time, and a sync requested while one runs runs again after it.
  const running = new Map<string, Promise<void>>()
  const again = new Set<string>()
  const enqueue = (ns: string): Promise<void> => {
    if (signal.aborted || !ns) return Promise.resolve()
    const busy = running.get(ns)
    if (busy) {
      again.add(ns)
      return busy
    }
    const p = syncNamespace(opts, ns)
      .catch((err: unknown) => {
        opts.logger.warn({ err, namespace: ns, controller: opts.name }, 'namespace sync failed; retrying')
        setTimeout(() => void enqueue(ns), 1000).unref()
      })
      .finally(() => {
        running.delete(ns)
        if (again.delete(ns)) void enqueue(ns)
      })
    running.set(ns, p)
    return p
  }

  const initialPass = async (): Promise<string> => {
    const list = await opts.namespaces.list({ namespace: '' })
    await Promise.all(list.items.map((ns) => enqueue(ns.metadata.name ?? '')))
    return list.metadata.resourceVersion ?? ''
  }

  const loop = async (rv: string): Promise<void> => {
    while (!signal.aborted) {
      // Both watches start from the list's revision and end together: when one fails, the round
      // ends and a fresh list starts the next.
      const round = new AbortController()
      const endRound = (): void => round.abort()
      signal.addEventListener('abort', endRound, { once: true })
      try {
        const watches = [
          follow(opts.namespaces, rv, round.signal, (type, ns) => {
            if (type === 'ADDED' || type === 'MODIFIED') void enqueue(ns.metadata.name ?? '')
          }),
          follow(opts.store, rv, round.signal, (type, obj) => {
            if (obj.metadata.name !== opts.objectName) return
            if (type === 'DELETED' || (type === 'MODIFIED' && opts.repair)) void enqueue(obj.metadata.namespace ?? '')
          }),
        ]
        // The loser's own failure after the round ended is of no interest.
        for (const w of watches) w.catch(() => undefined)
        await Promise.race(watches)
      } catch (err) {
        if (signal.aborted) return
        opts.logger.warn({ err, controller: opts.name }, 'watch failed; listing again')
      } finally {
        signal.removeEventListener('abort', endRound)
        round.abort()
      }
      if (signal.aborted) return
      await new Promise((r) => setTimeout(r, 1000).unref())
      try {
        rv = await initialPass()
      } catch (err) {
        opts.logger.warn({ err, controller: opts.name }, 'namespace list failed')
      }
    }
  }

  const rv = await initialPass()
  void loop(rv)
}
