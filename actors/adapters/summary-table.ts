// The human-readable summary a backtest prints, and the rounded summary its --json line carries.
import { formatBarTime } from '../../machines/data/candle-validation.ts';
import { formatAmount, formatFixed, roundSummaryMoney } from '../../machines/metrics/money.ts';
import type { BacktestResult } from '../backtest.ts';

const NO_TRADES = '— (no closed trades)';
const pct = (v: number | null) => (v === null ? 'n/a' : `${formatFixed(v * 100, 2)}%`);
const num = (v: number | null, digits = 2) => (v === null ? 'n/a' : formatFixed(v, digits));

/** `2016-01-01 → 2024-12-31`, saying which end came from the stored data when --from/--to was left out. */
export function describeRange(range: BacktestResult['range']): string {
  const text = `${formatBarTime(range.firstTs, range.timeframe)} → ${formatBarTime(range.lastTs, range.timeframe)}`;
  const noFrom = range.fromTs === undefined;
  const noTo = range.toTs === undefined;
  if (noFrom && noTo) return `${text} (every stored bar: no --from/--to)`;
  if (noFrom) return `${text} (from the first stored bar: no --from)`;
  if (noTo) return `${text} (to the last stored bar: no --to)`;
  return text;
}

export function formatSummary(result: BacktestResult): string {
  const s = result.summary;
  const money = (v: number) => formatAmount(v, result.moneyDecimals);
  const closed = s.trades > 0;
  const rows: [string, string][] = [
    ['run', s.run_id],
    ['range', describeRange(result.range)],
    ['bars', result.bars.toLocaleString('en-US')],
    ['start equity', money(s.start_equity)],
    ['final equity', money(s.final_equity)],
    ['total return', pct(s.total_return)],
    ['CAGR', pct(s.cagr)],
    ['Sharpe', num(s.sharpe)],
    ['Sortino', s.sortino === null ? 'n/a (no losing period)' : num(s.sortino)],
    ['max drawdown', pct(s.max_drawdown)],
    ['Calmar', num(s.calmar)],
    ['trades (closed)', String(s.trades)],
    ['win rate', closed ? pct(s.win_rate) : NO_TRADES],
    ['profit factor', !closed ? NO_TRADES : s.profit_factor === null ? 'n/a (no losing trade)' : num(s.profit_factor)],
    ['expectancy / trade', closed ? money(s.expectancy) : NO_TRADES],
    ['exposure', pct(s.exposure)],
    ['fees', money(s.fees)],
    ['run database', s.db],
    ['report', s.report],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), ...result.priceNotes.map((n) => `prices  ${n}`)].join('\n');
}

/** The --json line: money rounded to the quote currency (the run DB keeps the raw figures). */
export function summaryJson(result: BacktestResult): string {
  return JSON.stringify(roundSummaryMoney(result.summary, result.moneyDecimals));
}
