/**
 * @module lib/storage/etcd
 * The distributed backend: etcd 3.4+ through the etcd3 client, keys laid out as kube-apiserver does.
 * Several kube-express processes on one etcd behave as one API server: etcd holds the only state,
 * its revision is every process's resourceVersion, and watches come from etcd itself.
 */
import { Etcd3 } from 'etcd3'
import type { IOptions } from 'etcd3'
import type { StorageFactory } from '../interface.js'
import { startCompactor } from './compactor.js'
import { EtcdStorage } from './etcd-storage.js'

export { EtcdStorage } from './etcd-storage.js'

export interface EtcdStorageOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"]. */
  endpoints: string[]
  /** PEM contents for TLS to etcd. */
  ca?: string
  cert?: string
  key?: string
  /**
   * Prepended to every key in etcd, like kube-apiserver's --etcd-prefix; our keys already start
   * with /registry, so the default is "" (kube's layout). Tests use it to share one etcd.
   */
  keyPrefix?: string
  /** Deadline of each etcd request in ms (default 5000); past it the request fails Timeout (503). */
  requestTimeoutMs?: number
  /**
   * How often etcd is compacted to the revision of the previous round, like kube-apiserver's
   * --etcd-compaction-interval (default 5 minutes); 0 leaves compaction to someone else.
   */
  compactionIntervalMs?: number
}

const defaultRequestTimeoutMs = 5000
const defaultCompactionIntervalMs = 5 * 60 * 1000

type FaultHandling = NonNullable<IOptions['faultHandling']>
type WatchBackoff = NonNullable<FaultHandling['watchBackoff']>

/**
 * A cockatiel policy that runs the call once. Only execute() is used by the etcd3 client; the type
 * is cockatiel's, which is not our dependency, hence the cast.
 */
const neverAborted = new AbortController().signal
const noRetry = {
  execute: <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> => Promise.resolve().then(() => fn({ signal: neverAborted })),
} as unknown as FaultHandling['global']

/** Exponential backoff from `ms` doubling up to 2 s, in the shape of cockatiel's IBackoff. */
function watchBackoff(ms: number): { duration: number; next(): unknown } {
  return { duration: ms, next: () => watchBackoff(Math.min(ms * 2, 2000)) }
}

/**
 * A StorageFactory handing out one shared client over one etcd cluster: every resource gets the
 * same EtcdStorage, whose close() ends its watches and closes the client.
 * @public
 */
export function etcdStorageFactory(opts: EtcdStorageOptions): StorageFactory {
  if (opts.endpoints.length === 0) throw new Error('etcd storage needs at least one endpoint')
  const requestTimeoutMs = opts.requestTimeoutMs ?? defaultRequestTimeoutMs
  let shared: EtcdStorage | undefined
  return function etcdStorage(): EtcdStorage {
    if (shared === undefined) {
      const client = new Etcd3({
        hosts: opts.endpoints,
        credentials:
          opts.ca === undefined
            ? undefined
            : {
                rootCertificate: Buffer.from(opts.ca),
                certChain: opts.cert === undefined ? undefined : Buffer.from(opts.cert),
                privateKey: opts.key === undefined ? undefined : Buffer.from(opts.key),
              },
        // Streams (watches) live as long as they are wanted; every other call has a deadline, so an
        // unreachable etcd gives a 503 instead of a hanging request.
        // Like kube-apiserver's etcd client: a list of big objects must not fail on gRPC's 4 MiB default.
        grpcOptions: { 'grpc.max_receive_message_length': -1 },
        defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
        faultHandling: {
          // The client's default retries any call on another member, writes included, even when
          // the first attempt may have been applied; EtcdStorage retries what is safe to retry.
          global: noRetry,
          // Watch streams reconnect quickly (default: up to 30 s), so watches resume soon after etcd.
          watchBackoff: watchBackoff(100) as unknown as WatchBackoff,
        },
      })
      // Without a compactor etcd keeps every revision of every key until its quota is full.
      const stopCompactor = startCompactor(client, {
        intervalMs: opts.compactionIntervalMs ?? defaultCompactionIntervalMs,
        onError: (err) => process.emitWarning(`etcd compaction failed: ${(err as Error).message}`),
      })
      shared = new EtcdStorage(client, { keyPrefix: opts.keyPrefix ?? '', requestTimeoutMs }, () => {
        stopCompactor()
        client.close()
      })
    }
    return shared
  }
}
