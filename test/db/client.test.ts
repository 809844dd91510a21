import { describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { openDb, openExistingDb, closeDb } from '../../db/client.ts';
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

  test('openExistingDb opens a database db:init created', () => {
    const path = join(tempDir(), 'made.db');
    closeDb(openDb(path));
    const db = openExistingDb(path);
    expect(db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM runs').get()!.n).toBe(0);
    closeDb(db);
  });
});
