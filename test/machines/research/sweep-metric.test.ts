// The ranked figure of a sweep: unbounded ratios rank first as ∞ and keep being ∞ in JSON and on screen.
import { describe, expect, test } from 'bun:test';
import { formatMetric, metricJson, metricOf } from '../../../machines/research/sweep-metric.ts';
import type { PerformanceSummary } from '../../../machines/metrics/performance.ts';

const summary = { sharpe: 1.25, sortino: null, profit_factor: null, cagr: null, win_rate: 0.5 } as unknown as PerformanceSummary;

describe('sweep metric', () => {
  test('a null profit factor or Sortino is unbounded (+∞); any other null has no value', () => {
    expect(metricOf(summary, 'profit_factor')).toBe(Infinity);
    expect(metricOf(summary, 'sortino')).toBe(Infinity);
    expect(metricOf(summary, 'cagr')).toBeNull();
    expect(metricOf(summary, 'sharpe')).toBe(1.25);
  });

  test('JSON keeps ∞ as the string "Infinity", a finite value as itself and no value as null', () => {
    expect(JSON.stringify([metricJson(Infinity), metricJson(1.5), metricJson(null), metricJson(Number.NaN)])).toBe('["Infinity",1.5,null,null]');
  });

  test('printed: ∞ from the number or its JSON form, — for none', () => {
    expect([formatMetric(Infinity, 3), formatMetric('Infinity', 3), formatMetric(0.12345, 3), formatMetric(null, 3), formatMetric(undefined, 2), formatMetric(Number.NaN, 2)]).toEqual(['∞', '∞', '0.123', '—', '—', '—']);
  });
});
