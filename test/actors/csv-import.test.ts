import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importCsvFile, validateStoredCandles } from '../../actors/adapters/csv-import.ts';
import { candleRange, getInstrument, loadCandles } from '../../db/candles.ts';
import { closeDb, openDb, type Db } from '../../db/client.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const DATA_DIR = resolve(REPO_ROOT, process.env.QS_DATA_DIR || '../shared/data');
const BTC = resolve(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv');
const NVDA = resolve(DATA_DIR, 'nvda-1999-2014.csv');
const ORCL = resolve(DATA_DIR, 'orcl-1995-2014.csv');
const YHOO = resolve(DATA_DIR, 'yhoo-1996-2015.csv');

const tempDir = mkdtempSync(join(tmpdir(), 'qs-csv-import-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

function countCandles(db: Db): number {
  return db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM candles').get()!.n;
}

/** The message of the error `run` throws (fails the test if it throws nothing). */
function errorMessage(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected an error, none was thrown');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A temp copy of a real file with one line replaced (1-based, the header is line 1). */
function copyWithLine(source: string, name: string, lineNumber: number, edit: (line: string) => string): string {
  const lines = readFileSync(source, 'utf8').split('\n');
  lines[lineNumber - 1] = edit(lines[lineNumber - 1]!);
  const path = join(tempDir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('importing the real files', () => {
  const db = openDb(':memory:');
  afterAll(() => closeDb(db));
  const results = [
    importCsvFile(db, { file: BTC, symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' }),
    importCsvFile(db, { file: NVDA, symbol: 'NVDA', timeframe: '1d', market: 'stock' }),
    importCsvFile(db, { file: ORCL, symbol: 'ORCL', timeframe: '1d', market: 'stock' }),
    importCsvFile(db, { file: YHOO, symbol: 'YHOO', timeframe: '1d', market: 'stock' }),
  ];

  test('stores every row of all four files with their first and last bars', () => {
    expect(results.map((result) => [result.symbol, result.exchange, result.layout, result.priceBasis, result.rows])).toEqual([
      ['BTC/USD', 'coinbase', 'bitstamp', 'raw', 5152],
      ['NVDA', 'nasdaq', 'yahoo', 'adjusted', 4012],
      ['ORCL', 'nasdaq', 'yahoo', 'adjusted', 5036],
      ['YHOO', 'nasdaq', 'yahoo', 'adjusted', 4965],
    ]);
    const ranges = ['BTC/USD', 'NVDA', 'ORCL', 'YHOO'].map((symbol) => {
      const range = candleRange(db, symbol, '1d')!;
      return [symbol, iso(range.firstTs), iso(range.lastTs), range.count];
    });
    expect(ranges).toEqual([
      ['BTC/USD', '2011-08-18T00:00:00.000Z', '2025-09-24T00:00:00.000Z', 5152],
      ['NVDA', '1999-01-22T14:30:00.000Z', '2014-12-31T14:30:00.000Z', 4012],
      ['ORCL', '1995-01-03T14:30:00.000Z', '2014-12-31T14:30:00.000Z', 5036],
      ['YHOO', '1996-04-12T13:30:00.000Z', '2015-12-31T14:30:00.000Z', 4965],
    ]);
  });

  test('records the price basis of each instrument', () => {
    expect(getInstrument(db, 'BTC/USD')).toMatchObject({ exchange: 'coinbase', kind: 'crypto', priceBasis: 'raw' });
    expect(getInstrument(db, 'NVDA')).toMatchObject({ exchange: 'nasdaq', kind: 'stock', priceBasis: 'adjusted' });
  });

  test('stores adjusted stock prices with the session close time, including early closes', () => {
    const [bar] = loadCandles(db, { symbols: ['NVDA'], timeframe: '1d', fromTs: Date.UTC(2014, 10, 28), toTs: Date.UTC(2014, 10, 29) });
    // Yahoo 2014-11-28: Close 21.120001, Adj Close 20.359806 (the early-close day after Thanksgiving).
    expect(iso(bar!.closeTs)).toBe('2014-11-28T18:00:00.000Z');
    const line = readFileSync(NVDA, 'utf8').split('\n').find((text) => text.startsWith('2014-11-28,'))!.split(',');
    expect(bar!.close).toBeCloseTo(Number(line[5]), 12);
    expect(bar!.high).toBeCloseTo(Number(line[2]) * (Number(line[5]) / Number(line[4])), 12);
  });

  test('warns about the BTC outlier bars without rejecting them', () => {
    const btc = results[0]!;
    const flashCrash = btc.warnings.find((warning) => warning.message.includes('(2017-04-15)'));
    expect(flashCrash?.message).toContain('BTCUSD-1d-bitstamp-coinbase-2011-2025.csv line 2069 (2017-04-15): outlier: range');
    expect(btc.warnings.every((warning) => warning.field === 'range')).toBe(true);
  });

  test('importing the same files again changes nothing', () => {
    const before = loadCandles(db, { symbols: ['BTC/USD', 'NVDA', 'ORCL', 'YHOO'], timeframe: '1d' });
    importCsvFile(db, { file: BTC, symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
    importCsvFile(db, { file: NVDA, symbol: 'NVDA', timeframe: '1d', market: 'stock' });
    expect(countCandles(db)).toBe(5152 + 4012 + 5036 + 4965);
    expect(loadCandles(db, { symbols: ['BTC/USD', 'NVDA', 'ORCL', 'YHOO'], timeframe: '1d' })).toEqual(before);
  });

  test('stored candles pass validation, close times included', () => {
    const report = validateStoredCandles(db, { symbol: 'NVDA', timeframe: '1d' });
    expect(report).toMatchObject({ exchange: 'nasdaq', rows: 4012, errors: [], warnings: [] });
  });

  test('a tampered stored bar fails validation naming its row', () => {
    const scratch = openDb(':memory:');
    importCsvFile(scratch, { file: YHOO, symbol: 'YHOO', timeframe: '1d', market: 'stock' });
    // Row 3 is 1996-04-16; row 5 is 1996-04-18.
    scratch.$client.run('UPDATE candles SET high = 1 WHERE ts = ?', [Date.parse('1996-04-16T13:30:00Z')]);
    scratch.$client.run('UPDATE candles SET close_ts = close_ts + 1 WHERE ts = ?', [Date.parse('1996-04-18T13:30:00Z')]);
    const report = validateStoredCandles(scratch, { symbol: 'YHOO', timeframe: '1d' });
    expect(report.errors.map((issue) => issue.message)).toEqual([
      'nasdaq YHOO 1d row 3 (1996-04-16): high 1 < low 1.166667',
      'nasdaq YHOO 1d row 5 (1996-04-18): closeTs 1996-04-18T20:00:00.001Z should be 1996-04-18T20:00:00.000Z',
    ]);
    closeDb(scratch);
  });

  test('refuses to mix raw prices into an adjusted series', () => {
    expect(() => importCsvFile(db, { file: NVDA, symbol: 'NVDA', timeframe: '1d', market: 'stock', price: 'raw' })).toThrow(
      'NVDA on nasdaq is stored as stock with adjusted prices; importing stock raw prices would mix two series',
    );
  });
});

describe('refusing bad files', () => {
  test('a file with one broken line throws naming the line and field, and writes nothing', () => {
    const db = openDb(':memory:');
    importCsvFile(db, { file: ORCL, symbol: 'ORCL', timeframe: '1d', market: 'stock' });
    const before = countCandles(db);
    // Line 812 of the NVDA file is 2002-04-16 (low 13.013333); make its high fall below its low.
    const broken = copyWithLine(NVDA, 'nvda-high-below-low.csv', 812, (line) => {
      const [date, open, , low, close, adj, volume] = line.split(',');
      return [date, open, '1.0', low, close, adj, volume].join(',');
    });
    expect(errorMessage(() => importCsvFile(db, { file: broken, symbol: 'NVDA', timeframe: '1d', market: 'stock' }))).toBe(
      'nvda-high-below-low.csv line 812 (2002-04-16): high 1 < low 13.013333',
    );
    expect(countCandles(db)).toBe(before);
    expect(getInstrument(db, 'NVDA')).toBeUndefined();
    closeDb(db);
  });

  test('several errors are reported as the first one plus a count', () => {
    const db = openDb(':memory:');
    const once = copyWithLine(BTC, 'btc-two-errors.csv', 100, (line) => line.replace(/,(\d+\.?\d*),(\d+),/, ',abc,$2,'));
    const twice = copyWithLine(once, 'btc-two-errors.csv', 3000, (line) => {
      const fields = line.split(',');
      fields[1] = '0';
      return fields.join(',');
    });
    const message = errorMessage(() => importCsvFile(db, { file: twice, symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' }));
    expect(message).toBe('btc-two-errors.csv line 100 (2011-11-24): volume "abc" is not a number (1 more error)');
    expect(countCandles(db)).toBe(0);
    closeDb(db);
  });

  test('a header that matches no layout is refused before any row is read', () => {
    const db = openDb(':memory:');
    const path = join(tempDir, 'odd.csv');
    writeFileSync(path, 'when,o,h,l,c,v\n2014-03-03,1,2,0.5,1.5,100\n');
    expect(() => importCsvFile(db, { file: path, symbol: 'X', timeframe: '1d', market: 'stock' })).toThrow('odd.csv line 1: unrecognised header');
    closeDb(db);
  });

  test('an explicit column mapping imports a file with unusual names', () => {
    const db = openDb(':memory:');
    const path = join(tempDir, 'mapped.csv');
    writeFileSync(path, 'when,o,h,l,c,v\n2014-03-03,1,2,0.5,1.5,100\n2014-03-04,1.5,2,1,1.8,120\n');
    const result = importCsvFile(db, {
      file: path, symbol: 'X', timeframe: '1d', market: 'stock', columns: 'ts=when,open=o,high=h,low=l,close=c,volume=v',
    });
    expect(result).toMatchObject({ layout: 'mapped', priceBasis: 'raw', rows: 2, warnings: [] });
    closeDb(db);
  });
});

describe('the data:import and data:validate commands', () => {
  function run(script: string, args: string[]): { exitCode: number; stdout: string; stderr: string } {
    const proc = Bun.spawnSync(['bun', join(REPO_ROOT, 'scripts', script), ...args], { cwd: REPO_ROOT });
    return { exitCode: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
  }

  test('import prints one summary line and validate reports a clean series', () => {
    const dbPath = join(tempDir, 'cli.db');
    closeDb(openDb(dbPath)); // what `bun run db:init` does
    const imported = run('data-import.ts', ['--file', NVDA, '--symbol', 'NVDA', '--timeframe', '1d', '--market', 'stock', '--db', dbPath]);
    expect(imported.exitCode).toBe(0);
    expect(imported.stdout.trim()).toBe(
      'imported 4012 rows of NVDA 1d on nasdaq (yahoo layout), 1999-01-22 .. 2014-12-31, price basis adjusted, 0 warnings',
    );
    const validated = run('data-validate.ts', ['--symbol', 'NVDA', '--timeframe', '1d', '--db', dbPath]);
    expect(validated.exitCode).toBe(0);
    expect(validated.stdout.trim()).toBe('nasdaq NVDA 1d: 4012 candles 1999-01-22 .. 2014-12-31, 0 errors, 0 warnings');
  });

  test('a failed import exits 1 with one line and no stack trace', () => {
    const dbPath = join(tempDir, 'cli-fail.db');
    closeDb(openDb(dbPath));
    const broken = copyWithLine(NVDA, 'nvda-zero.csv', 20, (line) => line.replace(/^([^,]+),[^,]+,/, '$1,0,'));
    const result = run('data-import.ts', ['--file', broken, '--symbol', 'NVDA', '--timeframe', '1d', '--market', 'stock', '--db', dbPath]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('nvda-zero.csv line 20 (1999-02-18): open 0 is not positive');
  });
});
