// Acceptance of bun run sweep on the real BTC/USD candles: a 76-combination sweep with its report, sampled
// combinations equal to separate `bun run backtest --param` runs, walk-forward with its stitched curve, and bad
// input refused in one line before anything is written.
import { beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import { importCsvFile } from '../../../actors/adapters/csv-import.ts';
import { loadRiskLimits, loadStrategyDefinition, loadVenueConfig } from '../../../actors/adapters/config.ts';
import { runCombination } from '../../../actors/sweep/combination.ts';
import { CURVES_KEPT, planSweep, runSweep, type SweepRequest, type SweepResult } from '../../../actors/sweep/run-sweep.ts';
import { metricOf } from '../../../machines/research/sweep-metric.ts';
import { createDashboard } from '../../../web/app.ts';
import { closeDb, openDb } from '../../../db/client.ts';
import { periodReturns } from '../../../machines/metrics/performance.ts';
import { deflatedSharpe, periodSharpe, probabilityOfOverfitting } from '../../../machines/research/overfitting.ts';
import { renderSweepReport } from '../../../web/report/render-sweep-report.ts';
import { DATA_DIR, tempDir } from '../../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..', '..');
const dir = tempDir('qs-sweep-');
const dbPath = join(dir, 'market.db');
const RANGE = ['--symbols', 'BTC/USD', '--timeframe', '1d', '--from', '2016-01-01', '--to', '2024-12-31'];
const LONG = 600_000;

function cli(script: string, args: string[]) {
  const proc = Bun.spawnSync(['bun', join(ROOT, 'scripts', `${script}.ts`), ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

let sweep: SweepResult;
let request: SweepRequest;

beforeAll(async () => {
  const db = openDb(dbPath);
  importCsvFile(db, { file: join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
  closeDb(db);
  request = {
    strategyName: 'mean_reversion',
    grid: 'lookback=10:60:5,entry_z=1.5:3:0.25',
    metric: 'sharpe',
    symbols: ['BTC/USD'],
    timeframe: '1d',
    fromTs: Date.parse('2016-01-01T00:00:00Z'),
    toTs: Date.parse('2024-12-31T23:59:59.999Z'),
    workers: 2,
    keep: 2,
    dbPath,
    outDir: join(dir, 'sweeps'),
    quiet: true,
    now: () => 0,
    renderReport: renderSweepReport,
  };
  sweep = await runSweep(request);
}, LONG);

describe('a sweep on real data', () => {
  test('runs 76 combinations (77 minus the one the schema refuses) into one row each, with its report', () => {
    const db = new Database(sweep.dbPath, { readonly: true });
    const rows = db.query(`SELECT combination, params, summary, metric, run_id FROM sweep_results WHERE phase = 'full' ORDER BY combination`).all() as { combination: number; params: string; summary: string; metric: number | null; run_id: string | null }[];
    const row = db.query('SELECT status, combinations, summary FROM sweeps').get() as { status: string; combinations: number; summary: string };
    db.close();
    expect(rows).toHaveLength(76);
    expect(row).toMatchObject({ status: 'finished', combinations: 76 });
    expect(sweep.report.skipped).toHaveLength(1);
    expect(sweep.report.skipped[0]).toStartWith('lookback=10, entry_z=3: entry_z: can never be reached');
    // The best two keep their event history as ordinary run DBs and reports.
    const kept = rows.filter((r) => r.run_id !== null).map((r) => r.run_id!);
    expect(kept).toHaveLength(2);
    for (const runId of kept) expect(existsSync(join(dir, 'sweeps', sweep.sweepId, `${runId}.db`))).toBe(true);
    expect(readdirSync(join(dir, 'sweeps', sweep.sweepId)).filter((f) => f.endsWith('.db'))).toHaveLength(2);

    const html = readFileSync(sweep.reportPath!, 'utf8');
    expect(html).toContain('<table class="heatmap" data-pair="0" data-x="lookback" data-y="entry_z"');
    expect(html).toContain('id="dsr"');
    expect(html).toContain('id="pbo"');
    expect(html.match(/<table class="sensitivity"/g)).toHaveLength(2);
    expect(html).not.toContain('src="http');
    const summary = JSON.parse(row.summary);
    expect(summary.deflated_sharpe).toBeGreaterThanOrEqual(0);
    expect(summary.deflated_sharpe).toBeLessThanOrEqual(1);
    expect(summary.pbo).toBeGreaterThanOrEqual(0);
    expect(summary.pbo).toBeLessThanOrEqual(1);
  });

  test('its deflated Sharpe and PBO (worked out on the workers) equal one pass of the formulas over every curve', async () => {
    // Every curve again, on this thread: the sweep itself keeps only its best few.
    const plan = await planSweep(request);
    const env = { definition: (await loadStrategyDefinition('mean_reversion')).definition, limits: loadRiskLimits(), venue: loadVenueConfig() };
    const curves = plan.combos.map((params, id) => runCombination(plan.setup, env, plan.columns, { id, params, fromTs: request.fromTs, toTs: request.toTs }).equity);
    const returns = curves.map((equity) => periodReturns(equity));
    const best = sweep.report.outcomes[0]!;
    expect(sweep.report.deflated).toEqual(deflatedSharpe(periodReturns(curves[best.id]!), returns.map(periodSharpe)));
    expect(sweep.report.pbo).toEqual(probabilityOfOverfitting(returns, 16));
    expect(sweep.report.pbo!.splits).toBe(12_870);
  }, LONG);

  test('its report says where the combinations ran: on this machine\'s workers, or through the queue', () => {
    expect(readFileSync(sweep.reportPath!, 'utf8')).toContain(' · 76 combinations on 2 worker(s) in ');
    const queued = renderSweepReport({ ...sweep.report, queue: 'redis://127.0.0.1:6379' });
    expect(queued).toContain(' · 76 combinations through the queue at redis://127.0.0.1:6379 (sweep:worker processes) in ');
    expect(queued).not.toContain('worker(s)');
  });

  test('keeps the equity curves of its best five combinations only, each the curve that combination draws', () => {
    const kept = sweep.report.outcomes.filter((o) => o.curve !== undefined);
    expect(kept.map((o) => o.id)).toEqual(sweep.report.outcomes.slice(0, CURVES_KEPT).map((o) => o.id));
    expect(kept).toHaveLength(5);
    for (const o of kept) expect(o.curve!.equity.length).toBe(o.bars);
  });

  test('each sampled combination equals a separate bun run backtest with the same --param values', () => {
    const db = new Database(sweep.dbPath, { readonly: true });
    const rows = db.query(`SELECT combination, params, summary FROM sweep_results WHERE phase = 'full' ORDER BY combination`).all() as { combination: number; params: string; summary: string }[];
    db.close();
    // A fixed sample: first, a middle one, the last.
    for (const row of [rows[0]!, rows[37]!, rows[75]!]) {
      const params = JSON.parse(row.params) as Record<string, number>;
      const out = cli('backtest', ['--strategy', 'mean_reversion', ...RANGE, '--db', dbPath, '--out', join(dir, 'bt'), '--quiet', '--json', ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])]);
      expect(out.stderr).toBe('');
      const runId = JSON.parse(out.stdout.trim().split('\n').pop()!).run_id as string;
      const market = new Database(dbPath, { readonly: true });
      const stored = market.query('SELECT summary, config FROM runs WHERE id = ?').get(runId) as { summary: string; config: string };
      market.close();
      const { run_id: _r, db: _d, report: _p, ...summary } = JSON.parse(stored.summary);
      expect(JSON.parse(stored.config).strategy).toMatchObject(params);
      expect(summary).toEqual(JSON.parse(row.summary));
    }
  }, LONG);
});

describe('walk-forward', () => {
  test('on BTC/USD 2016–2024 produces six windows, their table and the stitched out-of-sample curve', () => {
    const out = cli('sweep', ['--strategy', 'mean_reversion', ...RANGE, '--grid', 'lookback=20:60:20,entry_z=1.5:2.5:0.5', '--walk-forward', 'train=3y,test=1y,step=1y', '--db', dbPath, '--out', join(dir, 'wf'), '--keep', '0', '--workers', '2', '--quiet', '--json']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!);
    expect(result.walk_forward).toHaveLength(6);
    expect(result.walk_forward[0]).toMatchObject({ window: 0, params: { lookback: expect.any(Number), entry_z: expect.any(Number) } });
    // The printed table: one line per window, columns aligned, the stitched return as a percentage.
    const lines = out.stdout.split('\n');
    const windows = lines.filter((l) => l.startsWith('window '));
    expect(windows).toHaveLength(6);
    expect(windows[0]).toStartWith('window 1    test 2019-01-01 → 2019-12-31  ');
    expect(new Set(windows.map((l) => l.indexOf('in-sample'))).size).toBe(1);
    expect(new Set(windows.map((l) => l.indexOf('out-of-sample'))).size).toBe(1);
    expect(lines.find((l) => l.startsWith('walk-fwd'))).toMatch(/^walk-fwd {4}out-of-sample sharpe -?\d+\.\d{3}, return [-+]?\d+\.\d{2}%$/);
    const html = readFileSync(result.report, 'utf8');
    expect(html.match(/<table class="walk-forward">[\s\S]*?<\/table>/)![0].match(/<tr><td>/g)).toHaveLength(6);
    expect(html).toContain('<td>2019-01-01 → 2019-12-31</td>');
    expect(html).toContain('id="stitched-equity"');
    const db = new Database(result.db, { readonly: true });
    const counts = db.query(`SELECT phase, count(*) AS n FROM sweep_results GROUP BY phase ORDER BY phase`).all();
    db.close();
    expect(counts).toEqual([{ phase: 'full', n: 9 }, { phase: 'test', n: 6 }, { phase: 'train', n: 54 }]);
    const reportData = JSON.parse(html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/)![1]!);
    // The stitched curve covers 2019 through 2024; equity is stamped at each bar's close, so it runs from the close
    // of 1 January 2019 to the close of 31 December 2024.
    const iso = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
    expect([iso(reportData.stitched.x[0]), iso(reportData.stitched.x.at(-1))]).toEqual(['2019-01-02', '2025-01-01']);
  }, LONG);
});

describe('walk-forward by a trade-based metric', () => {
  test('the stitched out-of-sample summary pools the test windows\' trades and fees (it had none: win rate 0)', async () => {
    const result = await runSweep({ ...request, grid: 'lookback=20:60:20,entry_z=1.5:2.5:0.5', metric: 'win_rate', walkForward: 'train=3y,test=1y', keep: 0, outDir: join(dir, 'wf-win-rate'), renderReport: undefined });
    const wf = result.report.walkForward!;
    const windows = wf.rows.map((r) => r.outOfSample);
    const trades = windows.reduce((n, w) => n + w.trades, 0);
    expect(trades).toBeGreaterThan(0);
    expect(wf.outOfSample.trades).toBe(trades);
    expect(wf.outOfSample.fees).toBeCloseTo(windows.reduce((sum, w) => sum + w.fees, 0), 6);
    expect(wf.outOfSample.win_rate).toBeCloseTo(windows.reduce((sum, w) => sum + w.win_rate * w.trades, 0) / trades, 12);
    expect(wf.outOfSample.expectancy).toBeCloseTo(windows.reduce((sum, w) => sum + w.expectancy * w.trades, 0) / trades, 9);
    expect(wf.outOfSample.best_trade).toBe(Math.max(...windows.map((w) => w.best_trade)));
    expect(wf.outOfSample.worst_trade).toBe(Math.min(...windows.map((w) => w.worst_trade)));
    // Time in market is the windows', weighted by their bars (the stitched points carry no exposure of their own).
    const bars = wf.rows.map((r) => r.window.testTo - r.window.testFrom);
    expect(wf.outOfSample.exposure).toBeGreaterThan(0);
    expect(wf.outOfSample.exposure).toBeCloseTo(windows.reduce((sum, w, i) => sum + w.exposure * bars[i]!, 0) / bars.reduce((a, b) => a + b, 0), 2);
  }, LONG);
});

describe('ranking by profit factor', () => {
  test('a combination with no losing trade (profit factor ∞, null in its summary) ranks first and is shown as ∞', async () => {
    const result = await runSweep({
      ...request,
      grid: 'lookback=10:60:10,entry_z=1.5:2.5:0.5',
      metric: 'profit_factor',
      fromTs: Date.parse('2017-01-01T00:00:00Z'),
      toTs: Date.parse('2017-12-31T23:59:59.999Z'),
      keep: 1,
      outDir: join(dir, 'profit-factor'),
    });
    const best = result.report.outcomes[0]!;
    expect(best.params).toEqual({ lookback: 60, entry_z: 2 });
    expect(best.summary).toMatchObject({ profit_factor: null, trades: 1 });
    expect(best.metric).toBe(Infinity);
    // A combination with no trade at all has a profit factor of 0, not ∞: it is among the last.
    expect(result.report.outcomes.at(-1)!.summary.trades).toBe(0);
    expect(metricOf({ ...best.summary, profit_factor: null }, 'profit_factor')).toBe(Infinity);
    expect(metricOf({ ...best.summary, cagr: null }, 'cagr')).toBeNull();
    // The overfitting measures still get finite Sharpes and returns.
    expect(Number.isFinite(result.report.deflated!.deflatedSharpe)).toBe(true);
    expect(Number.isFinite(result.report.pbo!.pbo)).toBe(true);
    const html = readFileSync(result.reportPath!, 'utf8');
    expect(html).toContain('<td class="params">lookback=60, entry_z=2</td><td>∞</td>');
    expect(html).toContain('∞: no losing trade, ranked above every finite profit_factor.');
    // Stored as ∞ too: the row's REAL holds Infinity (SQL ranks it first), the summary's JSON the string "Infinity".
    const sweepDb = new Database(result.dbPath, { readonly: true });
    try {
      const top = sweepDb.query<{ params: string; metric: number | null }, []>("SELECT params, metric FROM sweep_results WHERE phase = 'full' ORDER BY metric DESC, combination LIMIT 1").get()!;
      expect({ params: JSON.parse(top.params), metric: top.metric }).toEqual({ params: { lookback: 60, entry_z: 2 }, metric: Infinity });
      const summary = JSON.parse(sweepDb.query<{ summary: string }, []>('SELECT summary FROM sweeps').get()!.summary);
      expect(summary.best).toMatchObject({ params: { lookback: 60, entry_z: 2 }, metric: 'Infinity' });
    } finally {
      sweepDb.close();
    }
    // The dashboard's sweep list reads that summary.
    const dashboard = createDashboard({ dbPath, backtestsDir: join(dir, 'no-backtests'), sweepsDir: join(dir, 'profit-factor') });
    try {
      const page = await (await dashboard.app.request('/runs')).text();
      expect(page).toContain('lookback=60, entry_z=2: profit_factor ∞');
    } finally {
      dashboard.close();
    }
  }, LONG);
});

describe('walk-forward from a month end', () => {
  test('monthly test windows from 31 December chain one after another into the stitched curve (they used to overlap and crash it)', () => {
    const out = cli('sweep', ['--strategy', 'mean_reversion', '--symbols', 'BTC/USD', '--timeframe', '1d', '--from', '2015-12-31', '--to', '2016-12-31', '--grid', 'lookback=10|15,entry_z=1.5|2', '--walk-forward', 'train=2m,test=1m', '--db', dbPath, '--out', join(dir, 'wf-month-end'), '--keep', '0', '--workers', '2', '--quiet']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const tests = out.stdout.split('\n').filter((l) => l.startsWith('window ')).map((l) => l.match(/test (\S+) → (\S+)/)!.slice(1));
    expect(tests).toHaveLength(10);
    expect(tests[0]).toEqual(['2016-02-29', '2016-03-30']);
    // Each window's last day is the day before the next one's first.
    for (let k = 1; k < tests.length; k++) expect(Date.parse(tests[k]![0]!) - Date.parse(tests[k - 1]![1]!)).toBe(86_400_000);
  }, LONG);
});

describe('grid values checked against the grid, not the YAML', () => {
  test("a value is refused only when no combination of the grid can take it; a pair that cannot go together is skipped", async () => {
    // The YAML's entry_z is 2, which lookback=5 cannot reach; the grid's own entry_z values can be.
    const fine = await planSweep({ ...request, grid: 'lookback=5|10,entry_z=1|1.5' });
    expect(fine.combos).toHaveLength(4);
    expect(fine.skipped).toEqual([]);
    const paired = await planSweep({ ...request, grid: 'lookback=5|10,entry_z=1.5|2.5' });
    expect(paired.combos).toEqual([{ lookback: 5, entry_z: 1.5 }, { lookback: 10, entry_z: 1.5 }, { lookback: 10, entry_z: 2.5 }]);
    expect(paired.skipped).toHaveLength(1);
    expect(paired.skipped[0]).toStartWith('lookback=5, entry_z=2.5: entry_z: can never be reached');
  });

  test('without --keep, the best three are kept, or every combination of a smaller grid', async () => {
    expect((await planSweep({ ...request, keep: undefined })).keep).toBe(3);
    expect((await planSweep({ ...request, keep: undefined, grid: 'lookback=20|30' })).keep).toBe(2);
  });

  test('null takes a nullable parameter back to YAML null, as --param does', async () => {
    const plan = await planSweep({ ...request, grid: 'take_profit_pct=null|0.1' });
    expect(plan.combos).toEqual([{ take_profit_pct: null }, { take_profit_pct: 0.1 }]);
  });
});

describe('bad input is refused in one line before any work starts', () => {
  const cases: [string, string[], string][] = [
    ['an empty grid', ['--grid', ''], '--grid is empty'],
    ['an unknown parameter', ['--grid', 'lookbak=10:20:5'], '--grid: lookbak=10 is refused by mean_reversion\'s schema: unknown key `lookbak`, did you mean `lookback`?'],
    ['a value outside the schema', ['--grid', 'lookback=20,entry_z=-1|2'], '--grid: entry_z=-1 is refused by mean_reversion\'s schema: entry_z: Too small'],
    ['a walk-forward window longer than the data', ['--grid', 'lookback=20|30', '--walk-forward', 'train=8y,test=2y'], '--walk-forward: train 8y + test 2y is longer than the data (2016-01-01 → 2024-12-31'],
    ['a lookback longer than the data', ['--grid', 'lookback=20|4000'], '--grid: lookback=4000 needs 4000 bars of warm-up, but BTC/USD has only 3288 in the range'],
    ['an unknown metric', ['--grid', 'lookback=20|30', '--metric', 'sharp'], '--metric: no metric "sharp"'],
    ['a value listed twice', ['--grid', 'lookback=20|30|20'], '--grid: lookback=20|30|20 lists 20 twice'],
    ['overlapping walk-forward test windows', ['--grid', 'lookback=20|40', '--walk-forward', 'train=1y,test=1y,step=6m'], '--walk-forward: step 6m is shorter than test 1y: the test windows would overlap'],
    ['--keep more than the combinations', ['--grid', 'lookback=20|30', '--keep', '5'], '--keep 5 is more than the 2 combination(s) the grid gives'],
    ['a hexadecimal number (a decimal one was meant)', ['--grid', 'lookback=0x14'], "--grid: lookback=0x14 is refused by mean_reversion's schema: lookback: Invalid input: expected number"],
    ['a range whose step is below the rounding', ['--grid', 'entry_z=2:2.0000000000001:0.00000000000001'], '--grid: entry_z=2:2.0000000000001:0.00000000000001 gives 2 more than once'],
    ['a value no combination of the grid can take', ['--grid', 'lookback=5|10,entry_z=1.5|3'], "--grid: entry_z=3 is refused by mean_reversion's schema: entry_z: can never be reached: with lookback 5,"],
    ['the value at fault, not the one it is paired with', ['--grid', 'lookback=5,entry_z=-1|3'], "--grid: entry_z=-1 is refused by mean_reversion's schema: entry_z: Too small"],
    ['a walk-forward training window shorter than the warm-up', ['--grid', 'lookback=20|60,entry_z=1.5|2', '--walk-forward', 'train=30d,test=1y'], '--grid: lookback=60, entry_z=1.5 needs 60 bars of warm-up, but BTC/USD has only 30 in training window 1'],
    ['a walk-forward key given twice', ['--grid', 'lookback=20|40', '--walk-forward', 'train=6m,test=3m,step=3m,train=1m'], '--walk-forward: train is given twice'],
    ['an unreachable Redis (no failed sweep DB left behind)', ['--grid', 'lookback=20|30', '--queue', 'redis://127.0.0.1:1'], '--queue redis://127.0.0.1:1: cannot reach Redis'],
    [
      'a range with no stored bars',
      ['--grid', 'lookback=20|30', '--from', '2030-01-01', '--to', '2031-01-01'],
      '--symbols: no BTC/USD 1d candles between 2030-01-01 and 2031-01-01: the stored ones run 2011-08-18 → 2025-09-24',
    ],
  ];
  test.each(cases)('%s', (_name, args, message) => {
    const out = cli('sweep', ['--strategy', 'mean_reversion', ...RANGE, '--db', dbPath, '--out', join(dir, 'refused'), ...args]);
    expect(out.code).not.toBe(0);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });
});
