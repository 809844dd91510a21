// How a run is named to a person: what ran, on what, over which dates. Run ids and source keys (`main`) are
// for URLs; a list of runs reads by these labels.
import type { RunRow } from '../../db/schema.ts';

const SHOWN_SYMBOLS = 3;

function day(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/**
 * `mean_reversion · BTC/USD, ORCL · 2016-01-01 → 2024-12-31`; without a range, a backtest ran over `all stored bars`
 * and a session is `paper since …` its start.
 */
export function runLabel(run: Pick<RunRow, 'strategy' | 'symbols' | 'mode' | 'fromTs' | 'toTs' | 'startedAt'>): string {
  const extra = run.symbols.length - SHOWN_SYMBOLS;
  const symbols = run.symbols.slice(0, SHOWN_SYMBOLS).join(', ') + (extra > 0 ? ` +${extra}` : '');
  const dates =
    run.fromTs !== null && run.toTs !== null ? `${day(run.fromTs)} → ${day(run.toTs)}` : run.mode === 'backtest' ? 'all stored bars' : `${run.mode} since ${day(run.startedAt)}`;
  return `${run.strategy} · ${symbols} · ${dates}`;
}
