// The run's alerts and what each sink made of them: the dispatcher records deliveries, the dashboard reads both.
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { alertDeliveries, alerts, type AlertDeliveryRow, type AlertRow } from './schema.ts';
import type { AlertLevel, DeliveryStatus } from '../machines/alerts/alert.ts';

export interface DeliveryRecord {
  runId: string;
  alertKey: string;
  alertBarTs: number;
  sink: string;
  status: DeliveryStatus;
  attempts: number;
  detail: string;
  updatedAt: number;
}

/** Inserts or updates one sink's status for one alert (the alert row itself may still be in the recorder's batch). */
export function recordDelivery(db: Db, record: DeliveryRecord): void {
  db.insert(alertDeliveries)
    .values(record)
    .onConflictDoUpdate({
      target: [alertDeliveries.runId, alertDeliveries.alertKey, alertDeliveries.alertBarTs, alertDeliveries.sink],
      set: { status: record.status, attempts: record.attempts, detail: record.detail, updatedAt: record.updatedAt },
    })
    .run();
}

export interface AlertWithDeliveries extends AlertRow {
  deliveries: AlertDeliveryRow[];
}

/** Newest first, optionally only the given levels; `before` pages back by seq. */
export function recentAlerts(
  db: Db,
  runId: string,
  opts: { levels?: readonly AlertLevel[]; limit?: number; before?: number } = {},
): AlertWithDeliveries[] {
  const where = and(
    eq(alerts.runId, runId),
    opts.levels !== undefined ? inArray(alerts.level, [...opts.levels]) : undefined,
    opts.before !== undefined ? lt(alerts.seq, opts.before) : undefined,
  );
  const rows = db.select().from(alerts).where(where).orderBy(desc(alerts.seq)).limit(opts.limit ?? 200).all();
  if (rows.length === 0) return [];
  const keys = [...new Set(rows.map((r) => r.key))];
  const deliveries = db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.runId, runId), inArray(alertDeliveries.alertKey, keys)))
    .all();
  const byAlert = new Map<string, AlertDeliveryRow[]>();
  for (const d of deliveries) {
    const id = `${d.alertKey}\u0000${d.alertBarTs}`;
    byAlert.set(id, [...(byAlert.get(id) ?? []), d]);
  }
  return rows.map((r) => ({ ...r, deliveries: byAlert.get(`${r.key}\u0000${r.barTs}`) ?? [] }));
}

/** Alerts of the run per level (the page's filter shows the counts). */
export function alertCounts(db: Db, runId: string): Record<AlertLevel, number> {
  const counts: Record<AlertLevel, number> = { info: 0, warning: 0, critical: 0 };
  const rows = db
    .select({ level: alerts.level, n: sql<number>`count(*)` })
    .from(alerts)
    .where(eq(alerts.runId, runId))
    .groupBy(alerts.level)
    .all();
  for (const r of rows) counts[r.level] = r.n;
  return counts;
}
