// `bun run alerts:test`: one test alert of each level through the real dispatcher to every enabled sink, and a
// report of what each answered. Details come from the sinks, which keep secrets out of them.
import { ALERT_LEVELS, atLeast, type Alert, type AlertLevel, type DeliveryStatus } from '../../machines/alerts/alert.ts';
import type { AlertsConfig } from './alerts-config.ts';
import type { AlertSink } from './alert-sink.ts';
import { createDispatcher } from './dispatcher.ts';

export interface TestOutcome {
  sink: string;
  level: AlertLevel;
  status: DeliveryStatus;
  detail: string;
}

export function testAlerts(now: number): Alert[] {
  return ALERT_LEVELS.map((level) => ({
    key: `alerts:test:${level}`,
    level,
    title: `QuantSage test alert (${level})`,
    body: `Sent by bun run alerts:test to check this channel; nothing happened in any session.`,
    barTs: now,
    wallTs: now,
    runId: 'alerts-test',
  }));
}

export async function runAlertsTest(
  config: AlertsConfig,
  sinks: AlertSink[],
  clock: { now(): number },
): Promise<TestOutcome[]> {
  const outcomes: TestOutcome[] = [];
  const alerts = testAlerts(clock.now());
  const dispatcher = createDispatcher(sinks, {
    ...config.delivery,
    clock,
    onStatus: (id, sink, status, detail) => {
      const level = typeof id === 'number' ? alerts[id]!.level : undefined;
      if (level !== undefined) outcomes.push({ sink, level, status, detail });
    },
  });
  alerts.forEach((alert, i) => dispatcher.deliver(alert, i));
  await dispatcher.close();
  for (const sink of sinks) {
    for (const alert of alerts) {
      if (!atLeast(alert.level, sink.minLevel)) {
        outcomes.push({ sink: sink.name, level: alert.level, status: 'skipped', detail: `below min_level ${sink.minLevel}` });
      }
    }
  }
  const order = (o: TestOutcome) => sinks.findIndex((s) => s.name === o.sink) * 10 + ALERT_LEVELS.indexOf(o.level);
  return outcomes.sort((a, b) => order(a) - order(b));
}
