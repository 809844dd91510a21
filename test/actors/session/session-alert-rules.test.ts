// A paper session raises its alerts with the `rules:` it started with (kept in its config snapshot): resumed
// after a failure it derives exactly the alerts an uninterrupted session raises; resuming it with other rules is
// refused; a session recorded before snapshots kept alert rules resumes with the shipped ones.
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { demoSession } from '../../../actors/adapters/paper-demo-session.ts';
import { runPaperSession } from '../../../actors/adapters/paper-session.ts';
import { failingAfter } from '../../support/failing-source.ts';
import type { SessionSnapshot } from '../../../actors/session/session-config.ts';
import { DEFAULT_ALERT_RULES, type AlertRuleSettings } from '../../../machines/alerts/alert-rule-settings.ts';
import { tempDir } from '../../support/real-data.ts';

const dir = tempDir('qs-session-alert-rules-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WEEK_MS = 7 * 24 * 3600 * 1000;
const CONFIGURED: AlertRuleSettings = { dedupWindowMs: WEEK_MS, drawdownStepsPct: [0.5, 1, 2] };


async function run(dbPath: string, rules: AlertRuleSettings | undefined, opts: { newSession: boolean; failAfter?: number }): Promise<void> {
  const d = await demoSession({ symbols: ['BTC/USD'], fromTs: Date.parse('2018-01-01T00:00:00Z'), bars: '120', speed: '0', strategyName: 'mean_reversion' });
  const snapshot: SessionSnapshot = { ...d.snapshot, alertRules: rules };
  const source = opts.failAfter === undefined ? d.source : failingAfter(d.source, opts.failAfter);
  await runPaperSession({ dbPath, snapshot, newSession: opts.newSession, warmup: d.warmup, source, staleAfterMs: 60_000, quiet: true, log: () => {} });
}

/** What the journal derives: every alert but the session's own (started, failed, stopped). */
function derivedAlerts(dbPath: string): { key: string; level: string; title: string; body: string; bar_ts: number }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.query("SELECT key, level, title, body, bar_ts FROM alerts WHERE key NOT LIKE 'session:%' ORDER BY seq").all() as never;
  } finally {
    db.close();
  }
}

function storedConfig(dbPath: string): Partial<SessionSnapshot> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return JSON.parse((db.query('SELECT config FROM runs').get() as { config: string }).config);
  } finally {
    db.close();
  }
}

describe('a paper session with its own alert rules', () => {
  const interrupted = join(dir, 'interrupted.db');
  const whole = join(dir, 'whole.db');

  test('resumed after a failure, it derives the alerts of an uninterrupted session with the same rules', async () => {
    await expect(run(interrupted, CONFIGURED, { newSession: true, failAfter: 60 })).rejects.toThrow('ExchangeNotAvailable');
    await run(interrupted, CONFIGURED, { newSession: false });
    await run(whole, CONFIGURED, { newSession: true });
    const alerts = derivedAlerts(whole);
    expect(derivedAlerts(interrupted)).toEqual(alerts);
    expect(storedConfig(interrupted).alertRules).toEqual(CONFIGURED);
    // The configured rules, not the defaults: steps of 0.5, 1 and 2%, and a week's window in the summaries.
    const steps = new Set(alerts.filter((a) => a.key.startsWith('drawdown:')).map((a) => a.key));
    expect([...steps].sort()).toEqual(['drawdown:0.5%', 'drawdown:1%', 'drawdown:2%']);
    const summaries = alerts.filter((a) => a.key.endsWith(':suppressed'));
    expect(summaries.length).toBeGreaterThan(0);
    for (const s of summaries) expect(s.body).toEndWith('more in the last 604800 s');
  }, 120_000);

  test('resuming it with other rules is refused, naming the field, and changes nothing', async () => {
    const failing = join(dir, 'refused.db');
    await expect(run(failing, CONFIGURED, { newSession: true, failAfter: 30 })).rejects.toThrow('ExchangeNotAvailable');
    const before = derivedAlerts(failing);
    await expect(run(failing, DEFAULT_ALERT_RULES, { newSession: false })).rejects.toThrow(
      /session paper-\S+ was started with a different alertRules\.dedupWindowMs \(from config\/alerts\.yaml rules\): recorded 604800000, now 60000; run it with its own settings to resume it, or pass --new-session/,
    );
    expect(derivedAlerts(failing)).toEqual(before);
  }, 120_000);
});

test('a session recorded without alert rules resumes with the shipped ones, and not with others', async () => {
  const legacy = join(dir, 'legacy.db');
  await expect(run(legacy, undefined, { newSession: true, failAfter: 30 })).rejects.toThrow('ExchangeNotAvailable');
  expect(storedConfig(legacy).alertRules).toBeUndefined();
  await expect(run(legacy, CONFIGURED, { newSession: false })).rejects.toThrow('was started with a different alertRules.dedupWindowMs (from config/alerts.yaml rules): recorded 60000, now 604800000;');
  await run(legacy, DEFAULT_ALERT_RULES, { newSession: false });
  const whole = join(dir, 'legacy-whole.db');
  await run(whole, DEFAULT_ALERT_RULES, { newSession: true });
  expect(derivedAlerts(legacy)).toEqual(derivedAlerts(whole));
}, 120_000);
