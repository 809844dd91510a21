// Render time of every dashboard partial over a run DB of 1,000,000 events (`bun run bench` prints it).
// Each partial is requested through the app (routing, auth, queries, HTML) `rounds` times; the first
// request, which fills the in-memory tails, is reported apart as `cold_ms`.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, openDb } from '../db/client.ts';
import { createDashboard } from './app.ts';
import { buildLargeRun, equityRow, LARGE_RUN_ID, rowWriter, T0 } from './bench-data.ts';
import { PANELS } from './views/dashboard-page.ts';

export interface PartialTiming {
  partial: string;
  cold_ms: number;
  p50_ms: number;
  p95_ms: number;
}

export interface DashboardBenchResult {
  events: number;
  rounds: number;
  partials: PartialTiming[];
  /** Appending one equity row, then rendering summary + chart delta + metrics, as the live stream does. */
  live_update_p95_ms: number;
}

export interface DashboardBenchOptions {
  /** A run DB holding the run `runId` (build one with test/support/dashboard-db.ts `buildLargeRun`). */
  dbPath: string;
  runId: string;
  events: number;
  rounds?: number;
  /** Called between live-update rounds to append rows as a recorder would (optional). */
  appendEquity?: (round: number) => void;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export async function benchDashboard(options: DashboardBenchOptions): Promise<DashboardBenchResult> {
  const rounds = options.rounds ?? 100;
  const dashboard = createDashboard({ dbPath: options.dbPath, backtestsDir: `${options.dbPath}.none` });
  const base = `http://localhost/runs/main/${encodeURIComponent(options.runId)}`;
  const urls: [string, string][] = [
    ...PANELS.map((name): [string, string] => [name, `${base}/partials/${name}`]),
    ['header', `${base}/partials/header`],
    ['chart-data', `${base}/chart-data`],
    ['machines-body', `${base}/machines/body`],
    ['machines-step', `${base}/machines/body?step=4000`],
    ['runs', 'http://localhost/partials/runs'],
  ];
  const partials: PartialTiming[] = [];
  try {
    for (const [partial, url] of urls) {
      const times: number[] = [];
      let cold = 0;
      for (let i = 0; i <= rounds; i++) {
        const start = performance.now();
        const response = await dashboard.app.request(url);
        await response.text();
        if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
        const elapsed = performance.now() - start;
        if (i === 0) cold = elapsed;
        else times.push(elapsed);
      }
      times.sort((a, b) => a - b);
      partials.push({ partial, cold_ms: round2(cold), p50_ms: round2(percentile(times, 0.5)), p95_ms: round2(percentile(times, 0.95)) });
    }
    const live: number[] = [];
    if (options.appendEquity) {
      let lastSeq = ((await (await dashboard.app.request(`${base}/chart-data`)).json()) as { lastSeq: number }).lastSeq;
      for (let i = 0; i < Math.min(rounds, 50); i++) {
        options.appendEquity(i);
        const start = performance.now();
        await (await dashboard.app.request(`${base}/partials/summary`)).text();
        lastSeq = ((await (await dashboard.app.request(`${base}/chart-data?after=${lastSeq}`)).json()) as { lastSeq: number }).lastSeq;
        await (await dashboard.app.request(`${base}/partials/metrics`)).text();
        live.push(performance.now() - start);
      }
      live.sort((a, b) => a - b);
    }
    return {
      events: options.events,
      rounds,
      partials,
      live_update_p95_ms: live.length > 0 ? round2(percentile(live, 0.95)) : 0,
    };
  } finally {
    dashboard.close();
  }
}

/** Builds the 1,000,000-event run in a scratch folder under `tmpDir`, measures, and removes it. */
export async function runDashboardBench(tmpDir: string, rounds = 100): Promise<DashboardBenchResult> {
  const dir = mkdtempSync(join(tmpDir, 'quantsage-dashboard-bench-'));
  const dbPath = join(dir, 'run.db');
  const writer = { db: undefined as ReturnType<typeof openDb> | undefined };
  try {
    const events = buildLargeRun(dbPath);
    writer.db = openDb(dbPath);
    const write = rowWriter(writer.db);
    return await benchDashboard({
      dbPath,
      runId: LARGE_RUN_ID,
      events,
      rounds,
      // A live run appends one equity row per bar; the minute after the generated history.
      appendEquity: (i) => write('equity_snapshots', equityRow(LARGE_RUN_ID, T0 + (10_000_000 + i) * 60_000, 100_000)),
    });
  } finally {
    if (writer.db) closeDb(writer.db);
    rmSync(dir, { recursive: true, force: true });
  }
}
