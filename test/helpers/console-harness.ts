/// <reference lib="dom" />
// What every browser test file starts from: one real Portico process (PGlite in a temporary
// DATA_DIR) with a real SMTP catcher, and one Chromium, started before the file's tests and stopped
// after them (useConsole registers both hooks). Setup goes through the HTTP API (call, signUp);
// each page gets a context of its own (newPage), closed at the end.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { launchChromium } from './chromium.ts'
import { linkIn, type MailCatcher, startMailCatcher } from './mail-catcher.ts'
import { freePort, type ServerProcess, spawnServer, waitUntilReady } from './server-process.ts'

export const PASSWORD = 'a long enough password'

/** The width the browser decoded an image at (0: broken), once it has loaded or failed. */
export const decodedWidth = (image: ReturnType<Page['locator']>) =>
  image.evaluate(
    (img) =>
      new Promise<number>((resolve) => {
        const element = img as HTMLImageElement
        if (element.complete) resolve(element.naturalWidth)
        else {
          element.addEventListener('load', () => resolve(element.naturalWidth))
          element.addEventListener('error', () => resolve(0))
        }
      }),
  )

export interface ConsoleOptions {
  /** Names the temporary DATA_DIR (portico-e2e-NAME-…). */
  name: string
  /**
   * The server's environment besides PORT, DATA_DIR, SMTP_URL and PUBLIC_URL; a function when it
   * needs servers of the file's own started first (it runs at the start of the first beforeAll).
   */
  env?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>)
  /** Every page's browser context: a 1200×800 viewport, en-US and UTC unless said otherwise. */
  context?: BrowserContextOptions
  /** Lets pages read and write the clipboard (Copy ID, Copy handle). */
  clipboard?: boolean
}

export interface ConsoleUnderTest {
  readonly base: string
  readonly server: ServerProcess
  readonly mail: MailCatcher
  readonly browser: Browser
  readonly dataDir: string
  /** A page in a new browser context (`options` over the file's own). */
  newPage(options?: BrowserContextOptions): Promise<Page>
  /** One call of the HTTP API with a bearer token (a Buffer body is sent as image/png); the parsed body. */
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
  call(token: string | undefined, method: string, path: string, body?: unknown): Promise<any>
  /** Signs a person up (verified when `invitationToken` is given); their session token. */
  signUp(name: string, email: string, invitationToken?: string): Promise<string>
  /** Signs in on the sign-in page and waits for the page it lands on (an organization's by default). */
  signIn(page: Page, email: string, landing?: RegExp | string): Promise<void>
  /** Invites `email` into `handle` as a Member; they register from the mailed link and accept. Their user id. */
  joinAsMember(owner: string, handle: string, name: string, email: string): Promise<string>
}

export function useConsole(options: ConsoleOptions): ConsoleUnderTest {
  const dataDir = mkdtempSync(join(tmpdir(), `portico-e2e-${options.name}-`))
  const contexts: BrowserContext[] = []
  let started: { base: string; server: ServerProcess; mail: MailCatcher; browser: Browser } | undefined
  const running = () => {
    if (!started) throw new Error('the console is not started yet: use it inside tests or beforeAll')
    return started
  }

  beforeAll(async () => {
    const mail = await startMailCatcher()
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const env = typeof options.env === 'function' ? await options.env() : options.env
    const server = spawnServer({
      ...env,
      PORT: String(port),
      DATA_DIR: dataDir,
      SMTP_URL: mail.url,
      PUBLIC_URL: base,
    })
    started = { base, server, mail, browser: undefined as unknown as Browser }
    await waitUntilReady(server) // a loaded machine migrates PGlite slowly (150 s allowed)
    started.browser = await launchChromium()
  }, 300_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await started?.browser?.close()
    started?.server.child.kill('SIGTERM')
    await started?.server.exited
    await started?.mail.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const call: ConsoleUnderTest['call'] = async (token, method, path, body) => {
    const raw = body instanceof Buffer
    const answer = await fetch(`${running().base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': raw ? 'image/png' : 'application/json' }),
      },
      body: body === undefined ? undefined : raw ? new Uint8Array(body) : JSON.stringify(body),
    })
    const text = await answer.text()
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }

  const signUp: ConsoleUnderTest['signUp'] = async (name, email, invitationToken) => {
    const { token } = await call(undefined, 'POST', '/v1/auth/sign-up', {
      name,
      email,
      password: PASSWORD,
      invitationToken,
    })
    return token
  }

  return {
    get base() {
      return running().base
    },
    get server() {
      return running().server
    },
    get mail() {
      return running().mail
    },
    get browser() {
      return running().browser
    },
    dataDir,
    async newPage(overrides = {}) {
      const { base, browser } = running()
      const context = await browser.newContext({
        viewport: { width: 1200, height: 800 },
        locale: 'en-US',
        timezoneId: 'UTC',
        ...options.context,
        ...overrides,
      })
      contexts.push(context)
      if (options.clipboard)
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
      return context.newPage()
    },
    call,
    signUp,
    async signIn(page, email, landing = /\/o\//) {
      await page.goto(`${running().base}/sign-in`)
      await page.getByLabel('Email').fill(email)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL(landing)
    },
    async joinAsMember(owner, handle, name, email) {
      const { base, mail } = running()
      await call(owner, 'POST', `/v1/organizations/${handle}/invitations`, { email, roles: ['member'] })
      const invitationToken = linkIn(await mail.next(email), `${base}/invitations/`).slice(
        `${base}/invitations/`.length,
      )
      const token = await signUp(name, email, invitationToken)
      const { member } = await call(token, 'POST', `/v1/invitations/${invitationToken}/accept`)
      return member.userId
    },
  }
}
