// A backtest killed outright (SIGKILL, out of memory) leaves its row saying `running`: the dashboard must show it
// as not running, not follow it live, and not link a report that was never written.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import { importCsvFile } from '../../actors/adapters/csv-import.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { tempDir } from '../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..');
const MINUTE = 60_000;
const BARS = 300_000;

/** A deterministic random walk of minute bars: long enough that the backtest is still running when killed. */
function minuteCsv(path: string): void {
  const lines = ['timestamp,open,high,low,close,volume'];
  let price = 100;
  for (let i = 0; i < BARS; i++) {
    const open = price;
    const close = open * (1 + 0.002 * Math.sin(i * 0.7) * Math.cos(i / 13));
    const ts = new Date(Date.UTC(2023, 0, 1) + i * MINUTE).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(`${ts},${open.toFixed(4)},${(Math.max(open, close) * 1.0005).toFixed(4)},${(Math.min(open, close) * 0.9995).toFixed(4)},${close.toFixed(4)},1000`);
    price = close;
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function runStatus(dbPath: string): string | undefined {
  if (!existsSync(dbPath)) return undefined;
  try {
    const db = new Database(dbPath, { readonly: true });
    try {
      return (db.query('select status from runs').get() as { status: string } | null)?.status;
    } finally {
      db.close();
    }
  } catch {
    return undefined; // not created or not migrated yet
  }
}

describe('a killed backtest on the dashboard', () => {
  const dir = tempDir('qs-killed-backtest-');
  const marketDb = join(dir, 'market.db');
  const outDir = join(dir, 'backtests');
  let dashboard: Dashboard;

  beforeAll(async () => {
    const csv = join(dir, 'syn.csv');
    minuteCsv(csv);
    const db = openDb(marketDb);
    importCsvFile(db, { file: csv, symbol: 'SYN/USD', timeframe: '1m', market: 'crypto' });
    closeDb(db);
    const child = Bun.spawn(
      ['bun', 'scripts/backtest.ts', '--strategy', 'mean_reversion', '--symbols', 'SYN/USD', '--timeframe', '1m', '--db', marketDb, '--out', outDir, '--quiet'],
      { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' },
    );
    // Kill it as soon as its run row says running (the pipeline then has 300,000 bars ahead of it).
    const deadline = Date.now() + 30_000;
    let runDb: string | undefined;
    while (Date.now() < deadline && child.exitCode === null) {
      const names = existsSync(outDir) ? [...new Bun.Glob('*.db').scanSync(outDir)] : [];
      for (const name of names) if (runStatus(join(outDir, name)) === 'running') runDb = join(outDir, name);
      if (runDb !== undefined) break;
      await Bun.sleep(5);
    }
    child.kill('SIGKILL');
    await child.exited;
    expect(runDb).toBeDefined();
    expect(runStatus(runDb!)).toBe('running');
    dashboard = createDashboard({ dbPath: marketDb, backtestsDir: outDir, sweepsDir: join(dir, 'no-sweeps') });
  }, 60_000);

  afterAll(() => dashboard?.close());

  const get = (path: string) => dashboard.app.request(`http://localhost${path}`);

  test('is listed as not running, not running', async () => {
    const body = await (await get('/runs')).text();
    const row = /<tr data-run="(bt-[^"]+)">([\s\S]*?)<\/tr>/.exec(body);
    expect(row).not.toBeNull();
    expect(row![2]).toContain('not running');
    expect(row![2]).not.toContain('status-running');
  });

  test('its page is not followed live and links no report that was never written', async () => {
    const list = await (await get('/runs')).text();
    const href = /<a href="(\/runs\/[^"]+)" title="run /.exec(list)![1]!;
    const response = await get(href);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('data-live="no"');
    expect(page).toMatch(/data-status="not-running"/);
    expect(page).not.toContain('HTML report');
  });
});
