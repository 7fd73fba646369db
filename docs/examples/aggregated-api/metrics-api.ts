/**
 * @module docs/examples/aggregated-api/metrics-api
 * A small API server of its own, built with kube-express, for the aggregator to proxy to: group
 * metrics.example.com/v1alpha1 with
 * - NodeUsage (cluster-scoped, read-only to clients: get, list, watch): the server itself writes
 *   one object for its host and refreshes its CPU load and memory every few seconds;
 * - AlertRule (namespaced, every verb): a writable kind with its own validation.
 * `createMetricsAPI()` returns an Express Router to mount at "/" in any Express app.
 */
import { hostname, loadavg, freemem, totalmem } from 'node:os'
import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import { GenericServer, aggregatedDiscovery, ageColumn, apiGroupList, auditID, bodyLimit, complete, emptyDelegate, fieldErrors, requestInfo, statusErrorWriter, writeDiscovery } from '../../../routers/index.js'
import type { FieldError, KubeObject, ResourceDefinition, Store } from '../../../routers/index.js'
import { OpenAPIRegistry } from '../../../openapi/document.js'
import { openAPIRouter } from '../../../openapi/handlers.js'

export const group = 'metrics.example.com'
export const version = 'v1alpha1'

function spec(obj: KubeObject): Record<string, unknown> {
  const s = obj['spec']
  return typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as Record<string, unknown>) : {}
}

export const nodeUsages: ResourceDefinition = {
  group,
  version,
  resource: 'nodeusages',
  singular: 'nodeusage',
  kind: 'NodeUsage',
  listKind: 'NodeUsageList',
  namespaced: false,
  shortNames: ['nu'],
  // Clients read; only the server writes (through its Store, not through HTTP).
  verbs: ['get', 'list', 'watch'],
  // Published in this server's /openapi/v3; the aggregator serves it on, so `kubectl explain` works.
  schema: {
    openAPIV3Schema: {
      type: 'object',
      description: 'NodeUsage is the resource usage of the host the metrics server runs on.',
      properties: {
        usage: {
          type: 'object',
          description: 'What the host uses now, refreshed every few seconds.',
          properties: {
            cpuLoad: { type: 'string', description: 'One-minute load average.' },
            memory: { type: 'string', description: 'Memory in use, as a quantity (e.g. 512Mi).' },
          },
        },
      },
    },
  },
  tableColumns: [
    { name: 'CPU Load', type: 'string', description: 'One-minute load average.', cell: (o) => String((o['usage'] as { cpuLoad?: string } | undefined)?.cpuLoad ?? '') },
    { name: 'Memory', type: 'string', description: 'Memory in use.', cell: (o) => String((o['usage'] as { memory?: string } | undefined)?.memory ?? '') },
    ageColumn,
  ],
  strategy: {},
}

const severities = ['critical', 'info', 'warning']

function validateAlertRule(obj: KubeObject): FieldError[] {
  const s = spec(obj)
  const errs: FieldError[] = []
  const threshold = s['threshold']
  if (threshold === undefined) errs.push(fieldErrors.required('spec.threshold'))
  else if (typeof threshold !== 'number' || threshold <= 0) errs.push(fieldErrors.invalid('spec.threshold', threshold, 'must be a positive number'))
  const severity = s['severity'] ?? 'warning'
  if (typeof severity !== 'string' || !severities.includes(severity)) errs.push(fieldErrors.notSupported('spec.severity', severity, severities))
  return errs
}

export const alertRules: ResourceDefinition = {
  group,
  version,
  resource: 'alertrules',
  singular: 'alertrule',
  kind: 'AlertRule',
  listKind: 'AlertRuleList',
  namespaced: true,
  shortNames: ['ar'],
  categories: ['all'],
  schema: {
    openAPIV3Schema: {
      type: 'object',
      description: 'AlertRule raises an alert when a metric goes above a threshold.',
      properties: {
        spec: {
          type: 'object',
          description: 'AlertRuleSpec is what the rule watches and how loud it is.',
          required: ['threshold'],
          properties: {
            metric: { type: 'string', description: 'The metric watched, e.g. cpuLoad.' },
            threshold: { type: 'number', description: 'Alert above this value; must be positive.' },
            severity: { type: 'string', description: 'How loud the alert is: critical, info or warning (default).', enum: severities },
          },
        },
      },
    },
  },
  tableColumns: [
    { name: 'Metric', type: 'string', description: 'The metric watched.', cell: (o) => String(spec(o)['metric'] ?? '') },
    { name: 'Threshold', type: 'number', description: 'Alert above this value.', cell: (o) => spec(o)['threshold'] ?? null },
    { name: 'Severity', type: 'string', description: 'How loud the alert is.', cell: (o) => String(spec(o)['severity'] ?? '') },
    ageColumn,
  ],
  strategy: {
    applyDefaults(obj) {
      const s = spec(obj)
      if (obj['spec'] === undefined) obj['spec'] = s
      s['severity'] ??= 'warning'
    },
    validate: (_ctx, obj) => validateAlertRule(obj),
    validateUpdate: (_ctx, obj) => validateAlertRule(obj),
  },
}

export interface MetricsAPI {
  /** Mount at "/" of an Express app: the aggregator proxies /apis/metrics.example.com/... unchanged. */
  router: Router
  server: GenericServer
  /** Starts refreshing the NodeUsage object; stops when signal aborts. */
  start(signal: AbortSignal, refreshMs?: number): Promise<void>
}

export function createMetricsAPI(): MetricsAPI {
  const config = complete({})
  const notFound = express.Router()
  notFound.use(function notFoundStatus(_req: Request, res: Response): void {
    res.status(404).json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 })
  })
  const server = new GenericServer('metrics-example', config, emptyDelegate('not-found', notFound))
  const usages: Store = server.installResource(nodeUsages)
  server.installResource(alertRules)

  // /apis: this server's one group, legacy or aggregated, as the aggregator asks for it.
  server.router.get(['/apis', '/apis/'], function apisDiscovery(req: Request, res: Response): void {
    writeDiscovery(req, res, () => apiGroupList(server.discoveryGroupVersions()), () => aggregatedDiscovery(server.discoveryGroupVersions()))
  })

  const router = express.Router()
  // The identity the aggregator vouches for; a real server checks the aggregator's client
  // certificate before trusting these headers (kube-system/extension-apiserver-authentication).
  router.use(function remoteUser(req: Request, res: Response, next: NextFunction): void {
    const user = req.headers['x-remote-user']
    if (typeof user === 'string') res.locals['remoteUser'] = user
    next()
  })
  // /openapi/v3 and /openapi/v2 of this server's group: the aggregator fetches them from here.
  const openapi = new OpenAPIRegistry({ title: 'metrics-example' })
  for (const { def } of server.mux.all()) if (def.schema) openapi.addResource(def)
  router.use(auditID(), requestInfo(), openAPIRouter(openapi), bodyLimit({ maxBytes: config.maxRequestBodyBytes }), server.router, notFound, statusErrorWriter())

  async function refresh(): Promise<void> {
    const name = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-') || 'localhost'
    const usage = { cpuLoad: loadavg()[0]!.toFixed(2), memory: `${Math.round((totalmem() - freemem()) / 1024 / 1024)}Mi` }
    await usages.update({ namespace: '' }, name, (cur) => ({
      apiVersion: `${group}/${version}`,
      kind: 'NodeUsage',
      ...(cur ?? {}),
      metadata: { ...(cur?.metadata ?? {}), name },
      usage,
    }))
  }

  return {
    router,
    server,
    async start(signal, refreshMs = 5000) {
      // The Store refuses to create through update unless the strategy allows it: create first.
      try {
        await usages.create({ namespace: '' }, { metadata: { name: hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-') || 'localhost' } })
      } catch {
        // Already there.
      }
      await refresh()
      const timer = setInterval(() => void refresh().catch(() => undefined), refreshMs)
      timer.unref()
      signal.addEventListener('abort', () => clearInterval(timer), { once: true })
    },
  }
}
