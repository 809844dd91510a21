// paper:demo's feed: recorded candles released one close time at a time at an accelerated wall clock
// (`barsPerSecond`), as if each had just closed. Resumes after whatever the session already processed.
import type { FeedCursor } from '../../machines/data/live-bars.ts';
import type { Bar } from '../../machines/domain.ts';
import { sleep, type BarSource } from './bar-source.ts';

export function demoBarSource(bars: readonly Bar[], barsPerSecond: number, label: string): BarSource {
  const intervalMs = Number.isFinite(barsPerSecond) ? 1000 / barsPerSecond : 0;
  return {
    label,
    async next(cursor: FeedCursor, signal: AbortSignal) {
      const i = bars.findIndex((b) => b.closeTs > cursor.lastCloseTs);
      if (i < 0) return undefined;
      if (intervalMs > 0) await sleep(intervalMs, signal);
      const closeTs = bars[i]!.closeTs;
      const out: Bar[] = [];
      for (let j = i; j < bars.length && bars[j]!.closeTs === closeTs; j++) out.push(bars[j]!);
      return out;
    },
  };
}
