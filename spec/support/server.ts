/**
 * @module spec/support/server
 * Starts a whole server chain on a free loopback port for the e2e specs, either through the
 * chain's own run() or mounted under a path prefix in a host Express app (the embedding case,
 * started with prepareRun().start() since nothing listens through run() there), and
 * writes a kubeconfig pointing at it so real clients can be aimed at it.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { createServerChain } from '../../routers/chain.js'
import { kubeconfigYAML } from '../../lib/server/kubeconfig.js'

export type ServerChain = ReturnType<typeof createServerChain>
export type ServerChainConfig = NonNullable<Parameters<typeof createServerChain>[0]>

export interface StartServerOptions {
  /** Mount chain.handler under this path (e.g. '/k8s') in a host Express app instead of chain.run(). */
  prefix?: string
  /** Passed to createServerChain; memory storage when omitted. */
  config?: ServerChainConfig
}

export interface StartedServer {
  /** Base URL of the API, prefix included: what a kubeconfig's server field holds. */
  url: string
  kubeconfigPath: string
  chain: ServerChain
  /** Stops listening, drops open connections (watches included) and removes the kubeconfig. */
  stop(): Promise<void>
}

export async function startServer(opts: StartServerOptions = {}): Promise<StartedServer> {
  const chain = createServerChain(opts.config ?? {})
  const dir = await mkdtemp(join(tmpdir(), 'kube-express-e2e-'))
  const kubeconfigPath = join(dir, 'kubeconfig')
  let url: string
  let stopListening: () => Promise<void>

  if (opts.prefix) {
    const prefix = opts.prefix.replace(/\/+$/, '')
    // Without run() nothing starts the post-start hooks (system namespaces, discovery readiness):
    // start() runs them without listening, and its result stops them again.
    const stopHooks = await chain.prepareRun().start()
    const host = express()
    host.use(prefix, chain.handler)
    const server = createServer(host)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const { port } = server.address() as AddressInfo
    url = `http://127.0.0.1:${port}${prefix}`
    stopListening = async () => {
      await stopHooks()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Watches never end on their own; without this close() would wait for them forever.
        server.closeAllConnections()
      })
    }
  } else {
    const ac = new AbortController()
    const running = await chain.prepareRun().run({ port: 0, host: '127.0.0.1', signal: ac.signal })
    url = running.url
    stopListening = async () => {
      ac.abort()
      await running.stopped
    }
  }

  await writeFile(kubeconfigPath, kubeconfigYAML(url))
  let stopped: Promise<void> | undefined
  return {
    url,
    kubeconfigPath,
    chain,
    stop() {
      // after() hooks may run twice (e.g. a nested describe and a shared teardown): stop once.
      stopped ??= (async () => {
        try {
          await stopListening()
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      })()
      return stopped
    },
  }
}
