// data:import onto a series that already has bars, through the real commands: a file whose bars fall between the
// stored ones, or that gives stored bars other values, is refused with nothing written (unless --replace); a
// re-import is a no-op; the warnings describe the series as stored, adjusted prices included.
import { afterAll, describe, expect, test } from 'bun:test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Database } from 'bun:sqlite';
import { DATA_DIR, tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const dir = tempDir('qs-import-over-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newDb(name: string): string {
  const path = join(dir, name);
  const init = Bun.spawnSync(['bun', join(REPO_ROOT, 'scripts', 'db-init.ts'), '--db', path], { cwd: REPO_ROOT });
  expect(init.exitCode).toBe(0);
  return path;
}

function run(script: string, args: string[]): { exitCode: number; stdout: string; stderr: string } {
  const proc = Bun.spawnSync(['bun', join(REPO_ROOT, 'scripts', script), ...args], { cwd: REPO_ROOT });
  return { exitCode: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

function importFile(dbPath: string, file: string, symbol: string, market: 'crypto' | 'stock', ...extra: string[]) {
  return run('data-import.ts', ['--file', file, '--symbol', symbol, '--timeframe', '1d', '--market', market, '--db', dbPath, ...extra]);
}

/** Every stored candle and instrument, as text: equal before and after means nothing was written. */
function contents(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    const candles = db.query('SELECT * FROM candles ORDER BY exchange, symbol, timeframe, ts').all();
    const instruments = db.query('SELECT * FROM instruments ORDER BY exchange, symbol').all();
    return JSON.stringify({ candles, instruments });
  } finally {
    db.close();
  }
}

function csv(name: string, rows: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, ['timestamp,open,high,low,close,volume', ...rows, ''].join('\n'));
  return path;
}

describe('importing onto stored bars', () => {
  const dbPath = newDb('market.db');
  const first = csv('first.csv', ['2020-01-01,100,110,90,105,10', '2020-01-02,105,115,95,110,12', '2020-01-03,110,120,100,115,11']);

  test('the same file twice: the second import changes nothing', () => {
    expect(importFile(dbPath, first, 'T/USD', 'crypto').exitCode).toBe(0);
    const before = contents(dbPath);
    const again = importFile(dbPath, first, 'T/USD', 'crypto');
    expect(again.exitCode).toBe(0);
    expect(again.stdout.trim().split('\n')).toEqual([
      'imported 3 rows of T/USD 1d on coinbase (generic layout), 2020-01-01 .. 2020-01-03, price basis raw, 0 warnings',
      '  0 new, 3 already stored unchanged: nothing changed',
    ]);
    expect(contents(dbPath)).toBe(before);
  });

  test('bars twelve hours off the stored ones are refused in one line, and nothing is written', () => {
    const before = contents(dbPath);
    const shifted = csv('shifted.csv', ['2020-01-02 12:00:00,105,115,95,110,12', '2020-01-03 12:00:00,110,120,100,115,11']);
    const result = importFile(dbPath, shifted, 'T/USD', 'crypto');
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      "error: shifted.csv line 2 (2020-01-02): 12h after the stored bar at 2020-01-02, less than one 1d bar: the file's bars are not on the stored series' times (2 more errors)",
    ]);
    expect(contents(dbPath)).toBe(before);
    expect(run('data-validate.ts', ['--symbol', 'T/USD', '--timeframe', '1d', '--db', dbPath]).exitCode).toBe(0);
  });

  test('other values for a stored bar are refused without --replace, and overwritten with it', () => {
    const before = contents(dbPath);
    const revised = csv('revised.csv', ['2020-01-02,999,1000,90,105,10', '2020-01-04,105,115,95,110,12']);
    const refused = importFile(dbPath, revised, 'T/USD', 'crypto');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      'error: revised.csv line 2 (2020-01-02): differs from the stored bar: open 105 → 999, high 115 → 1000, low 95 → 90, close 110 → 105,'
        + ' volume 12 → 10: importing would overwrite stored bars; pass --replace to overwrite them, or remove the series first (bun run data:remove)',
    ]);
    expect(contents(dbPath)).toBe(before);

    const replaced = importFile(dbPath, revised, 'T/USD', 'crypto', '--replace');
    expect(replaced.exitCode).toBe(0);
    // 2020-01-03 is missing from the file but stored: no gap to report.
    expect(replaced.stdout.trim().split('\n')).toEqual([
      'imported 2 rows of T/USD 1d on coinbase (generic layout), 2020-01-02 .. 2020-01-04, price basis raw, 0 warnings',
      '  1 new, 0 already stored unchanged',
      "  replaced 1 stored bar with the file's values (--replace)",
    ]);
    const db = new Database(dbPath, { readonly: true });
    expect(db.query('SELECT ts, open FROM candles ORDER BY ts').all()).toEqual([
      { ts: Date.UTC(2020, 0, 1), open: 100 },
      { ts: Date.UTC(2020, 0, 2), open: 999 },
      { ts: Date.UTC(2020, 0, 3), open: 110 },
      { ts: Date.UTC(2020, 0, 4), open: 105 },
    ]);
    db.close();
  });
});

describe('adjusted prices are checked as stored', () => {
  test('an Adj Close typo in the real ORCL file is reported at import, where data:validate would find it later', () => {
    const dbPath = newDb('orcl.db');
    const lines = readFileSync(join(DATA_DIR, 'orcl-1995-2014.csv'), 'utf8').split('\n');
    // Line 3000 is 2006-11-27 (Adj Close 16.829155): a slip of the decimal point makes the stored bar 100× too high.
    const cells = lines[2999]!.split(',');
    cells[5] = String(Number(cells[5]) * 100);
    lines[2999] = cells.join(',');
    const file = join(dir, 'orcl-typo.csv');
    writeFileSync(file, lines.join('\n'));
    const result = importFile(dbPath, file, 'ORCL', 'stock');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('  warning: orcl-typo.csv line 3000 (2006-11-27): outlier: range');
    const validated = run('data-validate.ts', ['--symbol', 'ORCL', '--timeframe', '1d', '--db', dbPath]);
    expect(validated.stdout).toContain('(2006-11-27): outlier: range');
  });
});

describe('data:validate --file agrees with data:import', () => {
  test('a header-only file is an error for both', () => {
    const file = csv('header-only.csv', []);
    const validated = run('data-validate.ts', ['--file', file, '--timeframe', '1d', '--market', 'crypto']);
    expect(validated.exitCode).toBe(1);
    expect(validated.stdout).toContain('  error: header-only.csv: no data rows');
    const imported = importFile(newDb('empty.db'), file, 'T/USD', 'crypto');
    expect(imported.exitCode).toBe(1);
    expect(imported.stderr).toContain('header-only.csv: no data rows');
  });
});

describe('a symbol or exchange other commands could not name again is refused', () => {
  const dbPath = newDb('names.db');
  const file = csv('names.csv', ['2020-01-01,100,110,90,105,10']);
  const cases: Array<[string[], string]> = [
    [['--symbol', ' SYN/USD'], 'error: --symbol " SYN/USD" has spaces around it'],
    [['--symbol', '   '], 'error: --symbol is empty'],
    [['--symbol', 'BTC/USD,ETH/USD'], 'error: --symbol "BTC/USD,ETH/USD": one name per import (a comma separates names in --symbols)'],
    [['--symbol', 'A\u001bB'], 'error: --symbol "A\\x1bB" contains a control character'],
    [['--symbol', 'X/USD', '--exchange', ''], 'error: --exchange is empty'],
  ];
  for (const [flags, message] of cases) {
    test(message, () => {
      const result = run('data-import.ts', ['--file', file, '--timeframe', '1d', '--market', 'crypto', '--db', dbPath, ...flags]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim()).toBe(message);
      expect(contents(dbPath)).toBe(JSON.stringify({ candles: [], instruments: [] }));
    });
  }
});
