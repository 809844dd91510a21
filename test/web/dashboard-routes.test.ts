// Every dashboard route through app.request(): an empty run, a small hand-made run with hostile strings,
// a finished backtest, and the live stream seeing rows another connection writes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, openDb } from '../../db/client.ts';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { PANELS } from '../../web/views/dashboard-page.ts';
import { buildEmptyRun, buildSmallRun, equityRow, fillRow, HOSTILE, insertRun, rowWriter, T0 } from '../support/dashboard-db.ts';
import { tempDir } from '../support/real-data.ts';
import { SseReader } from '../support/sse.ts';

const MINUTE = 60_000;
const dir = tempDir('qs-dash-routes-');
const paperDb = join(dir, 'paper.db');
const backtestsDir = join(dir, 'backtests');
const emptyDb = join(dir, 'empty.db');
let dashboard: Dashboard;
let emptyDashboard: Dashboard;

const SUMMARY = {
  start_equity: 100_000, final_equity: 112_345.67, total_return: 0.1234567, cagr: 0.05, sharpe: 1.2345, sortino: 1.5,
  max_drawdown: -0.0876, calmar: 0.57, trades: 42, win_rate: 0.5476, profit_factor: 1.87, expectancy: 293.94,
  exposure: 0.31, fees: 812.5, avg_win: 900, avg_loss: -400, best_trade: 4000, worst_trade: -900,
};

beforeAll(() => {
  buildSmallRun(paperDb);
  buildEmptyRun(emptyDb);
  mkdirSync(backtestsDir);
  const bt = openDb(join(backtestsDir, 'bt-finished.db'));
  insertRun(bt, { id: 'bt-finished', mode: 'backtest', status: 'finished', summary: SUMMARY });
  const write = rowWriter(bt);
  for (let i = 0; i < 10; i++) write('equity_snapshots', equityRow('bt-finished', T0 + i * MINUTE, 100_000 + i * 1000));
  closeDb(bt);
  dashboard = createDashboard({ dbPath: paperDb, backtestsDir });
  emptyDashboard = createDashboard({ dbPath: emptyDb, backtestsDir: join(dir, 'no-such-folder') });
});

afterAll(() => {
  dashboard?.close();
  emptyDashboard?.close();
});

const get = (path: string, d: Dashboard = dashboard) => d.app.request(`http://localhost${path}`);
const text = async (path: string, d: Dashboard = dashboard) => {
  const response = await get(path, d);
  expect(response.status).toBe(200);
  return response.text();
};

describe('runs', () => {
  test('redirects / to the running run of the watched database', async () => {
    const response = await get('/');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/runs/main/small-run');
  });

  test('lists the runs of the watched database and of the backtests folder, each linked', async () => {
    const body = await text('/runs');
    expect(body).toContain('href="/runs/main/small-run"');
    expect(body).toContain('href="/runs/bt-finished/bt-finished"');
    expect(body).toContain('+12.35%');
  });

  test('a paper session, which stores no summary, shows the return of its latest equity so far', async () => {
    const body = await text('/runs');
    // small-run: 100,000 starting capital, latest equity 99,020.
    expect(body).toMatch(/data-run="small-run".*?<td class="num neg">-0\.98%<\/td>/s);
  });

  test('answers 404 for a run or a source key that is not in the catalog', async () => {
    expect((await get('/runs/main/no-such-run')).status).toBe(404);
    expect((await get('/runs/..%2F..%2Fetc%2Fpasswd/x')).status).toBe(404);
    expect((await get('/runs/main/small-run/partials/nope')).status).toBe(404);
  });
});

describe('a run that has recorded nothing yet', () => {
  test('renders the page and every partial with an empty note instead of failing', async () => {
    const page = await text('/runs/main/empty-run', emptyDashboard);
    expect(page).toContain('id="equity-chart"');
    for (const name of PANELS) {
      const body = await text(`/runs/main/empty-run/partials/${name}`, emptyDashboard);
      expect(body.length).toBeGreaterThan(0);
    }
    expect(await text('/runs/main/empty-run/partials/summary', emptyDashboard)).toContain('No equity recorded yet.');
    expect(await text('/runs/main/empty-run/partials/fills', emptyDashboard)).toContain('No fills yet.');
    expect(await text('/runs/main/empty-run/partials/breaker', emptyDashboard)).toContain('Never tripped.');
    // A finished run will record nothing more: its empty panels say so without "yet".
    for (const [panel, note] of [['signals', 'No signals.'], ['orders', 'No orders.'], ['fills', 'No fills.']]) {
      const body = await text(`/runs/bt-finished/bt-finished/partials/${panel}`);
      expect(body).toContain(note);
      expect(body).not.toContain('yet');
    }
    const chart = (await (await get('/runs/main/empty-run/chart-data', emptyDashboard)).json()) as { equity: { x: number[] } };
    expect(chart.equity.x).toEqual([]);
  });

  test('lists no runs in an empty folder and redirects / to the runs list when there are none', async () => {
    closeDb(openDb(join(dir, 'bare.db'))); // what db:init leaves: the schema, no run
    const bare = createDashboard({ dbPath: join(dir, 'bare.db'), backtestsDir: join(dir, 'none') });
    try {
      expect((await get('/', bare)).headers.get('location')).toBe('/runs');
      expect(await text('/runs', bare)).toContain('No runs yet.');
    } finally {
      bare.close();
    }
  });
});

describe('panels of a live run', () => {
  test('summary shows portfolio value, cash, realised, unrealised and daily P&L', async () => {
    const body = await text('/runs/main/small-run/partials/summary');
    for (const key of ['equity', 'cash', 'realized', 'unrealized', 'daily', 'total', 'exposure', 'fees']) {
      expect(body).toContain(`data-stat="${key}"`);
    }
    // Last equity row: i = 49 → 100000 + (49 % 7) * 150 - 49 * 20 = 99020; cash is 60% of it.
    expect(body).toContain('99,020.00');
    expect(body).toContain('59,412.00');
  });

  test('open positions show quantity, prices and unrealised P&L', async () => {
    const body = await text('/runs/main/small-run/partials/positions');
    expect(body).toContain('data-symbol="BTC/USD"');
    expect(body).toContain('47.50');
  });

  test('a newer position mark moves the unrealised P&L without a fill', async () => {
    const db = openDb(paperDb);
    rowWriter(db)('positions', {
      run_id: 'small-run', ts: T0 + 7 * MINUTE, symbol: 'BTC/USD', qty: 0.25, avg_price: 40_010, last_price: 40_410,
      realized_pnl: 0, unrealized_pnl: 100, source: 'mark',
    });
    closeDb(db);
    const body = await text('/runs/main/small-run/partials/positions');
    expect(body).toContain('40,410');
    expect(body).toContain('100.00');
    expect(body).not.toContain('47.50');
  });

  test('each signal shows its risk decision, and a rejection names the layer and the rule', async () => {
    const body = await text('/runs/main/small-run/partials/signals');
    // The approved quantity says what it is ("approved, qty 0.25", not a bare "approved 0.25").
    expect(body).toMatch(/data-signal="sig-1".*approved, qty <span class="qty">0\.25<\/span>.*sized by symbol\.max_pct/s);
    expect(body).toMatch(/data-signal="sig-2".*data-layer="position">rejected: position.*position\.stop_loss_required/s);
  });

  test('orders show their latest status, and fills are listed', async () => {
    expect(await text('/runs/main/small-run/partials/orders')).toMatch(/data-order="ord-1".*class="status-filled"/s);
    expect(await text('/runs/main/small-run/partials/fills')).toContain('data-fill="fill-1"');
  });

  test('the circuit breaker shows the halted state with the time and reason of the last trip', async () => {
    const body = await text('/runs/main/small-run/partials/breaker');
    expect(body).toContain('data-breaker-state="halted.dailyLoss"');
    expect(body).toContain('2024-01-01 00:30Z');
    expect(body).toContain('daily loss 5.1%');
  });

  test('alerts list the risk events', async () => {
    expect(await text('/runs/main/small-run/partials/alerts')).toMatch(/class="alert warning" data-kind="breaker_tripped"/);
  });

  test('a running run gets its metrics recomputed from its equity and fills', async () => {
    const body = await text('/runs/main/small-run/partials/metrics');
    expect(body).toContain('Recomputed from the run so far');
    expect(body).toMatch(/data-metric="final_equity"><th>Final equity<\/th><td>99,020\.00/);
  });

  test('every string from the database is escaped, on the page and in every partial', async () => {
    const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;';
    const bodies = [await text('/runs/main/small-run'), ...(await Promise.all(PANELS.map((p) => text(`/runs/main/small-run/partials/${p}`))))];
    for (const body of bodies) expect(body).not.toContain(HOSTILE);
    const all = bodies.join('\n');
    expect(all).toContain(escaped);
    expect((await text('/runs/main/small-run/partials/header'))).toContain(escaped.replace(/&quot;/g, '&quot;'));
  });
});

describe('a finished backtest', () => {
  test('shows the metrics stored with the run, the figures of its HTML report', async () => {
    const body = await text('/runs/bt-finished/bt-finished/partials/metrics');
    expect(body).toContain('Final figures, as in the run report');
    expect(body).toMatch(/data-metric="sharpe"><th>Sharpe<\/th><td>1\.23/);
    expect(body).toMatch(/data-metric="win_rate"><th>Win rate<\/th><td>54\.8%/);
    expect(body).toMatch(/data-metric="profit_factor"><th>Profit factor<\/th><td>1\.87/);
  });

  test('its page embeds the equity and drawdown series for the charts', async () => {
    const page = await text('/runs/bt-finished/bt-finished');
    const json = /<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(page)?.[1];
    const data = JSON.parse(json!) as { equity: { y: number[] }; drawdown: { y: number[] }; lastSeq: number };
    expect(data.equity.y).toEqual([100_000, 101_000, 102_000, 103_000, 104_000, 105_000, 106_000, 107_000, 108_000, 109_000]);
    expect(data.drawdown.y.every((d) => d === 0)).toBe(true);
    expect(data.lastSeq).toBe(10);
  });
});

describe('page wiring', () => {
  test('connects the page to the live stream and gives every panel a 5-second poll of its partial', async () => {
    const page = await text('/runs/main/small-run');
    expect(page).toContain('hx-ext="sse" sse-connect="/runs/main/small-run/stream?after=50"');
    for (const name of PANELS) {
      expect(page).toContain(`hx-get="/runs/main/small-run/partials/${name}" hx-trigger="every 5s" data-poll sse-swap="${name}"`);
    }
  });

  test('serves htmx 2, its SSE extension, uPlot and the glue script from the installed packages', async () => {
    const page = await text('/runs/main/small-run');
    for (const file of ['htmx.min.js', 'sse.js', 'uPlot.iife.min.js', 'uPlot.min.css', 'dashboard.js', 'dashboard.css']) {
      expect(page).toContain(`/static/${file}`);
      const response = await get(`/static/${file}`);
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBeGreaterThan(500);
    }
    expect(await text('/static/htmx.min.js')).toContain('2.0.');
    expect(await text('/static/sse.js')).toContain('sse-connect');
    expect(page).not.toMatch(/https?:\/\/(?!localhost)[a-z]/i);
  });

  test('sends a content security policy that allows only its own scripts', async () => {
    const csp = (await get('/runs/main/small-run')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
  });
});

describe('chart data', () => {
  test('returns only the points after a seq, with the drawdown from the running peak', async () => {
    const delta = (await (await get('/runs/bt-finished/bt-finished/chart-data?after=7')).json()) as {
      after: number; lastSeq: number; x: number[]; equity: number[]; drawdown: number[];
    };
    expect(delta).toEqual({
      after: 7,
      lastSeq: 10,
      x: [T0 / 1000 + 7 * 60, T0 / 1000 + 8 * 60, T0 / 1000 + 9 * 60],
      equity: [107_000, 108_000, 109_000],
      drawdown: [0, 0, 0],
    });
  });
});

describe('live stream', () => {
  test('pushes a fill another connection writes as a fills panel, and new equity as chart points', async () => {
    const dbPath = join(dir, 'live.db');
    buildSmallRun(dbPath, 'live-run');
    const live = createDashboard({ dbPath, backtestsDir: join(dir, 'none') });
    const writer = openDb(dbPath);
    const stream = new SseReader(await get('/runs/main/live-run/stream?after=50', live));
    try {
      await stream.until((e) => e.event === 'hello');
      const write = rowWriter(writer);
      write('fills', fillRow('live-run', 77, T0 + 60 * MINUTE));
      write('equity_snapshots', equityRow('live-run', T0 + 61 * MINUTE, 123_456));
      const fills = await stream.find((e) => e.event === 'fills');
      expect(fills.data).toContain('data-fill="fill-77"');
      const equity = await stream.find((e) => e.event === 'equity');
      expect(JSON.parse(equity.data)).toMatchObject({ after: 50, lastSeq: 51, equity: [123_456] });
      expect(equity.id).toBe('51');
      const summary = await stream.find((e) => e.event === 'summary');
      expect(summary.data).toContain('123,456.00');
    } finally {
      await stream.close();
      closeDb(writer);
      live.close();
    }
  });

  test('ignores rows written for another run in the same database', async () => {
    const dbPath = join(dir, 'two-runs.db');
    buildSmallRun(dbPath, 'watched');
    const other = openDb(dbPath);
    insertRun(other, { id: 'other' });
    const live = createDashboard({ dbPath, backtestsDir: join(dir, 'none') });
    const stream = new SseReader(await get('/runs/main/watched/stream?after=50', live));
    try {
      await stream.until((e) => e.event === 'hello');
      const write = rowWriter(other);
      write('fills', fillRow('other', 5, T0));
      write('fills', fillRow('watched', 6, T0));
      const fills = await stream.until((e) => e.event === 'fills');
      expect(fills.data).toContain('data-fill="fill-6"');
      expect(fills.data).not.toContain('data-fill="fill-5"');
    } finally {
      await stream.close();
      closeDb(other);
      live.close();
    }
  });

  test('resumes the chart from Last-Event-ID after a reconnect', async () => {
    const stream = new SseReader(
      await dashboard.app.request('http://localhost/runs/bt-finished/bt-finished/stream?after=0', { headers: { 'last-event-id': '8' } }),
    );
    try {
      await stream.until((e) => e.event === 'hello');
      const equity = await stream.until((e) => e.event === 'equity');
      expect(JSON.parse(equity.data)).toMatchObject({ after: 8, lastSeq: 10, equity: [108_000, 109_000] });
    } finally {
      await stream.close();
    }
  });
});
