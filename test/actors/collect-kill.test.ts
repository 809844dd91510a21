// `bun run collect` as a real process, killed with SIGKILL half-way through, against the local replay server.
import { afterAll, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closeDb, openDb } from '../../db/client.ts';
import { startReplayServer } from '../support/replay-server.ts';
import { tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
/** Several child processes, each loading CCXT; generous so a slow CI machine is not mistaken for a failure. */
const PROCESS_TEST_TIMEOUT_MS = 120_000;
const dir = tempDir('qs-collect-kill-');
const server = startReplayServer();
afterAll(() => {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function collectArgs(dbPath: string): string[] {
  return [
    'bun', 'scripts/collect.ts', '--source', 'ccxt', '--exchange', 'binance', '--symbols', 'BTC/USDT', '--timeframe', '1h',
    '--from', '2024-01-30', '--to', '2024-01-30', '--limit', '1', '--base-url', server.url, '--db', dbPath, '--quiet',
  ];
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(args, { cwd: REPO_ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

function tableOf(dbPath: string): { candles: unknown[]; instruments: unknown[] } {
  const db = openDb(dbPath);
  try {
    return {
      candles: db.$client.query('SELECT * FROM candles ORDER BY exchange, symbol, timeframe, ts').all(),
      instruments: db.$client.query('SELECT * FROM instruments ORDER BY exchange, symbol').all(),
    };
  } finally {
    closeDb(db);
  }
}

/** An empty, migrated database, so polling it never races the child's own first migration. */
function createdDb(name: string): string {
  const path = join(dir, name);
  closeDb(openDb(path));
  return path;
}

function storedCount(dbPath: string): number {
  const db = openDb(dbPath);
  try {
    return db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM candles').get()!.n;
  } finally {
    closeDb(db);
  }
}

test('a collection killed half-way and run again ends with the same table as one uninterrupted run', async () => {
  // Every candle page takes 400 ms, so the kill lands between pages or in the middle of one.
  server.slow('klines', 400);
  const killedDb = createdDb('killed.db');
  const child = Bun.spawn(collectArgs(killedDb), { cwd: REPO_ROOT, stdout: 'ignore', stderr: 'ignore' });
  let stored = 0;
  while (stored < 1 && child.exitCode === null) {
    await Bun.sleep(20);
    stored = storedCount(killedDb);
  }
  child.kill('SIGKILL');
  await child.exited;
  expect(child.signalCode).toBe('SIGKILL');
  const afterKill = storedCount(killedDb);
  expect(afterKill).toBeGreaterThanOrEqual(1);
  expect(afterKill).toBeLessThan(3);

  const resumed = await run(collectArgs(killedDb));
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toContain('binance BTC/USDT 1h: stored');
  expect(resumed.stdout).toContain('3 in range');

  const cleanDb = createdDb('clean.db');
  const clean = await run(collectArgs(cleanDb));
  expect(clean.code).toBe(0);
  expect(clean.stdout).toContain('binance BTC/USDT 1h: stored 3 candles (2024-01-30 16:00Z .. 2024-01-30 18:00Z), 3 in range');

  const killedTable = tableOf(killedDb);
  expect(killedTable.candles).toHaveLength(3);
  expect(killedTable).toEqual(tableOf(cleanDb));

  const validated = await run(['bun', 'scripts/data-validate.ts', '--symbol', 'BTC/USDT', '--timeframe', '1h', '--db', cleanDb]);
  expect(validated.code).toBe(0);
  expect(validated.stdout).toContain('binance BTC/USDT 1h: 3 candles 2024-01-30 16:00Z .. 2024-01-30 18:00Z, 0 errors, 0 warnings');
}, PROCESS_TEST_TIMEOUT_MS);

test('Ctrl-C finishes the page in flight, stores it whole and says how to resume', async () => {
  server.slow('klines', 400);
  const dbPath = createdDb('interrupted.db');
  const child = Bun.spawn(collectArgs(dbPath), { cwd: REPO_ROOT, stdout: 'pipe', stderr: 'pipe' });
  while (storedCount(dbPath) < 1 && child.exitCode === null) await Bun.sleep(20);
  child.kill('SIGINT');
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect(code).toBe(1);
  expect(stderr).toContain('interrupted: finishing the current page (Ctrl-C again to stop at once)');
  expect(stdout).toContain('  interrupted: every stored page is whole; run the same command again to resume');
  const rows = tableOf(dbPath).candles;
  expect(rows.length).toBeGreaterThanOrEqual(1);
  expect(rows.length).toBeLessThan(3);
}, PROCESS_TEST_TIMEOUT_MS);

test('bun run collect exits 1 with one line naming the exchange and symbol when the symbol is unknown', async () => {
  const result = await run([
    'bun', 'scripts/collect.ts', '--symbols', 'NOPE/USDT', '--timeframe', '1h', '--from', '2024-01-30',
    '--base-url', server.url, '--db', createdDb('unknown.db'), '--quiet',
  ]);
  expect(result.code).toBe(1);
  expect(result.stderr.trim()).toBe('error: binance: unknown symbol NOPE/USDT (not among its 2 markets; spelled like BTC/USDT?)');
}, PROCESS_TEST_TIMEOUT_MS);
