/**
 * @module lib/endpoints/discovery/handlers
 * Writing discovery documents with their negotiation: aggregated discovery (v2, or v2beta1 for
 * older clients) when the Accept header asks for it, with an ETag and 304 on If-None-Match;
 * legacy documents otherwise.
 */
import { createHash } from 'node:crypto'
import type { Request, Response } from 'express'
import * as errors from '../../api/errors.js'
import { parseAccept } from '../negotiation.js'
import { writeObject } from '../response-writers.js'

export type DiscoveryFormat = { aggregated: false } | { aggregated: true; version: 'v2' | 'v2beta1' }

/** The first Accept clause that either format can satisfy decides, as goautoneg would. */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat {
  for (const c of parseAccept(accept)) {
    const json = (c.type === 'application' && (c.subtype === 'json' || c.subtype === '*')) || (c.type === '*' && c.subtype === '*')
    const yaml = c.type === 'application' && c.subtype === 'yaml'
    if (!json && !yaml) continue
    if (c.params['as'] === 'APIGroupDiscoveryList' && c.params['g'] === 'apidiscovery.k8s.io' && (c.params['v'] === 'v2' || c.params['v'] === 'v2beta1')) {
      if (json) return { aggregated: true, version: c.params['v'] }
      continue
    }
    if (c.params['as'] || c.params['g'] || c.params['v']) continue
    return { aggregated: false }
  }
  throw errors.notAcceptable(['application/json', 'application/yaml'])
}

export function writeAggregated(req: Request, res: Response, doc: Record<string, unknown>, version: 'v2' | 'v2beta1'): void {
  const body = version === 'v2' ? doc : { ...doc, apiVersion: 'apidiscovery.k8s.io/v2beta1' }
  const json = JSON.stringify(body)
  const etag = `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`
  res.setHeader('Vary', 'Accept')
  res.setHeader('ETag', etag)
  res.setHeader('Cache-Control', 'public')
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end()
    return
  }
  const text = `${json}\n`
  res.status(200)
  res.setHeader('Content-Type', `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`)
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.end(text)
}

/** Writes either form of a discovery answer, computing only the one that was asked for. */
export function writeDiscovery(req: Request, res: Response, legacy: () => Record<string, unknown>, aggregated: () => Record<string, unknown>): void {
  const format = negotiateDiscovery(req.headers.accept)
  if (format.aggregated) {
    writeAggregated(req, res, aggregated(), format.version)
    return
  }
  res.setHeader('Vary', 'Accept')
  writeObject(res, 200, legacy())
}
