// The human-readable summary a backtest prints.
import type { BacktestResult } from '../backtest.ts';

const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)}%`);
const num = (v: number | null, digits = 2) => (v === null ? 'n/a' : v.toFixed(digits));
const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatSummary(result: BacktestResult): string {
  const s = result.summary;
  const rows: [string, string][] = [
    ['run', s.run_id],
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
    ['win rate', pct(s.win_rate)],
    ['profit factor', s.profit_factor === null ? 'n/a (no losing trade)' : num(s.profit_factor)],
    ['expectancy / trade', money(s.expectancy)],
    ['exposure', pct(s.exposure)],
    ['fees', money(s.fees)],
    ['run database', s.db],
    ['report', s.report],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), ...result.priceNotes.map((n) => `prices  ${n}`)].join('\n');
}
