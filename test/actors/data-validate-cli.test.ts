// `bun run data:validate --file` on a real candle file with planted defects.
import { afterAll, expect, test } from 'bun:test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateCsvFile } from '../../actors/adapters/csv-import.ts';
import { DATA_DIR, tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const BTC = join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv');
const dir = tempDir('qs-validate-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first month of the real Bitstamp file with one defect of each kind planted, located by date. */
function plantedFile(): string {
  const [header, ...rows] = readFileSync(BTC, 'utf8').split('\n').slice(0, 31);
  const byDate = (date: string): number => rows.findIndex((row) => row.startsWith(date));
  const edit = (date: string, change: (fields: string[]) => void): void => {
    const fields = rows[byDate(date)]!.split(',');
    change(fields);
    rows[byDate(date)] = fields.join(',');
  };
  // Bitstamp columns: timestamp,open,close,volume,unix_timestamp,high,low
  edit('2011-09-01', (f) => [f[5], f[6]] = ['9.5', '9.9']); // high < low
  edit('2011-09-03', (f) => (f[1] = '0')); // zero price
  edit('2011-09-05', (f) => (f[2] = 'NaN')); // NaN
  rows.splice(byDate('2011-08-28') + 1, 0, rows[byDate('2011-08-28')]!); // duplicate
  rows.splice(byDate('2011-08-25'), 1); // gap
  const path = join(dir, 'planted.csv');
  writeFileSync(path, [header, ...rows].join('\n'));
  return path;
}

test('data:validate flags every planted defect with its date and exits 1', async () => {
  const file = plantedFile();
  const child = Bun.spawn(['bun', 'scripts/data-validate.ts', '--file', file, '--timeframe', '1d', '--market', 'crypto'], {
    cwd: REPO_ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect(code).toBe(1);
  const lines = stdout.split('\n');
  const has = (pattern: RegExp): boolean => lines.some((line) => pattern.test(line));
  expect(has(/^ {2}warning: planted\.csv line \d+ \(2011-08-26\): gap: 1 missing 1d bar 2011-08-25$/)).toBe(true);
  expect(has(/^ {2}error: planted\.csv line \d+ \(2011-08-28\): duplicate ts, same as line \d+$/)).toBe(true);
  expect(has(/^ {2}error: planted\.csv line \d+ \(2011-09-01\): high 9\.5 < low 9\.9$/)).toBe(true);
  expect(has(/^ {2}error: planted\.csv line \d+ \(2011-09-03\): open 0 is not positive$/)).toBe(true);
  expect(has(/^ {2}error: planted\.csv line \d+ \(2011-09-05\): close "NaN" is not a number$/)).toBe(true);
  expect(lines[0]).toMatch(/^planted\.csv 1d: \d+ candles 2011-08-18 \.\. 2011-09-16, 4 errors, \d+ warnings?$/);
}, 60_000);

test('the same file without defects validates clean', () => {
  const path = join(dir, 'clean.csv');
  writeFileSync(path, readFileSync(BTC, 'utf8').split('\n').slice(0, 31).join('\n'));
  const report = validateCsvFile({ file: path, timeframe: '1Day', market: 'crypto' });
  expect(report.errors).toEqual([]);
  expect(report.timeframe).toBe('1d');
  expect(report.rows).toBe(30);
});
