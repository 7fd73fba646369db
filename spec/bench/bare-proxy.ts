/**
 * @module spec/bench/bare-proxy
 * The floors of the aggregator benchmark (spec/bench/aggregator.ts): a proxy to the example server
 * with nothing around it — httpxy (the proxy under http-proxy-middleware) with a keep-alive TLS
 * agent, either straight on node:http or as the only middleware of an Express 5 app. Run as a child
 * process: argv = <backend port> <node|express>; sends { url } over IPC, exits on SIGTERM.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Agent } from 'node:https'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createProxyServer } from 'httpxy'

const [port, mode] = process.argv.slice(2)
const agent = new Agent({ keepAlive: true, rejectUnauthorized: false })
const proxy = createProxyServer({ target: `https://127.0.0.1:${port}`, agent, secure: false, changeOrigin: true })

function proxied(req: IncomingMessage, res: ServerResponse): void {
  proxy.web(req, res).catch(() => {
    res.statusCode = 503
    res.end()
  })
}

const app = express()
app.use(proxied)
const server = createServer(mode === 'express' ? app : proxied)
server.listen(0, '127.0.0.1', () => process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }))
process.once('SIGTERM', () => {
  agent.destroy()
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
