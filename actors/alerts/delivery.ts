// What the pipeline hands its alerts to. The alerts actor calls `deliver` on the hot path, so it must return at
// once; the dispatcher (dispatcher.ts) queues per sink and sends off the hot path. A DB-only delivery is the
// default where no network sink is configured (backtests).
import type { Alert } from '../../machines/alerts/alert.ts';

/** The row id the caller gave the alert (e.g. the `alerts` table's), passed back with its delivery status. */
export type AlertId = number | string;

export interface AlertDelivery {
  /** Queues `alert` for every sink whose minimum level it reaches; never blocks, never throws. */
  deliver(alert: Alert, alertId?: AlertId): void;
  /** Sends what is queued, within a bound; what could not be sent by then is reported failed. */
  close(): Promise<void>;
}
