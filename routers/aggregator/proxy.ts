/**
 * @module routers/aggregator/proxy
 * The proxy to a remote APIService (kube-aggregator pkg/apiserver/handler_proxy.go) built on
 * http-proxy-middleware: HTTPS to the resolved endpoint with the APIService's caBundle or
 * insecureSkipTLSVerify, TLS ServerName <service>.<namespace>.svc, the same path and query, the
 * response streamed back unchanged (watches included), and the caller's identity in the
 * X-Remote-* request headers after every incoming one was removed
 * (client-go transport SetAuthProxyHeaders), so a client can never pose as someone else.
 */
import { Agent } from 'node:https'
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http'
import type { Request, Response } from 'express'
import { createProxyMiddleware, proxyEventsPlugin } from 'http-proxy-middleware'
import type { RequestHandler } from 'http-proxy-middleware'
import type { RequestContext } from '../../lib/registry/strategy.js'
import type { APIServiceView } from './apiservices.js'
import type { ResolvedEndpoint } from './service-resolver.js'

export type UserInfo = NonNullable<RequestContext['user']>

/** Who the request runs as. No authenticator is installed yet: then it is the anonymous user. */
export function requestUser(res: Response): UserInfo {
  const user = res.locals['user'] as UserInfo | undefined
  if (user && typeof user.name === 'string') return user
  return { name: 'system:anonymous', groups: ['system:unauthenticated'] }
}

/** headerKeyEscape (client-go transport): bytes outside the header token set, and %, become %XX. */
function escapeExtraKey(key: string): string {
  let out = ''
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b)
    out += b < 0x80 && /[!#$&'*+\-.^_`|~0-9A-Za-z]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** Removes every incoming X-Remote-* identity header and sets the ones of user. */
export function setAuthProxyHeaders(proxyReq: ClientRequest, user: UserInfo): void {
  for (const name of proxyReq.getHeaderNames()) {
    const lower = name.toLowerCase()
    if (lower === 'x-remote-user' || lower === 'x-remote-uid' || lower === 'x-remote-group' || lower.startsWith('x-remote-extra-')) proxyReq.removeHeader(name)
  }
  // The credentials the client sent were for this server; they are never passed on.
  proxyReq.removeHeader('authorization')
  proxyReq.setHeader('X-Remote-User', user.name)
  if (user.groups.length > 0) proxyReq.setHeader('X-Remote-Group', [...user.groups])
  for (const [key, values] of Object.entries(user.extra ?? {})) {
    if (values.length > 0) proxyReq.setHeader(`X-Remote-Extra-${escapeExtraKey(key)}`, [...values])
  }
}

/** http.Error(w, msg, code): what kube's proxy answers when it cannot proxy. */
export function writePlainError(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.statusCode = code
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.end(`${message}\n`)
}

/** Where the proxy sends a request: decided per request, after the Service was resolved. */
const targetKey = Symbol('aggregatorProxyTarget')
const userKey = Symbol('aggregatorProxyUser')
type ProxiedRequest = IncomingMessage & { [targetKey]?: ResolvedEndpoint; [userKey]?: UserInfo; body?: unknown }

function hostForURL(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** One proxy per APIService spec: its TLS settings live in a keep-alive agent. */
export class RemoteProxy {
  readonly agent: Agent
  private readonly handler: RequestHandler

  constructor(view: APIServiceView) {
    const service = view.service!
    this.agent = new Agent({
      keepAlive: true,
      ca: view.caBundle && view.caBundle.length > 0 ? view.caBundle : undefined,
      rejectUnauthorized: !view.insecureSkipTLSVerify,
      servername: `${service.name}.${service.namespace}.svc`,
    })
    this.handler = createProxyMiddleware<IncomingMessage, ServerResponse>({
      changeOrigin: true,
      agent: this.agent,
      secure: !view.insecureSkipTLSVerify,
      // Long watches must not be cut by the proxy; the chain's own timeout covers short requests.
      proxyTimeout: 0,
      // Only the plugin that calls `on` below: the default logger plugin builds a URL and a log
      // line per proxied response (for a no-op logger), the debug plugin adds listeners to every
      // socket per request, and errors are answered by `on.error`. Both cost CPU on every request.
      ejectPlugins: true,
      plugins: [proxyEventsPlugin],
      router: (req) => {
        const t = (req as ProxiedRequest)[targetKey]!
        return `https://${hostForURL(t.host)}:${t.port}`
      },
      on: {
        proxyReq(proxyReq, req) {
          const r = req as ProxiedRequest
          // Small API requests must not wait for Nagle's algorithm on the upstream socket.
          proxyReq.setNoDelay(true)
          setAuthProxyHeaders(proxyReq, r[userKey]!)
          // The chain's body-limit filter has read the body into a Buffer: send those bytes.
          if (r.readableEnded && Buffer.isBuffer(r.body)) {
            proxyReq.setHeader('Content-Length', r.body.length)
            proxyReq.removeHeader('Transfer-Encoding')
            if (r.body.length > 0) proxyReq.write(r.body)
          }
        },
        proxyRes(proxyRes, _req, res) {
          // A client that goes away mid-response (a watch ended by kubectl) ends the upstream one.
          res.on('close', () => {
            if (!res.writableEnded) proxyRes.destroy()
          })
        },
        error(err, _req, res) {
          // responder.Error of handler_proxy.go: 503 with the error text.
          if ('setHeader' in res) writePlainError(res, 503, `Error trying to reach service: '${err.message}'`)
          else res.destroy()
        },
      },
    })
  }

  /** Proxies req to target as user. */
  async serve(req: Request, res: Response, target: ResolvedEndpoint, user: UserInfo): Promise<void> {
    const r = req as unknown as ProxiedRequest
    r[targetKey] = target
    r[userKey] = user
    await this.handler(req, res)
  }

  close(): void {
    this.agent.destroy()
  }
}
