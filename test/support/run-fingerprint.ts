// A run's results reduced to hashes: every recorded event table row by row (in seq order), the equity
// curve and round trips runBacktest returns, and its summary. Two runs with equal fingerprints recorded
// byte-identical histories; the hot-path identity test compares against a committed baseline.
import { createHash } from 'node:crypto';
import { Database } from 'bun:sqlite';
import type { BacktestResult } from '../../actors/backtest.ts';

export const RECORDED_TABLES = [
  'signals', 'risk_decisions', 'orders', 'order_updates', 'fills', 'positions', 'equity_snapshots',
  'risk_events', 'state_transitions',
] as const;

export interface RunFingerprint {
  bars: number;
  /** The summary without the paths of the run's files (they depend on the output folder). */
  summary: Record<string, unknown>;
  rows: Record<string, { count: number; sha256: string }>;
  result: { equity: { count: number; sha256: string }; trades: { count: number; sha256: string } };
}

function digest(values: unknown[]): { count: number; sha256: string } {
  const hash = createHash('sha256');
  for (const v of values) hash.update(JSON.stringify(v)).update('\n');
  return { count: values.length, sha256: hash.digest('hex') };
}

export function fingerprintRun(result: BacktestResult): RunFingerprint {
  const db = new Database(result.summary.db, { readonly: true });
  try {
    const rows: RunFingerprint['rows'] = {};
    for (const table of RECORDED_TABLES) {
      rows[table] = digest(db.query(`SELECT * FROM ${table} ORDER BY seq`).all());
    }
    const { db: _db, report: _report, ...summary } = result.summary;
    return {
      bars: result.bars,
      summary,
      rows,
      result: { equity: digest(result.equity), trades: digest(result.trades) },
    };
  } finally {
    db.close();
  }
}
