// A run whose equity never moves (no trade): its report's drawdown chart spans a percent or so around 0, not the
// 0%..10000% uPlot gives a flat series by default.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { pathToFileURL } from 'node:url';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest } from '../../actors/backtest.ts';
import { hasChromium, launchBrowser, watchErrors, type Browser } from '../support/browser.ts';
import { marketDbWithRealData, tempDir } from '../support/real-data.ts';

describe.skipIf(!hasChromium)('the charts of a flat run', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  test('the drawdown axis stays within a percent of 0 and the equity axis within a percent of the capital', async () => {
    const { strategy, params } = await loadStrategy('mean_reversion');
    const result = runBacktest({
      runId: 'e2e-flat',
      strategy,
      strategyParams: params,
      symbols: ['BTC/USD'],
      timeframe: '1d',
      fromTs: Date.UTC(2024, 11, 20),
      toTs: Date.UTC(2025, 0, 1) - 1,
      capital: 100_000,
      limits: loadRiskLimits(),
      venue: loadVenueConfig(),
      marketDb: marketDbWithRealData(['BTC/USD']),
      outDir: tempDir(),
      startedAt: 0,
    });
    expect(result.summary.trades).toBe(0);
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(result.summary.report).href);
    await page.waitForSelector('body[data-charts-ready="true"]');
    // The report keeps its plots private: draw its own data again with the same helper and read the scales.
    const scales = await page.evaluate(async () => {
      const data = JSON.parse(document.getElementById('report-data')!.textContent!);
      const w = window as unknown as { qsLineChart: Function };
      const scale = (series: { x: number[]; y: number[] }, percent: boolean) => {
        const el = document.body.appendChild(document.createElement('div'));
        return w.qsLineChart(el, 'probe', series.x, series.y, { stroke: '#000' }, 200, percent).plot;
      };
      const drawdown = scale(data.drawdown, true);
      const equity = scale(data.equity, false);
      // uPlot sets its scales when it first draws, after the current task.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { drawdown: [drawdown.scales.y.min, drawdown.scales.y.max], equity: [equity.scales.y.min, equity.scales.y.max] };
    });
    expect(errors).toEqual([]);
    const [ddMin, ddMax] = scales.drawdown;
    expect(ddMin).toBeGreaterThanOrEqual(-0.011);
    expect(ddMin).toBeLessThan(0);
    expect(ddMax).toBeLessThanOrEqual(0.011);
    const [eqMin, eqMax] = scales.equity;
    expect(eqMin).toBeGreaterThanOrEqual(98_900);
    expect(eqMin).toBeLessThan(100_000);
    expect(eqMax).toBeGreaterThan(100_000);
    expect(eqMax).toBeLessThanOrEqual(101_100);
    await page.close();
  }, 60_000);
});
