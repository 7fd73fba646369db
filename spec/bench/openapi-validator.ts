/**
 * @module spec/bench/openapi-validator
 * The evaluation behind not putting express-openapi-validator in the request path (issue 3): the
 * CPU one GET of a ConfigMap costs through the chain alone and through the validator mounted in
 * front of it with the server's own /openapi/v3/api/v1 document, measured alternately in one
 * process (CPU time, not throughput, so other load on the machine skews it less), plus the
 * validator's set-up time for that one group-version. The target the issue set: at most 10% more.
 *
 * Knobs: BENCH_EOV_REQUESTS (per round, default 3000), BENCH_EOV_ROUNDS (default 5). BENCH_EOV=0 skips it.
 */
import { Agent, createServer, request } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import * as OpenApiValidator from 'express-openapi-validator'
import { createServerChain } from '../../routers/chain.js'

const requests = Number(process.env.BENCH_EOV_REQUESTS ?? 3000)
const rounds = Number(process.env.BENCH_EOV_ROUNDS ?? 5)
const path = '/api/v1/namespaces/default/configmaps/bench'

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export async function benchOpenAPIValidator(): Promise<void> {
  if (process.env.BENCH_EOV === '0') return
  const chain = createServerChain({})
  await chain.prepareRun().start()
  const plain = createServer(chain.app)
  const base = await listen(plain)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  let validated: Server | undefined
  try {
    const created = await fetch(`${base}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench' }, data: { greeting: 'hello' } }),
    })
    if (created.status !== 201) throw new Error(`creating the ConfigMap: ${created.status}`)
    const doc = (await (await fetch(`${base}/openapi/v3/api/v1`)).json()) as object

    const app = express()
    const t0 = performance.now()
    app.use(OpenApiValidator.middleware({ apiSpec: doc as never, validateRequests: true, validateResponses: false, ignoreUndocumented: true, formats: { 'int-or-string': true } }))
    app.use(function validatorError(err: { status?: number; message: string }, _req: Request, res: Response, next: NextFunction) {
      if (err.status === undefined) return next(err)
      res.status(err.status).json({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: err.message, code: err.status })
    })
    app.use(chain.handler)
    validated = createServer(app)
    const vbase = await listen(validated)
    const first = await fetch(`${vbase}${path}`)
    if (first.status !== 200) throw new Error(`GET through the validator: ${first.status}`)
    const setupMs = performance.now() - t0

    const get = (url: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const req = request(url, { agent }, (res) => {
          res.resume()
          res.on('end', resolve)
        })
        req.on('error', reject)
        req.end()
      })
    const cpuPerGet = async (url: string): Promise<number> => {
      const c0 = process.cpuUsage()
      for (let i = 0; i < requests; i++) await get(url)
      const c = process.cpuUsage(c0)
      return (c.user + c.system) / requests
    }
    await cpuPerGet(`${base}${path}`)
    await cpuPerGet(`${vbase}${path}`)
    const chainCPU: number[] = []
    const validatorCPU: number[] = []
    for (let i = 0; i < rounds; i++) {
      chainCPU.push(await cpuPerGet(`${base}${path}`))
      validatorCPU.push(await cpuPerGet(`${vbase}${path}`))
    }
    console.log('')
    console.log(`express-openapi-validator in front of the chain (GET ${path}, ${rounds} alternating rounds of ${requests})`)
    console.log(`  CPU per GET, chain alone:          ${chainCPU.map((x) => x.toFixed(0)).join(' ')} µs (median ${median(chainCPU).toFixed(0)})`)
    console.log(`  CPU per GET, validator + chain:    ${validatorCPU.map((x) => x.toFixed(0)).join(' ')} µs (median ${median(validatorCPU).toFixed(0)})`)
    console.log(`  cost of the validator: ${((median(validatorCPU) / median(chainCPU) - 1) * 100).toFixed(1)}% (target <= 10%)`)
    console.log(`  validator set-up for /openapi/v3/api/v1 alone, to the first GET: ${setupMs.toFixed(0)} ms`)
  } finally {
    agent.destroy()
    plain.close()
    validated?.close()
  }
}
