// Summary statistics of a run, from its equity curve and its round trips.
import type { RoundTrip } from './round-trips.ts';

export interface EquityPoint {
  ts: number;
  equity: number;
  grossExposure: number;
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
}

const YEAR_MS = 365.25 * 86_400_000;

function mean(values: number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Simple per-period returns; a period that starts at equity ≤ 0 has no defined return and is left out. */
export function periodReturns(equity: EquityPoint[]): number[] {
  const returns: number[] = [];
  for (let i = 1; i < equity.length; i++) {
    const previous = equity[i - 1]!.equity;
    if (previous > 0) returns.push(equity[i]!.equity / previous - 1);
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

function sharpeRatio(returns: number[], periodsPerYear: number): number {
  if (returns.length < 2) return 0;
  const average = mean(returns);
  let squares = 0;
  for (const r of returns) squares += (r - average) ** 2;
  const deviation = Math.sqrt(squares / (returns.length - 1));
  // A float-noise deviation (constant returns) would turn the ratio into a meaningless huge number.
  if (deviation <= 1e-12) return 0;
  return (average / deviation) * Math.sqrt(periodsPerYear);
}

function sortinoRatio(returns: number[], periodsPerYear: number): number | null {
  if (returns.length === 0) return 0;
  const average = mean(returns);
  let downsideSquares = 0;
  for (const r of returns) downsideSquares += Math.min(r, 0) ** 2;
  const downsideDeviation = Math.sqrt(downsideSquares / returns.length);
  if (downsideDeviation <= 1e-12) return average > 0 ? null : 0;
  return (average / downsideDeviation) * Math.sqrt(periodsPerYear);
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

function checkInput(input: PerformanceInput): void {
  if (!(input.periodsPerYear > 0) || !Number.isFinite(input.periodsPerYear)) {
    throw new Error(`computePerformance: periodsPerYear must be a positive number, got ${input.periodsPerYear}`);
  }
  if (!Number.isFinite(input.fees)) throw new Error(`computePerformance: fees must be finite, got ${input.fees}`);
  input.equity.forEach((point, i) => {
    if (!Number.isFinite(point.equity) || !Number.isFinite(point.ts)) {
      throw new Error(`computePerformance: equity[${i}] at ts ${point.ts} is not finite (equity ${point.equity})`);
    }
    if (i > 0 && point.ts < input.equity[i - 1]!.ts) {
      throw new Error(`computePerformance: equity[${i}] ts ${point.ts} is before equity[${i - 1}] ts ${input.equity[i - 1]!.ts}`);
    }
  });
}

export function computePerformance(input: PerformanceInput): PerformanceSummary {
  checkInput(input);
  const { equity, periodsPerYear } = input;
  const first = equity[0];
  const last = equity[equity.length - 1];
  const start = first?.equity ?? 0;
  const final = last?.equity ?? 0;
  const returns = periodReturns(equity);
  const maxDrawdown = drawdownSeries(equity).reduce((worst, drawdown) => Math.min(worst, drawdown), 0);
  const cagr = first && last ? compoundAnnualGrowth(start, final, last.ts - first.ts) : 0;
  const exposedPoints = equity.filter((point) => point.grossExposure > 0).length;

  let calmar: number | null = 0;
  if (cagr === null) calmar = null;
  else if (maxDrawdown < 0) calmar = cagr / -maxDrawdown;

  const trades = tradeFigures(input.trades);

  return {
    start_equity: start,
    final_equity: final,
    total_return: start > 0 ? final / start - 1 : 0,
    cagr,
    sharpe: sharpeRatio(returns, periodsPerYear),
    sortino: sortinoRatio(returns, periodsPerYear),
    max_drawdown: maxDrawdown,
    calmar,
    trades: trades.trades,
    win_rate: trades.win_rate,
    profit_factor: trades.profit_factor,
    expectancy: trades.expectancy,
    exposure: equity.length > 0 ? exposedPoints / equity.length : 0,
    fees: input.fees,
    avg_win: trades.avg_win,
    avg_loss: trades.avg_loss,
    best_trade: trades.best_trade,
    worst_trade: trades.worst_trade,
  };
}
