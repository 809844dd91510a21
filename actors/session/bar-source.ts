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

export { sleep } from '../adapters/sleep.ts';
