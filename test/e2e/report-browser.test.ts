// Opens a rendered report in headless Chromium: the charts must draw with no console errors and no injected script.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, hasChromium, launchBrowser, saveScreenshot, watchErrors, type Browser } from '../support/browser.ts';
import { computePerformance, type EquityPoint } from '../../machines/metrics/performance.ts';
import { roundTrips, type FillLike } from '../../machines/metrics/round-trips.ts';
import { monthlyReturns } from '../../machines/metrics/tables.ts';
import { renderReport } from '../../web/report/render-report.ts';

const HOSTILE = '<script>alert(1)</script>';
const HOUR = 3_600_000;
const START = Date.UTC(2014, 0, 1);

if (!hasChromium) {
  console.warn(`skipping report browser test: ${CHROMIUM} not found (install with: apt-get install -y chromium)`);
}

// CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
test.if(process.env.CI === 'true')('Chromium is installed where CI runs the browser tests', () => {
  expect(hasChromium).toBe(true);
});

/** 100k hourly points and a trade every ~2 weeks: a long run built from a deterministic formula. */
function largeRun() {
  const equity: EquityPoint[] = Array.from({ length: 100_000 }, (_, i) => ({
    ts: START + i * HOUR,
    equity: 10_000 * (1 + i / 200_000) * (1 + 0.08 * Math.sin(i / 900) + 0.01 * Math.sin(i / 7)),
    grossExposure: i % 336 < 200 ? 5_000 : 0,
  }));
  const fills: FillLike[] = [];
  for (let i = 0; i + 200 < equity.length; i += 336) {
    const symbol = (i / 336) % 10 === 3 ? HOSTILE : 'BTC/USD';
    const entry = 100 + 20 * Math.sin(i / 3000);
    const exit = entry * (1 + 0.03 * Math.sin(i / 500));
    fills.push({ ts: equity[i]!.ts, symbol, side: 'buy', qty: 50, price: entry, fee: 0.5 });
    fills.push({ ts: equity[i + 200]!.ts, symbol, side: 'sell', qty: 50, price: exit, fee: 0.5 });
  }
  const last = equity.at(-1)!;
  fills.push({ ts: last.ts - HOUR, symbol: 'ETH/USD', side: 'buy', qty: 2, price: 2000, fee: 0.4 });
  const trades = roundTrips(fills, new Map([['ETH/USD', 2010]]), last.ts);
  const fees = fills.reduce((sum, fill) => sum + fill.fee, 0);
  return {
    runId: 'e2e-run',
    title: `Browser check ${HOSTILE}`,
    generatedFor: 'BTC/USD 1h 2014-01-01 → 2025-05-29, prices: synthetic',
    notes: [HOSTILE],
    summary: computePerformance({ equity, trades, fees, periodsPerYear: 8760 }),
    equity,
    trades,
    monthly: monthlyReturns(equity),
    config: { strategy: HOSTILE },
  };
}

describe.skipIf(!hasChromium)('report in a real browser', () => {
  let browser: Browser;

  // Starting Chromium can take longer than the default 5 s hook timeout on a loaded machine.
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  test('a 100k-point report draws both charts with no console errors and no injected script', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'quantsage-report-'));
    const reportFile = join(reportDir, 'report.html');
    const run = largeRun();
    writeFileSync(reportFile, renderReport(run));

    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    await page.goto(pathToFileURL(reportFile).href);
    await page.waitForSelector('body[data-charts-ready="true"]');

    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await page.locator('#equity-chart canvas').count()).toBe(1);
    expect(await page.locator('#drawdown-chart canvas').count()).toBe(1);
    const canvasWidth = await page.locator('#equity-chart canvas').evaluate((canvas) => (canvas as HTMLCanvasElement).width);
    expect(canvasWidth).toBeGreaterThan(0);
    expect(run.trades.filter((trip) => trip.open)).toHaveLength(1);
    expect(await page.locator('.trades tbody tr').count()).toBe(run.trades.length);

    await saveScreenshot(page, 'report.png');
    await page.close();
    rmSync(reportDir, { recursive: true, force: true });
  }, 60_000);
});
