// Issue 7 item 10, through the real commands on the real ORCL file: a stock file imported with --market crypto
// is refused; a deliberate second series on a named exchange is allowed and selected with --exchange in every
// command; data:remove undoes it without touching anything else.
import { afterAll, describe, expect, test } from 'bun:test';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Database } from 'bun:sqlite';
import { DATA_DIR, tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const ORCL = join(DATA_DIR, 'orcl-1995-2014.csv');
const dir = tempDir('qs-wrong-market-');
const dbPath = join(dir, 'market.db');
const outDir = join(dir, 'backtests');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Only db:init creates a database: the user's first step.
Bun.spawnSync(['bun', join(REPO_ROOT, 'scripts', 'db-init.ts'), '--db', dbPath], { cwd: REPO_ROOT });

function run(script: string, args: string[]): { exitCode: number; stdout: string; stderr: string } {
  const proc = Bun.spawnSync(['bun', join(REPO_ROOT, 'scripts', script), ...args, '--db', dbPath], { cwd: REPO_ROOT });
  return { exitCode: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

function query<T>(sql: string): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.query<T, []>(sql).all();
  } finally {
    db.close();
  }
}

const rowsBy = (): Array<{ exchange: string; n: number }> =>
  query('SELECT exchange, count(*) AS n FROM candles GROUP BY exchange ORDER BY exchange');

const BACKTEST = ['--strategy', 'mean_reversion', '--symbols', 'ORCL', '--timeframe', '1d', '--from', '2010-01-01', '--to', '2014-12-31', '--quiet', '--out', outDir];

describe('a stock file imported as crypto, and undoing a second series', () => {
  test('the stock import succeeds', () => {
    const imported = run('data-import.ts', ['--file', ORCL, '--symbol', 'ORCL', '--timeframe', '1d', '--market', 'stock']);
    expect(imported.exitCode).toBe(0);
    expect(rowsBy()).toEqual([{ exchange: 'nasdaq', n: 5036 }]);
  }, 60_000);

  test('importing it again with --market crypto is refused in one line and stores nothing', () => {
    const refused = run('data-import.ts', ['--file', ORCL, '--symbol', 'ORCL', '--timeframe', '1d', '--market', 'crypto']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      'error: ORCL is stored as stock on nasdaq; --market crypto contradicts it: import with --market stock, '
        + 'or name a new exchange with --exchange to keep a separate crypto series\n',
    );
    expect(rowsBy()).toEqual([{ exchange: 'nasdaq', n: 5036 }]);
    expect(query('SELECT exchange FROM instruments')).toEqual([{ exchange: 'nasdaq' }]);
  }, 60_000);

  test('a new exchange named with --exchange may hold a separate crypto series', () => {
    const imported = run('data-import.ts', ['--file', ORCL, '--symbol', 'ORCL', '--timeframe', '1d', '--market', 'crypto', '--exchange', 'testx']);
    expect(imported.exitCode).toBe(0);
    expect(imported.stdout).toContain('see all with `bun run data:validate --symbol ORCL --timeframe 1d --exchange testx`');
    expect(rowsBy()).toEqual([{ exchange: 'nasdaq', n: 5036 }, { exchange: 'testx', n: 5036 }]);
  }, 60_000);

  test('without --exchange the backtest asks for one; with it, it runs on that series', () => {
    const ambiguous = run('backtest.ts', BACKTEST);
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toBe('error: ORCL is stored for 2 exchanges (nasdaq, testx); name the exchange with --exchange\n');

    const chosen = run('backtest.ts', [...BACKTEST, '--exchange', 'nasdaq', '--json']);
    expect(chosen.stderr).toBe('');
    expect(chosen.exitCode).toBe(0);
    const summary = JSON.parse(chosen.stdout.trim().split('\n').at(-1)!) as { run_id: string };
    const config = query<{ config: string }>(`SELECT config FROM runs WHERE id = '${summary.run_id}'`)[0]!.config;
    expect(JSON.parse(config).markets.ORCL).toMatchObject({ kind: 'stock', exchange: 'nasdaq' });

    const missing = run('backtest.ts', [...BACKTEST, '--exchange', 'binance']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('error: no ORCL data on binance: it is stored on nasdaq, testx\n');
  }, 60_000);

  test('data:validate selects the series with --exchange', () => {
    expect(run('data-validate.ts', ['--symbol', 'ORCL', '--timeframe', '1d']).stderr).toContain('name the exchange with --exchange');
    const stock = run('data-validate.ts', ['--symbol', 'ORCL', '--timeframe', '1d', '--exchange', 'nasdaq']);
    expect(stock.exitCode).toBe(0);
    expect(stock.stdout).toStartWith('nasdaq ORCL 1d: 5036 candles');
    const crypto = run('data-validate.ts', ['--symbol', 'ORCL', '--timeframe', '1d', '--exchange', 'testx']);
    expect(crypto.stdout).toStartWith('testx ORCL 1d: 5036 candles');
    expect(crypto.stdout).toContain('gap: ');
  }, 60_000);

  test('data:remove refuses the ambiguous symbol, then removes exactly the named series and says what', () => {
    const runsBefore = query('SELECT id FROM runs');
    const refused = run('data-remove.ts', ['--symbol', 'ORCL']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe('error: ORCL is stored for 2 exchanges (nasdaq, testx); name one with --exchange; nothing removed\n');
    expect(rowsBy()).toEqual([{ exchange: 'nasdaq', n: 5036 }, { exchange: 'testx', n: 5036 }]);

    const removed = run('data-remove.ts', ['--symbol', 'ORCL', '--exchange', 'testx']);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toBe(
      'removed 5036 candle rows of ORCL on testx and the instrument ORCL on testx (crypto, adjusted prices, csv:orcl-1995-2014.csv (yahoo))\n',
    );
    expect(rowsBy()).toEqual([{ exchange: 'nasdaq', n: 5036 }]);
    expect(query('SELECT exchange, kind FROM instruments')).toEqual([{ exchange: 'nasdaq', kind: 'stock' }]);
    expect(query('SELECT id FROM runs')).toEqual(runsBefore);
    expect(readdirSync(outDir).filter((file) => file.endsWith('.db'))).toHaveLength(1);

    // The single remaining series needs no --exchange again.
    expect(run('backtest.ts', BACKTEST).exitCode).toBe(0);
  }, 60_000);
});
