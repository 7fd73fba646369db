/**
 * @module lib/storage/from-url
 * Turns the CLI's --storage URL into a StorageFactory: memory, sqlite:<path>, etcd://host:port[,host:port].
 * Bad URLs fail at start-up with a message that shows the accepted forms.
 */
import { readFileSync } from 'node:fs'
import type { StorageFactory } from './interface.js'
import { memoryStorageFactory } from './memory/memory-storage.js'
import { sqliteStorageFactory } from './sqlite/index.js'
import { etcdStorageFactory } from './etcd/index.js'

export interface StorageURLOptions {
  /** sqlite: PRAGMA synchronous. */
  sqliteSynchronous?: 'FULL' | 'NORMAL'
  /** etcd TLS files (paths). */
  etcdCAFile?: string
  etcdCertFile?: string
  etcdKeyFile?: string
  /** etcd: --etcd-compaction-interval in ms (0: never). */
  etcdCompactionIntervalMs?: number
}

export const storageURLForms = 'memory, sqlite:<path> (e.g. sqlite:./kube-express-data/state.db), etcd://<host>:<port>[,<host>:<port>...] (etcds:// for TLS)'

export function storageFactoryFromURL(url: string, opts: StorageURLOptions = {}): StorageFactory {
  if (url === 'memory') return memoryStorageFactory()
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path === '') throw new Error(`invalid --storage ${JSON.stringify(url)}: sqlite needs a file path; accepted: ${storageURLForms}`)
    return sqliteStorageFactory({ path, synchronous: opts.sqliteSynchronous })
  }
  const etcd = /^(etcds?):\/\/(.+)$/.exec(url)
  if (etcd !== null) {
    const scheme = etcd[1] === 'etcds' ? 'https' : 'http'
    const endpoints = etcd[2].split(',').map((hostPort) => {
      if (!/^[^/,\s]+:\d+$/.test(hostPort)) throw new Error(`invalid --storage ${JSON.stringify(url)}: ${JSON.stringify(hostPort)} is not host:port; accepted: ${storageURLForms}`)
      return `${scheme}://${hostPort}`
    })
    // The etcd3 client needs the CA for any TLS; a client certificate without its key (or the
    // reverse) would only fail at the first request, so both are refused at start-up.
    if ((opts.etcdCertFile !== undefined || opts.etcdKeyFile !== undefined) && opts.etcdCAFile === undefined) {
      throw new Error('invalid etcd TLS options: --etcd-cert and --etcd-key need --etcd-cafile')
    }
    if ((opts.etcdCertFile === undefined) !== (opts.etcdKeyFile === undefined)) {
      throw new Error('invalid etcd TLS options: --etcd-cert and --etcd-key go together')
    }
    if (scheme === 'https' && opts.etcdCAFile === undefined) throw new Error(`invalid --storage ${JSON.stringify(url)}: etcds:// needs --etcd-cafile`)
    const read = (file: string | undefined): string | undefined => (file === undefined ? undefined : readFileSync(file, 'utf8'))
    return etcdStorageFactory({
      endpoints,
      ca: read(opts.etcdCAFile),
      cert: read(opts.etcdCertFile),
      key: read(opts.etcdKeyFile),
      compactionIntervalMs: opts.etcdCompactionIntervalMs,
    })
  }
  throw new Error(`invalid --storage ${JSON.stringify(url)}; accepted: ${storageURLForms}`)
}
