// bun run replay — re-runs a paper session's journal through the backtest path and lists every difference.
import { existsSync } from 'node:fs';
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { DEFAULT_PAPER_DB } from '../actors/adapters/paper-session.ts';
import { startSessionHint } from '../actors/adapters/operator-command.ts';
import { findSession, replaySession, REPLAY_TABLES } from '../actors/session/replay-session.ts';
import { closeDb, openDb } from '../db/client.ts';
import type { FillGapReport } from '../machines/execution/fill-gap.ts';

const USAGE = `Usage: bun run replay [--db PATH] [--session ID]

Feeds a recorded session's journal (its warm-up candles, every closed bar, every operator command) through
the backtest assembly — same pipeline, simulated executor, the session's own config snapshot — and prints
every difference in ${REPLAY_TABLES.join(', ')}, field by field. Exit 0 with "0 differences" when the
session is reproduced exactly, 1 otherwise. For a live session it prints, per order, the venue's price and
fee next to the fill model's and the model's error (mean and worst gap in bps): the backtest-vs-live gap.

  --db PATH       session database (default ${DEFAULT_PAPER_DB})
  --session ID    which session (default: the one a live process runs, else the newest)`;

const show = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));
const bps = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(1)} bps`;

/** Live sessions: venue against model, per order, then the gap in one line. */
function fillGapLines(g: FillGapReport): string[] {
  const lines = g.orders.map(
    (o) =>
      `${o.clientOrderId} ${o.symbol} ${o.side} ${o.venue.qty}: venue ${o.venue.price} fee ${o.venue.fee.toFixed(4)}, ` +
      `model ${o.model.price} fee ${o.model.fee.toFixed(4)} (${bps(o.slippageGapBps)})`,
  );
  if (g.venueOnly.length > 0) lines.push(`filled at the venue only: ${g.venueOnly.join(', ')}`);
  if (g.modelOnly.length > 0) lines.push(`filled by the model only: ${g.modelOnly.join(', ')}`);
  lines.push(
    g.meanGapBps === null
      ? 'no order filled on both sides: nothing to compare'
      : `fill model vs venue over ${g.orders.length} orders: mean gap ${bps(g.meanGapBps)}, worst ${bps(g.worstGapBps!)} (positive: the venue filled worse than the model)`,
  );
  return lines;
}

await runMain(async () => {
  const args = parseCommandArgs({ db: { type: 'string' }, session: { type: 'string' } }, USAGE);
  const dbPath = args.db ?? DEFAULT_PAPER_DB;
  if (!existsSync(dbPath)) throw new Error(`${dbPath}: no such session database (${startSessionHint(dbPath)})`);
  const db = openDb(dbPath);
  try {
    const session = findSession(db, args.session);
    if (session === undefined) throw new Error(`${dbPath}: ${args.session ? `no session ${args.session}` : 'no paper or live session in this database'}`);
    if (session.mode === 'backtest') throw new Error(`${session.id} is a backtest; replay takes paper and live sessions`);
    const r = await replaySession(db, session);
    // A SIGKILLed session's row still says running: what the reader needs is whether a process runs it now.
    const state = session.status === 'running' && !r.unflushed.running ? 'not running: its process has ended' : session.status;
    console.log(`session ${session.id} (${session.mode}, ${state}): ${r.entries} journal entries, ${r.bars} bars replayed`);
    if (r.fillGap !== undefined) {
      for (const line of fillGapLines(r.fillGap)) console.log(line);
      return;
    }
    for (const d of r.differences) {
      console.log(`${d.table} #${d.row} ${d.key}: ${d.field} recorded ${show(d.recorded)}, replayed ${show(d.derived)}`);
    }
    console.log(`${r.differences.length} differences`);
    if (r.unflushed.rows > 0 && !r.unflushed.running) {
      console.log(`${r.unflushed.rows} of them are rows the session's process had not written when it ended: running its command again recovers them`);
    }
    if (r.differences.length > 0) process.exitCode = 1;
  } finally {
    closeDb(db);
  }
});
