// Acceptance: a real-data backtest whose circuit breaker trips leaves its CRITICAL trips and INFO lift in the
// run DB's alerts table, and the dashboard's alerts page shows them, filtered by level.
import { afterAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest } from '../../actors/backtest.ts';
import type { Alert } from '../../machines/alerts/alert.ts';
import { createDashboard } from '../../web/app.ts';
import { marketDbWithRealData, tempDir } from '../support/real-data.ts';

// Nearly all-in positions so a few stopped-out trades move equity past the breaker's limits (BTC, summer 2017
// to the 2018 crash): two daily-loss halts that lift the next day, then a drawdown halt that stays.
const limits = { ...loadRiskLimits(), positionMaxPct: 0.9, symbolMaxPct: 0.9, portfolioMaxInvestedPct: 0.95, maxDailyLossPct: 0.05, maxDrawdownPct: 0.25 };
const outDir = tempDir('qs-alerts-');
const delivered: Alert[] = [];
const RUN_ID = 'bt-alerts-breaker';

const result = (async () =>
  runBacktest({
    runId: RUN_ID,
    strategy: (await loadStrategy('mean_reversion')).strategy,
    strategyParams: {},
    symbols: ['BTC/USD'],
    timeframe: '1d',
    fromTs: Date.parse('2017-06-01T00:00:00Z'),
    toTs: Date.parse('2019-12-31T23:59:59Z'),
    capital: 100_000,
    limits,
    venue: loadVenueConfig(),
    marketDb: marketDbWithRealData(['BTC/USD']),
    outDir,
    startedAt: Date.UTC(2026, 0, 1),
    now: () => Date.UTC(2026, 0, 1, 0, 0, 5),
    alerts: { deliver: (alert) => delivered.push(alert), close: async () => {} },
  }))();

interface AlertRow {
  seq: number;
  key: string;
  level: string;
  title: string;
  body: string;
  bar_ts: number;
  wall_ts: number;
}

function storedAlerts(path: string): AlertRow[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.query(`SELECT seq, key, level, title, body, bar_ts, wall_ts FROM alerts WHERE run_id = ? ORDER BY seq`).all(RUN_ID) as AlertRow[];
  } finally {
    db.close();
  }
}

const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);

describe('alerts of a backtest whose circuit breaker trips', () => {
  test('the run DB holds the CRITICAL trips and the INFO lifts, with their figures, at the bars they happened', async () => {
    const rows = storedAlerts((await result).summary.db);
    const breaker = rows.filter((r) => r.key.startsWith('breaker:')).map((r) => [day(r.bar_ts), r.level, r.key]);
    expect(breaker).toEqual([
      ['2017-07-17', 'critical', 'breaker:halted.dailyLoss'],
      ['2017-07-18', 'info', 'breaker:lifted:halted.dailyLoss'],
      ['2017-09-16', 'critical', 'breaker:halted.dailyLoss'],
      ['2017-09-17', 'info', 'breaker:lifted:halted.dailyLoss'],
      ['2018-01-23', 'critical', 'breaker:halted.drawdown'],
    ]);
    const drawdownTrip = rows.find((r) => r.key === 'breaker:halted.drawdown')!;
    expect(drawdownTrip.title).toBe('Circuit breaker tripped: drawdown');
    expect(drawdownTrip.body).toMatch(/^equity [\d,]+\.\d\d is 2\d\.\d% below the peak [\d,]+\.\d\d \(limit 25%\); new entries halted until a reset$/);
    expect(rows.find((r) => r.key === 'breaker:halted.dailyLoss')!.body).toMatch(/daily loss -5\.\d\d% .* reached the -5\.00% limit/);
    // The other alert types of the run: drawdown steps, positions, stops, and the rejections while halted.
    const keys = new Set(rows.map((r) => r.key));
    for (const key of ['drawdown:5%', 'drawdown:10%', 'drawdown:15%', 'position:opened:BTC/USD', 'position:closed:BTC/USD', 'stop:BTC/USD', 'reject:circuit_breaker:BTC/USD']) {
      expect(keys.has(key)).toBe(true);
    }
    expect(rows.every((r) => r.wall_ts === Date.UTC(2026, 0, 1, 0, 0, 5))).toBe(true);
  });

  test('every recorded alert was handed to the delivery once, in the same order', async () => {
    const rows = storedAlerts((await result).summary.db);
    expect(delivered.map((a) => [a.key, a.barTs, a.runId])).toEqual(rows.map((r) => [r.key, r.bar_ts, RUN_ID]));
  });

  describe('the dashboard', () => {
    let dashboard: ReturnType<typeof createDashboard> | undefined;
    afterAll(() => dashboard?.close());
    const open = async () => {
      dashboard ??= createDashboard({ dbPath: (await result).summary.db, backtestsDir: outDir });
      const home = await dashboard.app.request('http://localhost/');
      return { app: dashboard.app, base: home.headers.get('location')! };
    };

    test('links the run page to its alerts, and the alerts panel shows the latest from the alerts table', async () => {
      const { app, base } = await open();
      const page = await (await app.request(`http://localhost${base}`)).text();
      expect(page).toContain(`href="${base}/alerts"`);
      const panel = await (await app.request(`http://localhost${base}/partials/alerts`)).text();
      expect(panel).toContain('data-key="reject:circuit_breaker:BTC/USD"');
      expect(panel).toContain('Signal rejected: BTC/USD by system/circuit_breaker');
    });

    test('the alerts page lists them newest first; the critical filter keeps only the trips', async () => {
      const { app, base } = await open();
      const all = await (await app.request(`http://localhost${base}/alerts`)).text();
      expect(all).toContain('Circuit breaker tripped: drawdown');
      expect(all).toContain('Circuit breaker lifted (was halted.dailyLoss)');
      const order = [...all.matchAll(/<tr class="alert (\w+)" data-key="([^"]+)"/g)].map((m) => m[2]);
      expect(order.indexOf('breaker:halted.drawdown')).toBeLessThan(order.indexOf('breaker:lifted:halted.dailyLoss'));
      const critical = await (await app.request(`http://localhost${base}/alerts/list?level=critical`)).text();
      const levels = [...critical.matchAll(/data-level="(\w+)"/g)].map((m) => m[1]);
      expect(levels).toEqual(['critical', 'critical', 'critical']);
      expect(critical).not.toContain('breaker:lifted');
      const info = await (await app.request(`http://localhost${base}/alerts/list?level=info`)).text();
      expect(info).toContain('data-key="breaker:lifted:halted.dailyLoss"');
    });
  });
});
