/**
 * @module lib/filters/body-limit
 * Reads request bodies into memory with kube-apiserver's size cap (--max-request-body-bytes,
 * 3 MiB; limitedReadBody in apiserver pkg/endpoints/handlers/rest.go). The bytes stay raw on
 * `req.body` as a Buffer: which decoder applies (JSON, YAML, a patch type) is decided later by
 * content negotiation, from the Content-Type.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { requestEntityTooLarge } from '../api/errors.js'

/** The methods whose bodies kube's handlers read: create, update, patch, delete (DeleteOptions). */
const methodsWithBody: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export interface BodyLimitOptions {
  /** Largest accepted body in bytes; 0 means unlimited, as in kube. Default 3 MiB. */
  maxBytes?: number
}

/**
 * Returns the `bodyLimit` middleware. For POST, PUT, PATCH and DELETE it sets `req.body` to the
 * whole body as a Buffer (empty when there is none); other methods are left alone. A body over
 * the limit is a 413 RequestEntityTooLarge Status "Request entity too large: limit is <n>":
 * a declared Content-Length over the limit is refused before a byte is read, and a chunked body
 * is refused as soon as the running count passes the limit. Either way the connection is closed
 * after the answer, so the rest of the body is never read.
 * @public
 */
export function bodyLimit(options: BodyLimitOptions = {}): RequestHandler {
  const maxBytes = options.maxBytes ?? 3 * 1024 * 1024
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError(`bodyLimit: maxBytes must be a non-negative integer, got ${maxBytes}`)
  const limited = maxBytes > 0
  const tooLarge = () => requestEntityTooLarge(`limit is ${maxBytes}`)

  return function bodyLimit(req: Request, res: Response, next: NextFunction): void {
    if (!methodsWithBody.has(req.method)) return next()

    if (req.readableEnded) {
      // A host app's body parser got here first; keep what it read, as bytes, under the same cap.
      const body = alreadyRead(req.body)
      if (limited && body.length > maxBytes) return next(tooLarge())
      req.body = body
      return next()
    }

    const declared = Number(req.headers['content-length'])
    if (limited && declared > maxBytes) {
      closeAfterResponse(res)
      return next(tooLarge())
    }

    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const settle = (err?: unknown): void => {
      if (settled) return
      settled = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
      if (err) return next(err)
      req.body = Buffer.concat(chunks, size)
      next()
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (limited && size > maxBytes) {
        req.pause()
        closeAfterResponse(res)
        return settle(tooLarge())
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => settle()
    // A read error or a client that hangs up mid-body ends the request; the error middleware
    // decides what (if anything) can still be written.
    const onError = (err: Error): void => settle(err)
    const onClose = (): void => {
      if (!req.readableEnded) settle(new Error('the client closed the connection before the request body was complete'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  }
}

/** A refused body is left unread, so the connection cannot carry another request. */
function closeAfterResponse(res: Response): void {
  if (!res.headersSent) res.setHeader('Connection', 'close')
}

function alreadyRead(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body
  if (typeof body === 'string') return Buffer.from(body)
  if (body === undefined || body === null) return Buffer.alloc(0)
  // express.json() and friends leave an object; JSON is what every decoder here accepts.
  return Buffer.from(JSON.stringify(body))
}
