// The report of a real backtest (BTC/USD 2016–2024 on the shared data) opened in headless Chromium.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { pathToFileURL } from 'node:url';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest } from '../../actors/backtest.ts';
import { hasChromium, launchBrowser, saveScreenshot, watchErrors, type Browser } from '../support/browser.ts';
import { marketDbWithRealData, tempDir } from '../support/real-data.ts';

describe.skipIf(!hasChromium)('real backtest report in a browser', () => {
  let browser: Browser;
  // Starting Chromium can take longer than the default 5 s hook timeout on a loaded machine.
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  test('draws the equity and drawdown charts, the heatmap and every trade with no console errors', async () => {
    const { strategy, params } = await loadStrategy('mean_reversion');
    const result = runBacktest({
      runId: 'e2e-btc',
      strategy,
      strategyParams: params,
      symbols: ['BTC/USD'],
      timeframe: '1d',
      fromTs: Date.UTC(2016, 0, 1),
      toTs: Date.UTC(2025, 0, 1) - 1,
      capital: 100_000,
      limits: loadRiskLimits(),
      venue: loadVenueConfig(),
      marketDb: marketDbWithRealData(['BTC/USD']),
      outDir: tempDir(),
      startedAt: 0,
    });
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(result.summary.report).href);
    await page.waitForSelector('body[data-charts-ready="true"]');
    expect(errors).toEqual([]);
    for (const id of ['#equity-chart', '#drawdown-chart']) {
      const width = await page.locator(`${id} canvas`).evaluate((c) => (c as HTMLCanvasElement).width);
      expect(width).toBeGreaterThan(0);
    }
    expect(await page.locator('.trades tbody tr').count()).toBe(result.trades.length);
    expect(await page.content()).toContain('2016');
    await saveScreenshot(page, 'backtest-report.png');
    await page.close();
  }, 60_000);
});
