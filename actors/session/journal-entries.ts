// The journal's entries and how each one enters the pipeline. The same function serves the live session,
// its crash recovery and `bun run replay`: one path from recorded input to derived messages.
import type { JournalRow } from '../../db/schema.ts';
import { advanceCursor, newCursor, type FeedCursor } from '../../machines/data/live-bars.ts';
import type { Bar } from '../../machines/domain.ts';
import type { Pipeline } from '../pipeline.ts';
import type { Difference } from '../../machines/execution/reconcile.ts';
import type { VenueOrderState, VenueTrade } from './order-venue.ts';

export type JournalEntry =
  | { kind: 'warmup'; ts: number; payload: { bars: Bar[] } }
  | { kind: 'bars'; ts: number; payload: { bars: Bar[] } }
  | { kind: 'command'; ts: number; payload: { command: 'halt' | 'resume' | 'reset'; flatten: boolean; reason: string } }
  | { kind: 'feed'; ts: number; payload: { stale: boolean; reason: string } }
  | { kind: 'end'; ts: number; payload: Record<string, never> }
  | { kind: 'sent'; ts: number; payload: { clientOrderId: string; symbol: string; /** The session clock the order was decided at. */ decidedTs?: number } }
  | { kind: 'venue'; ts: number; payload: { order: VenueOrderState; trades: VenueTrade[] } }
  | { kind: 'reconcile'; ts: number; payload: { differences: Difference[] } }
  | { kind: 'adopt'; ts: number; payload: { positions: Record<string, { qty: number; price: number }>; cash: number } };

export function applyEntry(pipeline: Pipeline, entry: JournalEntry): void {
  switch (entry.kind) {
    case 'warmup':
      for (const bar of entry.payload.bars) pipeline.publish({ type: 'WarmupData', ...bar });
      break;
    case 'bars':
      for (const bar of entry.payload.bars) pipeline.push({ type: 'MarketData', ...bar });
      break;
    case 'command': {
      const { command, flatten, reason } = entry.payload;
      if (command === 'halt') pipeline.publish({ type: 'OperatorHalt', ts: entry.ts, reason, flatten });
      else if (command === 'resume') pipeline.publish({ type: 'OperatorResume', ts: entry.ts, reason });
      else pipeline.publish({ type: 'ResetCircuitBreaker', ts: entry.ts, reason });
      break;
    }
    case 'feed':
      pipeline.publish({ type: 'FeedStatus', ts: entry.ts, ...entry.payload });
      break;
    case 'end':
      pipeline.end(entry.ts);
      break;
    case 'venue':
      pipeline.publish({ type: 'VenueReport', ts: entry.ts, ...entry.payload });
      break;
    case 'reconcile':
      pipeline.publish({ type: 'Reconciliation', ts: entry.ts, ...entry.payload });
      break;
    case 'adopt':
      pipeline.publish({ type: 'AdoptVenueState', ts: entry.ts, ...entry.payload });
      break;
    case 'sent':
      // Bookkeeping for the live session (which orders reached the wire); the pipeline already knows the order.
      break;
  }
}

/** Where a journal leaves the session: the feed cursor, whether it ended, whether the feed was stale. */
export interface JournalState {
  cursor: FeedCursor;
  ended: boolean;
  feedStale: boolean;
  /** Client order ids journaled as sent to the venue. */
  sent: Set<string>;
}

export function entryOf(row: Pick<JournalRow, 'kind' | 'ts' | 'payload'>): JournalEntry {
  return { kind: row.kind, ts: row.ts, payload: row.payload } as JournalEntry;
}

export function trackEntry(state: JournalState, entry: JournalEntry): void {
  if (entry.kind === 'bars') advanceCursor(state.cursor, entry.payload.bars);
  if (entry.kind === 'warmup') state.cursor.lastCloseTs = Math.max(state.cursor.lastCloseTs, entry.ts);
  if (entry.kind === 'end') state.ended = true;
  if (entry.kind === 'feed') state.feedStale = entry.payload.stale;
  if (entry.kind === 'sent') state.sent.add(entry.payload.clientOrderId);
}

/** Feeds recorded entries through a pipeline, flushing after each as the live session did. */
export function replayJournal(pipeline: Pipeline, rows: readonly JournalRow[]): JournalState {
  const state: JournalState = { cursor: newCursor(), ended: false, feedStale: false, sent: new Set() };
  for (const row of rows) {
    const entry = entryOf(row);
    applyEntry(pipeline, entry);
    pipeline.flush();
    trackEntry(state, entry);
  }
  return state;
}
