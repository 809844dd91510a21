// The dashboard in headless Chromium: a real backtest that tripped the circuit breaker, and a paper run
// that another connection keeps writing to while the page is open. Screenshots go to test-artifacts/.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import type { ConsoleMessage } from 'playwright-core';
import type { Server } from 'bun';
import type { Page } from 'playwright-core';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest } from '../../actors/backtest.ts';
import { importCsvFile } from '../../actors/adapters/csv-import.ts';
import { runSweep } from '../../actors/sweep/run-sweep.ts';
import { MACHINES } from '../../actors/machine-registry.ts';
import { closeDb, openDb, type Db } from '../../db/client.ts';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { renderSweepReport } from '../../web/report/render-sweep-report.ts';
import { hasChromium, launchBrowser, saveScreenshot, watchErrors, type Browser } from '../support/browser.ts';
import { buildSmallRun, equityRow, fillRow, rowWriter, T0 } from '../support/dashboard-db.ts';
import { DATA_DIR, marketDbWithRealData, tempDir } from '../support/real-data.ts';

const RUN = 'bt-e2e-breaker';
const MINUTE = 60_000;

describe.skipIf(!hasChromium)('dashboard in a browser', () => {
  let browser: Browser;
  let dashboard: Dashboard;
  let server: Server<undefined>;
  let writer: Db;
  let origin = '';
  let fills = 100;
  let dir = '';

  beforeAll(async () => {
    dir = tempDir('qs-dash-e2e-');
    const { strategy, params } = await loadStrategy('mean_reversion');
    // Tight breakers on 2016–2018 BTC so the run trips (a -2% drawdown halts it for good).
    runBacktest({
      runId: RUN,
      strategy,
      strategyParams: params,
      symbols: ['BTC/USD'],
      timeframe: '1d',
      fromTs: Date.UTC(2016, 0, 1),
      toTs: Date.UTC(2019, 0, 1) - 1,
      capital: 100_000,
      limits: { ...loadRiskLimits(), maxDrawdownPct: 0.02, maxDailyLossPct: 0.01 },
      venue: loadVenueConfig(),
      marketDb: marketDbWithRealData(['BTC/USD']),
      outDir: join(dir, 'backtests'),
      startedAt: Date.UTC(2026, 0, 1),
    });
    const marketPath = join(dir, 'market.db');
    const market = openDb(marketPath);
    importCsvFile(market, { file: join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
    closeDb(market);
    await runSweep({
      strategyName: 'mean_reversion',
      grid: 'lookback=20|30',
      metric: 'sharpe',
      symbols: ['BTC/USD'],
      timeframe: '1d',
      fromTs: Date.UTC(2016, 0, 1),
      toTs: Date.UTC(2019, 0, 1) - 1,
      workers: 1,
      keep: 0,
      dbPath: marketPath,
      outDir: join(dir, 'sweeps'),
      quiet: true,
      now: () => Date.now(),
      renderReport: renderSweepReport,
    });
    const paper = join(dir, 'paper.db');
    buildSmallRun(paper, 'paper-live');
    writer = openDb(paper);
    dashboard = createDashboard({ dbPath: paper, backtestsDir: join(dir, 'backtests'), sweepsDir: join(dir, 'sweeps') });
    server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: dashboard.app.fetch, idleTimeout: 0 });
    origin = `http://127.0.0.1:${server.port}`;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.stop(true);
    dashboard?.close();
    if (writer) closeDb(writer);
  });

  function writeFill(runId: string): string {
    fills++;
    const write = rowWriter(writer);
    write('fills', fillRow(runId, fills, T0 + (60 + fills) * MINUTE));
    write('equity_snapshots', equityRow(runId, T0 + (60 + fills) * MINUTE, 100_500 + fills));
    return `fill-${fills}`;
  }

  async function chartWidths(page: Page): Promise<number[]> {
    return Promise.all(
      ['#equity-chart', '#drawdown-chart'].map((id) => page.locator(`${id} canvas`).evaluate((c) => (c as HTMLCanvasElement).width)),
    );
  }

  test('a backtest dashboard loads with zero console errors, both charts drawn and the report metrics', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/runs/${RUN}/${RUN}`);
    await page.waitForSelector('body[data-charts-ready="true"]');
    await page.waitForSelector('body[data-live="connected"]');
    for (const width of await chartWidths(page)) expect(width).toBeGreaterThan(0);
    expect(Number(await page.evaluate(() => document.body.dataset.equityPoints))).toBeGreaterThan(1000);
    expect(await page.locator('#metrics-body [data-metric="sharpe"]').count()).toBe(1);
    expect(await page.locator('[data-breaker-state="halted.drawdown"]').count()).toBe(1);
    // The stream is connected, but a finished run is not "live".
    expect(await page.locator('#live-status').innerText()).toBe('finished');
    expect(await page.evaluate(() => document.body.dataset.runStatus)).toBe('finished');
    // At 1280 px every column of the order and fill tables is in view: no panel scrolls sideways.
    for (const name of ['signals', 'orders', 'fills']) {
      const fit = await page.locator(`#panel-${name}`).evaluate((el) => ({ scroll: el.scrollWidth, width: el.clientWidth }));
      expect({ name, ...fit, fits: fit.scroll <= fit.width }).toMatchObject({ name, fits: true });
    }
    expect(errors).toEqual([]);
    await saveScreenshot(page, 'dashboard-backtest.png');
    await page.close();
  }, 60_000);

  test('a fill written to the DB while the page is open appears without a reload, and the chart appends a point', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/runs/main/paper-live`);
    await page.waitForSelector('body[data-live="connected"]');
    expect(await page.locator('#live-status').innerText()).toBe('live');
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const pointsBefore = Number(await page.evaluate(() => document.body.dataset.equityPoints));
    const fillId = writeFill('paper-live');
    await page.waitForSelector(`#fills-body [data-fill="${fillId}"]`);
    await page.waitForFunction((n) => Number(document.body.dataset.equityPoints) === n, pointsBefore + 1);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    for (const width of await chartWidths(page)) expect(width).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await saveScreenshot(page, 'dashboard-live-fill.png');
    await page.close();
  }, 60_000);

  test('without the live stream, the panels fall back to polling and still show a new fill', async () => {
    const page = await browser.context.newPage();
    await page.route('**/stream**', (route) => route.abort());
    await page.goto(`${origin}/runs/main/paper-live`);
    await page.waitForSelector('body[data-charts-ready="true"]');
    const fillId = writeFill('paper-live');
    await page.waitForSelector(`#fills-body [data-fill="${fillId}"]`, { timeout: 20_000 });
    expect(await page.evaluate(() => document.body.dataset.live)).toBe('polling');
    await page.close();
  }, 60_000);

  test('the machines page draws every actor\'s diagram with zero console errors', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/runs/${RUN}/${RUN}/machines`);
    expect(await page.locator('svg.diagram').count()).toBe(MACHINES.length);
    for (const entry of MACHINES) {
      const svg = page.locator(`svg[data-machine-id="${entry.machine.id}"]`);
      expect(await svg.locator('g.state').count()).toBeGreaterThan(1);
      expect(await svg.locator('g.edge').count()).toBeGreaterThan(0);
      const box = await svg.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      // At 1280 px the whole diagram is visible: no wider than its container, nothing scrolled out of view.
      const fit = await svg.evaluate((el) => ({
        diagram: el.getBoundingClientRect().width,
        container: el.parentElement!.clientWidth,
        scrollWidth: el.parentElement!.scrollWidth,
      }));
      expect(fit.diagram).toBeLessThanOrEqual(fit.container);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.container);
    }
    expect(await page.locator('#machine-circuitBreaker g.state.current').getAttribute('data-state')).toBe('halted.drawdown');
    expect(errors).toEqual([]);
    await saveScreenshot(page, 'machines.png');
    await page.close();
  }, 60_000);

  /**
   * Opens `from`, clicks `link` (a report opening in a new tab) and runs `check` on that tab. Its console and page
   * errors must be none: listened for on the context, so nothing the tab logs before a page listener is attached is missed.
   */
  async function inReportTab(from: string, link: string, check: (report: Page) => Promise<void>): Promise<void> {
    const errors: string[] = [];
    const onConsole = (message: ConsoleMessage) => {
      if (message.type() === 'error') errors.push(message.text());
    };
    browser.context.on('console', onConsole);
    try {
      const page = await browser.context.newPage();
      await page.goto(from);
      const [report] = await Promise.all([browser.context.waitForEvent('page'), page.click(link)]);
      report.on('pageerror', (error) => errors.push(error.message));
      await report.waitForLoadState('load');
      await check(report);
      expect(errors).toEqual([]);
      await report.close();
      await page.close();
    } finally {
      browser.context.off('console', onConsole);
    }
  }

  test('the report opened through the dashboard link draws both charts with zero console errors', async () => {
    await inReportTab(`${origin}/runs/${RUN}/${RUN}`, 'a:text("HTML report")', async (report) => {
      expect(report.url()).toBe(`${origin}/runs/${RUN}/${RUN}/report`);
      await report.waitForFunction(() => document.querySelectorAll('.uplot canvas').length >= 2, undefined, { timeout: 10_000 }).catch(() => {});
      expect(await report.locator('#equity-chart .uplot canvas').count()).toBe(1);
      expect(await report.locator('#drawdown-chart .uplot canvas').count()).toBe(1);
      expect(await report.evaluate(() => document.body.dataset.chartsReady)).toBe('true');
      await saveScreenshot(report, 'dashboard-report.png');
    });
  }, 60_000);

  test('the sweep report opened from the runs list draws its equity chart, every y label in full, with zero console errors', async () => {
    await inReportTab(`${origin}/runs`, 'tr[data-sweep] a', async (report) => {
      expect(report.url()).toMatch(new RegExp(`^${origin}/sweeps/sweep-[\\w-]+/report$`));
      await report.waitForSelector('body[data-charts-ready="true"]', { timeout: 10_000 });
      expect(await report.locator('#top-equity .uplot canvas').count()).toBe(1);
      // Ranked by sharpe: the metric column is the Sharpe column, not shown twice.
      expect(await report.locator('table.top th').allInnerTexts()).toEqual(['#', 'parameters', 'sharpe', 'total return', 'max drawdown', 'trades', 'kept run']);
      // uPlot draws the labels on the canvas: the y axis must be wider than the widest equity label (e.g. 107,500)
      // in its font, plus the tick and gap, or the label is cut on the left.
      const fit = await report.evaluate(() => {
        const data = JSON.parse(document.getElementById('report-data')!.textContent!) as { curves: { y: (number | null)[] }[] };
        const top = Math.max(...data.curves.flatMap((c) => c.y.filter((v): v is number => v !== null)));
        const context = document.createElement('canvas').getContext('2d')!;
        context.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif';
        const yAxis = [...document.querySelectorAll<HTMLElement>('#top-equity .u-axis')].find((a) => a.style.left === '0px')!;
        return { label: context.measureText(Math.round(top).toLocaleString('en-US')).width, axis: yAxis.getBoundingClientRect().width };
      });
      expect(fit.label).toBeGreaterThan(30);
      expect(fit.axis - 15).toBeGreaterThanOrEqual(fit.label);
      await saveScreenshot(report, 'sweep-report.png');
    });
  }, 60_000);

  test('an empty dashboard over a paper DB that does not exist yet waits for it, then opens the session', async () => {
    const sessionDb = join(dir, 'session', 'paper_trading.db');
    const waiting = createDashboard({ dbPath: sessionDb, backtestsDir: join(dir, 'no-backtests') });
    const waitingServer = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: waiting.app.fetch, idleTimeout: 0 });
    try {
      const page = await browser.context.newPage();
      const errors = watchErrors(page);
      await page.goto(`http://127.0.0.1:${waitingServer.port}/`);
      expect(await page.locator('.waiting').innerText()).toBe(`waiting for a session to start writing ${sessionDb}`);
      buildSmallRun(sessionDb, 'session-1');
      await page.waitForURL(/\/runs\/main\/session-1$/, { timeout: 20_000 });
      await page.waitForSelector('body[data-charts-ready="true"]');
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      waitingServer.stop(true);
      waiting.close();
    }
  }, 60_000);

  test('stepping to the moment the breaker tripped highlights the halted state; stepping back returns to trading', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/runs/${RUN}/${RUN}/machines?step=0`);
    const current = () => page.locator('#machine-circuitBreaker g.state.current').getAttribute('data-state');
    expect(await current()).toBe('trading');
    await page.click('a[data-rel="breaker-next"]');
    await page.waitForSelector('#machine-circuitBreaker g.state.current[data-state="halted.drawdown"]');
    expect(await page.locator('#machine-circuitBreaker g.edge.last').getAttribute('data-target')).toBe('halted.drawdown');
    const tripStep = Number(await page.locator('.timeline').getAttribute('data-step'));
    expect(page.url()).toContain(`step=${tripStep}`);
    await saveScreenshot(page, 'machines-breaker-trip.png');

    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`.timeline[data-step="${tripStep - 1}"]`);
    expect(await current()).toBe('trading');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#machine-circuitBreaker g.state.current[data-state="halted.drawdown"]');

    await page.click('#machine-circuitBreaker g.state[data-state="halted.drawdown"]');
    await page.waitForSelector('#state-detail-circuitBreaker .state-info[data-state="halted.drawdown"]');
    expect(await page.locator('#state-detail-circuitBreaker').innerText()).toContain('RESET');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
