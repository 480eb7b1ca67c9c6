// The axe-core check of a page in the browser tests: what axe finds of impact serious or critical,
// one line per rule and element, so that a test asserts `toEqual([])` and a failure reads as a list
// of what to fix. axe's source is evaluated in the page (page.evaluate is not subject to the page's
// Content-Security-Policy, which refuses inline scripts such as addScriptTag's).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeViolation {
  id: string
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null
  help: string
  nodes: { target: unknown[]; failureSummary?: string }[]
}

/**
 * Runs axe over what `page` shows now (open dialogs included) and returns its violations of impact
 * serious or critical as "rule-id (impact) at selector: help", sorted; empty when there are none.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window)
  if (!loaded) await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is the global the evaluated source defines
    const axe = (window as any).axe
    const results = await axe.run(document, { resultTypes: ['violations'] })
    return results.violations as AxeViolation[]
  })
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes.map(
        (node) => `${violation.id} (${violation.impact}) at ${node.target.join(' ')}: ${violation.help}`,
      ),
    )
    .sort()
}
