// The port a session's bars come through: recorded candles at an accelerated clock (paper:demo), or a
// venue polled after each bar closes (CCXT, Alpaca).
import type { FeedCursor } from '../../machines/data/live-bars.ts';
import type { Bar } from '../../machines/domain.ts';

export interface BarSource {
  /** A short description for the console and the session's config snapshot. */
  readonly label: string;
  /**
   * Waits for and returns the next closed bars after the cursor (the session drops repeats), or undefined when
   * the stream is over. Rejects with a one-line error once a venue failure is past its retries.
   */
  next(cursor: FeedCursor, signal: AbortSignal): Promise<Bar[] | undefined>;
  close?(): Promise<void>;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
