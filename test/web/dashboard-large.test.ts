// The dashboard over a run of 1,000,000 events: every partial still answers with the latest rows, the chart
// is reduced to what a screen can show, and time travel works at any step. (Speed is measured in the bench.)
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { closeDb, openDb } from '../../db/client.ts';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { DASHBOARD_CHART_POINTS } from '../../web/data/run-view.ts';
import { PANELS } from '../../web/views/dashboard-page.ts';
import { buildLargeRun, LARGE_RUN_COUNTS, LARGE_RUN_ID } from '../support/dashboard-db.ts';
import { tempDir } from '../support/real-data.ts';

const dir = tempDir('qs-dash-large-');
const dbPath = join(dir, 'large.db');
let dashboard: Dashboard;
let events = 0;
const base = `http://localhost/runs/main/${LARGE_RUN_ID}`;

beforeAll(() => {
  events = buildLargeRun(dbPath);
  dashboard = createDashboard({ dbPath, backtestsDir: join(dir, 'none') });
}, 120_000);

afterAll(() => dashboard?.close());

async function body(path: string): Promise<string> {
  const response = await dashboard.app.request(`${base}${path}`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('a run DB holding 1,000,000 events', () => {
  test('holds a million events across the event tables', () => {
    expect(events).toBe(1_000_000);
    const db = openDb(dbPath);
    try {
      const count = (table: string) => db.$client.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
      for (const [table, expected] of Object.entries(LARGE_RUN_COUNTS)) expect(count(table)).toBe(expected);
    } finally {
      closeDb(db);
    }
  });

  test('renders every partial, each showing the newest rows first', async () => {
    for (const name of [...PANELS, 'header']) expect((await body(`/partials/${name}`)).length).toBeGreaterThan(50);
    const signals = await body('/partials/signals');
    expect(signals.match(/<tr data-signal=/g)?.length).toBe(25);
    expect(signals.indexOf('data-signal="sig-79999"')).toBeGreaterThan(0);
    expect(signals.indexOf('data-signal="sig-79999"')).toBeLessThan(signals.indexOf('data-signal="sig-79998"'));
    // sig-79998 is rejected (k % 3 === 0): the decision lookup reaches it on a million-row table.
    expect(signals).toMatch(/data-signal="sig-79998".*?rejected: symbol/s);
    expect(await body('/partials/orders')).toMatch(/data-order="ord-49999".*?class="status-filled"/s);
    expect(await body('/partials/fills')).toContain('data-fill="fill-39999"');
    expect(await body('/partials/breaker')).toContain('data-breaker-state="trading"');
    expect(await body('/partials/metrics')).toContain('data-metric="sharpe"');
  }, 60_000);

  test('reduces the 600,000-point equity curve to at most 2000 points, first and last kept', async () => {
    const chart = JSON.parse(await body('/chart-data')) as { equity: { x: number[] }; drawdown: { x: number[] }; lastSeq: number };
    expect(chart.equity.x.length).toBeLessThanOrEqual(DASHBOARD_CHART_POINTS);
    expect(chart.equity.x.length).toBeGreaterThan(DASHBOARD_CHART_POINTS / 2);
    expect(chart.drawdown.x.length).toBeLessThanOrEqual(DASHBOARD_CHART_POINTS);
    expect(chart.lastSeq).toBe(LARGE_RUN_COUNTS.equity_snapshots);
  });

  test('time-travels to any step of its 9,000 transitions', async () => {
    const latest = await body('/machines/body');
    expect(latest).toContain('data-total="9000"');
    // The generator's first breaker trip is the 8th transition of the run.
    const section = (html: string) => /<section class="machine" id="machine-circuitBreaker"[^>]*>/.exec(html)?.[0];
    const before = await body('/machines/body?step=7');
    expect(before).toContain('step 7 of 9000');
    expect(section(before)).toContain('data-current-state="trading"');
    const tripped = await body('/machines/body?step=8');
    expect(section(tripped)).toContain('data-current-state="halted.dailyLoss"');
  }, 60_000);
});
