// The CLI's --storage URL: every bad form fails at start-up with a message naming what is accepted.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { describe, it } from 'mocha'
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.js'
import { storageFactoryFromURL } from '../../../lib/storage/from-url.js'

describe('storageFactoryFromURL', () => {
  it('builds memory and sqlite storages', async () => {
    expect(storageFactoryFromURL('memory')()).to.be.instanceOf(MemoryStorage)
    const dir = mkdtempSync(join(tmpdir(), 'kx-from-url-'))
    try {
      const storage = storageFactoryFromURL(`sqlite:${join(dir, 'a', 'state.db')}`)()
      const created = await storage.create('/registry/configmaps/default/x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } })
      expect(created.metadata.resourceVersion).to.equal('1')
      await storage.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  const refused: [string, string, Parameters<typeof storageFactoryFromURL>[1]][] = [
    ['postgres://x', 'invalid --storage "postgres://x"; accepted: memory, sqlite:<path>', {}],
    ['sqlite:', 'invalid --storage "sqlite:": sqlite needs a file path', {}],
    ['etcd://127.0.0.1', 'invalid --storage "etcd://127.0.0.1": "127.0.0.1" is not host:port', {}],
    ['etcds://127.0.0.1:2379', 'invalid --storage "etcds://127.0.0.1:2379": etcds:// needs --etcd-cafile', {}],
    ['etcd://127.0.0.1:2379', 'invalid etcd TLS options: --etcd-cert and --etcd-key need --etcd-cafile', { etcdCertFile: '/x', etcdKeyFile: '/y' }],
    ['etcd://127.0.0.1:2379', 'invalid etcd TLS options: --etcd-cert and --etcd-key go together', { etcdCAFile: '/x', etcdCertFile: '/y' }],
  ]
  for (const [url, message, opts] of refused) {
    it(`refuses ${url} ${JSON.stringify(opts)}`, () => {
      expect(() => storageFactoryFromURL(url, opts)).to.throw(message)
    })
  }
})
