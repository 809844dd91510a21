// Where raised alerts go besides the run database: the seam between the alerts actor (which records every
// alert in the run DB through the recorder) and the dispatcher that sends them to the configured sinks
// (console, webhooks, email) off the hot path.
import type { Alert } from '../../machines/alerts/alert.ts';

export interface AlertDelivery {
  /**
   * Called on the pipeline's hot path for each alert that passed deduplication, after it was handed to the
   * recorder. Must return at once: queue the sends, never await them here.
   */
  deliver(alert: Alert): void;
  /** Drains (or gives up on) what is queued; the command awaits it before exiting. */
  close(): Promise<void>;
}

/** The default of backtests: alerts are written to the run DB only, nothing leaves the machine. */
export const databaseOnly: AlertDelivery = {
  deliver() {},
  async close() {},
};

export interface AlertDeliveryRequest {
  mode: 'backtest' | 'paper' | 'live';
  runId: string;
  /**
   * The run DB, where the dispatcher records each sink's answer in `alert_deliveries` (db/alerts.ts
   * `recordDelivery`) through a connection of its own (WAL: the pipeline keeps writing through its own). The file
   * exists by the time the first alert is delivered.
   */
  dbPath: string;
  /** `config/alerts.yaml` unless the command names another file. */
  configPath: string;
}

/**
 * Opens the sinks of `config/alerts.yaml` behind a dispatcher (queue, retry with backoff, timeouts, pausing a
 * failing sink). `bun run backtest --alerts` and the paper/live sessions call this; the dispatcher plugs in here.
 */
export type OpenAlertDelivery = (request: AlertDeliveryRequest) => Promise<AlertDelivery>;

/** Until the dispatcher is plugged in, asking for sinks is refused rather than silently delivering nothing. */
export const openAlertDelivery: OpenAlertDelivery = async (request) => {
  throw new Error(`--alerts: no alert sinks are available in this build (${request.configPath} is not read yet); the run DB keeps every alert`);
};
