// paper:demo's feed: recorded candles released one close time at a time at an accelerated wall clock
// (`barsPerSecond`), as if each had just closed. Resumes after whatever the session already processed.
import type { FeedCursor } from '../../machines/data/live-bars.ts';
import type { Bar } from '../../machines/domain.ts';
import { sleep, type BarSource } from './bar-source.ts';

export function demoBarSource(bars: readonly Bar[], barsPerSecond: number, label: string): BarSource {
  const intervalMs = Number.isFinite(barsPerSecond) ? 1000 / barsPerSecond : 0;
  // Where the last search ended: searching from the start every time would make each bar cost O(bars so far).
  let from = 0;
  let searchedTo = Number.NEGATIVE_INFINITY;
  return {
    label,
    async next(cursor: FeedCursor, signal: AbortSignal) {
      // Every bar before `from` closed at or before `searchedTo`; a cursor moved back searches from the start.
      if (cursor.lastCloseTs < searchedTo) from = 0;
      let i = from;
      while (i < bars.length && bars[i]!.closeTs <= cursor.lastCloseTs) i++;
      from = i;
      searchedTo = cursor.lastCloseTs;
      if (i >= bars.length) return undefined;
      if (intervalMs > 0) await sleep(intervalMs, signal);
      const closeTs = bars[i]!.closeTs;
      const out: Bar[] = [];
      for (let j = i; j < bars.length && bars[j]!.closeTs === closeTs; j++) out.push(bars[j]!);
      return out;
    },
  };
}
