/**
 * @module routers/non-resource
 * The non-resource paths PrepareRun installs on the outermost server: /healthz, /livez, /readyz
 * (every check of the chain, readyz with the shutdown check), /version, the root path index,
 * and the OpenAPI documents with the Swagger UI.
 */
import type { Request, Response } from 'express'
import { healthzRouter, namedCheck, pingCheck, shutdownCheck } from '../lib/server/healthz.js'
import type { HealthChecker } from '../lib/server/healthz.js'
import type { CompletedConfig } from '../lib/server/config.js'
import type { GenericServer } from '../lib/server/generic-server.js'
import { versionHandler } from '../lib/server/version.js'

export function installNonResourcePaths(server: GenericServer, config: CompletedConfig): void {
  const storage = config.storage()
  const storageCheck = namedCheck('storage', () => storage.readinessCheck())
  const liveChecks = (): HealthChecker[] => [pingCheck, namedCheck('log', () => {}), storageCheck, ...server.healthChecks()]
  const readyChecks = (): HealthChecker[] => [...liveChecks(), shutdownCheck(config.lifecycle)]
  const opts = { logger: config.logger }
  server.router.use(healthzRouter('healthz', liveChecks, opts))
  server.router.use(healthzRouter('livez', liveChecks, opts))
  server.router.use(healthzRouter('readyz', readyChecks, { ...opts, onFirstHealthy: () => config.lifecycle.hasBeenReady.signal() }))
  server.router.get('/version', versionHandler(config.version))
  server.router.get(['/', '/index.html'], function index(_req: Request, res: Response): void {
    const paths = new Set<string>(['/api', '/api/v1', '/apis', '/apis/', '/healthz', '/livez', '/readyz', '/version', '/openapi/v2', '/openapi/v3', '/openapi/v3/'])
    for (const gv of server.discoveryGroupVersions()) {
      if (gv.group === '') continue
      paths.add(`/apis/${gv.group}`)
      paths.add(`/apis/${gv.group}/${gv.version}`)
    }
    res.status(200).json({ paths: [...paths].sort() })
  })
}
