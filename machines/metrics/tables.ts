// Calendar and per-symbol tables for the report. Arquero parses these expression functions from their source,
// so they may only use the row `d`, params `$` and `op` (no closures over local variables).
import * as aq from 'arquero';
import type { EquityPoint } from './performance.ts';
import type { RoundTrip } from './round-trips.ts';

const { op } = aq;

export interface MonthlyReturn {
  year: number;
  /** 1–12, UTC. */
  month: number;
  ret: number;
}

export interface YearlyReturn {
  year: number;
  ret: number;
}

export interface SymbolTradeStats {
  symbol: string;
  trades: number;
  win_rate: number;
  pnl: number;
  avg_return: number;
}

/** The period-end point of each calendar period, chronologically, as an Arquero table. */
function periodEnds(equity: EquityPoint[], keys: string[]) {
  return aq
    // Points are stamped at bar close: a daily bar closing at exactly 00:00 UTC on 1 Jan belongs to 31 Dec,
    // so calendar buckets use the last millisecond the bar covered.
    .from(equity.map(({ ts, equity: value }) => ({ ts, at: ts - 1, equity: value })))
    .orderby('ts')
    .derive({
      year: (d) => op.utcyear(d.at),
      month: (d) => op.utcmonth(d.at) + 1,
      row: () => op.row_number(),
    })
    .groupby(...keys)
    .filter((d) => d.row === op.max(d.row))
    .ungroup()
    .orderby('row');
}

/**
 * Each period's end equity against the previous period's end; the first period is measured from the first point.
 * Periods start at the first point, so a partial first or last period is a partial-period return.
 */
function calendarReturns(equity: EquityPoint[], keys: string[]) {
  const first = equity.reduce((earliest, point) => (point.ts < earliest.ts ? point : earliest), equity[0]!);
  const ends = periodEnds(equity, keys);
  // params() sets the value on the table and returns it; not chained because its declared return type is a union.
  ends.params({ startEquity: first.equity });
  return ends.derive({
    ret: (d: Record<string, number>, $: Record<string, number>) => d.equity / op.lag(d.equity, 1, $.startEquity) - 1,
  });
}

export function monthlyReturns(equity: EquityPoint[]): MonthlyReturn[] {
  if (equity.length === 0) return [];
  const table = calendarReturns(equity, ['year', 'month']);
  const years = table.array('year');
  const months = table.array('month');
  const rets = table.array('ret');
  return Array.from(years, (year, i) => ({ year: Number(year), month: Number(months[i]), ret: Number(rets[i]) }));
}

export function yearlyReturns(equity: EquityPoint[]): YearlyReturn[] {
  if (equity.length === 0) return [];
  const table = calendarReturns(equity, ['year']);
  const years = table.array('year');
  const rets = table.array('ret');
  return Array.from(years, (year, i) => ({ year: Number(year), ret: Number(rets[i]) }));
}

/** Per-symbol statistics of CLOSED round trips (open ones have no final pnl yet), sorted by symbol. */
export function tradeStats(trades: RoundTrip[]): SymbolTradeStats[] {
  const closed = trades.filter((trip) => !trip.open);
  if (closed.length === 0) return [];
  const table = aq
    .from(closed.map(({ symbol, pnl, returnPct }) => ({ symbol, pnl, returnPct })))
    .derive({ win: (d) => (d.pnl > 0 ? 1 : 0) })
    .groupby('symbol')
    .rollup({
      trades: () => op.count(),
      win_rate: (d) => op.mean(d.win),
      pnl: (d) => op.sum(d.pnl),
      avg_return: (d) => op.mean(d.returnPct),
    })
    .orderby('symbol');
  return table.objects().map((row) => {
    const values = row as Record<string, unknown>;
    return {
      symbol: String(values.symbol),
      trades: Number(values.trades),
      win_rate: Number(values.win_rate),
      pnl: Number(values.pnl),
      avg_return: Number(values.avg_return),
    };
  });
}

/**
 * What `monthlyReturns` and `yearlyReturns` read from a curve, collected from points streamed in time order:
 * the first point and the last point of each calendar month (months by the bar's last millisecond, as above).
 * Feeding these to the functions gives the same tables as the whole curve, in O(months) memory.
 */
export class PeriodEndPoints {
  private first: EquityPoint | undefined;
  private readonly ends: EquityPoint[] = [];
  private monthEnd = Number.NEGATIVE_INFINITY;

  add(point: EquityPoint): void {
    const at = point.ts - 1;
    const copy = { ts: point.ts, equity: point.equity, grossExposure: point.grossExposure };
    this.first ??= copy;
    if (at < this.monthEnd) {
      this.ends[this.ends.length - 1] = copy;
      return;
    }
    this.ends.push(copy);
    const d = new Date(at);
    this.monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }

  points(): EquityPoint[] {
    if (this.first === undefined || this.ends[0] === this.first) return this.ends;
    return [this.first, ...this.ends];
  }
}
