// Alerts: what the alerts actor raises from pipeline and session messages, and what the sinks deliver.
// Plain data; the rules that make them (alert-rules.ts) and the deduplication (dedup.ts) are pure functions.

export type AlertLevel = 'info' | 'warning' | 'critical';

export const ALERT_LEVELS: readonly AlertLevel[] = ['info', 'warning', 'critical'];

/** Severity order: a sink with a minimum level takes that level and the ones after it. */
export function atLeast(level: AlertLevel, minimum: AlertLevel): boolean {
  return ALERT_LEVELS.indexOf(level) >= ALERT_LEVELS.indexOf(minimum);
}

export interface Alert {
  /**
   * Stable identity of what is alerted, for deduplication: `breaker:halted.drawdown`, `reject:symbol.max_pct:BTC/USD`,
   * `position:opened:ETH/USDT`, ... The same situation always yields the same key.
   */
  key: string;
  level: AlertLevel;
  /** One line, e.g. "Circuit breaker tripped: drawdown". */
  title: string;
  /** The figures that explain it, e.g. "equity 78,500.00 is 21.5% below the peak 100,000.00 (limit 20%)". */
  body: string;
  /** Bar time (session clock) the alert is about, ms UTC. */
  barTs: number;
  /** Wall time it was raised, ms UTC (backtests: the run's wall clock at that moment). */
  wallTs: number;
  /** The run it belongs to. */
  runId: string;
}

/** What a sink answered for one alert. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'suppressed' | 'skipped';
