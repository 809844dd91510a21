// `bun run sweep` stopped by Ctrl-C or SIGTERM: the sweep DB is closed cleanly and marked interrupted, with every
// result received until then, no kept run is left half-written, and the exit code is the shell's 130 / 143.
import { beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import { importCsvFile } from '../../../actors/adapters/csv-import.ts';
import { closeDb, openDb } from '../../../db/client.ts';
import { RunCatalog } from '../../../web/data/catalog.ts';
import { sweepsTable } from '../../../web/views/runs-page.ts';
import { DATA_DIR, tempDir } from '../../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..', '..');
const LONG = 300_000;
const dir = tempDir('qs-sweep-interrupt-');
const dbPath = join(dir, 'market.db');

beforeAll(() => {
  const db = openDb(dbPath);
  importCsvFile(db, { file: join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
  closeDb(db);
});

/** `bun run sweep` with its progress lines (one per 10% without a terminal) read as they come. */
function startSweep(out: string, args: string[]) {
  const proc = Bun.spawn(
    ['bun', 'run', 'sweep', '--strategy', 'mean_reversion', '--symbols', 'BTC/USD', '--timeframe', '1d', '--from', '2016-01-01', '--to', '2024-12-31', '--db', dbPath, '--out', out, '--workers', '2', ...args],
    { cwd: ROOT, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, FORCE_COLOR: '0' } },
  );
  let stderr = '';
  const waiters: (() => void)[] = [];
  const reading = (async () => {
    for await (const chunk of proc.stderr) {
      stderr += new TextDecoder().decode(chunk);
      for (const wake of waiters.splice(0)) wake();
    }
    for (const wake of waiters.splice(0)) wake();
  })();
  void proc.exited.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    proc,
    async until(text: string): Promise<void> {
      while (!stderr.includes(text)) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`sweep exited before "${text}": ${stderr}`);
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
    async finished(): Promise<{ code: number; stderr: string }> {
      const code = await proc.exited;
      await reading;
      return { code, stderr };
    },
  };
}

function sweepDbIn(out: string): string {
  const dbs = readdirSync(out).filter((f) => f.endsWith('.db'));
  expect(dbs).toHaveLength(1);
  return join(out, dbs[0]!);
}

describe('an interrupted sweep', () => {
  test('a sweep killed with SIGKILL (its row still says running) is listed as not running; while it ran, as running', async () => {
    const out = join(dir, 'sigkill');
    const sweep = startSweep(out, ['--grid', 'lookback=10:60:1,entry_z=1.5:3:0.01', '--keep', '0']);
    await sweep.until('backtests');
    const listed = (): string => {
      const catalog = new RunCatalog({ dbPath, backtestsDir: join(dir, 'backtests'), sweepsDir: out });
      try {
        return String(sweepsTable(catalog.sweepScan()));
      } finally {
        catalog.close();
      }
    };
    expect(listed()).toContain('<td class="status-running">running</td>');
    // The process that runs the sweep (`bun run` starts it as a child), as the sweep recorded it.
    const db = new Database(sweepDbIn(out), { readonly: true });
    const { owner } = JSON.parse((db.query('SELECT summary FROM sweeps').get() as { summary: string }).summary) as { owner: { pid: number } };
    db.close();
    process.kill(owner.pid, 'SIGKILL');
    await sweep.finished();
    const after = listed();
    expect(after).toContain('<td class="status-not-running" title="its process has ended without finishing the sweep">not running</td>');
    expect(after).not.toContain('status-running');
  }, LONG);

  test('Ctrl-C while the combinations run: status interrupted, the results received so far committed, the DB closed, exit 130', async () => {
    const out = join(dir, 'sigint');
    // 7,685 combinations: far from done when the first progress line appears (after a second).
    const sweep = startSweep(out, ['--grid', 'lookback=10:60:1,entry_z=1.5:3:0.01', '--keep', '0']);
    await sweep.until('backtests');
    sweep.proc.kill('SIGINT');
    const { code, stderr } = await sweep.finished();
    expect(code).toBe(130);
    const last = stderr.trim().split('\n').filter((l) => !l.startsWith('$ ') && !l.startsWith('error: script')).pop()!;
    expect(last).toMatch(/^sweep sweep-\S+ interrupted by SIGINT: \d+ result\(s\) kept in \S+\.db \(status interrupted\)$/);

    const path = sweepDbIn(out);
    // Closed cleanly: the write-ahead log was checkpointed and removed.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);
    const db = new Database(path, { readonly: true });
    const sweep_ = db.query('SELECT status, finished_at, summary, report_path FROM sweeps').get() as { status: string; finished_at: number | null; summary: string; report_path: string | null };
    const rows = db.query(`SELECT combination, metric, summary FROM sweep_results WHERE phase = 'full'`).all() as { combination: number; metric: number | null; summary: string }[];
    db.close();
    expect(sweep_.status).toBe('interrupted');
    expect(sweep_.finished_at).not.toBeNull();
    expect(sweep_.report_path).toBeNull();
    const summary = JSON.parse(sweep_.summary);
    expect(summary).toEqual({ error: 'interrupted by SIGINT', results: rows.length });
    expect(last).toContain(`: ${rows.length} result(s) kept in ${path} `);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(7_685);
    // Each stored result is a whole one, and stored once.
    expect(new Set(rows.map((r) => r.combination)).size).toBe(rows.length);
    for (const row of rows) expect(JSON.parse(row.summary)).toHaveProperty('sharpe');

    // The dashboard lists it as interrupted (not running), saying why and what it kept.
    const catalog = new RunCatalog({ dbPath, backtestsDir: join(dir, 'backtests'), sweepsDir: out });
    const listed = String(sweepsTable(catalog.sweepScan()));
    catalog.close();
    expect(listed).toContain(`<td class="status-interrupted" title="interrupted by SIGINT; ${rows.length} result(s) stored">interrupted (${rows.length} kept)</td>`);
  }, LONG);

  test('SIGTERM while the best combinations are re-run: every kept run is whole, none is half-written, no report, exit 143', async () => {
    const out = join(dir, 'sigterm');
    // 76 combinations in a few seconds, then 40 kept runs of about a fifth of a second each.
    const sweep = startSweep(out, ['--grid', 'lookback=10:60:5,entry_z=1.5:3:0.25', '--keep', '40']);
    // Once the first kept run's report is written, the others are still to come.
    const keptReports = () => (existsSync(out) ? readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.html')) : []);
    while (keptReports().length === 0) {
      if (sweep.proc.exitCode !== null) throw new Error('the sweep ended before its first kept run');
      await Bun.sleep(20);
    }
    sweep.proc.kill('SIGTERM');
    const { code, stderr } = await sweep.finished();
    expect(code).toBe(143);
    expect(stderr).toContain('interrupted by SIGTERM: 76 result(s) kept in ');

    const path = sweepDbIn(out);
    const db = new Database(path, { readonly: true });
    const status = (db.query('SELECT status FROM sweeps').get() as { status: string }).status;
    const kept = (db.query(`SELECT run_id FROM sweep_results WHERE run_id IS NOT NULL`).all() as { run_id: string }[]).map((r) => r.run_id).sort();
    db.close();
    expect(status).toBe('interrupted');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(40);
    // Each kept run DB on disk is one the sweep finished and recorded, with its report beside it.
    const folder = join(out, path.split('/').pop()!.replace(/\.db$/, ''));
    const files = readdirSync(folder);
    expect(files.filter((f) => f.endsWith('.db')).map((f) => f.replace(/\.db$/, '')).sort()).toEqual(kept);
    for (const runId of kept) expect(files).toContain(`${runId}.html`);
    expect(files.filter((f) => f.endsWith('-wal') || f.endsWith('-shm'))).toEqual([]);
    expect(readdirSync(out).filter((f) => f.endsWith('.html'))).toEqual([]);
  }, LONG);
});
