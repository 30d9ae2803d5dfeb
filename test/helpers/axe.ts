import axe, { type AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

/**
 * Runs axe-core's default rules (WCAG A/AA and best practices) on what the page shows now and
 * returns one line per violation, so a failing test says what is wrong and where. axe is evaluated
 * through the DevTools protocol, not as a <script>, so the page's CSP stays as strict as it is.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const results = await page.evaluate(() => (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] }) as Promise<AxeResults>);
  return results.violations.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
}
