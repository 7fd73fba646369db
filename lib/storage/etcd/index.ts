/**
 * @module lib/storage/etcd
 * The distributed backend: etcd 3.4+ through the etcd3 client, keys laid out as kube-apiserver does.
 */
import type { StorageFactory } from '../interface.js'

export interface EtcdStorageOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"]. */
  endpoints: string[]
  /** PEM contents for TLS to etcd. */
  ca?: string
  cert?: string
  key?: string
}

/**
 * A StorageFactory handing out one shared client over one etcd cluster.
 * @public
 */
export function etcdStorageFactory(opts: EtcdStorageOptions): StorageFactory {
  throw new Error(`etcd storage is not implemented yet (${opts.endpoints.join(',')})`)
}
