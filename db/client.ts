// The only file that opens SQLite. Repositories take the returned `Db` as a parameter.
import { constants, Database } from 'bun:sqlite';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite';
import { migrate } from 'drizzle-orm/bun-sqlite/migrator';
import * as schema from './schema.ts';

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

export const DEFAULT_DB_PATH = 'data/quantsage.db';
const MIGRATIONS_DIR = join(import.meta.dir, 'migrations');

/** Opens (creating if needed) a database file, in WAL mode, with every migration applied. */
export function openDb(path: string = DEFAULT_DB_PATH): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { create: true, strict: true });
  // The busy timeout first: switching a new file to WAL needs a lock another process may hold.
  sqlite.exec('PRAGMA busy_timeout = 5000;');
  sqlite.exec('PRAGMA journal_mode = WAL;');
  sqlite.exec('PRAGMA synchronous = NORMAL;');
  sqlite.exec('PRAGMA foreign_keys = ON;');
  const db = drizzle({ client: sqlite, schema }) as Db;
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_DIR });
      return db;
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      const reason = cause instanceof Error ? cause.message : String(cause);
      // Two processes opening a brand-new file race to create it; the loser sees the winner's committed
      // migration on the next try.
      if (/already exists|database is locked/.test(reason) && attempt < 5 && path !== ':memory:') {
        Bun.sleepSync(50 * attempt);
        continue;
      }
      sqlite.close();
      throw new Error(`${path}: cannot bring the database to the current schema: ${reason.split('\n')[0]}`);
    }
  }
}

/**
 * Opens a database that `bun run db:init` (or `demo`) created, migrating it like openDb; a path that does not
 * exist is refused with one line saying how to create it, and neither a folder nor a file is made: a typo in
 * `--db` must not leave an empty database behind that a later command reads as "no data".
 */
export function openExistingDb(path: string = DEFAULT_DB_PATH): Db {
  if (path !== ':memory:' && !existsSync(path)) {
    throw new Error(`no database at ${path}: create it with \`bun run db:init --db ${path}\` (or \`bun run demo\`)`);
  }
  return openDb(path);
}

/**
 * Opens an existing database to read it only: nothing is created, migrated or written (a missing or foreign
 * file fails on open or on its first query). `immutable` is for a file no connection is writing (no -wal
 * beside it): a plain read-only open of a WAL database would create and leave -wal and -shm files next to
 * it; an immutable one touches nothing, but does not see later writes, so the caller reopens it when the
 * file changes.
 */
export function openDbReadOnly(path: string, options: { immutable: boolean }): Db {
  const sqlite = options.immutable
    ? new Database(`${pathToFileURL(resolve(path)).href}?immutable=1`, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI)
    : new Database(path, { readonly: true, strict: true });
  sqlite.exec('PRAGMA busy_timeout = 5000;');
  return drizzle({ client: sqlite, schema }) as Db;
}

/** How many committed migrations a database lacks (a run DB written by an older QuantSage). */
export function pendingMigrations(db: Db): number {
  const journal = readMigrationJournal();
  const applied = db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations').get()?.n ?? 0;
  return Math.max(0, journal - applied);
}

let journalEntries: number | undefined;
function readMigrationJournal(): number {
  journalEntries ??= (JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
  return journalEntries;
}

export function closeDb(db: Db): void {
  db.$client.close();
}
