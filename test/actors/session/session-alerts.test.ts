// A paper session's alerts: started and stopped from the session's own transitions, a CRITICAL alert when the
// feed fails past its retries, and on resume the journal replay derives the recorded alerts again without
// recording or delivering them twice.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAlertSinks } from '../../../actors/alerts/alert-delivery.ts';
import { demoSession } from '../../../actors/adapters/paper-demo-session.ts';
import { runPaperSession } from '../../../actors/adapters/paper-session.ts';
import { failingAfter } from '../../support/failing-source.ts';
import type { Alert } from '../../../machines/alerts/alert.ts';
import { tempDir } from '../../support/real-data.ts';

const dbPath = join(tempDir('qs-session-alerts-'), 'paper.db');
const quietLog = () => {};


function alertRows(): { key: string; level: string; body: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.query('SELECT key, level, body FROM alerts ORDER BY seq').all() as { key: string; level: string; body: string }[];
  } finally {
    db.close();
  }
}

const demo = () => demoSession({ symbols: ['BTC/USD'], fromTs: Date.parse('2018-01-01T00:00:00Z'), bars: '120', speed: '0', strategyName: 'mean_reversion' });

describe('paper session alerts', () => {
  const first: Alert[] = [];
  const second: Alert[] = [];

  test('an exchange error past its retries ends the session with a CRITICAL alert, between started and stopped', async () => {
    const d = await demo();
    const delivery = { deliver: (a: Alert) => first.push(a), close: async () => {} };
    await expect(
      runPaperSession({ dbPath, snapshot: d.snapshot, newSession: true, warmup: d.warmup, source: failingAfter(d.source, 60), staleAfterMs: 60_000, quiet: true, log: quietLog, alerts: delivery }),
    ).rejects.toThrow('ExchangeNotAvailable');
    const rows = alertRows();
    const session = rows.filter((r) => r.key.startsWith('session:'));
    expect(session.map((r) => [r.key, r.level])).toEqual([
      ['session:started', 'info'],
      ['session:error', 'critical'],
      ['session:stopped', 'info'],
    ]);
    expect(session[1]!.body).toMatch(/^binance: ExchangeNotAvailable \(HTTP 503\) after 5 retries; equity [\d,]+\.\d\d, \d open positions?$/);
    expect(rows.length).toBeGreaterThan(3);
    expect(first.map((a) => a.key)).toEqual(rows.map((r) => r.key));
  }, 60_000);

  test('resuming replays the journal: the alerts already recorded are neither written nor delivered again', async () => {
    const before = alertRows().filter((r) => !r.key.startsWith('session:'));
    const d = await demo();
    const delivery = { deliver: (a: Alert) => second.push(a), close: async () => {} };
    await runPaperSession({ dbPath, snapshot: d.snapshot, newSession: false, warmup: d.warmup, source: d.source, staleAfterMs: 60_000, quiet: true, log: quietLog, alerts: delivery });
    const after = alertRows();
    // The derived alerts of the first run are still the first ones, exactly once.
    expect(after.filter((r) => !r.key.startsWith('session:')).slice(0, before.length)).toEqual(before);
    expect(second[0]!.key).toBe('session:started');
    expect(second.at(-1)!.key).toBe('session:stopped');
    // What the second run delivered is exactly what it added to the table.
    expect(second.map((a) => a.key)).toEqual(after.slice(after.length - second.length).map((r) => r.key));
    expect(after.length).toBe(first.length + second.length);
  }, 60_000);
});

describe('alert sinks that cannot open', () => {
  test('stop the session before its warm-up is read or any row is written: no failed session is left behind', async () => {
    const path = join(tempDir('qs-session-sinks-'), 'paper.db');
    const d = await demo();
    let warmupRead = false;
    const missing = 'config/alerts.yaml: sinks.webhooks.ops.url_env: environment variable ALERTS_WEBHOOK_URL is not set (the sink is enabled)';
    await expect(
      runPaperSession({
        dbPath: path,
        snapshot: d.snapshot,
        newSession: false,
        warmup: () => {
          warmupRead = true;
          return d.warmup();
        },
        source: d.source,
        staleAfterMs: 60_000,
        quiet: true,
        log: quietLog,
        openAlerts: async () => {
          throw new Error(missing);
        },
      }),
    ).rejects.toThrow(missing);
    expect(warmupRead).toBe(false);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.query('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  test('checkAlertSinks refuses the config in one line naming the field and the variable, before a command does anything', () => {
    const dir = tempDir('qs-session-sinks-config-');
    const config = join(dir, 'alerts.yaml');
    const shipped = readFileSync(join(import.meta.dir, '..', '..', '..', 'config', 'alerts.yaml'), 'utf8');
    // The shipped file with its `ops` webhook switched on.
    const enabled = shipped.replace(/(ops:[^\n]*\n(?:[^\n]*\n)*?\s*enabled: )false/, '$1true');
    expect(enabled).not.toBe(shipped);
    writeFileSync(config, enabled);
    const variable = /ops:[\s\S]*?url_env: (\w+)/.exec(enabled)![1]!;
    const saved = process.env[variable];
    delete process.env[variable];
    try {
      expect(() => checkAlertSinks(config)).toThrow(new RegExp(`sinks\\.webhooks\\.ops\\.url_env: environment variable ${variable} is not set \\(the sink is enabled\\)$`));
      process.env[variable] = 'http://127.0.0.1:9/hook';
      expect(() => checkAlertSinks(config)).not.toThrow();
    } finally {
      if (saved === undefined) delete process.env[variable];
      else process.env[variable] = saved;
    }
  });
});
