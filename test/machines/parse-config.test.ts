import { describe, expect, test } from 'bun:test';
import { z } from 'zod';
import { parseConfig } from '../../machines/parse-config.ts';

const schema = z
  .object({
    symbol: z.object({ max_pct: z.number() }).strict(),
    costs: z.object({ slippage_bps: z.number(), commission_bps: z.number().default(0) }).strict(),
    markets: z.object({ symbols: z.record(z.string(), z.object({ price_step: z.number() }).partial().strict()).default({}) }).strict(),
  })
  .strict();
const valid = { symbol: { max_pct: 0.1 }, costs: { slippage_bps: 5 }, markets: {} };

function errorOf(raw: unknown): string {
  try {
    parseConfig(schema, raw);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a failure');
}

describe('parseConfig on unknown keys', () => {
  test('names a misspelt key and the nearest valid one, even though the correct key is then missing', () => {
    expect(errorOf({ ...valid, symbol: { max_pctt: 0.1 } })).toBe('unknown key `symbol.max_pctt`, did you mean `max_pct`?');
  });

  test('suggests an optional key (one with a default) too', () => {
    expect(errorOf({ ...valid, costs: { slippage_bps: 5, comission_bps: 1 } })).toBe(
      'unknown key `costs.comission_bps`, did you mean `commission_bps`?',
    );
  });

  test('finds the valid keys inside records and at the root', () => {
    expect(errorOf({ ...valid, markets: { symbols: { 'BTC/USD': { price_stp: 1 } } } })).toBe(
      'unknown key `markets.symbols.BTC/USD.price_stp`, did you mean `price_step`?',
    );
    expect(errorOf({ ...valid, costz: {} })).toBe('unknown key `costz`, did you mean `costs`?');
  });

  test('lists the valid keys when none is close', () => {
    expect(errorOf({ ...valid, symbol: { max_pct: 0.1, banana: 1 } })).toBe(
      'unknown key `symbol.banana` (valid keys: max_pct)',
    );
  });

  test('shows a hostile key escaped and bounded, in one line', () => {
    const message = errorOf({ ...valid, symbol: { max_pct: 0.1, [`\x1b[2J${'k'.repeat(1000)}`]: 1 } });
    expect(message).not.toContain('\x1b');
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(200);
  });

  test('other problems still name the field and the value', () => {
    expect(errorOf({ ...valid, symbol: { max_pct: 'x' } })).toBe(
      'symbol.max_pct: Invalid input: expected number, received string, got "x"',
    );
  });
});

describe('parseConfig echoes the value it got', () => {
  test.each([
    ['.inf', Infinity, 'Infinity'],
    ['-.inf', -Infinity, '-Infinity'],
    ['.nan', NaN, 'NaN'],
  ])('YAML %s as the number it is, not as null', (_yaml, value, shown) => {
    const message = errorOf({ ...valid, costs: { slippage_bps: value } });
    expect(message).toStartWith('costs.slippage_bps: ');
    expect(message).toEndWith(`, got ${shown}`);
  });

  test('inside a list or a map too', () => {
    expect(errorOf({ ...valid, symbol: [1, -Infinity, NaN] })).toEndWith(', got [1,-Infinity,NaN]');
    expect(errorOf({ ...valid, markets: { symbols: { X: Infinity } } })).toEndWith(', got Infinity');
    expect(errorOf({ ...valid, symbol: { max_pct: { limit: Infinity } } })).toEndWith(', got {"limit":Infinity}');
  });
});
