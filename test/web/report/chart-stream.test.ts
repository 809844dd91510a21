// The report's charts built from a stream must equal the charts built from the whole curve (the reduction
// of issue 8, kept here as the reference): long backtests no longer hold their curve to draw it.
import { describe, expect, test } from 'bun:test';
import { ChartStream, downsampleMinMax, MinMaxDownsampler } from '../../../web/report/render-report.ts';
import { drawdownSeries, type EquityPoint } from '../../../machines/metrics/performance.ts';

function reference(x: number[], y: number[], maxPoints: number) {
  const n = x.length;
  if (n <= maxPoints) return { x: x.slice(), y: y.slice() };
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const bucketSize = (n - 2) / buckets;
  const keep: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * bucketSize);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * bucketSize));
    let minIndex = from;
    let maxIndex = from;
    for (let i = from + 1; i < to; i++) {
      if (y[i]! < y[minIndex]!) minIndex = i;
      if (y[i]! > y[maxIndex]!) maxIndex = i;
    }
    if (from >= to) continue;
    keep.push(Math.min(minIndex, maxIndex));
    if (minIndex !== maxIndex) keep.push(Math.max(minIndex, maxIndex));
  }
  keep.push(n - 1);
  return { x: keep.map((i) => x[i]!), y: keep.map((i) => y[i]!) };
}

function walk(n: number, seed: number): number[] {
  let state = seed;
  let value = 100;
  return Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    // Repeated values too, so ties between min and max candidates occur.
    value += Math.round(((state / 2147483648) - 0.5) * 4);
    return value;
  });
}

describe('streamed chart reduction', () => {
  test('equals the whole-series reduction for every length around the point budget', () => {
    for (const maxPoints of [10, 11, 5000]) {
      for (const n of [0, 1, 2, 3, maxPoints - 1, maxPoints, maxPoints + 1, maxPoints + 2, 2 * maxPoints + 3, 7 * maxPoints + 5, 100_003]) {
        const y = walk(n, n + maxPoints);
        const x = y.map((_, i) => i * 60);
        const reducer = new MinMaxDownsampler(n, maxPoints);
        for (let i = 0; i < n; i++) reducer.add(x[i]!, y[i]!);
        expect(reducer.result()).toEqual(reference(x, y, maxPoints));
        expect(downsampleMinMax(x, y, maxPoints)).toEqual(reference(x, y, maxPoints));
      }
    }
  });

  test('the equity and drawdown charts of a streamed curve equal those of the whole curve', () => {
    const equity: EquityPoint[] = walk(123_457, 9).map((v, i) => ({ ts: 1_600_000_000_000 + i * 60_000, equity: v, grossExposure: 0 }));
    const stream = new ChartStream(equity.length);
    for (const point of equity) stream.add(point);
    const seconds = equity.map((p) => p.ts / 1000);
    expect(stream.result()).toEqual({
      equity: reference(seconds, equity.map((p) => p.equity), 5000),
      drawdown: reference(seconds, drawdownSeries(equity), 5000),
    });
  });
});
