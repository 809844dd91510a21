// Which closed bars from a live feed may enter the pipeline. A bar is processed exactly once and in
// close-time order: a repeat of a bar already processed is ignored, a bar older than what the pipeline has
// already seen of other symbols is refused (it would break the no-lookahead order), bad numbers are refused.
import type { Bar } from '../domain.ts';

export interface FeedCursor {
  /** Open time of the last processed bar per symbol. */
  lastTs: Map<string, number>;
  /** Close time of the last processed bar of any symbol. */
  lastCloseTs: number;
}

export interface RefusedBar {
  bar: Bar;
  reason: string;
  duplicate: boolean;
}

export function newCursor(): FeedCursor {
  return { lastTs: new Map(), lastCloseTs: Number.NEGATIVE_INFINITY };
}

export function barProblem(bar: Bar): string | undefined {
  for (const field of ['open', 'high', 'low', 'close'] as const) {
    const v = bar[field];
    if (!Number.isFinite(v) || v <= 0) return `${field} is ${v}`;
  }
  if (!Number.isFinite(bar.volume) || bar.volume < 0) return `volume is ${bar.volume}`;
  if (bar.high < bar.low) return `high ${bar.high} < low ${bar.low}`;
  if (bar.high < Math.max(bar.open, bar.close) || bar.low > Math.min(bar.open, bar.close)) {
    return `open/close outside high-low (o ${bar.open} h ${bar.high} l ${bar.low} c ${bar.close})`;
  }
  if (!(bar.closeTs > bar.ts)) return `close time ${bar.closeTs} is not after open time ${bar.ts}`;
  return undefined;
}

/** Splits fetched bars into those to process now (sorted by close time, then symbol) and the refused. */
export function admitBars(cursor: FeedCursor, bars: readonly Bar[]): { admitted: Bar[]; refused: RefusedBar[] } {
  const refused: RefusedBar[] = [];
  const seen = new Map<string, number>();
  const candidates: Bar[] = [];
  for (const bar of [...bars].sort((a, b) => a.closeTs - b.closeTs || a.ts - b.ts || a.symbol.localeCompare(b.symbol))) {
    const problem = barProblem(bar);
    if (problem !== undefined) {
      refused.push({ bar, reason: problem, duplicate: false });
      continue;
    }
    const last = Math.max(cursor.lastTs.get(bar.symbol) ?? Number.NEGATIVE_INFINITY, seen.get(bar.symbol) ?? Number.NEGATIVE_INFINITY);
    if (bar.ts <= last) {
      refused.push({ bar, reason: 'already processed', duplicate: true });
      continue;
    }
    if (bar.closeTs < cursor.lastCloseTs) {
      refused.push({ bar, reason: 'arrived after newer bars were processed', duplicate: false });
      continue;
    }
    seen.set(bar.symbol, bar.ts);
    candidates.push(bar);
  }
  return { admitted: candidates, refused };
}

/** Records processed bars in the cursor. */
export function advanceCursor(cursor: FeedCursor, bars: readonly Bar[]): void {
  for (const bar of bars) {
    cursor.lastTs.set(bar.symbol, Math.max(cursor.lastTs.get(bar.symbol) ?? Number.NEGATIVE_INFINITY, bar.ts));
    cursor.lastCloseTs = Math.max(cursor.lastCloseTs, bar.closeTs);
  }
}

/** Groups sorted bars by close time: one journal entry per moment, so a restart regroups them identically. */
export function groupByClose(bars: readonly Bar[]): Bar[][] {
  const groups: Bar[][] = [];
  for (const bar of bars) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]!.closeTs === bar.closeTs) last.push(bar);
    else groups.push([bar]);
  }
  return groups;
}
