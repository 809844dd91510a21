// A sweep over a crypto and a stock symbol together (the README's mixed backtest, BTC/USD and ORCL 2012–2014):
// two symbols close at the same moments and the metrics sample the curve daily, so each combination's summary
// must still equal a separate `bun run backtest` with the same --param values.
import { beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import { importCsvFile } from '../../../actors/adapters/csv-import.ts';
import { runSweep, type SweepResult } from '../../../actors/sweep/run-sweep.ts';
import { closeDb, openDb } from '../../../db/client.ts';
import { DATA_DIR, tempDir } from '../../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..', '..');
const dir = tempDir('qs-sweep-mixed-');
const dbPath = join(dir, 'market.db');
const SYMBOLS = 'BTC/USD,ORCL';
const FROM = '2012-01-01';
const TO = '2014-12-31';
const LONG = 600_000;

let sweep: SweepResult;

beforeAll(async () => {
  const db = openDb(dbPath);
  importCsvFile(db, { file: join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
  importCsvFile(db, { file: join(DATA_DIR, 'orcl-1995-2014.csv'), symbol: 'ORCL', timeframe: '1d', market: 'stock' });
  closeDb(db);
  sweep = await runSweep({
    strategyName: 'mean_reversion',
    grid: 'lookback=10:30:10,entry_z=1.5:2:0.5',
    metric: 'sharpe',
    symbols: SYMBOLS.split(','),
    timeframe: '1d',
    fromTs: Date.parse(`${FROM}T00:00:00Z`),
    toTs: Date.parse(`${TO}T23:59:59.999Z`),
    workers: 2,
    keep: 0,
    dbPath,
    outDir: join(dir, 'sweeps'),
    quiet: true,
    now: () => 0,
  });
}, LONG);

describe('a sweep over a crypto and a stock symbol', () => {
  test('the deflated Sharpe judges the Sharpe the summaries report: one return per UTC day, not one per recorded point', () => {
    const best = sweep.report.outcomes[0]!;
    const deflated = sweep.report.deflated!;
    expect(best.summary.sharpe).not.toBe(0);
    expect(deflated.sharpe * Math.sqrt(365)).toBeCloseTo(best.summary.sharpe, 9);
    const days = new Set([...best.curve!.ts].map((ts) => Math.floor(ts / 86_400_000))).size;
    expect(deflated.observations).toBe(days - 1);
  });

  test('each combination equals a separate bun run backtest with the same --param values', () => {
    const db = new Database(sweep.dbPath, { readonly: true });
    const rows = db.query(`SELECT params, summary FROM sweep_results WHERE phase = 'full' ORDER BY combination`).all() as { params: string; summary: string }[];
    db.close();
    expect(rows).toHaveLength(6);
    const traded = rows.filter((row) => JSON.parse(row.summary).trades > 0);
    expect(traded.length).toBeGreaterThan(0);
    for (const row of rows) {
      const params = JSON.parse(row.params) as Record<string, number>;
      const proc = Bun.spawnSync(
        [
          ...['bun', join(ROOT, 'scripts', 'backtest.ts'), '--strategy', 'mean_reversion', '--symbols', SYMBOLS, '--timeframe', '1d'],
          ...['--from', FROM, '--to', TO, '--db', dbPath, '--out', join(dir, 'bt'), '--quiet', '--json'],
          ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
        ],
        { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } },
      );
      expect(proc.stderr.toString()).toBe('');
      const runId = JSON.parse(proc.stdout.toString().trim().split('\n').pop()!).run_id as string;
      const market = new Database(dbPath, { readonly: true });
      const stored = market.query('SELECT summary FROM runs WHERE id = ?').get(runId) as { summary: string };
      market.close();
      const { run_id: _r, db: _d, report: _p, ...summary } = JSON.parse(stored.summary);
      expect(summary).toEqual(JSON.parse(row.summary));
    }
  }, LONG);
});
