/**
 * @module spec/bench/bare-server
 * The baseline of the create benchmark (spec/bench/storage.ts): Express 5 doing the least a create
 * must do — read the body, JSON.parse, set uid, resourceVersion and creationTimestamp, keep a copy,
 * answer 201 with the JSON. Run as a child process; sends { url } over IPC, exits on SIGTERM.
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Request, Response } from 'express'

interface Created {
  metadata: { name: string; uid?: string; resourceVersion?: string; creationTimestamp?: string }
}

const objects = new Map<string, Created>()
let revision = 0
const app = express()
app.post('/api/v1/namespaces/:namespace/configmaps', function create(req: Request, res: Response): void {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Created
    obj.metadata.uid = randomUUID()
    obj.metadata.resourceVersion = String(++revision)
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    objects.set(obj.metadata.name, structuredClone(obj))
    const body = JSON.stringify(obj)
    res.status(201).setHeader('Content-Type', 'application/json')
    res.setHeader('Content-Length', Buffer.byteLength(body))
    res.end(body)
  })
})
const server = createServer(app)
server.listen(0, '127.0.0.1', () => process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }))
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
