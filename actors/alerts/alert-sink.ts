// The port every alert destination implements: console, the run database, webhooks (generic JSON, Slack,
// Discord, Telegram), email. Sinks are called by the dispatcher off the pipeline's hot path.
import type { Alert, AlertLevel } from '../../machines/alerts/alert.ts';

export interface SinkResult {
  ok: boolean;
  /** What the receiver answered, for `bun run alerts:test` and the delivery record: `HTTP 200`, `250 OK`, ... */
  detail: string;
  /** The receiver asked to wait this long before the next attempt (HTTP 429 Retry-After). */
  retryAfterMs?: number;
}

export interface AlertSink {
  /** `console`, `database`, `webhook:ops`, `slack`, `discord`, `telegram`, `email` — unique per configuration. */
  readonly name: string;
  readonly minLevel: AlertLevel;
  /**
   * Sent from deliver() itself, in the caller's turn, so that its output keeps its place among the caller's own
   * lines (the console). Such a sink must not wait on anything: no queue, retry, timeout or pause applies to it.
   */
  readonly inline?: boolean;
  /**
   * Delivers one alert. Must not throw for a receiver's failure (return ok: false with the answer), must honour
   * the signal (the dispatcher aborts a receiver that hangs past its timeout), and never puts secrets (webhook
   * tokens, bot tokens, SMTP passwords) in `detail`.
   */
  send(alert: Alert, signal: AbortSignal): Promise<SinkResult>;
  close?(): Promise<void>;
}
