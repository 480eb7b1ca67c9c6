import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { useConsole } from '../helpers/console-harness.ts'
import { screenshots } from '../helpers/screenshots.ts'

const GATEWAY_TOKEN = 'gateway-token-for-the-console-test'

/** The cells of a table's body rows, without their action buttons. */
function rowsOf(table: Locator): Promise<string[][]> {
  return table.evaluate((element) =>
    [...element.querySelectorAll('tbody tr')].map((row) =>
      [...row.querySelectorAll('th, td')]
        .filter((cell) => !cell.classList.contains('actions'))
        .map((cell) => (cell.textContent ?? '').trim()),
    ),
  )
}

describe('plans and usage in the console', () => {
  const portico = useConsole({
    name: 'usage',
    env: { ORG_CREATION_LIMIT: '0', RATE_LIMIT: 'off', GATEWAY_TOKEN },
  })
  const { newPage } = portico

  /** What a gateway asks Portico for one client request; answers the status. */
  async function check(key: string, headers: Record<string, string> = {}): Promise<number> {
    const answer = await fetch(`${portico.base}/v1/gateway/authorize`, {
      headers: {
        'x-gateway-token': GATEWAY_TOKEN,
        'x-api-key': key,
        'x-original-uri': '/payments/v1/charges',
        'x-original-method': 'POST',
        ...headers,
      },
    })
    await answer.arrayBuffer()
    return answer.status
  }

  async function createKey(page: Page): Promise<string> {
    await page.getByRole('button', { name: 'Create key' }).click()
    const secret = (await page.getByTestId('secret').textContent()) ?? ''
    expect(secret).toMatch(/^portico_production_/)
    await page.getByRole('button', { name: 'Done' }).click()
    return secret
  }

  it('gives an API plans, subscribes with a plan, and charts the usage by outcome and key with the quota left', async () => {
    const page = await newPage()
    await page.goto(`${portico.base}/sign-up`)
    await page.getByLabel('Name').fill('Paula Publisher')
    await page.getByLabel('Email').fill('paula@example.com')
    await page.getByLabel('Password').fill('a long enough password')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByLabel('Organization name').fill('Paula Payments')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('button', { name: 'Skip for now' }).click()
    await page.waitForURL(`${portico.base}/o/paula-payments/settings`)

    // A published API, and its page.
    await page.getByRole('link', { name: 'APIs' }).click()
    await page.getByRole('button', { name: 'Create API' }).click()
    const create = page.getByRole('dialog', { name: 'Create API' })
    await create.getByLabel('Name').fill('Payments')
    await create.getByLabel('Base path').fill('/payments')
    await create.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('button', { name: 'Publish' }).click()
    await expect.poll(() => page.locator('.badge.published').count()).toBe(1)
    await page.getByRole('link', { name: 'Payments v1' }).click()
    await expect.poll(() => page.getByRole('heading', { name: 'Payments v1' }).isVisible()).toBe(true)
    await expect.poll(() => page.title()).toBe('Payments v1 · Paula Payments · Portico')
    const plans = page.getByRole('table', { name: 'Plans' })
    await expect.poll(() => rowsOf(plans)).toEqual([['default', 'Default', 'No limit', 'No limit']])

    // Add gold, give default a daily limit, add trial and remove it again.
    const addPlan = async (name: string, title: string, perMinute: string, perDay: string) => {
      await page.getByRole('button', { name: 'Add plan' }).click()
      const dialog = page.getByRole('dialog', { name: 'Add plan' })
      await dialog.getByLabel('Name').fill(name)
      await dialog.getByLabel('Title').fill(title)
      await dialog.getByLabel('Requests per minute').fill(perMinute)
      await dialog.getByLabel('Requests per day').fill(perDay)
      await dialog.getByRole('button', { name: 'Add plan' }).click()
      await expect.poll(() => dialog.isVisible()).toBe(false)
    }
    await addPlan('gold', 'Gold', '3', '1000')
    await page.getByRole('button', { name: 'Edit plan default' }).click()
    const edit = page.getByRole('dialog', { name: 'Edit plan default' })
    expect(await edit.getByLabel('Name').getAttribute('readonly')).toBe('')
    await edit.getByLabel('Requests per day').fill('500')
    await edit.getByRole('button', { name: 'Save plan' }).click()
    // Saved and closed before the next dialog opens (clicking Add plan while the save was still
    // answering let the edit's close take the new dialog with it, on a loaded CI machine).
    await expect.poll(() => edit.isVisible()).toBe(false)
    await addPlan('trial', 'Trial', '', '50')
    await expect
      .poll(() => rowsOf(plans))
      .toEqual([
        ['default', 'Default', 'No limit', '500'],
        ['gold', 'Gold', '3', '1,000'],
        ['trial', 'Trial', 'No limit', '50'],
      ])
    await page.getByRole('button', { name: 'Remove plan trial' }).click()
    await expect
      .poll(() => rowsOf(plans))
      .toEqual([
        ['default', 'Default', 'No limit', '500'],
        ['gold', 'Gold', '3', '1,000'],
      ])
    expect(await page.getByRole('button', { name: 'Remove plan default' }).count()).toBe(0)
    await page.screenshot({ path: join(screenshots, 'api-plans.png') })

    // An application subscribes with the plan picked, and gets a key.
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByLabel('New application name').fill('Checkout')
    await page.getByRole('button', { name: 'Create application' }).click()
    await page.getByRole('link', { name: 'Checkout' }).click()
    // The plan picker waits for an API: plans are an API's own.
    const picker = page.getByLabel('Plan', { exact: true })
    expect([await picker.isDisabled(), await picker.locator('option').allTextContents()]).toEqual([
      true,
      ['Default'],
    ])
    await page.getByLabel('Published API').selectOption({ label: 'Payments v1' })
    await expect
      .poll(() => picker.locator('option').allTextContents())
      .toEqual(['Default (500 per day)', 'Gold (3 per minute · 1,000 per day)'])
    await picker.selectOption('gold')
    await page.getByRole('button', { name: 'Subscribe' }).click()
    await expect
      .poll(() => page.getByText('Payments v1 · Gold plan (3 per minute · 1,000 per day)').count())
      .toBe(1)
    const first = await createKey(page)

    // A plan in use cannot be removed: the API page says why.
    await page.getByRole('link', { name: 'APIs' }).click()
    await page.getByRole('link', { name: 'Payments v1' }).click()
    await page.getByRole('button', { name: 'Remove plan gold' }).click()
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('plan gold is used by a subscription; move its subscriptions first')
    await page.goBack()
    await page.goBack()
    await page.waitForURL(/\/applications\//)

    // Gateway checks within one UTC minute: gold lets 3 through per minute, over all the keys.
    const second = await createKey(page)
    if (new Date().getUTCSeconds() >= 45) {
      await new Promise((resolve) => setTimeout(resolve, (61 - new Date().getUTCSeconds()) * 1000))
    }
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push(await check(first))
    statuses.push(await check(first, { 'x-portico-environment': 'development' }))
    statuses.push(await check(second))
    expect(statuses).toEqual([200, 200, 200, 429, 429, 403, 429])
    const checkedAt = Date.now()

    // The chart's caption, legend and bars; the page asks again every 10 s, the counts flush in 5.
    const summary = page.getByTestId('usage-summary')
    await expect
      .poll(() => summary.textContent(), { timeout: 40_000, interval: 1000 })
      .toBe('7 requests: 3 allowed, 3 rate limited, 1 wrong environment in the last 24 hours.')
    const chart = page.locator('figure.usage-chart')
    expect(await chart.locator('.recharts-legend-item-text').allTextContents()).toEqual([
      'Allowed',
      'Rate limited',
      'Wrong environment',
    ])
    // One stacked bar in the current hour: a rectangle per outcome.
    expect(await chart.locator('.recharts-bar-rectangle path').count()).toBe(3)
    // The x-axis ends with the current UTC hour (the hour of the checks, unless one has begun since).
    const hourOf = (time: number) =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: 'UTC',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(time - (time % 3_600_000))
    const ticks = chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
    expect([hourOf(checkedAt), hourOf(Date.now())]).toContain((await ticks.allTextContents()).at(-1))

    // Per key: the second key's only call was refused by the plan the first had spent.
    const keyOption = page.getByLabel('Key', { exact: true })
    const secondOption = (await keyOption.locator('option').allTextContents()).find((text) =>
      text.endsWith(`${second.slice(-4)})`),
    )
    await keyOption.selectOption({ label: secondOption ?? '' })
    await expect
      .poll(() => summary.textContent())
      .toBe(`1 request: 1 rate limited in the last 24 hours with ${secondOption}.`)
    await keyOption.selectOption({ label: 'All keys' })
    await page.getByLabel('Period').selectOption({ label: 'Last 30 days, by day' })
    await expect
      .poll(() => summary.textContent())
      .toBe('7 requests: 3 allowed, 3 rate limited, 1 wrong environment in the last 30 days.')
    const today = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      month: 'short',
      day: 'numeric',
    }).format(new Date())
    await expect.poll(async () => (await ticks.allTextContents()).at(-1)).toBe(today)
    await page.getByLabel('Period').selectOption({ label: 'Last 24 hours, by hour' })

    // What gold has left today, over all keys: 1,000 less the 3 let through.
    await expect
      .poll(() => rowsOf(page.getByRole('table', { name: 'Plan quotas' })))
      .toEqual([['Payments v1', 'Gold', '3', '1,000', '997 of 1,000']])

    // Each key's counts and last use (written at most once a minute per key).
    const byKey = page.getByRole('table', { name: 'By key' })
    // Columns: allowed and every outcome a key had (rate limited, wrong environment), then the total.
    expect(await byKey.locator('thead th').allTextContents()).toEqual([
      'Key',
      'Last used',
      'Allowed',
      'Rate limited',
      'Wrong environment',
      'Total',
    ])
    const counts = async () => (await rowsOf(byKey)).map((row) => [row[0]?.slice(-5, -1), ...row.slice(2)])
    expect(await counts()).toEqual([
      [second.slice(-4), '0', '1', '0', '1'],
      [first.slice(-4), '3', '2', '1', '6'],
    ])
    await expect
      .poll(
        async () => {
          await page.reload()
          await byKey.waitFor()
          return (await rowsOf(byKey)).map((row) => row[1] === 'Never')
        },
        { timeout: 90_000, interval: 5000 },
      )
      // Only a call let through is a use: the second key has none.
      .toEqual([true, false])
    await summary.waitFor()
    await page.screenshot({ path: join(screenshots, 'application-usage.png'), fullPage: true })

    // At 375 px wide the page still fits the screen: the chart shrinks, only tables scroll.
    await page.setViewportSize({ width: 375, height: 740 })
    await expect
      .poll(() =>
        page.evaluate(() =>
          [...document.querySelectorAll('body *')]
            .filter(
              (element) => element.getBoundingClientRect().right > 376 && !element.closest('.table-wrap'),
            )
            .map((element) => `${element.tagName.toLowerCase()}.${element.getAttribute('class') ?? ''}`)
            .slice(0, 8),
        ),
      )
      .toEqual([])
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
  }, 300_000)
})
