// Run databases for the dashboard tests: an empty run, a small hand-made run (with hostile strings), and
// (from web/bench-data.ts) the 1,000,000-event run and the row helpers that append rows the way a live
// run's recorder would (through a second connection).
import { closeDb, openDb } from '../../db/client.ts';
import { equityRow, fillRow, insertRun, rowWriter, T0 } from '../../web/bench-data.ts';

export { buildLargeRun, equityRow, fillRow, insertRun, LARGE_RUN_COUNTS, LARGE_RUN_ID, rowWriter, T0 } from '../../web/bench-data.ts';
export const HOSTILE = `<script>alert("x")</script>&'`;
const MINUTE = 60_000;

/** A small paper run: a few rows of every table, strings that must be escaped, one breaker trip. */
export function buildSmallRun(path: string, runId = 'small-run'): void {
  const db = openDb(path);
  insertRun(db, { id: runId, symbols: ['BTC/USD', HOSTILE] });
  const write = rowWriter(db);
  db.$client.transaction(() => {
    for (let i = 0; i < 50; i++) write('equity_snapshots', equityRow(runId, T0 + i * MINUTE, 100_000 + (i % 7) * 150 - i * 20));
    write('signals', {
      run_id: runId, id: 'sig-1', ts: T0 + 5 * MINUTE, strategy: 'mean_reversion', symbol: 'BTC/USD', action: 'BUY',
      confidence: 1, price: 40_000, stop_loss: 36_800, take_profit: null, reason: `z-score -2.3 ${HOSTILE}`,
    });
    write('risk_decisions', {
      run_id: runId, signal_id: 'sig-1', ts: T0 + 5 * MINUTE, symbol: 'BTC/USD', approved: 1, qty: 0.25,
      limited_by: 'symbol.max_pct', layer: null, rule: null, reason: null,
    });
    write('signals', {
      run_id: runId, id: 'sig-2', ts: T0 + 9 * MINUTE, strategy: 'mean_reversion', symbol: HOSTILE, action: 'BUY',
      confidence: 1, price: 10, stop_loss: null, take_profit: null, reason: 'entry',
    });
    write('risk_decisions', {
      run_id: runId, signal_id: 'sig-2', ts: T0 + 9 * MINUTE, symbol: HOSTILE, approved: 0, qty: null,
      limited_by: null, layer: 'position', rule: 'position.stop_loss_required', reason: `no stop-loss ${HOSTILE}`,
    });
    write('orders', {
      run_id: runId, client_order_id: 'ord-1', signal_id: 'sig-1', ts: T0 + 5 * MINUTE, symbol: 'BTC/USD', side: 'buy',
      order_type: 'market', qty: 0.25, price: null, reference_price: 40_000, purpose: 'entry', reduce_only: 0,
      stop_loss: 36_800, take_profit: null, parent_id: null,
    });
    write('order_updates', { run_id: runId, client_order_id: 'ord-1', ts: T0 + 5 * MINUTE, symbol: 'BTC/USD', status: 'accepted', reason: null });
    write('order_updates', { run_id: runId, client_order_id: 'ord-1', ts: T0 + 6 * MINUTE, symbol: 'BTC/USD', status: 'filled', reason: null });
    write('fills', { ...fillRow(runId, 1, T0 + 6 * MINUTE), client_order_id: 'ord-1', qty: 0.25, price: 40_010 });
    write('positions', {
      run_id: runId, ts: T0 + 6 * MINUTE, symbol: 'BTC/USD', qty: 0.25, avg_price: 40_010, last_price: 40_200,
      realized_pnl: 0, unrealized_pnl: 47.5,
    });
    write('risk_events', {
      run_id: runId, ts: T0 + 30 * MINUTE, kind: 'breaker_tripped', level: 'warning', state: 'halted.dailyLoss',
      reason: `daily loss 5.1% ${HOSTILE}`,
    });
    write('state_transitions', {
      run_id: runId, ts: T0, actor: 'pipeline', from_state: 'idle', to_state: 'running', event: 'START',
    });
    write('state_transitions', {
      run_id: runId, ts: T0 + 30 * MINUTE, actor: 'circuitBreaker', from_state: 'trading', to_state: 'halted.dailyLoss',
      event: 'breaker_tripped',
    });
    write('state_transitions', {
      run_id: runId, ts: T0 + 5 * MINUTE, actor: 'order:ord-1', from_state: 'submitted', to_state: 'working', event: 'ACCEPT',
    });
  })();
  closeDb(db);
}

/** An empty DB (schema only) holding one run that has not recorded anything yet. */
export function buildEmptyRun(path: string, runId = 'empty-run'): void {
  const db = openDb(path);
  insertRun(db, { id: runId });
  closeDb(db);
}
