import { describe, expect, test } from 'bun:test';
import { admitBars, advanceCursor, barProblem, groupByClose, newCursor } from '../../../machines/data/live-bars.ts';
import type { Bar } from '../../../machines/domain.ts';

const MIN = 60_000;
const bar = (symbol: string, minute: number, close = 100, extra: Partial<Bar> = {}): Bar => ({
  symbol,
  timeframe: '1m',
  ts: minute * MIN,
  closeTs: (minute + 1) * MIN,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 5,
  ...extra,
});

describe('admitBars', () => {
  test('admits new bars sorted by close time, then symbol', () => {
    const { admitted, refused } = admitBars(newCursor(), [bar('ETH', 2), bar('BTC', 2), bar('BTC', 1)]);
    expect(admitted.map((b) => `${b.symbol}@${b.ts / MIN}`)).toEqual(['BTC@1', 'BTC@2', 'ETH@2']);
    expect(refused).toEqual([]);
  });

  test('a bar already processed is a duplicate, ignored', () => {
    const cursor = newCursor();
    advanceCursor(cursor, [bar('BTC', 1), bar('BTC', 2)]);
    const { admitted, refused } = admitBars(cursor, [bar('BTC', 2), bar('BTC', 3)]);
    expect(admitted.map((b) => b.ts / MIN)).toEqual([3]);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.duplicate).toBe(true);
  });

  test('the same bar twice in one fetch is processed once', () => {
    const { admitted, refused } = admitBars(newCursor(), [bar('BTC', 4), bar('BTC', 4)]);
    expect(admitted).toHaveLength(1);
    expect(refused.map((r) => r.duplicate)).toEqual([true]);
  });

  test('a bar older than what other symbols already delivered is refused, not reordered into the past', () => {
    const cursor = newCursor();
    advanceCursor(cursor, [bar('ETH', 5)]);
    const { admitted, refused } = admitBars(cursor, [bar('BTC', 3), bar('BTC', 5)]);
    expect(admitted.map((b) => `${b.symbol}@${b.ts / MIN}`)).toEqual(['BTC@5']);
    expect(refused[0]!.reason).toBe('arrived after newer bars were processed');
    expect(refused[0]!.duplicate).toBe(false);
  });

  test('a late bar that is still in order is processed once', () => {
    const cursor = newCursor();
    advanceCursor(cursor, [bar('BTC', 1), bar('ETH', 1)]);
    // ETH's minute-2 bar comes a poll late, together with BTC's minute 2: both are in order.
    const { admitted } = admitBars(cursor, [bar('ETH', 2), bar('BTC', 2)]);
    expect(admitted.map((b) => b.symbol)).toEqual(['BTC', 'ETH']);
  });

  test('bad numbers are refused with the field and value', () => {
    const { admitted, refused } = admitBars(newCursor(), [bar('BTC', 1, Number.NaN), bar('BTC', 2, 100, { high: 90 })]);
    expect(admitted).toEqual([]);
    expect(refused.map((r) => r.reason)).toEqual(['open is NaN', 'high 90 < low 99']);
  });
});

describe('barProblem', () => {
  test('accepts a proper bar and names each kind of defect', () => {
    expect(barProblem(bar('BTC', 1))).toBeUndefined();
    expect(barProblem(bar('BTC', 1, 100, { volume: -1 }))).toBe('volume is -1');
    expect(barProblem(bar('BTC', 1, 100, { low: 100.5 }))).toContain('open/close outside high-low');
    expect(barProblem(bar('BTC', 1, 100, { closeTs: 60_000 }))).toContain('is not after open time');
    expect(barProblem(bar('BTC', 1, 0))).toBe('open is 0');
  });
});

describe('groupByClose', () => {
  test('one group per close time, in order', () => {
    const groups = groupByClose([bar('BTC', 1), bar('ETH', 1), bar('BTC', 2)]);
    expect(groups.map((g) => g.map((b) => b.symbol))).toEqual([['BTC', 'ETH'], ['BTC']]);
  });
});
