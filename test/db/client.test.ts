import { describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { join } from 'node:path';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { openDb, openExistingDb, openExistingDbToRead, closeDb, type Db } from '../../db/client.ts';
import { importCsvFile } from '../../actors/adapters/csv-import.ts';
import { AS_OTHER_USER, otherUserCanRun } from '../support/other-user.ts';
import { tempDir } from '../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..');

describe('openDb', () => {
  test('creates every table in WAL mode', () => {
    const path = join(tempDir(), 'new.db');
    closeDb(openDb(path));
    const db = new Database(path, { readonly: true });
    const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['candles', 'runs', 'signals', 'fills', 'equity_snapshots', 'state_transitions']));
    expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()!.journal_mode).toBe('wal');
    db.close();
  });

  test('several processes opening the same brand-new file all succeed', async () => {
    const path = join(tempDir(), 'race.db');
    const children = Array.from({ length: 4 }, () =>
      Bun.spawn(['bun', 'scripts/db-init.ts', '--db', path], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' }),
    );
    const codes = await Promise.all(children.map((c) => c.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  test('a file with tables from an unknown schema fails with one line naming the file', () => {
    const path = join(tempDir(), 'foreign.db');
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE candles (x INTEGER)');
    foreign.close();
    expect(() => openDb(path)).toThrow(/foreign\.db: cannot bring the database to the current schema: .*candles/);
  });

  test('openExistingDb refuses a missing file in one line and creates neither folder nor file', () => {
    const dir = tempDir();
    const path = join(dir, 'no', 'such', 'x.db');
    expect(() => openExistingDb(path)).toThrow(`no database at ${path}: create it with \`bun run db:init --db ${path}\` (or \`bun run demo\`)`);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  test('openExistingDbToRead refuses a missing file the same way', () => {
    const dir = tempDir();
    const path = join(dir, 'no', 'x.db');
    expect(() => openExistingDbToRead(path)).toThrow(`no database at ${path}: create it with \`bun run db:init --db ${path}\``);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  test('openExistingDb opens a database db:init created', () => {
    const path = join(tempDir(), 'made.db');
    closeDb(openDb(path));
    const db = openExistingDb(path);
    expect(db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM runs').get()!.n).toBe(0);
    closeDb(db);
  });
});

describe('a file SQLite cannot open is named in one line, with the reason', () => {
  test('a directory', () => {
    const path = tempDir();
    expect(() => openDb(path)).toThrow(`${path}: is a directory, not a database file`);
  });

  test('a text file, left as it was', () => {
    const path = join(tempDir(), 'notes.db');
    writeFileSync(path, 'not a database\n');
    expect(() => openDb(path)).toThrow(`${path}: is not a SQLite database`);
    expect(readdirSync(join(path, '..'))).toEqual(['notes.db']);
  });

  test('a path through a file', () => {
    const file = join(tempDir(), 'file.csv');
    writeFileSync(file, 'a,b\n');
    expect(() => openDb(join(file, 'x.db'))).toThrow(`${join(file, 'x.db')}: cannot open it (a part of the path is a file, not a folder)`);
  });
});

/** A database made by this user, then made read-only with its folder: another user's, as far as SQLite can tell. */
function readOnlyDatabase(fill?: (db: Db) => void): string {
  const dir = join(tempDir(), 'shared');
  mkdirSync(dir);
  const path = join(dir, 'market.db');
  const db = openDb(path);
  db.$client.exec("INSERT INTO instruments (symbol, exchange, kind, price_basis, source) VALUES ('ORCL', 'nyse', 'stock', 'raw', 'test')");
  fill?.(db);
  db.$client.close(true); // finalizes the statements too, so SQLite removes -wal and -shm as a finished writer does
  chmodSync(path, 0o444);
  chmodSync(dir, 0o555);
  chmodSync(join(dir, '..'), 0o755);
  return path;
}

async function asOtherUser(code: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([...AS_OTHER_USER, 'bun', '-e', code], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, exit] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code: exit, stdout, stderr };
}

describe.skipIf(!otherUserCanRun)('a database this user may not write', () => {
  test('openDb refuses it in one line before SQLite opens it read-only behind the command\'s back', async () => {
    const path = readOnlyDatabase();
    const r = await asOtherUser(`import { openDb } from './db/client.ts'; try { openDb(${JSON.stringify(path)}); } catch (e) { console.log(e.message); }`);
    expect(r.stdout.trim()).toBe(`${path}: is read-only (this user may not write it)`);
    expect(readdirSync(join(path, '..'))).toEqual(['market.db']);
  }, 30_000);

  test('openExistingDbToRead reads it, in a folder it may not write, and leaves no -wal or -shm file beside it', async () => {
    const path = readOnlyDatabase();
    const r = await asOtherUser(
      `import { openExistingDbToRead, closeDb } from './db/client.ts'; const db = openExistingDbToRead(${JSON.stringify(path)}); ` +
        `console.log(db.$client.query('SELECT symbol FROM instruments').get().symbol); closeDb(db);`,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ORCL');
    expect(readdirSync(join(path, '..'))).toEqual(['market.db']);
  }, 30_000);

  test('bun run data:validate checks its candles, which it only reads', async () => {
    const path = readOnlyDatabase((db) => {
      const rows = [1, 2, 3].map((n) => `2020-01-0${n},100,110,90,105,10`);
      const csv = join(tempDir(), 'bars.csv');
      writeFileSync(csv, ['timestamp,open,high,low,close,volume', ...rows, ''].join('\n'));
      importCsvFile(db, { file: csv, symbol: 'T/USD', timeframe: '1d', market: 'crypto' });
    });
    const child = Bun.spawnSync([...AS_OTHER_USER, 'bun', join(ROOT, 'scripts', 'data-validate.ts'), '--symbol', 'T/USD', '--timeframe', '1d', '--db', path], { cwd: ROOT });
    expect(child.stderr.toString()).toBe('');
    expect(child.stdout.toString().trim()).toBe('coinbase T/USD 1d: 3 candles 2020-01-01 .. 2020-01-03, 0 errors, 0 warnings');
    expect(child.exitCode).toBe(0);
  }, 30_000);
});
