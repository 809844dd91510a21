// Summary statistics of a run, from its equity curve and its round trips.
import type { RoundTrip } from './round-trips.ts';

export interface EquityPoint {
  ts: number;
  equity: number;
  grossExposure: number;
}

/** An equity curve as columns of equal length (a sweep combination's, passed between threads without a copy). */
export interface EquityColumns {
  ts: Float64Array;
  equity: Float64Array;
  grossExposure: Float64Array;
}

export interface PerformanceSummary {
  start_equity: number;
  final_equity: number;
  total_return: number;
  /** null when the run is too short to annualise: the compounded figure overflows float64. */
  cagr: number | null;
  sharpe: number;
  /** null when there is a positive mean return but no losing period (the ratio is unbounded). */
  sortino: number | null;
  /** A negative fraction, e.g. -0.25 for a 25% fall from the running peak; 0 if never below a peak. */
  max_drawdown: number;
  /** 0 when there was no drawdown; null when cagr is null. */
  calmar: number | null;
  /** Closed round trips; open ones are marked to market but are not finished trades. */
  trades: number;
  win_rate: number;
  /** null means "no losing trades" (Σ wins / 0); 0 when there are no winning trades. */
  profit_factor: number | null;
  /** Mean pnl per closed trip, in quote currency. */
  expectancy: number;
  /** Fraction of equity points with a position on. */
  exposure: number;
  fees: number;
  /** Mean pnl of winning closed trips (≥ 0). */
  avg_win: number;
  /** Mean pnl of losing closed trips (≤ 0). */
  avg_loss: number;
  best_trade: number;
  worst_trade: number;
}

export interface PerformanceInput {
  equity: EquityPoint[];
  trades: RoundTrip[];
  /** Total fees paid in the run, open trips included. */
  fees: number;
  periodsPerYear: number;
  /** See PerformanceStream's constructor; undefined: every point is a sample. */
  samplePeriodMs?: number;
}

const YEAR_MS = 365.25 * 86_400_000;

function mean(values: number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Simple per-period returns; a period that starts at equity ≤ 0 has no defined return and is left out. */
export function periodReturns(equity: ArrayLike<number>): number[] {
  const returns: number[] = [];
  for (let i = 1; i < equity.length; i++) {
    const previous = equity[i - 1]!;
    if (previous > 0) returns.push(equity[i]! / previous - 1);
  }
  return returns;
}

/** equity / running peak − 1 at every point (0 at a new peak). */
export function drawdownSeries(equity: EquityPoint[]): number[] {
  const drawdowns: number[] = [];
  let peak = Number.NEGATIVE_INFINITY;
  for (const point of equity) {
    peak = Math.max(peak, point.equity);
    drawdowns.push(peak > 0 ? point.equity / peak - 1 : 0);
  }
  return drawdowns;
}

function compoundAnnualGrowth(start: number, final: number, elapsedMs: number): number | null {
  if (start <= 0 || elapsedMs <= 0) return 0;
  if (final <= 0) return -1;
  const cagr = (final / start) ** (YEAR_MS / elapsedMs) - 1;
  return Number.isFinite(cagr) ? cagr : null;
}

function tradeFigures(trades: RoundTrip[]) {
  const pnls = trades.filter((trip) => !trip.open).map((trip) => trip.pnl);
  const wins = pnls.filter((pnl) => pnl > 0);
  const losses = pnls.filter((pnl) => pnl < 0);
  const grossWin = wins.reduce((sum, pnl) => sum + pnl, 0);
  const grossLoss = losses.reduce((sum, pnl) => sum + pnl, 0);
  let profitFactor: number | null = 0;
  if (losses.length > 0) profitFactor = grossWin / -grossLoss;
  else if (wins.length > 0) profitFactor = null;
  return {
    trades: pnls.length,
    win_rate: pnls.length > 0 ? wins.length / pnls.length : 0,
    profit_factor: profitFactor,
    expectancy: mean(pnls),
    avg_win: mean(wins),
    avg_loss: mean(losses),
    // reduce, not Math.max(...pnls): spreading a long run's trips can exceed the engine's argument limit.
    best_trade: pnls.length > 0 ? pnls.reduce((a, b) => Math.max(a, b)) : 0,
    worst_trade: pnls.length > 0 ? pnls.reduce((a, b) => Math.min(a, b)) : 0,
  };
}

function checkParameters(periodsPerYear: number, fees: number): void {
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear)) {
    throw new Error(`computePerformance: periodsPerYear must be a positive number, got ${periodsPerYear}`);
  }
  if (!Number.isFinite(fees)) throw new Error(`computePerformance: fees must be finite, got ${fees}`);
}

function checkPoint(ts: number, equity: number, i: number, previousTs: number): void {
  if (!Number.isFinite(equity) || !Number.isFinite(ts)) {
    throw new Error(`computePerformance: equity[${i}] at ts ${ts} is not finite (equity ${equity})`);
  }
  if (i > 0 && ts < previousTs) {
    throw new Error(`computePerformance: equity[${i}] ts ${ts} is before equity[${i - 1}] ts ${previousTs}`);
  }
}

/**
 * The summary computed from points streamed in order, holding O(1) state: a long run's curve never has to
 * be in memory. Sharpe's deviation is taken around the mean (two passes, as the textbook formula and
 * `computePerformance` do, so the figures are identical to the last bit), hence `summarize` takes the samples a
 * second time; everything else is accumulated on the first pass through `add`.
 *
 * Two views of one curve: the path (start, final, total return, CAGR, max drawdown, Calmar) is every point, as
 * the drawdown chart draws it; the samples (returns for Sharpe and Sortino, time in market) are every point too,
 * or with `samplePeriodMs` the last point of each UTC-aligned period of that length, so that a point stands for
 * the same span of time (a mixed crypto+stock curve has points at both markets' closes). Periods without points
 * are skipped, not filled: a missing period is not a period of zero return.
 */
export class PerformanceStream {
  private count = 0;
  // The first and last point as numbers: no object per point on a path that sees every bar.
  private firstTs = 0;
  private firstEquity = 0;
  private lastTs = 0;
  private lastEquity = 0;
  private lastGrossExposure = 0;
  private peak = Number.NEGATIVE_INFINITY;
  private maxDrawdown = 0;
  private lastPeriod = 0;
  /** Summarized: with samplePeriodMs, the last point's period has been taken as ended. */
  private closed = false;
  private samples = 0;
  private lastSampleEquity = 0;
  private exposedSamples = 0;
  private returnCount = 0;
  private returnSum = 0;
  private downsideSquares = 0;

  /** samplePeriodMs: undefined (every point is a sample) or a positive length of time. */
  constructor(private readonly samplePeriodMs?: number) {
    if (samplePeriodMs !== undefined && !(samplePeriodMs > 0 && Number.isFinite(samplePeriodMs))) {
      throw new Error(`PerformanceStream: samplePeriodMs must be a positive number, got ${samplePeriodMs}`);
    }
  }

  add(point: EquityPoint): void {
    this.addPoint(point.ts, point.equity, point.grossExposure);
  }

  addPoint(ts: number, equity: number, grossExposure: number): void {
    checkPoint(ts, equity, this.count, this.lastTs);
    if (this.closed) throw new Error(`PerformanceStream: point at ts ${ts} added after summarize`);
    if (this.samplePeriodMs === undefined) this.addSample(equity, grossExposure);
    else {
      const period = Math.floor(ts / this.samplePeriodMs);
      // A point in a new period means the one before it was the last of its period.
      if (this.count > 0 && period !== this.lastPeriod) this.addSample(this.lastEquity, this.lastGrossExposure);
      this.lastPeriod = period;
    }
    this.peak = Math.max(this.peak, equity);
    this.maxDrawdown = Math.min(this.maxDrawdown, this.peak > 0 ? equity / this.peak - 1 : 0);
    if (this.count === 0) {
      this.firstTs = ts;
      this.firstEquity = equity;
    }
    this.lastTs = ts;
    this.lastEquity = equity;
    this.lastGrossExposure = grossExposure;
    this.count++;
  }

  private addSample(equity: number, grossExposure: number): void {
    if (this.samples > 0 && this.lastSampleEquity > 0) {
      const r = equity / this.lastSampleEquity - 1;
      this.returnCount++;
      this.returnSum += r;
      this.downsideSquares += Math.min(r, 0) ** 2;
    }
    if (grossExposure > 0) this.exposedSamples++;
    this.lastSampleEquity = equity;
    this.samples++;
  }

  /**
   * The equity of the samples among `points` (the same points as were added, in the same order): what
   * `summarize` takes a second time. Without samplePeriodMs it is every point's equity, and any iterable of
   * those will do (a column of them, with no object per point).
   */
  *sampleEquity(points: Iterable<{ ts: number; equity: number }>): Generator<number> {
    const periodMs = this.samplePeriodMs;
    let count = 0;
    let lastPeriod = 0;
    let lastEquity = 0;
    for (const point of points) {
      if (periodMs === undefined) yield point.equity;
      else {
        const period = Math.floor(point.ts / periodMs);
        if (count > 0 && period !== lastPeriod) yield lastEquity;
        lastPeriod = period;
        lastEquity = point.equity;
      }
      count++;
    }
    if (periodMs !== undefined && count > 0) yield lastEquity;
  }

  /** `again` yields the equity of the samples, in order (`sampleEquity`), for Sharpe's second pass. Call once. */
  summarize(again: Iterable<number>, trades: RoundTrip[], fees: number, periodsPerYear: number): PerformanceSummary {
    checkParameters(periodsPerYear, fees);
    if (this.samplePeriodMs !== undefined && this.count > 0 && !this.closed) this.addSample(this.lastEquity, this.lastGrossExposure);
    this.closed = true;
    const start = this.count > 0 ? this.firstEquity : 0;
    const final = this.count > 0 ? this.lastEquity : 0;
    const average = this.returnCount === 0 ? 0 : this.returnSum / this.returnCount;
    let sharpe = 0;
    if (this.returnCount >= 2) {
      let squares = 0;
      let previous: number | undefined;
      let seen = 0;
      for (const equity of again) {
        if (previous !== undefined && previous > 0) squares += (equity / previous - 1 - average) ** 2;
        previous = equity;
        seen++;
      }
      // Every point passed where the samples were meant (or the reverse) would measure other returns than the mean's.
      if (seen !== this.samples) {
        throw new Error(`PerformanceStream.summarize: the second pass gave ${seen} equity values for ${this.samples} samples`);
      }
      const deviation = Math.sqrt(squares / (this.returnCount - 1));
      // A float-noise deviation (constant returns) would turn the ratio into a meaningless huge number.
      sharpe = deviation <= 1e-12 ? 0 : (average / deviation) * Math.sqrt(periodsPerYear);
    }
    let sortino: number | null = 0;
    if (this.returnCount > 0) {
      const downsideDeviation = Math.sqrt(this.downsideSquares / this.returnCount);
      if (downsideDeviation <= 1e-12) sortino = average > 0 ? null : 0;
      else sortino = (average / downsideDeviation) * Math.sqrt(periodsPerYear);
    }
    const cagr = this.count > 0 ? compoundAnnualGrowth(start, final, this.lastTs - this.firstTs) : 0;
    const maxDrawdown = this.maxDrawdown;
    let calmar: number | null = 0;
    if (cagr === null) calmar = null;
    else if (maxDrawdown < 0) calmar = cagr / -maxDrawdown;

    const figures = tradeFigures(trades);
    return {
      start_equity: start,
      final_equity: final,
      total_return: start > 0 ? final / start - 1 : 0,
      cagr,
      sharpe,
      sortino,
      max_drawdown: maxDrawdown,
      calmar,
      trades: figures.trades,
      win_rate: figures.win_rate,
      profit_factor: figures.profit_factor,
      expectancy: figures.expectancy,
      exposure: this.samples > 0 ? this.exposedSamples / this.samples : 0,
      fees,
      avg_win: figures.avg_win,
      avg_loss: figures.avg_loss,
      best_trade: figures.best_trade,
      worst_trade: figures.worst_trade,
    };
  }
}

export function computePerformance(input: PerformanceInput): PerformanceSummary {
  checkParameters(input.periodsPerYear, input.fees);
  const stream = new PerformanceStream(input.samplePeriodMs);
  for (const point of input.equity) stream.add(point);
  return stream.summarize(stream.sampleEquity(input.equity), input.trades, input.fees, input.periodsPerYear);
}
