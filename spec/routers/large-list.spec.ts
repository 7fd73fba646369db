// Large lists are written in chunks; the bytes must be exactly what one JSON document would be.
import { expect } from 'chai'
import { after, before, describe, it } from 'mocha'
import request from 'supertest'
import { createServerChain } from '../../routers/chain.js'
import type { ServerChain } from '../../routers/chain.js'

describe('large lists', () => {
  let chain: ServerChain
  let stop: () => Promise<void>
  before(async () => {
    chain = createServerChain()
    stop = await chain.prepareRun().start()
    await request(chain.app).post('/api/v1/namespaces').send({ metadata: { name: 'big' } })
    for (let i = 0; i < 1200; i++) {
      await chain.kube.mux.lookup('', 'v1', 'configmaps')!.store.create({ namespace: 'big' }, { metadata: { name: `cm-${String(i).padStart(4, '0')}` }, data: { i: String(i) } })
    }
    // The root CA publisher adds its ConfigMap to every new namespace; wait for it to be there.
    while ((await request(chain.app).get('/api/v1/namespaces/big/configmaps/kube-root-ca.crt')).status !== 200) await new Promise((r) => setTimeout(r, 20))
  })
  after(async () => stop())

  it('returns every item as one valid JSON list ending in a newline, without kind on items', async () => {
    const res = await request(chain.app).get('/api/v1/namespaces/big/configmaps').buffer(true).parse((r, cb) => {
      let text = ''
      r.setEncoding('utf8')
      r.on('data', (c: string) => (text += c))
      r.on('end', () => cb(null, text))
    })
    expect(res.status).to.equal(200)
    expect(res.headers['content-type']).to.equal('application/json')
    const text = res.body as string
    expect(text.endsWith(']}\n')).to.equal(true)
    const list = JSON.parse(text)
    expect(list.kind).to.equal('ConfigMapList')
    expect(list.metadata.resourceVersion).to.match(/^\d+$/)
    // 1200 plus the root CA publisher's kube-root-ca.crt, last in key order.
    expect(list.items).to.have.length(1201)
    expect(list.items[0]).to.not.have.property('kind')
    expect(list.items[1199].metadata.name).to.equal('cm-1199')
    expect(list.items[1200].metadata.name).to.equal('kube-root-ca.crt')
    const table = await request(chain.app).get('/api/v1/namespaces/big/configmaps').set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io')
    expect(table.body.kind).to.equal('Table')
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Data', 'Age'])
    expect(table.body.rows).to.have.length(1201)
    expect(table.body.rows[1199].cells[0]).to.equal('cm-1199')
    const paged = await request(chain.app).get('/api/v1/namespaces/big/configmaps?limit=700')
    expect(paged.body.items).to.have.length(700)
    expect(paged.body.metadata.continue).to.be.a('string')
  })
})
