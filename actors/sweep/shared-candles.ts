// Candles as columns of float64 on SharedArrayBuffers: loaded once by the sweep coordinator, handed to every
// worker by reference (posting a SharedArrayBuffer shares it, it is not copied), read by every combination.
import type { CandleRow } from '../../db/schema.ts';
import type { MarketData } from '../messages.ts';

export interface CandleColumns {
  symbols: string[];
  timeframe: string;
  length: number;
  /** Index into `symbols` per bar. */
  symbol: Uint16Array;
  ts: Float64Array;
  closeTs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

const NUMBER_COLUMNS = ['ts', 'closeTs', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Rows in the order loadCandles returns them (close time, then symbol) → shared columns. */
export function toSharedColumns(rows: readonly CandleRow[], timeframe: string): CandleColumns {
  const symbols = [...new Set(rows.map((r) => r.symbol))];
  const length = rows.length;
  const shared = (bytes: number) => new SharedArrayBuffer(Math.max(8, bytes));
  const columns = {
    symbols,
    timeframe,
    length,
    symbol: new Uint16Array(shared(length * 2)),
    ...Object.fromEntries(NUMBER_COLUMNS.map((name) => [name, new Float64Array(shared(length * 8))])),
  } as CandleColumns;
  const index = new Map(symbols.map((s, i) => [s, i]));
  for (let i = 0; i < length; i++) {
    const r = rows[i]!;
    columns.symbol[i] = index.get(r.symbol)!;
    for (const name of NUMBER_COLUMNS) columns[name][i] = r[name];
  }
  return columns;
}

/**
 * Delivers the bars whose open time is in [fromTs, toTs] (inclusive, as loadCandles' --from/--to) to `push`,
 * in stored order. Returns the number of bars and the close time of the last.
 */
export function replayColumns(
  c: CandleColumns,
  range: { fromTs?: number; toTs?: number },
  push: (bar: MarketData) => void,
): { bars: number; lastCloseTs: number; firstTs: number } {
  const from = range.fromTs ?? -Infinity;
  const to = range.toTs ?? Infinity;
  let bars = 0;
  let lastCloseTs = Number.NaN;
  let firstTs = Number.NaN;
  for (let i = 0; i < c.length; i++) {
    const ts = c.ts[i]!;
    if (ts < from || ts > to) continue;
    if (bars === 0) firstTs = ts;
    bars++;
    lastCloseTs = c.closeTs[i]!;
    push({
      type: 'MarketData',
      symbol: c.symbols[c.symbol[i]!]!,
      timeframe: c.timeframe,
      ts,
      closeTs: lastCloseTs,
      open: c.open[i]!,
      high: c.high[i]!,
      low: c.low[i]!,
      close: c.close[i]!,
      volume: c.volume[i]!,
    });
  }
  return { bars, lastCloseTs, firstTs };
}

/**
 * The distinct close times among the bars replayColumns delivers for `range`: the equity points a run over them
 * records (one per close time).
 */
export function closeTimesInRange(c: CandleColumns, range: { fromTs?: number; toTs?: number }): number {
  const from = range.fromTs ?? -Infinity;
  const to = range.toTs ?? Infinity;
  let count = 0;
  let last = Number.NaN;
  for (let i = 0; i < c.length; i++) {
    const ts = c.ts[i]!;
    if (ts < from || ts > to || c.closeTs[i] === last) continue;
    last = c.closeTs[i]!;
    count++;
  }
  return count;
}

/** Bars per symbol whose open time is in the range (for the warm-up check before a sweep starts). */
export function barsInRange(c: CandleColumns, fromTs: number | undefined, toTs: number | undefined): Map<string, number> {
  const counts = new Map(c.symbols.map((s) => [s, 0]));
  for (let i = 0; i < c.length; i++) {
    const ts = c.ts[i]!;
    if ((fromTs === undefined || ts >= fromTs) && (toTs === undefined || ts <= toTs)) {
      const s = c.symbols[c.symbol[i]!]!;
      counts.set(s, counts.get(s)! + 1);
    }
  }
  return counts;
}
