// What a sweep report shows, from the combinations' metric values: the metric over two parameters (other
// parameters averaged out), the metric's spread per parameter value, and walk-forward equity stitched into one curve.
import type { Combination, GridAxis, ParamValue } from './grid.ts';

export interface ScoredCombination {
  params: Combination;
  /** null when the summary has no value for the metric (e.g. cagr of a run too short to annualise). */
  metric: number | null;
}

export interface Heatmap {
  x: string;
  y: string;
  xValues: ParamValue[];
  yValues: ParamValue[];
  /**
   * cells[yi][xi]: mean metric over the combinations with those two values; null where none has one. A cell with an
   * unbounded (+∞) combination is +∞, as that combination ranks above every finite one.
   */
  cells: (number | null)[][];
}

/** One pass over the combinations (a grid's cells × its combinations would be quadratic in the grid's size). */
export function heatmap(scored: readonly ScoredCombination[], x: GridAxis, y: GridAxis): Heatmap {
  const xAt = new Map(x.values.map((v, i) => [v, i]));
  const yAt = new Map(y.values.map((v, i) => [v, i]));
  const sums = y.values.map(() => x.values.map(() => 0));
  const counts = y.values.map(() => x.values.map(() => 0));
  for (const s of scored) {
    const xi = xAt.get(s.params[x.name]!);
    const yi = yAt.get(s.params[y.name]!);
    if (xi === undefined || yi === undefined || s.metric === null || Number.isNaN(s.metric)) continue;
    // Summed in the combinations' order from 0, as mean() sums a cell's values.
    sums[yi]![xi] += s.metric;
    counts[yi]![xi]++;
  }
  const cells = sums.map((row, yi) => row.map((sum, xi) => (counts[yi]![xi] === 0 || Number.isNaN(sum) ? null : sum / counts[yi]![xi]!)));
  return { x: x.name, y: y.name, xValues: x.values, yValues: y.values, cells };
}

export interface Sensitivity {
  parameter: string;
  rows: { value: ParamValue; mean: number | null; min: number | null; max: number | null; count: number }[];
  /** max − min of the per-value means: how much the metric moves with this parameter alone. */
  range: number | null;
}

export function sensitivity(scored: readonly ScoredCombination[], axis: GridAxis): Sensitivity {
  const at = new Map(axis.values.map((v, i) => [v, i]));
  const byValue = axis.values.map((): number[] => []);
  for (const s of scored) {
    const i = at.get(s.params[axis.name]!);
    if (i !== undefined && s.metric !== null) byValue[i]!.push(s.metric);
  }
  const rows = axis.values.map((value, i) => {
    const metrics = byValue[i]!;
    return {
      value,
      mean: mean(metrics),
      min: metrics.length > 0 ? metrics.reduce((a, b) => Math.min(a, b)) : null,
      max: metrics.length > 0 ? metrics.reduce((a, b) => Math.max(a, b)) : null,
      count: metrics.length,
    };
  });
  const means = rows.map((r) => r.mean).filter((m): m is number => m !== null);
  const [top, bottom] = [Math.max(...means), Math.min(...means)];
  // Every mean +∞: the metric does not move (∞ − ∞ would be NaN).
  return { parameter: axis.name, rows, range: means.length === 0 ? null : top === bottom ? 0 : top - bottom };
}

/**
 * A +∞ (no losing trade, no losing period) among the values makes the mean +∞: leaving it out would show the
 * finite rest, or nothing at all where every combination is unbounded, for the best region of the grid. (+∞ and
 * −∞ together have no mean.)
 */
function mean(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && !Number.isNaN(v));
  if (present.length === 0) return null;
  const sum = present.reduce((a, b) => a + b, 0);
  return Number.isNaN(sum) ? null : sum / present.length;
}

/**
 * Best first (an unbounded +Infinity, e.g. a profit factor with no losing trade, before every finite value); a
 * combination without a metric value ranks last; ties keep their order. Compared, not subtracted: ∞ − ∞ is NaN.
 */
export function rankByMetric<T extends { metric: number | null }>(items: readonly T[]): T[] {
  const value = (item: T) => item.metric ?? -Infinity;
  return [...items].sort((a, b) => (value(a) === value(b) ? 0 : value(a) > value(b) ? -1 : 1));
}

export interface EquitySegment {
  ts: number[];
  equity: number[];
}

/**
 * Chains out-of-sample segments into one curve starting at `capital`: each segment is scaled so it starts where
 * the previous one ended (each test window is traded from fresh capital; its returns are what is compounded).
 * The segments must follow each other in time: an overlap is refused, naming where.
 */
export function stitchEquity(segments: readonly { ts: ArrayLike<number>; equity: ArrayLike<number> }[], capital: number): EquitySegment {
  const out: EquitySegment = { ts: [], equity: [] };
  let level = capital;
  for (const [k, segment] of segments.entries()) {
    if (segment.equity.length === 0) continue;
    const lastTs = out.ts[out.ts.length - 1];
    if (lastTs !== undefined && segment.ts[0]! <= lastTs) {
      throw new Error(
        `stitchEquity: segment ${k + 1} starts at ${new Date(segment.ts[0]!).toISOString()}, not after the previous segment's ` +
          `last point at ${new Date(lastTs).toISOString()}: the out-of-sample windows overlap`,
      );
    }
    const scale = level / segment.equity[0]!;
    for (let i = 0; i < segment.equity.length; i++) {
      out.ts.push(segment.ts[i]!);
      out.equity.push(segment.equity[i]! * scale);
    }
    level = out.equity[out.equity.length - 1]!;
  }
  return out;
}
