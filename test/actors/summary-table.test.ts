// What a backtest prints: the range it used, and no figure that pretends to be a measurement.
import { describe, expect, test } from 'bun:test';
import { describeRange, formatSummary, summaryJson } from '../../actors/adapters/summary-table.ts';
import type { BacktestResult } from '../../actors/backtest.ts';
import { computePerformance, type EquityPoint } from '../../machines/metrics/performance.ts';

const DAY = 86_400_000;
const FIRST = Date.UTC(2016, 0, 1);

function result(equityValues: number[], fees: number, range: Partial<BacktestResult['range']> = {}): BacktestResult {
  const equity: EquityPoint[] = equityValues.map((value, i) => ({ ts: FIRST + i * DAY, equity: value, grossExposure: 0 }));
  const metrics = computePerformance({ equity, trades: [], fees, periodsPerYear: 365 });
  return {
    summary: { ...metrics, run_id: 'bt-1', db: 'runs/bt-1.db', report: 'runs/bt-1.html' },
    trades: [],
    equity,
    bars: equity.length,
    priceNotes: [],
    range: { timeframe: '1d', firstTs: FIRST, lastTs: FIRST + (equity.length - 1) * DAY, ...range },
    moneyDecimals: 2,
  };
}

const line = (text: string, label: string) => text.split('\n').find((l) => l.startsWith(label));

describe('the printed summary', () => {
  test('a run without --from/--to states the range it used', () => {
    const text = formatSummary(result([100, 100, 100], 0));
    expect(line(text, 'range')).toBe('range               2016-01-01 → 2016-01-03 (every stored bar: no --from/--to)');
  });

  test('a run with one bound given says which end came from the stored data', () => {
    expect(describeRange({ timeframe: '1d', firstTs: FIRST, lastTs: FIRST + DAY, fromTs: FIRST })).toBe(
      '2016-01-01 → 2016-01-02 (to the last stored bar: no --to)',
    );
    expect(describeRange({ timeframe: '1d', firstTs: FIRST, lastTs: FIRST + DAY, toTs: FIRST + DAY })).toBe(
      '2016-01-01 → 2016-01-02 (from the first stored bar: no --from)',
    );
    expect(describeRange({ timeframe: '1h', firstTs: FIRST, lastTs: FIRST + 3_600_000, fromTs: FIRST, toTs: FIRST + DAY })).toBe(
      '2016-01-01 00:00Z → 2016-01-01 01:00Z',
    );
  });

  test('a zero-trade run prints "no closed trades", not a 0.00 profit factor or a 0.00% win rate', () => {
    const text = formatSummary(result([100, 100, 100], 0));
    expect(line(text, 'win rate')).toBe('win rate            — (no closed trades)');
    expect(line(text, 'profit factor')).toBe('profit factor       — (no closed trades)');
    expect(line(text, 'expectancy / trade')).toBe('expectancy / trade  — (no closed trades)');
  });

  test('tiny negatives print as 0.00, never -0.00, and money is rounded to cents', () => {
    const text = formatSummary(result([100_000, 99_999.9999999, 99_999.9999998], 859.9999999999999));
    expect(text).not.toContain('-0.00');
    expect(line(text, 'total return')).toBe('total return        0.00%');
    expect(line(text, 'final equity')).toBe('final equity        100,000.00');
    expect(line(text, 'fees')).toBe('fees                860.00');
  });

  test('the --json line carries money rounded to the quote currency, the result itself keeps the raw figure', () => {
    const run = result([100_000, 100_000.123456], 859.9999999999999);
    const json = JSON.parse(summaryJson(run)) as Record<string, number>;
    expect(json.fees).toBe(860);
    expect(json.final_equity).toBe(100_000.12);
    expect(json.total_return).toBe(run.summary.total_return);
    expect(run.summary.fees).toBe(859.9999999999999);
  });
});
