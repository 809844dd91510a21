// `bun run backtest --alerts-config FILE` on real BTC/USD candles: the run DB's alerts follow the `rules:` of that
// file (drawdown steps, deduplication window), and a plain run follows the shipped config/alerts.yaml.
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importCsvFile } from '../../../actors/adapters/csv-import.ts';
import { ALERTS_CONFIG } from '../../../actors/alerts/alerts-config.ts';
import { closeDb, openDb } from '../../../db/client.ts';
import { DATA_DIR, tempDir } from '../../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../../..');
const dir = tempDir('qs-alert-rules-');
const marketPath = join(dir, 'market.db');
const THIRTY_DAYS_S = 30 * 24 * 3600;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The shipped config with only its `rules:` changed, as a user edits it. */
function alertsConfig(name: string, rules: string): string {
  const shipped = readFileSync(ALERTS_CONFIG, 'utf8');
  const edited = shipped.replace(/^rules:\n(?: {2}.*\n)+/m, `rules:\n${rules}`);
  expect(edited).not.toBe(shipped);
  const path = join(dir, name);
  writeFileSync(path, edited);
  return path;
}

function backtest(outName: string, ...extra: string[]) {
  const out = join(dir, outName);
  const proc = Bun.spawnSync([
    'bun', 'scripts/backtest.ts', '--strategy', 'mean_reversion', '--symbols', 'BTC/USD', '--timeframe', '1d',
    '--from', '2016-01-01', '--to', '2024-12-31', '--db', marketPath, '--out', out, '--quiet', ...extra,
  ], { cwd: REPO_ROOT });
  return { out, exitCode: proc.exitCode, stderr: proc.stderr.toString() };
}

interface AlertRow {
  key: string;
  level: string;
  body: string;
  bar_ts: number;
}

interface RunDb {
  alerts: AlertRow[];
  equity: { ts: number; equity: number }[];
  config: { alertRules: unknown };
}

function runOf(outName: string, ...extra: string[]): RunDb {
  const run = backtest(outName, ...extra);
  if (run.exitCode !== 0) throw new Error(`backtest ${extra.join(' ')}: ${run.stderr}`);
  const [file] = readdirSync(run.out).filter((f) => f.endsWith('.db'));
  const db = new Database(join(run.out, file!), { readonly: true });
  try {
    return {
      alerts: db.query('SELECT key, level, body, bar_ts FROM alerts ORDER BY seq').all() as AlertRow[],
      equity: db.query('SELECT ts, equity FROM equity_snapshots ORDER BY seq').all() as { ts: number; equity: number }[],
      config: JSON.parse((db.query('SELECT config FROM runs').get() as { config: string }).config),
    };
  } finally {
    db.close();
  }
}

/** The first bar at which equity is `pct` percent or more below its running peak. */
function firstDrawdownPast(equity: RunDb['equity'], pct: number): number | undefined {
  let peak = 0;
  for (const point of equity) {
    peak = Math.max(peak, point.equity);
    if ((peak - point.equity) / peak >= pct / 100) return point.ts;
  }
  return undefined;
}

const drawdownKeys = (run: RunDb) => [...new Set(run.alerts.filter((a) => a.key.startsWith('drawdown:')).map((a) => a.key))].sort();
const opened = (run: RunDb) => run.alerts.filter((a) => a.key === 'position:opened:BTC/USD');
const suppressedCount = (row: AlertRow) => Number(/suppressed (\d+) more/.exec(row.body)![1]);

let configured: RunDb;
let plain: RunDb;

beforeAll(() => {
  const db = openDb(marketPath);
  importCsvFile(db, { file: join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
  closeDb(db);
  const rules = `  dedup_window_s: ${THIRTY_DAYS_S}\n  drawdown_steps_pct: [1, 2, 3]\n`;
  configured = runOf('configured', '--alerts-config', alertsConfig('rules.yaml', rules));
  plain = runOf('plain');
}, 120_000);

describe('a backtest with an alerts config', () => {
  test('raises drawdown WARNINGs at the configured steps, first at the bar equity first falls past each', () => {
    expect(drawdownKeys(configured)).toEqual(['drawdown:1%', 'drawdown:2%', 'drawdown:3%']);
    for (const step of [1, 2, 3]) {
      const first = configured.alerts.find((a) => a.key === `drawdown:${step}%`)!;
      expect(first.level).toBe('warning');
      expect(first.bar_ts).toBe(firstDrawdownPast(configured.equity, step)!);
      expect(first.body).toEndWith(`(step −${step}%)`);
    }
  });

  test('sends a repeating key at most once per configured window and counts the rest in summaries naming it', () => {
    const sent = opened(configured);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.bar_ts - sent[i - 1]!.bar_ts).toBeGreaterThanOrEqual(THIRTY_DAYS_S * 1000);
    const summaries = configured.alerts.filter((a) => a.key === 'position:opened:BTC/USD:suppressed');
    expect(summaries.length).toBeGreaterThan(0);
    for (const s of summaries) expect(s.body).toEndWith(`more in the last ${THIRTY_DAYS_S} s`);
    // Deduplication holds alerts back, it does not change what the rules raise: the plain run sent every one.
    expect(sent.length + summaries.reduce((n, s) => n + suppressedCount(s), 0)).toBe(opened(plain).length);
  });

  test('records the rules it ran with in the run config', () => {
    expect(configured.config.alertRules).toEqual({ dedupWindowMs: THIRTY_DAYS_S * 1000, drawdownStepsPct: [1, 2, 3] });
  });
});

describe('a backtest without one follows the shipped config/alerts.yaml', () => {
  test('drawdown steps of 5% and 10% (the run never falls 15%), none at 1, 2 or 3%', () => {
    expect(drawdownKeys(plain)).toEqual(['drawdown:10%', 'drawdown:5%']);
    expect(firstDrawdownPast(plain.equity, 15)).toBeUndefined();
  });

  test('a 60 s window: on daily bars every position opened is sent, nothing is summarised', () => {
    expect(plain.alerts.filter((a) => a.key.endsWith(':suppressed'))).toEqual([]);
    expect(opened(plain).length).toBeGreaterThan(opened(configured).length);
  });
});

test('a bad rules value stops the command in one line naming the file and the field, before any run file exists', () => {
  const path = alertsConfig('bad.yaml', '  dedup_window_s: -1\n  drawdown_steps_pct: [5, 10, 15]\n');
  const run = backtest('refused', '--alerts-config', path);
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toBe(`error: ${path}: rules.dedup_window_s: Too small: expected number to be >0, got -1\n`);
  expect(() => readdirSync(run.out)).toThrow();
}, 60_000);
