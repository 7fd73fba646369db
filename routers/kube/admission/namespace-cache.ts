/**
 * @module routers/kube/admission/namespace-cache
 * The namespace informer NamespaceLifecycle reads instead of storage (kube-apiserver's shared
 * informer namespace lister): a map of namespaces fed by a list, then a watch from the list's
 * revision, re-listed when the watch ends. It follows storage, not this process's writes, so
 * several servers on one etcd see each other's namespaces. A name the cache does not hold is no
 * answer at all: the caller falls back to a live read, which covers a namespace created just
 * before (kube's lister-then-client fallback).
 */
import type { KubeObject } from '../../../lib/api/types.js'
import type { Store } from '../../../lib/registry/store.js'

/** Pause before re-listing after a failed list or an ended watch, like a reflector's backoff. */
const relistDelayMs = 1000

export class NamespaceCache {
  private readonly items = new Map<string, KubeObject>()
  private started = false

  /**
   * @param store the namespaces Store, resolved on first use (servers install it after admission).
   * @param signal stops the list-watch loop (server shutdown); without one it runs for the process.
   */
  constructor(
    private readonly store: () => Store,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * The cached namespace, or undefined when the cache does not know it (not synced yet, the watch
   * broke, or not created as far as the cache has seen): then only a live read can answer.
   * Starts the list-watch on first use.
   */
  get(name: string): KubeObject | undefined {
    if (!this.started) this.start()
    return this.items.get(name)
  }

  private start(): void {
    this.started = true
    if (this.signal?.aborted) return
    void this.run()
  }

  private async run(): Promise<void> {
    while (!this.signal?.aborted) {
      try {
        await this.listAndWatch()
      } catch {
        // Storage unavailable or closing: live reads answer until the next list succeeds.
      }
      // Whatever the watch missed is unknown now: forget it rather than answer from stale state.
      this.items.clear()
      if (this.signal?.aborted) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, relistDelayMs)
        timer.unref()
        this.signal?.addEventListener('abort', done, { once: true })
        function done(): void {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  private async listAndWatch(): Promise<void> {
    const store = this.store()
    const list = await store.list({ namespace: '' })
    if (this.signal?.aborted) return
    const watcher = await store.watch({ namespace: '' }, { resourceVersion: list.metadata.resourceVersion ?? '' })
    this.items.clear()
    for (const ns of list.items) this.items.set(ns.metadata.name ?? '', ns)
    const stop = (): void => watcher.stop()
    if (this.signal?.aborted) return stop()
    this.signal?.addEventListener('abort', stop, { once: true })
    try {
      for await (const event of watcher) {
        const name = event.object.metadata?.name
        if (event.type === 'ERROR') return
        if (name === undefined) continue
        if (event.type === 'ADDED' || event.type === 'MODIFIED') this.items.set(name, event.object)
        else if (event.type === 'DELETED') this.items.delete(name)
      }
    } finally {
      this.signal?.removeEventListener('abort', stop)
      watcher.stop()
    }
  }
}
