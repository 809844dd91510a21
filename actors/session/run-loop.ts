// Drives a session in wall-clock time: bars from the source, operator commands and heartbeats every
// `pollMs`, feed health. Everything that reaches the pipeline goes through Session.record (journal first).
import { formatBarTime } from '../../machines/data/candle-validation.ts';
import { admitBars } from '../../machines/data/live-bars.ts';
import type { Bar } from '../../machines/domain.ts';
import type { BarSource } from './bar-source.ts';
import type { Clock, Session } from './session-runtime.ts';

export interface LoopOptions {
  clock: Clock;
  /** Aborted by SIGINT/SIGTERM: the loop returns after the input in hand is recorded. */
  stop: AbortSignal;
  /** No new bar for this long (wall ms) → the feed is stale: a risk event, no new entries until bars return. */
  staleAfterMs: number;
  pollMs?: number;
  log(line: string): void;
  /** Called on every poll (live: venue order polling, reconciliation); a returned error stops the session. */
  onTick?: () => Error | undefined;
  /**
   * Live: resolves once the venue has answered every request made so far. Bars are then recorded one close time
   * at a time, each after the orders of the one before are known — as in a backtest, where a bar's fills land
   * before the next bar's decisions — so a restarted session catching up decides exactly as an uninterrupted one.
   */
  settle?: () => Promise<void>;
}

export type LoopEnd = 'finished' | 'stopped';

export async function runSessionLoop(session: Session, source: BarSource, opts: LoopOptions): Promise<LoopEnd> {
  const { clock, log } = opts;
  let lastBarWall = clock.now();
  let timerError: unknown;
  const wake = new AbortController();
  const stopAll = (): void => wake.abort();
  opts.stop.addEventListener('abort', stopAll, { once: true });

  const checkStale = (): void => {
    if (!session.feedStale && clock.now() - lastBarWall > opts.staleAfterMs) {
      const seconds = ((clock.now() - lastBarWall) / 1000).toFixed(1);
      session.record({ kind: 'feed', ts: session.clockTs, payload: { stale: true, reason: `no new bar for ${seconds} s` } });
      log(`feed    stale: no new bar for ${seconds} s — no new entries until data returns`);
    }
  };
  const tick = (): void => {
    try {
      for (const line of session.takeCommands()) log(`operator ${line}`);
      session.heartbeat();
      checkStale();
      const failure = opts.onTick?.();
      if (failure !== undefined) throw failure;
    } catch (err) {
      timerError = err;
      wake.abort();
    }
  };
  tick();
  const timer = setInterval(tick, opts.pollMs ?? 200);
  try {
    while (!wake.signal.aborted && !session.ended) {
      const bars = await source.next(session.cursor, wake.signal);
      if (timerError !== undefined) throw timerError;
      if (opts.stop.aborted) break;
      if (bars === undefined) {
        session.record({ kind: 'end', ts: session.clockTs, payload: {} });
        break;
      }
      // An empty poll is also a moment to judge the feed: the timer alone would miss it on an injected clock.
      if (bars.length === 0) {
        checkStale();
        continue;
      }
      // Repeats of processed bars are no sign of life: the feed stays stale and its clock keeps running.
      const fresh = admitBars(session.cursor, bars).admitted.length > 0;
      if (session.feedStale && fresh) {
        session.record({ kind: 'feed', ts: session.clockTs, payload: { stale: false, reason: 'bars are arriving again' } });
        log('feed    fresh: bars are arriving again');
      }
      for (const group of opts.settle === undefined ? [bars] : byCloseTime(bars)) {
        if (opts.settle !== undefined) await opts.settle();
        if (opts.stop.aborted || timerError !== undefined) break;
        const { refused } = session.recordBars(group);
        for (const r of refused) {
          if (!r.duplicate) log(`feed    refused ${r.bar.symbol} bar ${formatBarTime(r.bar.ts, r.bar.timeframe)}: ${r.reason}`);
        }
      }
      if (timerError !== undefined) throw timerError;
      if (fresh) lastBarWall = clock.now();
      else checkStale();
    }
    if (timerError !== undefined) throw timerError;
    return session.ended ? 'finished' : 'stopped';
  } finally {
    clearInterval(timer);
    opts.stop.removeEventListener('abort', stopAll);
  }
}

/** Consecutive bars sharing a close time, in the order they came. */
function byCloseTime(bars: Bar[]): Bar[][] {
  const groups: Bar[][] = [];
  for (const bar of bars) {
    const last = groups.at(-1);
    if (last !== undefined && last[0]!.closeTs === bar.closeTs) last.push(bar);
    else groups.push([bar]);
  }
  return groups;
}
