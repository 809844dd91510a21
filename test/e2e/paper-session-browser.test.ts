// The two-terminal walkthrough in a real browser: `bun run dashboard` opened on a paper DB before the session
// exists, then `bun run paper:demo` started. Without a reload the page shows the first fill and the equity
// chart growing; the dashboard's Halt button (with flatten) halts the session, Resume lifts it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { hasChromium, launchBrowser, saveScreenshot, watchErrors, type Browser } from '../support/browser.ts';
import { startCommand, type RunningCommand } from '../support/paper-process.ts';
import { tempDir } from '../support/real-data.ts';

// Generous bounds: the machine running the suite may be heavily loaded. Nothing here measures speed.
const WAIT_MS = 60_000;

describe.skipIf(!hasChromium)('paper session in the dashboard', () => {
  let browser: Browser;
  let dashboard: RunningCommand;
  let demo: RunningCommand | undefined;
  let page: Page;
  let origin = '';
  const dir = tempDir('qs-paper-e2e-');
  const dbPath = join(dir, 'paper_trading.db');

  beforeAll(async () => {
    dashboard = startCommand('dashboard', ['--db', dbPath, '--port', '0', '--backtests', join(dir, 'backtests')]);
    const line = await dashboard.waitFor(/^dashboard on http:\/\/127\.0\.0\.1:\d+\//, WAIT_MS);
    origin = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const process of [demo, dashboard]) {
      if (process === undefined) continue;
      try {
        process.kill('SIGKILL');
      } catch {
        // already exited
      }
      await process.exited;
    }
  }, 60_000);

  test('shows the session live, then halts it with flatten from the button and resumes it', async () => {
    page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/`);
    expect(await page.locator('.waiting').innerText()).toBe(`waiting for a session to start writing ${dbPath}`);

    demo = startCommand('paper-demo', ['--db', dbPath, '--speed', '8', '--bars', '600']);
    await demo.waitFor(/^session paper-\S+ started/, WAIT_MS);
    await page.waitForURL(/\/runs\/main\/paper-[^/]+$/, { timeout: WAIT_MS });
    await page.waitForSelector('body[data-charts-ready="true"]', { timeout: WAIT_MS });
    // A marker that a reload would wipe: everything below must arrive through the open page.
    await page.evaluate(() => ((window as unknown as { qsNoReload: boolean }).qsNoReload = true));

    await page.waitForSelector('#fills-body [data-fill]', { timeout: WAIT_MS });
    const firstPoints = Number(await page.evaluate(() => document.body.dataset.equityPoints));
    const firstEquity = await page.locator('#summary-body [data-stat="equity"] .value').innerText();
    await page.waitForFunction((n) => Number(document.body.dataset.equityPoints) > n + 3, firstPoints, { timeout: WAIT_MS });
    const drawn = await page.evaluate(() => {
      const chart = document.querySelector('#equity-chart canvas') as HTMLCanvasElement | null;
      return chart !== null && chart.width > 0;
    });
    expect(drawn).toBe(true);
    await page.waitForFunction(
      (before) => document.querySelector('#summary-body [data-stat="equity"] .value')?.textContent !== before,
      firstEquity,
      { timeout: WAIT_MS },
    );
    expect(await page.evaluate(() => document.body.dataset.live)).toBe('connected');

    // The kill switch, with flatten.
    await page.check('#panel-control input[name="flatten"]');
    await page.fill('#panel-control input[name="reason"]', 'e2e drill');
    await page.click('#panel-control button[data-command="halt"]');
    await page.waitForSelector('#commands-body tr[data-kind="halt"]', { timeout: WAIT_MS });
    expect(await demo.waitFor(/^operator halt --flatten: e2e drill/, WAIT_MS)).toContain('e2e drill');
    await page.waitForSelector('#breaker-body [data-breaker-state="halted.manual"]', { timeout: WAIT_MS });
    expect(await page.locator('#breaker-body').innerText()).toContain('e2e drill');
    await page.waitForSelector('#commands-body tr[data-kind="halt"][data-taken="yes"]', { timeout: WAIT_MS });
    // Flatten: no position is left once the next bar is through, and none is opened while halted.
    await page.waitForSelector('#positions-body .empty-note', { timeout: WAIT_MS });
    await saveScreenshot(page, 'paper-session-halted.png');

    await page.click('#panel-control button[data-command="resume"]');
    await demo.waitFor(/^operator resume/, WAIT_MS);
    await page.waitForSelector('#breaker-body [data-breaker-state="trading"]', { timeout: WAIT_MS });
    await page.waitForSelector('#commands-body tr[data-kind="resume"][data-taken="yes"]', { timeout: WAIT_MS });

    // The session's process killed outright (its row still says running): the open page says it is not running.
    demo.kill('SIGKILL');
    await demo.exited;
    await page.waitForSelector('#run-header [data-status="not-running"]', { timeout: WAIT_MS });
    expect(await page.locator('#live-status').innerText()).toBe('not running');

    expect(await page.evaluate(() => (window as unknown as { qsNoReload?: boolean }).qsNoReload)).toBe(true);
    expect(errors).toEqual([]);
    await saveScreenshot(page, 'paper-session-resumed.png');
    await page.close();
  }, 240_000);
});
