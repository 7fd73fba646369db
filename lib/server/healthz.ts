/**
 * @module lib/server/healthz
 * The /healthz, /livez and /readyz endpoints with kube-apiserver's exact plain-text wire format
 * (apiserver pkg/server/healthz/healthz.go, pkg/server/healthz.go), and the stock checks: ping,
 * shutdown and post-start hooks. Probes, load balancers and `kubectl get --raw /readyz?verbose`
 * read these bodies, so every byte follows the Go code.
 */
import express from 'express'
import type { Request, Response, NextFunction, Router } from 'express'
import type { Logger } from 'pino'
import type { LifecycleSignals } from './lifecycle.js'

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz'

/** A named check; check() throws (or rejects) to report failure, its message is the reason. */
export interface HealthChecker {
  name: string
  check(): void | Promise<void>
}

export interface HealthzRouterOptions {
  /** Called once, the first time the whole endpoint passes: readyz uses it to signal HasBeenReady. */
  onFirstHealthy?: () => void
  /** Failure reasons are withheld from the public body, so they go to the log instead. */
  logger?: Logger
}

/** Builds a check from a name and a function, like healthz.NamedCheck. */
export function namedCheck(name: string, check: () => void | Promise<void>): HealthChecker {
  return { name, check }
}

/** Always passes; installed when an endpoint has no checks at all, as kube does. */
export const pingCheck: HealthChecker = namedCheck('ping', () => {})

/** readyz only: fails from ShutdownInitiated on, so load balancers stop sending traffic. */
export function shutdownCheck(signals: LifecycleSignals): HealthChecker {
  return namedCheck('shutdown', () => {
    if (signals.shutdownInitiated.signaled) throw new Error('process is shutting down')
  })
}

/** `poststarthook/<name>`: fails with "not finished" until the hook has returned. */
export function postStartHookCheck(name: string, done: () => boolean): HealthChecker {
  return namedCheck(`poststarthook/${name}`, () => {
    if (!done()) throw new Error('not finished')
  })
}

/**
 * Serves `/<endpoint>` (all checks) and `/<endpoint>/<check name>` (one check; names may contain
 * slashes, e.g. poststarthook/foo). checks() is called on every request because servers add checks
 * while they start. Only relative paths are matched, so the router works under any mount prefix.
 * Every method is answered, as Go's mux does; authorization decides who may ask.
 * @public
 */
export function healthzRouter(endpoint: HealthEndpoint, checks: () => HealthChecker[], options: HealthzRouterOptions = {}): Router {
  const root = `/${endpoint}`
  const router = express.Router()
  let notifiedHealthy = false

  router.use(async function healthz(req: Request, res: Response, next: NextFunction): Promise<void> {
    // Every request of the chain passes here: other paths leave at once, without decoding the
    // path or collecting the checks (a path with an escape is decoded first, as Go's mux does).
    if (!req.path.includes('%') && !isOwnPath(req.path, root)) return next()
    const path = decodePath(req.path)
    if (!isOwnPath(path, root)) return next()
    const installed = currentChecks(checks)

    if (path === root) {
      const passed = await serveRoot(endpoint, installed, req, res, options.logger)
      if (passed && !notifiedHealthy) {
        notifiedHealthy = true
        options.onFirstHealthy?.()
      }
      return
    }

    if (path.startsWith(`${root}/`)) {
      const name = path.slice(root.length + 1)
      const check = installed.find((c) => c.name === name)
      if (check) return serveOne(check, res)
    }
    // Not ours (or an unknown check name): like Go's mux, fall through to whoever is next.
    next()
  })
  return router
}

/** Runs all checks and writes the aggregate body; returns whether everything passed. */
async function serveRoot(endpoint: HealthEndpoint, checks: HealthChecker[], req: Request, res: Response, logger: Logger | undefined): Promise<boolean> {
  const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '')
  const excluded = new Set(query.getAll('exclude'))
  let output = ''
  const failedNames: string[] = []
  const failedReasons: string[] = []

  // Sequential, in registration order, like Go: the output lines must follow that order.
  for (const check of checks) {
    if (excluded.has(check.name)) {
      excluded.delete(check.name)
      output += `[+]${check.name} excluded: ok\n`
      continue
    }
    const err = await runCheck(check)
    if (err === undefined) {
      output += `[+]${check.name} ok\n`
    } else {
      // The endpoint is public, so the body withholds the reason; the log keeps it.
      output += `[-]${check.name} failed: reason withheld\n`
      failedNames.push(check.name)
      failedReasons.push(`[-]${check.name} failed: ${err}`)
    }
  }

  if (excluded.size > 0) {
    // Go's sets.String.List() is sorted, and names are %q-quoted and joined without spaces.
    const unmatched = [...excluded].sort().map(quote).join(',')
    output += `warn: some health checks cannot be excluded: no matches for ${unmatched}\n`
    logger?.warn(`cannot exclude some health checks, no health checks are installed matching ${unmatched}`)
  }

  if (failedNames.length > 0) {
    logger?.info(`${failedNames.join(',')} check failed: ${endpoint}\n${failedReasons.join('\n')}`)
    // Failures are always verbose, whatever the query says.
    writeHTTPError(res, 500, `${output}${endpoint} check failed`)
    return false
  }

  res.status(200)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.end(query.has('verbose') ? `${output}${endpoint} check passed\n` : 'ok')
  return true
}

/** One check's own path: 200 `ok`, or 500 with the reason (these paths are not public by default). */
async function serveOne(check: HealthChecker, res: Response): Promise<void> {
  const err = await runCheck(check)
  if (err !== undefined) return writeHTTPError(res, 500, `internal server error: ${err}`)
  // Go sets no header here and its content sniffing yields text/plain; there is no nosniff header.
  res.status(200)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.end('ok')
}

/** Returns the failure message, or undefined when the check passed. */
async function runCheck(check: HealthChecker): Promise<string | undefined> {
  try {
    await check.check()
    return undefined
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

/** Go's http.Error: plain text, nosniff, and a trailing newline appended to the message. */
function writeHTTPError(res: Response, code: number, message: string): void {
  res.status(code)
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.end(`${message}\n`)
}

function currentChecks(checks: () => HealthChecker[]): HealthChecker[] {
  const list = checks()
  return list.length > 0 ? list : [pingCheck]
}

/** `/<endpoint>` itself or one of its checks. */
function isOwnPath(path: string, root: string): boolean {
  return path.startsWith(root) && (path.length === root.length || path[root.length] === '/')
}

/** Go's mux matches the decoded path; a malformed escape simply matches nothing. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** Go's %q for the plain names health checks have; JSON escaping agrees with it on those. */
function quote(name: string): string {
  return JSON.stringify(name)
}
