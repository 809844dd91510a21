// The live stream of one run: polls the run DB every POLL_MS (SQLite's data_version says whether any other
// connection committed; rowid ranges say which tables grew for this run) and pushes re-rendered panels as
// named SSE events that htmx swaps (sse-swap), plus the new equity points the charts append.
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { dataVersion, hasRowsAfter, maxSeqs, type EventTable } from './data/queries.ts';
import { equityIndexAfter, extendEquity, extendTransitions } from './data/run-tail.ts';
import type { RunContext } from './data/run-view.ts';
import { renderPanel, runContext, type DashboardState, type PartialName } from './partials.ts';
import { shownStatus } from './views/dashboard-page.ts';

export const POLL_MS = 250;
const PING_EVERY_MS = 15_000;

const REFRESHES: Record<EventTable, (PartialName | 'equity' | 'transitions')[]> = {
  equity_snapshots: ['summary', 'equity', 'metrics'],
  positions: ['positions'],
  signals: ['signals'],
  risk_decisions: ['signals'],
  orders: ['orders'],
  order_updates: ['orders'],
  fills: ['fills', 'positions', 'metrics'],
  risk_events: ['breaker', 'alerts'],
  alerts: ['alerts'],
  state_transitions: ['transitions'],
  // A command issued elsewhere (`bun run halt`), and the session taking it (its journal entry).
  operator_commands: ['commands'],
  journal: ['commands'],
};

/** Partials re-rendered on a busy table (the journal grows every bar) and sent only when they changed. */
const SEND_ON_CHANGE = new Set<string>(['commands']);

export interface EquityDelta {
  /** The seq the points follow: a client whose last point is not this one refetches instead. */
  after: number;
  lastSeq: number;
  x: number[];
  equity: number[];
  drawdown: number[];
}

export function equityDelta(ctx: RunContext, after: number): EquityDelta {
  const tail = ctx.tails.equity;
  extendEquity(ctx.db, ctx.listing.runId, tail);
  const from = equityIndexAfter(tail, after);
  return {
    after,
    lastSeq: tail.lastSeq,
    x: tail.x.slice(from),
    equity: tail.equity.slice(from),
    drawdown: tail.drawdown.slice(from),
  };
}

async function send(stream: SSEStreamingApi, event: string, data: string, id?: string): Promise<void> {
  await stream.writeSSE({ event, data, id });
}

/** What changed for this run since `cursors`, as the set of things to re-send; advances the cursors. */
function changes(ctx: RunContext, cursors: Record<EventTable, number>): Set<string> {
  const latest = maxSeqs(ctx.db);
  const due = new Set<string>();
  for (const table of Object.keys(REFRESHES) as EventTable[]) {
    if (latest[table] <= cursors[table]) continue;
    if (hasRowsAfter(ctx.db, table, ctx.listing.runId, cursors[table])) for (const what of REFRESHES[table]) due.add(what);
    cursors[table] = latest[table];
  }
  return due;
}

export function liveStream(c: Context, state: DashboardState, first: RunContext): Response {
  const lastEventId = Number(c.req.header('last-event-id'));
  const afterParam = Number(c.req.query('after'));
  let equitySeq = Number.isFinite(lastEventId) && lastEventId > 0 ? lastEventId : Number.isFinite(afterParam) ? afterParam : 0;
  return streamSSE(c, async (stream) => {
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    const ref = { source: first.listing.source, runId: first.listing.runId };
    const cursors = maxSeqs(first.db);
    let version = dataVersion(first.db);
    let status = first.listing.run.status;
    // What the header says: a killed session's row still says running, and no write announces its end.
    let shown = shownStatus(first.listing).key;
    let sincePing = 0;
    const lastSent = new Map<string, string>();
    await stream.writeSSE({ event: 'hello', data: first.listing.runId, retry: 2000 });
    // Rows that arrived between the page render and this connection still reach the chart.
    const missed = equityDelta(first, equitySeq);
    if (missed.x.length > 0) {
      equitySeq = missed.lastSeq;
      await send(stream, 'equity', JSON.stringify(missed), String(equitySeq));
    }
    while (!closed) {
      await stream.sleep(POLL_MS);
      sincePing += POLL_MS;
      const ctx = runContext(state, ref);
      if (ctx === undefined) break;
      try {
        if (shownStatus(ctx.listing).key !== shown) {
          shown = shownStatus(ctx.listing).key;
          await send(stream, 'header', (await renderPanel('header', ctx, state)).toString());
        }
        const v = dataVersion(ctx.db);
        if (v === version) {
          if (sincePing >= PING_EVERY_MS) {
            sincePing = 0;
            await send(stream, 'ping', '');
          }
          continue;
        }
        version = v;
        const due = changes(ctx, cursors);
        if (ctx.listing.run.status !== status) {
          status = ctx.listing.run.status;
          due.add('header');
          due.add('metrics');
        }
        for (const what of due) {
          if (what === 'equity') {
            const delta = equityDelta(ctx, equitySeq);
            if (delta.x.length === 0) continue;
            equitySeq = delta.lastSeq;
            await send(stream, 'equity', JSON.stringify(delta), String(equitySeq));
          } else if (what === 'transitions') {
            extendTransitions(ctx.db, ctx.listing.runId, ctx.tails.transitions);
            await send(stream, 'transitions', String(ctx.tails.transitions.lastSeq));
          } else {
            const body = (await renderPanel(what as PartialName, ctx, state)).toString();
            if (SEND_ON_CHANGE.has(what)) {
              if (lastSent.get(what) === body) continue;
              lastSent.set(what, body);
            }
            await send(stream, what, body);
          }
        }
      } catch {
        // The client went away mid-write or the database was closed under us: end this stream; the browser
        // reconnects (and falls back to polling meanwhile).
        break;
      }
    }
  });
}
