// Where raised alerts go besides the run database: the seam between the alerts actor (which records every
// alert in the run DB through the recorder) and the dispatcher that sends them to the configured sinks
// (console, webhooks, email) off the hot path.
import { closeDb, openDb, type Db } from '../../db/client.ts';
import { recordDelivery } from '../../db/alerts.ts';
import type { Alert } from '../../machines/alerts/alert.ts';
import { loadAlertsConfig, sinkSet } from './alerts-config.ts';
import type { AlertDelivery } from './delivery.ts';
import { createDispatcher } from './dispatcher.ts';

export type { AlertDelivery };

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
  /** The command runs with --quiet: no console sink. */
  quiet?: boolean;
}

/**
 * Opens the sinks of `config/alerts.yaml` behind a dispatcher (queue, retry with backoff, timeouts, pausing a
 * failing sink). `bun run backtest --alerts` and the paper/live sessions call this; the dispatcher plugs in here.
 */
export type OpenAlertDelivery = (request: AlertDeliveryRequest) => Promise<AlertDelivery>;

/** The alert a delivery status belongs to: its bar time and key (unique per run once deduplicated). */
const idOf = (alert: Alert): string => `${alert.barTs}|${alert.key}`;

function attemptsOf(detail: string): number {
  const n = /after (\d+) attempts?\)|\(attempt (\d+)\)/.exec(detail);
  return n === null ? 1 : Number(n[1] ?? n[2]);
}

/**
 * Refuses, before a command reads a venue or writes a database, an alerts config whose enabled sinks lack their
 * environment variables (sinks connect only when they first deliver: building them sends nothing).
 */
export function checkAlertSinks(configPath: string): void {
  sinkSet(loadAlertsConfig(configPath));
}

export const openAlertDelivery: OpenAlertDelivery = async (request) => {
  const config = loadAlertsConfig(request.configPath);
  const sinks = sinkSet(config, { timeoutMs: config.delivery.timeoutMs }).filter((sink) => !(request.quiet && sink.name === 'console'));
  if (sinks.length === 0) return databaseOnly;
  // Its own connection, opened when the first status comes (the run DB exists by then); WAL lets both write.
  let db: Db | undefined;
  const record = (id: string, sink: string, status: 'pending' | 'delivered' | 'failed' | 'suppressed' | 'skipped', detail: string): void => {
    const bar = id.indexOf('|');
    db ??= openDb(request.dbPath);
    recordDelivery(db, {
      runId: request.runId,
      alertKey: id.slice(bar + 1),
      alertBarTs: Number(id.slice(0, bar)),
      sink,
      status,
      attempts: attemptsOf(detail),
      detail,
      updatedAt: Date.now(),
    });
  };
  const dispatcher = createDispatcher(sinks, {
    ...config.delivery,
    clock: { now: () => Date.now() },
    onStatus: (id, sink, status, detail) => {
      if (typeof id === 'string') record(id, sink, status, detail);
    },
  });
  return {
    deliver: (alert) => dispatcher.deliver(alert, idOf(alert)),
    async close() {
      await dispatcher.close();
      if (db !== undefined) closeDb(db);
    },
  };
};
