// The shared argument plumbing every `bun run` command goes through.
import { describe, expect, test } from 'bun:test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dataDir,
  joinNegativeValues,
  outputFolderFlag,
  parseDateFlag,
  parseNameList,
  parsePositiveNumber,
  parseTimeframeFlag,
} from '../../actors/adapters/cli.ts';
import { tempDir } from '../support/real-data.ts';

const OPTIONS = { capital: { type: 'string' }, json: { type: 'boolean' }, db: { type: 'string' } } as const;

describe('negative numbers after a value-taking option', () => {
  test('become that option\'s value, like --capital=-5', () => {
    expect(joinNegativeValues(['--capital', '-5', '--json'], OPTIONS)).toEqual(['--capital=-5', '--json']);
    expect(joinNegativeValues(['--capital', '-0.5'], OPTIONS)).toEqual(['--capital=-0.5']);
    expect(joinNegativeValues(['--capital', '-.5'], OPTIONS)).toEqual(['--capital=-.5']);
    expect(joinNegativeValues(['--capital', '-Infinity'], OPTIONS)).toEqual(['--capital=-Infinity']);
  });

  test('leave options, boolean flags and everything after -- alone', () => {
    expect(joinNegativeValues(['--json', '-5'], OPTIONS)).toEqual(['--json', '-5']);
    expect(joinNegativeValues(['--capital', '--json'], OPTIONS)).toEqual(['--capital', '--json']);
    expect(joinNegativeValues(['--capital=-5'], OPTIONS)).toEqual(['--capital=-5']);
    expect(joinNegativeValues(['--db', '-x.db'], OPTIONS)).toEqual(['--db', '-x.db']);
    expect(joinNegativeValues(['--', '--capital', '-5'], OPTIONS)).toEqual(['--', '--capital', '-5']);
  });
});

describe('option values', () => {
  test.each(['Infinity', '1e400', '-5', '0', 'abc', '', ' ', 'NaN'])('--capital "%s" is refused in one line', (value) => {
    expect(() => parsePositiveNumber('capital', value)).toThrow(`--capital must be a finite positive number, got "${value}"`);
  });

  test('a finite positive capital is a number', () => {
    expect(parsePositiveNumber('capital', '2500.5')).toBe(2500.5);
    expect(parsePositiveNumber('capital', undefined)).toBeUndefined();
  });

  test.each([',', 'BTC/USD,', ',ORCL', 'BTC/USD,,ORCL', ' , '])('--symbols "%s" with an empty name is refused', (value) => {
    expect(() => parseNameList('symbols', value)).toThrow(`--symbols: empty name in "${value}"`);
  });

  test('symbol names are trimmed and a repeated one is refused', () => {
    expect(parseNameList('symbols', ' BTC/USD , ORCL')).toEqual(['BTC/USD', 'ORCL']);
    expect(() => parseNameList('symbols', 'ORCL,ORCL')).toThrow('--symbols: "ORCL" is listed twice');
    expect(() => parseNameList('symbols', undefined)).toThrow('--symbols is required');
  });

  test.each([
    '2024-02-30', '2023-13-01', 'yesterday', '2024-1-1x',
    // Date.parse takes these, in the machine's local zone or as a guess: 2020/01/01 at New York midnight is
    // 05:00 UTC, after that day's bar opened, and "1" is the year 2001.
    '2020/01/01', 'March 5 2020', '1', '2020-01-01T00:00:00', '2020-01-01 00:00Z', '2024-01-30T24:00:00Z',
    '2024-01-30T16:00:00+25:00', ' 2020-01-01',
  ])('--from "%s" is not a date', (value) => {
    expect(() => parseDateFlag('from', value)).toThrow(
      `--from: "${value}" is not a date (expected YYYY-MM-DD, UTC, or an ISO time with its zone, e.g. 2024-01-30T16:00:00Z)`,
    );
  });

  test('dates and timestamps with their zone parse to ms UTC', () => {
    expect(parseDateFlag('from', '2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateFlag('to', '2024-01-30T16:00:00Z')).toBe(Date.UTC(2024, 0, 30, 16));
    expect(parseDateFlag('to', '2024-01-30T16:00Z')).toBe(Date.UTC(2024, 0, 30, 16));
    expect(parseDateFlag('to', '2024-01-30T11:00:00.250-05:00')).toBe(Date.UTC(2024, 0, 30, 16, 0, 0, 250));
    expect(parseDateFlag('to', '2024-01-31T01:30:00+09:30')).toBe(Date.UTC(2024, 0, 30, 16));
  });

  test('a timeframe is stored in one spelling; a bad one names the option', () => {
    expect(parseTimeframeFlag('timeframe', '1Hour')).toBe('1h');
    expect(() => parseTimeframeFlag('timeframe', '1x')).toThrow('--timeframe: unknown timeframe "1x"');
  });
});

describe('the data folder', () => {
  test('is $QS_DATA_DIR, or ../shared/data when it is unset or empty', () => {
    const saved = process.env.QS_DATA_DIR;
    try {
      process.env.QS_DATA_DIR = '/somewhere/data';
      expect(dataDir()).toBe('/somewhere/data');
      process.env.QS_DATA_DIR = '';
      expect(dataDir()).toBe('../shared/data');
      delete process.env.QS_DATA_DIR;
      expect(dataDir()).toBe('../shared/data');
    } finally {
      if (saved === undefined) delete process.env.QS_DATA_DIR;
      else process.env.QS_DATA_DIR = saved;
    }
  });
});

describe('an output folder option', () => {
  test('takes a folder that exists or can be created, without creating it', () => {
    const dir = tempDir();
    expect(outputFolderFlag('out', dir)).toBe(dir);
    expect(outputFolderFlag('out', join(dir, 'new', 'runs'))).toBe(join(dir, 'new', 'runs'));
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  test('refuses a file in its place, or on its way, naming the option and the file', () => {
    const file = join(tempDir(), 'existing.csv');
    writeFileSync(file, 'a,b\n');
    expect(() => outputFolderFlag('out', file)).toThrow(`--out ${file}: is a file, not a folder`);
    expect(() => outputFolderFlag('out', join(file, 'runs'))).toThrow(`--out ${join(file, 'runs')}: ${file} is a file, not a folder`);
  });
});
