// The retry loop shared by the candle collector and the venue bar feed: a failed venue request is judged by the
// retry policy, then either waited out (the server's Retry-After or the backoff, through the injected sleep) and
// sent again, or turned into one line saying where it failed and why.
import { decideRetry, type FailureInfo, type RetryPolicy } from '../../machines/data/retry-policy.ts';

/** A failure that retrying cannot fix; its message is the one line shown to the user. */
export class CollectError extends Error {
  override name = 'CollectError';
}

export interface RetryEvent {
  where: string;
  attempt: number;
  delayMs: number;
  reason: string;
  message: string;
}

export interface RetryLoop {
  policy: RetryPolicy;
  /** Class names, status and Retry-After of a thrown error, for the retry policy. */
  describeFailure(error: unknown): FailureInfo;
  /** Resolves after `ms` of the clock, or at once when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  onRetry?(event: RetryEvent): void;
}

const MESSAGE_CHARS = 240;

function oneLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS)}...` : line;
}

/** Runs `run` until it succeeds; throws CollectError when the policy stops or `signal` aborts a wait. */
export async function withRetries<T>(where: string, run: () => Promise<T>, loop: RetryLoop, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (error instanceof CollectError) throw error;
      const failure = loop.describeFailure(error);
      const decision = decideRetry(failure, attempt, loop.policy);
      const message = oneLine(failure.message);
      if (decision.action === 'stop') throw new CollectError(`${where}: ${decision.reason} (${message})`);
      loop.onRetry?.({ where, attempt, delayMs: decision.delayMs, reason: decision.reason, message });
      await loop.sleep(decision.delayMs, signal);
      if (signal?.aborted) throw new CollectError(`${where}: interrupted while waiting to retry`);
    }
  }
}
