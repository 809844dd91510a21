// A backtest that closes no trade: its report and its dashboard page say so instead of printing 0.0% / 0.00 as results.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../../actors/adapters/config.ts';
import { runBacktest } from '../../../actors/backtest.ts';
import { createDashboard, type Dashboard } from '../../../web/app.ts';
import { marketDbWithRealData, tempDir } from '../../support/real-data.ts';

const TRADE_ROWS = ['win_rate', 'profit_factor', 'expectancy', 'avg_win', 'avg_loss', 'best_trade', 'worst_trade'];

function metric(page: string, key: string): string {
  const match = new RegExp(`<tr data-metric="${key}"><th>[^<]*</th><td>([^<]*)</td>`).exec(page);
  expect(match).not.toBeNull();
  return match![1]!;
}

describe('a backtest without a closed trade', () => {
  const outDir = tempDir('qs-zero-trades-');
  let reportPath: string;
  let dashboard: Dashboard;

  beforeAll(async () => {
    const { strategy, params } = await loadStrategy('mean_reversion');
    // Two daily bars: the 20-bar z-score is never ready, so nothing is traded.
    const result = runBacktest({
      runId: 'bt-zero-trades',
      strategy,
      strategyParams: params,
      symbols: ['BTC/USD'],
      timeframe: '1d',
      fromTs: Date.UTC(2024, 11, 30),
      toTs: Date.UTC(2025, 0, 1) - 1,
      capital: 100_000,
      limits: loadRiskLimits(),
      venue: loadVenueConfig(),
      marketDb: marketDbWithRealData(['BTC/USD']),
      outDir,
      startedAt: 0,
    });
    expect(result.summary.trades).toBe(0);
    reportPath = result.summary.report;
    dashboard = createDashboard({ dbPath: `${outDir}/bt-zero-trades.db`, backtestsDir: outDir });
  });

  afterAll(() => dashboard?.close());

  test('its report says "no closed trades" for every per-trade figure, not a 0.0% win rate or a 0.00 profit factor', () => {
    const page = readFileSync(reportPath, 'utf8');
    for (const key of TRADE_ROWS) expect(metric(page, key)).toBe('— (no closed trades)');
    expect(metric(page, 'trades')).toBe('0');
    expect(metric(page, 'total_return')).toBe('0.00%');
  });

  test('its dashboard performance panel says the same', async () => {
    const response = await dashboard.app.request('http://localhost/runs/main/bt-zero-trades/partials/metrics');
    expect(response.status).toBe(200);
    const body = await response.text();
    for (const key of TRADE_ROWS) expect(metric(body, key)).toBe('— (no closed trades)');
  });
});
