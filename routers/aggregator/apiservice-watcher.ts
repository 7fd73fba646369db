/**
 * @module routers/aggregator/apiservice-watcher
 * The aggregator's view of the APIServices in storage (the APIService informer and
 * apiserver.go's proxyHandlers map): a list, then a watch from its resourceVersion, re-listing
 * after any break. Every APIService in the map has its route; `synced` resolves once the first
 * list is in the map, which is what MuxAndDiscoveryComplete waits for.
 */
import type { Logger } from 'pino'
import type { KubeObject } from '../../lib/api/types.js'
import type { Store } from '../../lib/registry/store.js'
import { viewOf } from './apiservices.js'
import type { APIServiceView } from './apiservices.js'

export type APIServiceListener = (name: string, view: APIServiceView | undefined) => void

export class APIServiceWatcher {
  private readonly store: Store
  private readonly logger: Logger
  private readonly byName = new Map<string, APIServiceView>()
  private readonly listeners: APIServiceListener[] = []
  private resolveSynced!: () => void
  /** Resolves once every stored APIService is in the map. */
  readonly synced: Promise<void> = new Promise<void>((resolve) => (this.resolveSynced = resolve))

  constructor(store: Store, logger: Logger) {
    this.store = store
    this.logger = logger
  }

  onChange(listener: APIServiceListener): void {
    this.listeners.push(listener)
  }

  get(name: string): APIServiceView | undefined {
    return this.byName.get(name)
  }

  /** The APIService that serves group/version ("v1." is the core group). */
  forGroupVersion(group: string, version: string): APIServiceView | undefined {
    return this.byName.get(`${version}.${group}`)
  }

  all(): APIServiceView[] {
    return [...this.byName.values()]
  }

  private set(obj: KubeObject): void {
    const view = viewOf(obj)
    this.byName.set(view.name, view)
    for (const l of this.listeners) l(view.name, view)
  }

  private remove(name: string): void {
    if (!this.byName.delete(name)) return
    for (const l of this.listeners) l(name, undefined)
  }

  /** Lists and watches until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const list = await this.store.list({ namespace: '' })
        const seen = new Set<string>()
        for (const obj of list.items) {
          seen.add(obj.metadata.name ?? '')
          this.set(obj)
        }
        for (const name of [...this.byName.keys()]) if (!seen.has(name)) this.remove(name)
        this.resolveSynced()
        const watcher = await this.store.watch({ namespace: '' }, { resourceVersion: list.metadata.resourceVersion })
        const stop = () => watcher.stop()
        signal.addEventListener('abort', stop, { once: true })
        try {
          for await (const event of watcher) {
            if (event.type === 'ADDED' || event.type === 'MODIFIED') this.set(event.object)
            else if (event.type === 'DELETED') this.remove(event.object.metadata.name ?? '')
            else if (event.type === 'ERROR') break
          }
        } finally {
          signal.removeEventListener('abort', stop)
          watcher.stop()
        }
      } catch (err) {
        if (signal.aborted) return
        this.logger.warn({ err }, 'APIService watch failed; re-listing')
      }
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}
