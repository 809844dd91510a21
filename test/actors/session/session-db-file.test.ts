// `paper:demo`, `paper` and `live` write a session only into a database of its own: a market DB, a backtest run
// DB or a foreign SQLite file given as --db is refused in one line naming it, and left byte for byte as it was.
// A missing or empty file, or a QuantSage database with nothing in it, becomes the session database.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, openDb } from '../../../db/client.ts';
import { runCommand } from '../../support/paper-process.ts';
import { DATA_DIR, tempDir } from '../../support/real-data.ts';

const dir = tempDir('qs-session-db-file-');
const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A market DB as a user makes one: db:init, then data:import of a shared file. */
async function marketDb(name: string): Promise<string> {
  const path = join(dir, name);
  expect((await runCommand('db-init', ['--db', path])).code).toBe(0);
  const imported = await runCommand('data-import', ['--file', join(DATA_DIR, 'orcl-1995-2014.csv'), '--symbol', 'ORCL', '--timeframe', '1d', '--market', 'stock', '--db', path]);
  expect(imported.code).toBe(0);
  return path;
}

/** A backtest's own run DB, as `bun run backtest` writes it. */
async function backtestDb(): Promise<{ path: string; runId: string }> {
  const market = await marketDb('bt-market.db');
  const out = join(dir, 'backtests');
  const r = await runCommand('backtest', ['--strategy', 'mean_reversion', '--symbols', 'ORCL', '--timeframe', '1d', '--from', '2010-01-01', '--to', '2011-12-31', '--db', market, '--out', out, '--quiet']);
  expect(r.code).toBe(0);
  const name = readdirSync(out).find((f) => f.endsWith('.db'))!;
  return { path: join(out, name), runId: name.slice(0, -'.db'.length) };
}

function foreignDb(): string {
  const path = join(dir, 'notes.sqlite');
  const db = new Database(path);
  db.run('CREATE TABLE notes (body TEXT)');
  db.run("INSERT INTO notes VALUES ('keep me')");
  db.close();
  return path;
}

const DEMO = ['--speed', '0', '--bars', '5', '--quiet'];

async function refused(script: string, args: string[], path: string, what: RegExp): Promise<void> {
  const before = digest(path);
  const r = await runCommand(script, args);
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith(`error: ${path}: `);
  expect(lines[0]).toMatch(what);
  expect(lines[0]).toEndWith('a paper or live session needs a database file of its own (pass another --db); nothing was written');
  expect(r.stdout).not.toMatch(/^session /m);
  expect(digest(path)).toBe(before);
}

describe('a session database of its own', () => {
  test('paper:demo refuses a market-data DB, naming it and its candles; the file is unchanged', async () => {
    const path = await marketDb('quantsage.db');
    await refused('paper-demo', [...DEMO, '--db', path], path, /is a market-data database \([\d,]+ candles\)/);
  }, 60_000);

  test('paper:demo refuses a backtest run DB; its runs table still lists only the backtest', async () => {
    const { path, runId } = await backtestDb();
    await refused('paper-demo', [...DEMO, '--db', path], path, new RegExp(`holds backtest runs \\(${runId}\\)`));
    const db = new Database(path, { readonly: true });
    expect(db.query('SELECT id, mode FROM runs').all()).toEqual([{ id: runId, mode: 'backtest' }]);
    db.close();
  }, 60_000);

  test('paper:demo refuses an SQLite file that is not a QuantSage database', async () => {
    const path = foreignDb();
    await refused('paper-demo', [...DEMO, '--db', path], path, /is not a QuantSage database/);
  }, 60_000);

  test('paper and live refuse it before they contact a venue', async () => {
    const path = await marketDb('market.db');
    await refused('paper', ['--source', 'ccxt', '--symbols', 'BTC/USDT', '--timeframe', '1m', '--base-url', 'http://127.0.0.1:9', '--db', path], path, /is a market-data database/);
    await refused('live', ['--source', 'ccxt', '--symbols', 'BTC/USDT', '--timeframe', '1m', '--base-url', 'http://127.0.0.1:9', '--confirm-live', '--db', path], path, /is a market-data database/);
  }, 60_000);

  test('an empty file and an empty QuantSage database become the session database', async () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const initialised = join(dir, 'initialised.db');
    closeDb(openDb(initialised));
    for (const path of [empty, initialised]) {
      const r = await runCommand('paper-demo', [...DEMO, '--db', path]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^session paper-\S+ started/m);
    }
  }, 60_000);
});
