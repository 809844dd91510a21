// The shared argument plumbing every `bun run` command goes through.
import { describe, expect, test } from 'bun:test';
import {
  joinNegativeValues,
  parseDateFlag,
  parseNameList,
  parsePositiveNumber,
  parseTimeframeFlag,
} from '../../actors/adapters/cli.ts';

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

  test.each(['2024-02-30', '2023-13-01', 'yesterday', '2024-1-1x'])('--from "%s" is not a date', (value) => {
    expect(() => parseDateFlag('from', value)).toThrow(`--from: "${value}" is not a date (expected YYYY-MM-DD)`);
  });

  test('dates and timestamps parse to ms UTC', () => {
    expect(parseDateFlag('from', '2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateFlag('to', '2024-01-30T16:00:00Z')).toBe(Date.UTC(2024, 0, 30, 16));
  });

  test('a timeframe is stored in one spelling; a bad one names the option', () => {
    expect(parseTimeframeFlag('timeframe', '1Hour')).toBe('1h');
    expect(() => parseTimeframeFlag('timeframe', '1x')).toThrow('--timeframe: unknown timeframe "1x"');
  });
});
