/**
 * @module spec/e2e/swagger-ui.spec
 * Swagger UI at /openapi/ui/ in a real headless Chromium (playwright-core driving Debian's
 * /usr/bin/chromium), once on the server's own port and once mounted under /k8s: the page loads
 * with no page errors and no failed request to the server, its definition drop-down lists every
 * group-version, every listed document renders without a Swagger UI error, selecting apps/v1
 * shows the Deployment operations, and expanding one shows its parameters.
 *
 * Without Chromium the suite is skipped with a message saying so, never passed silently.
 * SWAGGER_UI_CHROMIUM overrides the executable path (e.g. to a missing file, to see the skip).
 */
import { existsSync } from 'node:fs'
import { expect } from 'chai'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startServer } from '../support/server.js'
import type { StartedServer } from '../support/server.js'

const chromiumPath = process.env.SWAGGER_UI_CHROMIUM || '/usr/bin/chromium'
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Every wait in the page is bounded by this. */
const waitMs = 15_000

const deploymentsPath = '/apis/apps/v1/namespaces/{namespace}/deployments'
const deploymentPath = '/apis/apps/v1/namespaces/{namespace}/deployments/{name}'

/** What went wrong in the page while a test drove it: page errors and failed requests to the server. */
interface PageProblems {
  pageErrors: string[]
  failedRequests: string[]
  /** Every URL fetched from the server, for checking they stay under the mount prefix. */
  requested: string[]
}

function watchPage(page: Page, serverURL: string): PageProblems {
  const origin = new URL(serverURL).origin
  const problems: PageProblems = { pageErrors: [], failedRequests: [], requested: [] }
  page.on('pageerror', (err) => problems.pageErrors.push(`${err.name}: ${err.message}`))
  page.on('request', (req) => {
    if (req.url().startsWith(origin)) problems.requested.push(req.url())
  })
  page.on('requestfailed', (req) => {
    if (req.url().startsWith(origin)) problems.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'failed'}`)
  })
  page.on('response', (res) => {
    if (res.url().startsWith(origin) && res.status() >= 400) problems.failedRequests.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`)
  })
  return problems
}

function expectNoProblems(problems: PageProblems): void {
  expect(problems.pageErrors, 'page errors').to.deep.equal([])
  expect(problems.failedRequests, 'failed requests to the server').to.deep.equal([])
}

/**
 * Waits until Swagger UI has rendered the document selected as `name` in the drop-down (its info
 * block links the option's URL, so a previous document still on screen does not count), then
 * fails with Swagger UI's own error text if it shows any.
 */
async function waitForDocument(page: Page, name: string): Promise<void> {
  const select = page.locator('.topbar select')
  expect(await select.locator('option:checked').textContent({ timeout: waitMs }), 'selected document').to.equal(name)
  const url = await select.inputValue({ timeout: waitMs })
  const info = page.locator(`.swagger-ui .information-container .info a.link[href=${JSON.stringify(url)}]`)
  const errors = page.locator('.swagger-ui .errors-wrapper')
  // Either the document renders or Swagger UI reports why not; both end the wait.
  await info.or(errors).first().waitFor({ state: 'visible', timeout: waitMs })
  await page.locator('.swagger-ui .loading-container').waitFor({ state: 'detached', timeout: waitMs })
  if ((await errors.count()) > 0) {
    expect.fail(`Swagger UI shows errors for ${name} (${url}):\n${await errors.first().innerText({ timeout: waitMs })}`)
  }
  await info.waitFor({ state: 'visible', timeout: waitMs })
}

describe('e2e: Swagger UI in Chromium', function () {
  this.timeout(120_000)
  let browser: Browser | undefined

  before(async function () {
    if (!existsSync(chromiumPath)) {
      console.log(
        `      Chromium is missing (${chromiumPath}): skipping the Swagger UI browser tests; ` +
          `install Debian's chromium to run it (apt-get install -y chromium).`,
      )
      this.skip()
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, timeout: 30_000 })
  })

  after(async () => {
    await browser?.close()
  })

  for (const prefix of ['', '/k8s']) {
    describe(prefix ? `mounted under ${prefix}` : 'on its own port', function () {
      let server: StartedServer | undefined
      let context: BrowserContext | undefined

      before(async () => {
        server = await startServer(prefix ? { prefix } : {})
        // A fresh, isolated context per server: no cache or storage carried over between runs.
        context = await browser!.newContext({ viewport: { width: 1280, height: 1000 } })
        context.setDefaultTimeout(waitMs)
        context.setDefaultNavigationTimeout(waitMs)
      })

      after(async () => {
        await context?.close()
        await server?.stop()
      })

      async function openUI(): Promise<{ page: Page; problems: PageProblems }> {
        const page = await context!.newPage()
        const problems = watchPage(page, server!.url)
        const res = await page.goto(`${server!.url}/openapi/ui/`, { waitUntil: 'load', timeout: waitMs })
        expect(res?.status(), 'GET /openapi/ui/').to.equal(200)
        await page.locator('.topbar select').waitFor({ state: 'visible', timeout: waitMs })
        return { page, problems }
      }

      it('loads with the group-versions in the definition drop-down and no errors', async () => {
        const { page, problems } = await openUI()
        try {
          expect(await page.title()).to.equal('kube-express API')
          const names = await page.locator('.topbar select option').allTextContents()
          expect(names).to.include.members(['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'openapi/v2 (all groups, Swagger 2.0)'])
          await waitForDocument(page, names[0])
          expectNoProblems(problems)
          // Every URL the page used stays under the mount prefix.
          const base = `${server!.url}/openapi/`
          expect(problems.requested.filter((u) => !u.startsWith(base)), 'requests outside the prefix').to.deep.equal([])
          expect(problems.requested.some((u) => u.startsWith(`${base}v3/`)), 'a v3 document was fetched').to.equal(true)
        } finally {
          await page.close()
        }
      })

      it('renders every document in the drop-down without errors', async function () {
        const { page, problems } = await openUI()
        try {
          const names = await page.locator('.topbar select option').allTextContents()
          expect(names.length).to.be.greaterThan(3)
          for (const name of names) {
            await page.locator('.topbar select').selectOption({ label: name }, { timeout: waitMs })
            await waitForDocument(page, name)
            expect(await page.locator('.swagger-ui .opblock').count(), `operations in ${name}`).to.be.greaterThan(0)
          }
          expectNoProblems(problems)
        } finally {
          await page.close()
        }
      })

      it('shows the Deployment operations of apps/v1 and a PATCH with its parameters', async () => {
        const { page, problems } = await openUI()
        try {
          await page.locator('.topbar select').selectOption({ label: 'apis/apps/v1' }, { timeout: waitMs })
          await waitForDocument(page, 'apis/apps/v1')

          const op = (method: string, path: string) =>
            page.locator(`.opblock.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
          for (const [method, path] of [
            ['get', deploymentsPath],
            ['post', deploymentsPath],
            ['get', deploymentPath],
            ['put', deploymentPath],
            ['patch', deploymentPath],
            ['delete', deploymentPath],
          ]) {
            expect(await op(method, path).count(), `${method.toUpperCase()} ${path}`).to.equal(1)
          }

          const patch = op('patch', deploymentPath)
          await patch.locator('.opblock-summary').first().click({ timeout: waitMs })
          const param = (name: string) => patch.locator(`tr[data-param-name="${name}"]`)
          await param('fieldValidation').waitFor({ state: 'visible', timeout: waitMs })
          expect(await param('fieldValidation').getAttribute('data-param-in')).to.equal('query')
          for (const name of ['name', 'namespace', 'dryRun', 'fieldManager', 'force']) {
            expect(await param(name).count(), `parameter ${name}`).to.equal(1)
          }
          // The request body offers the patch media types.
          const bodyTypes = await patch.locator('.opblock-section-request-body select option').allTextContents()
          expect(bodyTypes).to.include('application/merge-patch+json')
          expect(bodyTypes).to.include('application/strategic-merge-patch+json')

          if (process.env.SWAGGER_UI_SCREENSHOT) {
            await page.screenshot({ path: process.env.SWAGGER_UI_SCREENSHOT, fullPage: false, timeout: waitMs })
          }
          expectNoProblems(problems)
        } finally {
          await page.close()
        }
      })
    })
  }
})
