#!/usr/bin/env node
/**
 * @module routers/cli
 * The kube-express command: `serve` starts the server chain and writes a kubeconfig beside it;
 * `kubeconfig` prints one. SIGINT and SIGTERM start kube-apiserver's graceful shutdown.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import pino from 'pino'
import type { Logger } from 'pino'
import { parseGoDuration } from '../lib/filters/timeout.js'
import { kubeconfigYAML } from '../lib/server/kubeconfig.js'
import type { StorageFactory } from '../lib/storage/interface.js'
import { storageFactoryFromURL, storageURLForms } from '../lib/storage/from-url.js'
import { createServerChain } from './chain.js'

const defaultKubeconfig = './kube-express.kubeconfig'

/** package.json is two folders up from dist/routers/cli.js and one up from routers/cli.ts (run with tsx). */
function packageVersion(): string {
  for (const candidate of ['../../package.json', '../package.json']) {
    const url = new URL(candidate, import.meta.url)
    if (!existsSync(url)) continue
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version: string }
    if (pkg.name === 'kube-express') return pkg.version
  }
  return '0.0.0'
}

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535')
  return n
}

/** A Go duration ("5m", "30s", "0"), as kube-apiserver's duration flags take, in ms. */
function duration(value: string): number {
  let ms: number
  try {
    ms = parseGoDuration(value)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  if (ms < 0) throw new InvalidArgumentError('must not be negative')
  return ms
}

function nonNegative(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number')
  return n
}

/** JSON lines by default (for log collectors); readable lines when a person watches a terminal. */
function makeLogger(level: string, format: string): Logger {
  const pretty = format === 'text' || (format === 'auto' && process.stdout.isTTY)
  if (pretty) return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } })
  return pino({ level })
}

interface ServeOptions {
  port: number
  host: string
  kubeconfig: string
  storage: string
  sqliteSynchronous: 'FULL' | 'NORMAL'
  etcdCafile?: string
  etcdCert?: string
  etcdKey?: string
  /** In ms. */
  etcdCompactionInterval: number
  logLevel: string
  logFormat: string
  shutdownDelay: number
}

async function serve(opts: ServeOptions): Promise<void> {
  const logger = makeLogger(opts.logLevel, opts.logFormat)
  let storage: StorageFactory
  try {
    storage = storageFactoryFromURL(opts.storage, {
      sqliteSynchronous: opts.sqliteSynchronous,
      etcdCAFile: opts.etcdCafile,
      etcdCertFile: opts.etcdCert,
      etcdKeyFile: opts.etcdKey,
      etcdCompactionIntervalMs: opts.etcdCompactionInterval,
    })
  } catch (err) {
    logger.error({ storage: opts.storage }, (err as Error).message)
    process.exitCode = 2
    return
  }
  const chain = createServerChain({ logger, storage, shutdownDelayMs: opts.shutdownDelay * 1000 })
  const controller = new AbortController()
  const onSignal = (sig: NodeJS.Signals): void => {
    logger.info({ signal: sig }, 'received signal, shutting down')
    controller.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const started = Date.now()
  let running: Awaited<ReturnType<ReturnType<typeof chain.prepareRun>['run']>>
  try {
    running = await chain.prepareRun().run({ port: opts.port, host: opts.host, signal: controller.signal })
  } catch (err) {
    // A busy or forbidden port is an operator's mistake: one line as kube-apiserver logs it, no stack.
    logger.error(listenFailure(err as NodeJS.ErrnoException, opts.host, opts.port))
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await storage().close()
    process.exitCode = 1
    return
  }
  let kubeconfig: string | undefined
  if (opts.kubeconfig !== '') {
    kubeconfig = resolve(opts.kubeconfig)
    writeFileSync(kubeconfig, kubeconfigYAML(running.url), { mode: 0o600 })
  }
  logger.info({ url: running.url, kubeconfig, storage: opts.storage, startupMs: Date.now() - started }, `listening on ${running.url}`)
  await running.stopped
  // Releases the storage (for SQLite: checkpoints the WAL and frees the file lock) on a normal shutdown.
  await storage().close()
}

/** Go's text for the listen errors an operator meets (syscall.Errno strings). */
const bindErrors: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'cannot assign requested address',
}

/** kube-apiserver's "failed to listen on <addr>: listen tcp <addr>: bind: <reason>". */
export function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): string {
  const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  const why = err.code && bindErrors[err.code] ? `listen tcp ${addr}: bind: ${bindErrors[err.code]}` : err.message
  return `failed to listen on ${addr}: ${why}`
}

export function buildProgram(): Command {
  const program = new Command('kube-express')
  program.description('A Kubernetes-compatible API server built as a chain of Express routers').version(packageVersion(), '-v, --version')
  program
    .command('serve', { isDefault: true })
    .description('start the API server and write a kubeconfig for it')
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').default(6443).argParser(port))
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('--kubeconfig <path>', 'where to write the kubeconfig ("" to skip)').default(defaultKubeconfig))
    .addOption(new Option('--storage <url>', `storage backend: ${storageURLForms}`).default('sqlite:./kube-express-data/state.db'))
    .addOption(new Option('--sqlite-synchronous <mode>', 'sqlite: FULL survives power loss, NORMAL only process crashes').choices(['FULL', 'NORMAL']).default('FULL'))
    .addOption(new Option('--etcd-cafile <path>', 'etcd: CA bundle for TLS'))
    .addOption(new Option('--etcd-cert <path>', 'etcd: client certificate for TLS'))
    .addOption(new Option('--etcd-key <path>', 'etcd: client key for TLS'))
    .addOption(new Option('--etcd-compaction-interval <duration>', 'etcd: how often to compact old revisions (Go duration, 0 never)').default(5 * 60 * 1000, '5m0s').argParser(duration))
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'))
    .addOption(new Option('--log-format <format>', 'json, text, or auto (text on a terminal)').choices(['auto', 'json', 'text']).default('auto'))
    .addOption(new Option('--shutdown-delay <seconds>', 'keep serving this long after SIGTERM while /readyz fails').default(0).argParser(nonNegative))
    .action(serve)
  program
    .command('kubeconfig')
    .description('print a kubeconfig for a kube-express server')
    .addOption(new Option('--server <url>', 'the server URL').default('http://127.0.0.1:6443'))
    .action((opts: { server: string }) => {
      process.stdout.write(kubeconfigYAML(opts.server))
    })
  return program
}

await buildProgram().parseAsync(process.argv)
