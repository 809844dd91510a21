// The numbers behind the circuit breaker: daily loss against the UTC day's opening equity, drawdown against
// the peak since the start or the last reset. The machine (circuit-breaker.machine.ts) owns the states.
import { DAY_MS } from '../data/timeframe.ts';

export interface BreakerTracker {
  day: number;
  dayStartEquity: number;
  peakEquity: number;
  lastEquity: number;
}

export type BreakerTrip = { kind: 'dailyLoss' | 'drawdown'; reason: string };

export interface BreakerObservation {
  readonly newDay: boolean;
  readonly trip?: BreakerTrip;
}

export function startTracker(equity: number, ts: number): BreakerTracker {
  return { day: Math.floor(ts / DAY_MS), dayStartEquity: equity, peakEquity: equity, lastEquity: equity };
}

// The usual answer (no breach), shared rather than allocated on every bar.
const NEW_DAY: BreakerObservation = Object.freeze({ newDay: true });
const SAME_DAY: BreakerObservation = Object.freeze({ newDay: false });

/** Updates the tracker in place with the equity at `ts` and reports a new UTC day and/or a limit breach. */
export function observeEquity(
  tracker: BreakerTracker,
  equity: number,
  ts: number,
  maxDailyLossPct: number,
  maxDrawdownPct: number,
): BreakerObservation {
  const day = Math.floor(ts / DAY_MS);
  const newDay = day !== tracker.day;
  if (newDay) {
    tracker.day = day;
    // The day opens at the last equity of the previous day, so an overnight gap counts as today's loss.
    tracker.dayStartEquity = tracker.lastEquity;
  }
  tracker.lastEquity = equity;
  if (equity > tracker.peakEquity) tracker.peakEquity = equity;

  const drawdown = equity / tracker.peakEquity - 1;
  if (drawdown <= -maxDrawdownPct) {
    return {
      newDay,
      trip: {
        kind: 'drawdown',
        reason: `drawdown ${(drawdown * 100).toFixed(2)}% from peak ${tracker.peakEquity.toFixed(2)} reached the -${(maxDrawdownPct * 100).toFixed(2)}% limit`,
      },
    };
  }
  const dailyChange = equity / tracker.dayStartEquity - 1;
  if (dailyChange <= -maxDailyLossPct) {
    return {
      newDay,
      trip: {
        kind: 'dailyLoss',
        reason: `daily loss ${(dailyChange * 100).toFixed(2)}% since the UTC day opened at ${tracker.dayStartEquity.toFixed(2)} reached the -${(maxDailyLossPct * 100).toFixed(2)}% limit`,
      },
    };
  }
  return newDay ? NEW_DAY : SAME_DAY;
}

/** After an explicit reset the drawdown is measured from the current equity. */
export function rebasePeak(tracker: BreakerTracker): void {
  tracker.peakEquity = tracker.lastEquity;
}
