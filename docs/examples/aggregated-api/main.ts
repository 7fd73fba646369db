/**
 * @module docs/examples/aggregated-api/main
 * The example aggregated API server as a process: an existing Express app (it has a route of its
 * own) with the metrics API mounted at "/", served over HTTPS with a self-signed certificate.
 *
 *   npx tsx docs/examples/aggregated-api/main.ts [--port 8443] [--host 127.0.0.1]
 *
 * Prints one JSON line {"port":…,"caBundle":…} once it listens, so scripts and tests can register
 * it; the caBundle is the base64 PEM an APIService's spec.caBundle takes.
 */
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import express from 'express'
import type { Request, Response } from 'express'
import { createMetricsAPI } from './metrics-api.js'
import { selfSignedCertificate } from './self-signed.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8443' },
    host: { type: 'string', default: '127.0.0.1' },
    service: { type: 'string', default: 'metrics-example' },
    namespace: { type: 'string', default: 'default' },
  },
})

const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got ${values.port}`)
  process.exit(2)
}

// The "existing" application: it already serves something of its own.
const app = express()
app.disable('x-powered-by')
app.get('/hello', function hello(_req: Request, res: Response): void {
  res.json({ hello: 'from the host app' })
})

// Step 1 of the README: build the API and mount it.
const api = createMetricsAPI()
app.use(api.router)

const stop = new AbortController()
const tls = await selfSignedCertificate(values.service, values.namespace)
const server = createServer({ cert: tls.cert, key: tls.key }, app)
await new Promise<void>((resolve, reject) => {
  server.once('error', reject)
  server.listen(port, values.host, () => resolve())
})
await api.start(stop.signal)
const actual = (server.address() as AddressInfo).port
console.log(JSON.stringify({ port: actual, caBundle: Buffer.from(tls.cert).toString('base64') }))

function shutdown(): void {
  stop.abort()
  server.close()
  // Watches never end on their own.
  server.closeAllConnections()
}
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
