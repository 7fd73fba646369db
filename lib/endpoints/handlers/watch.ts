/**
 * @module lib/endpoints/handlers/watch
 * The watch stream (handlers/watch.go): chunked, one JSON event per line, flushed at once;
 * Table events carry column definitions only in the first event; a too-old resourceVersion is a
 * 200 with one ERROR event (410 Expired); the stream ends at timeoutSeconds (default random in
 * [minRequestTimeout, 2*minRequestTimeout)), when the client leaves, or at shutdown.
 */
import type { Request, Response } from 'express'
import * as errors from '../../api/errors.js'
import type { KubeObject } from '../../api/types.js'
import { toTable } from '../../registry/table.js'
import type { WatchEvent, Watcher } from '../../storage/interface.js'
import { negotiateOutput } from '../negotiation.js'
import type { Negotiated } from '../negotiation.js'
import { encode } from '../response-writers.js'
import type { RequestScope } from '../scope.js'
import type { ListOptions } from './list-options.js'
import { includeObjectOption } from './transform.js'

export interface WatchServing {
  /** Watches without timeoutSeconds end after a random time in [min, 2*min) seconds. */
  minRequestTimeoutSeconds: number
  /** How often idle watches that asked for bookmarks get one. */
  bookmarkIntervalMs: number
  /** Aborted when the server stops accepting requests: every watch ends then. */
  shutdownSignal?: AbortSignal
}

export async function serveWatch(scope: RequestScope, req: Request, res: Response, opts: ListOptions, serving: WatchServing): Promise<void> {
  const n = negotiateOutput(req.headers.accept, { transforms: ['Table'] })
  let watcher: Watcher
  // sendInitialEvents (WatchList): the current state as ADDED events, then a bookmark that marks
  // their end, then changes from that revision on. client-go 1.35's reflector relies on it.
  let initial: WatchEvent[] = []
  try {
    let resourceVersion = opts.resourceVersion
    if (opts.sendInitialEvents) {
      const list = await scope.store.list(scope.ctx, { predicate: opts.predicate })
      resourceVersion = list.metadata.resourceVersion
      initial = list.items.map((object) => ({ type: 'ADDED', object }))
      initial.push({
        type: 'BOOKMARK',
        object: { metadata: { resourceVersion, annotations: { 'k8s.io/initial-events-end': 'true' } } },
      })
    }
    watcher = await scope.store.watch(scope.ctx, {
      predicate: opts.predicate,
      resourceVersion,
      bookmarkIntervalMs: opts.allowWatchBookmarks ? serving.bookmarkIntervalMs : undefined,
    })
  } catch (err) {
    if (errors.isStatusError(err) && err.reason === 'Expired') {
      // A watch that cannot start from the given revision is still a 200 with one ERROR event.
      startStream(res)
      res.end(encode({ type: 'ERROR', object: err.status }, 'application/json'))
      return
    }
    throw err
  }

  const timeoutMs =
    opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0
      ? opts.timeoutSeconds * 1000
      : serving.minRequestTimeoutSeconds * 1000 * (1 + Math.random())
  const stop = (): void => watcher.stop()
  // setTimeout fires at once beyond 2^31-1 ms; a longer watch is capped there (~24.8 days).
  const timer = setTimeout(stop, Math.min(timeoutMs, 2 ** 31 - 1))
  timer.unref()
  req.on('close', stop)
  res.on('close', stop)
  serving.shutdownSignal?.addEventListener('abort', stop, { once: true })
  if (serving.shutdownSignal?.aborted) stop()

  startStream(res)
  const includeObject = n.transform === 'Table' ? includeObjectOption(scope.query) : 'Metadata'
  let first = true
  const send = async (event: WatchEvent): Promise<void> => {
    const out = toWire(scope, event, n, includeObject, first)
    if (out.type !== 'BOOKMARK') first = false
    if (!res.write(encode(out, 'application/json'))) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.once('drain', done)
        res.once('close', done)
      })
    }
  }
  try {
    for (const event of initial) await send(event)
    for await (const event of watcher) await send(event)
  } catch (err) {
    // The stream has started: the failure can only be told as an ERROR event.
    if (!res.writableEnded && !res.destroyed) res.write(encode({ type: 'ERROR', object: errors.internalError(err).status }, 'application/json'))
  } finally {
    clearTimeout(timer)
    req.off('close', stop)
    serving.shutdownSignal?.removeEventListener('abort', stop)
    if (!res.writableEnded) res.end()
  }
}

function startStream(res: Response): void {
  res.status(200)
  // Watch events are always JSON lines, whatever representation the objects take.
  res.setHeader('Content-Type', 'application/json')
  res.setHeader('Transfer-Encoding', 'chunked')
  res.flushHeaders()
}

function toWire(scope: RequestScope, event: WatchEvent, n: Negotiated, includeObject: ReturnType<typeof includeObjectOption>, first: boolean): WatchEvent | { type: string; object: unknown } {
  const def = scope.def
  if (event.type === 'BOOKMARK') {
    const obj: KubeObject = { kind: def.kind, apiVersion: scope.store.apiVersion, metadata: { ...event.object.metadata, creationTimestamp: null } }
    return { type: 'BOOKMARK', object: obj }
  }
  if (event.type === 'ERROR') return event
  const obj = event.object.kind ? event.object : { ...event.object, kind: def.kind, apiVersion: scope.store.apiVersion }
  if (n.transform === 'Table') {
    const table = toTable(def, [obj], { resourceVersion: obj.metadata.resourceVersion }, {
      includeObject,
      omitColumnDefinitions: !first,
      apiVersion: n.transformVersion === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1',
    })
    return { type: event.type, object: table }
  }
  return { type: event.type, object: obj }
}
