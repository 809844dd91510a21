// The only file that opens SQLite. Repositories take the returned `Db` as a parameter.
import { constants, Database } from 'bun:sqlite';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite';
import { migrate } from 'drizzle-orm/bun-sqlite/migrator';
import * as schema from './schema.ts';

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

export const DEFAULT_DB_PATH = 'data/quantsage.db';
const MIGRATIONS_DIR = join(import.meta.dir, 'migrations');

/**
 * Opens (creating if needed) a database file, in WAL mode, with every migration applied. Whatever stops that
 * is one line naming the file (`data/x.db: is a directory`), never SQLite's bare "unable to open database file".
 */
export function openDb(path: string = DEFAULT_DB_PATH): Db {
  const sqlite = openWritable(path);
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

function openWritable(path: string): Database {
  if (path === ':memory:') return withPragmas(new Database(path, { create: true, strict: true }));
  const problem = fileProblem(path, { write: true });
  if (problem !== undefined) throw new Error(`${path}: ${problem}`);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw new Error(`${path}: cannot create its folder ${dirname(path)} (${fsReason(err)})`);
  }
  let sqlite: Database | undefined;
  try {
    sqlite = new Database(path, { create: true, strict: true });
    return withPragmas(sqlite);
  } catch (err) {
    sqlite?.close();
    throw openFailure(path, err);
  }
}

function withPragmas(sqlite: Database): Database {
  // The busy timeout first: switching a new file to WAL needs a lock another process may hold.
  sqlite.exec('PRAGMA busy_timeout = 5000;');
  sqlite.exec('PRAGMA journal_mode = WAL;');
  sqlite.exec('PRAGMA synchronous = NORMAL;');
  sqlite.exec('PRAGMA foreign_keys = ON;');
  return sqlite;
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why an existing `path` cannot be opened, before SQLite tries: it would open a file it may not write read-only
 * without a word and fail on the first write, halfway through a command.
 */
function fileProblem(path: string, options: { write: boolean }): string | undefined {
  let stat;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    return `cannot open it (${fsReason(err)})`;
  }
  if (stat === undefined) return undefined;
  if (stat.isDirectory()) return 'is a directory, not a database file';
  if (!canAccess(path, fsConstants.R_OK)) return 'cannot be read (this user may not read it)';
  if (options.write && !canAccess(path, fsConstants.W_OK)) return 'is read-only (this user may not write it)';
  return undefined;
}

function readOnlyMessage(path: string): string {
  if (!canAccess(path, fsConstants.W_OK)) return `${path}: is read-only (this user may not write it)`;
  return `${path}: its folder ${dirname(path)} is read-only (SQLite keeps ${basename(path)}-wal and -shm beside the database)`;
}

function fsReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of the path is a file, not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return err instanceof Error ? err.message : String(err);
}

/** SQLite's own words name neither the file nor, often, the cause: both are put back here. */
function openFailure(path: string, err: unknown): Error {
  const code = String((err as { code?: unknown }).code ?? '');
  const reason = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB') return new Error(`${path}: is not a SQLite database`);
  if (code.startsWith('SQLITE_READONLY')) return new Error(readOnlyMessage(path));
  if (code.startsWith('SQLITE_CANTOPEN') && !existsSync(path) && !canAccess(dirname(path), fsConstants.W_OK)) {
    return new Error(`${path}: cannot create it (its folder ${dirname(path)} is read-only)`);
  }
  return new Error(`${path}: cannot open the database (${reason})`);
}

/**
 * Opens a database that `bun run db:init` (or `demo`) created, migrating it like openDb; a path that does not
 * exist is refused with one line saying how to create it, and neither a folder nor a file is made: a typo in
 * `--db` must not leave an empty database behind that a later command reads as "no data".
 */
export function openExistingDb(path: string = DEFAULT_DB_PATH): Db {
  refuseMissing(path);
  return openDb(path);
}

/**
 * For a command that only reads (data:validate): openExistingDb when this user may write the file and its
 * folder, so an older database is migrated as before; otherwise (another user's file, a read-only mount) the
 * file is opened read-only rather than refused, as long as it needs no migration, which only a writer can apply.
 */
export function openExistingDbToRead(path: string = DEFAULT_DB_PATH): Db {
  refuseMissing(path);
  if (path === ':memory:' || (canAccess(path, fsConstants.W_OK) && canAccess(dirname(path), fsConstants.W_OK))) return openDb(path);
  const problem = fileProblem(path, { write: false });
  if (problem !== undefined) throw new Error(`${path}: ${problem}`);
  let db: Db | undefined;
  let pending: number;
  try {
    // Without a -wal beside it no connection has the file open; a plain read-only open would still have to
    // create -shm, which a read-only folder forbids.
    db = openDbReadOnly(path, { immutable: !existsSync(`${path}-wal`) });
    pending = pendingMigrations(db);
  } catch (err) {
    if (db !== undefined) closeDb(db);
    const reason = err instanceof Error ? err.message : String(err);
    if (/no such table: __drizzle_migrations/.test(reason)) throw new Error(`${path}: is not a QuantSage database (no migrations table)`);
    throw openFailure(path, err);
  }
  if (pending > 0) {
    closeDb(db);
    throw new Error(`${path}: is read-only and lacks ${pending} migration${pending === 1 ? '' : 's'}: its owner can apply them with \`bun run db:init --db ${path}\``);
  }
  return db;
}

function refuseMissing(path: string): void {
  if (path !== ':memory:' && !existsSync(path)) {
    throw new Error(`no database at ${path}: create it with \`bun run db:init --db ${path}\` (or \`bun run demo\`)`);
  }
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

/** The tables a database holds; throws on a file that is not SQLite (its first query fails). */
export function tableNames(db: Db): Set<string> {
  return new Set(db.$client.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name));
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
