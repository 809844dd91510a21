// The sweep report's heatmap and sensitivity tables, one pass over the combinations, against the definition: each
// cell (each value) is the mean / min / max of the metrics of exactly the combinations that have those values.
import { describe, expect, test } from 'bun:test';
import type { GridAxis, ParamValue } from '../../../machines/research/grid.ts';
import { heatmap, rankByMetric, sensitivity, stitchEquity, type ScoredCombination } from '../../../machines/research/sweep-tables.ts';

/** A seeded generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The arithmetic mean of the values present: +∞ among them makes it +∞; +∞ and −∞ together have none. */
function definitionMean(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  const sum = present.reduce((a, b) => a + b, 0);
  return Number.isNaN(sum) ? null : sum / present.length;
}

function definitionHeatmap(scored: readonly ScoredCombination[], x: GridAxis, y: GridAxis) {
  return y.values.map((yv) => x.values.map((xv) => definitionMean(scored.filter((s) => s.params[x.name] === xv && s.params[y.name] === yv).map((s) => s.metric))));
}

function definitionSensitivity(scored: readonly ScoredCombination[], axis: GridAxis) {
  return axis.values.map((value) => {
    const metrics = scored.filter((s) => s.params[axis.name] === value).map((s) => s.metric).filter((m): m is number => m !== null);
    return { value, mean: definitionMean(metrics), min: metrics.length > 0 ? Math.min(...metrics) : null, max: metrics.length > 0 ? Math.max(...metrics) : null, count: metrics.length };
  });
}

const lookback: GridAxis = { name: 'lookback', values: [10, 15, 20, 25, 30] };
const entryZ: GridAxis = { name: 'entry_z', values: [1.5, 1.75, 2, 2.25] };
const mode: GridAxis = { name: 'mode', values: ['a', 'b'] };

function sample(seed: number): ScoredCombination[] {
  const next = random(seed);
  const pick = <T,>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
  const out: ScoredCombination[] = [];
  for (const l of lookback.values) {
    for (const z of entryZ.values) {
      for (const m of mode.values) {
        // Skipped combinations leave holes; some cells get no metric at all, some a non-finite one.
        if (next() < 0.2) continue;
        const roll = next();
        const metric = roll < 0.1 ? null : roll < 0.13 ? pick([Infinity, -Infinity]) : (next() - 0.4) * 3;
        out.push({ params: { lookback: l, entry_z: z, mode: m } as Record<string, ParamValue>, metric });
      }
    }
  }
  // A row whose value is not on the axis is left out of every table.
  out.push({ params: { lookback: 99, entry_z: 1.5, mode: 'a' }, metric: 5 });
  return out;
}

describe('sweep tables', () => {
  for (const seed of [1, 7, 42, 2024]) {
    test(`heatmap cells are exactly the per-pair means of the definition (seed ${seed})`, () => {
      const scored = sample(seed);
      for (const [x, y] of [[lookback, entryZ], [lookback, mode], [entryZ, mode]] as const) {
        const map = heatmap(scored, x, y);
        expect(map.cells).toEqual(definitionHeatmap(scored, x, y));
      }
    });

    test(`sensitivity rows are exactly the definition's mean, min, max and count (seed ${seed})`, () => {
      const scored = sample(seed);
      for (const axis of [lookback, entryZ, mode]) expect(sensitivity(scored, axis).rows).toEqual(definitionSensitivity(scored, axis));
    });
  }

  test('the samples hold what the comparison must cover: null and non-finite metrics, and cells with no value', () => {
    const all = [1, 7, 42, 2024].map(sample);
    expect(all.flat().some((s) => s.metric === null)).toBe(true);
    expect(all.flat().some((s) => s.metric !== null && !Number.isFinite(s.metric))).toBe(true);
    expect(all.some((scored) => heatmap(scored, lookback, entryZ).cells.flat().includes(null))).toBe(true);
  });

  test('an unbounded metric (+∞: no losing trade) is in the means: a cell of them is ∞, not empty, and one among finite ones makes the mean ∞', () => {
    // As a profit_factor sweep over BTC/USD 2023-01-01 → 2023-06-30 gives them: lookback 20 and 30 had no losing trade.
    const scored: ScoredCombination[] = [
      { params: { lookback: 10, entry_z: 2 }, metric: 1.5 },
      { params: { lookback: 20, entry_z: 2 }, metric: Infinity },
      { params: { lookback: 20, entry_z: 2.5 }, metric: 2.5 },
      { params: { lookback: 30, entry_z: 2 }, metric: Infinity },
      { params: { lookback: 30, entry_z: 2.5 }, metric: Infinity },
    ];
    const lookbacks: GridAxis = { name: 'lookback', values: [10, 20, 30] };
    const entries: GridAxis = { name: 'entry_z', values: [2, 2.5] };
    expect(heatmap(scored, lookbacks, entries).cells).toEqual([
      [1.5, Infinity, Infinity],
      [null, 2.5, Infinity],
    ]);
    const byLookback = sensitivity(scored, lookbacks);
    expect(byLookback.rows.map((r) => [r.value, r.mean, r.min, r.max, r.count])).toEqual([
      [10, 1.5, 1.5, 1.5, 1],
      [20, Infinity, 2.5, Infinity, 2],
      [30, Infinity, Infinity, Infinity, 2],
    ]);
    expect(byLookback.range).toBe(Infinity);
    // Every value unbounded: the metric does not move with the parameter.
    expect(sensitivity(scored.filter((s) => s.params.lookback === 30), { name: 'entry_z', values: [2, 2.5] }).range).toBe(0);
  });

  test('an empty cell is null and a cell of one combination is its metric', () => {
    const scored: ScoredCombination[] = [{ params: { lookback: 10, entry_z: 2 }, metric: 1.25 }];
    const map = heatmap(scored, { name: 'lookback', values: [10, 20] }, { name: 'entry_z', values: [2] });
    expect(map.cells).toEqual([[1.25, null]]);
  });
});

describe('stitched out-of-sample equity', () => {
  test('chains segments in time order, each scaled to start where the previous ended', () => {
    const stitched = stitchEquity([{ ts: [1, 2], equity: [100, 110] }, { ts: [3, 4], equity: [50, 60] }], 1000);
    expect(stitched.ts).toEqual([1, 2, 3, 4]);
    expect(stitched.equity.map((e) => Number(e.toFixed(9)))).toEqual([1000, 1100, 1100, 1320]);
  });

  test('refuses segments that overlap in time, naming where, instead of a curve that runs backwards', () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
    expect(() =>
      stitchEquity([{ ts: [day('2016-03-02'), day('2016-04-02')], equity: [100, 101] }, { ts: [day('2016-03-31'), day('2016-05-01')], equity: [100, 99] }], 1000),
    ).toThrow("stitchEquity: segment 2 starts at 2016-03-31T00:00:00.000Z, not after the previous segment's last point at 2016-04-02T00:00:00.000Z: the out-of-sample windows overlap");
  });
});

describe('ranking', () => {
  test('an unbounded metric (+∞: a profit factor with no losing trade) ranks first, no value last, ties in their order', () => {
    const items = [
      { id: 0, metric: 0 },
      { id: 1, metric: null },
      { id: 2, metric: Infinity },
      { id: 3, metric: 2.5 },
      { id: 4, metric: Infinity },
      { id: 5, metric: 0 },
      { id: 6, metric: -1 },
    ];
    expect(rankByMetric(items).map((i) => i.id)).toEqual([2, 4, 3, 0, 5, 6, 1]);
  });
});
