// Which run databases the dashboard may open: the --db file, every data/backtests/*.db, and the run DBs the
// --db file's `runs` table points to; and which sweeps it lists: every data/sweeps/*.db (bun run sweep). URLs name a source by a short key, never by a path, so a request
// cannot make the server open an arbitrary file. Only the --db file is ever opened for writing (and migrated);
// every other file is opened read-only, so a viewer never creates, migrates or changes what it displays.
import { accessSync, constants as fsConstants, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { desc } from 'drizzle-orm';
import { closeDb, openDb, openDbReadOnly, pendingMigrations, type Db } from '../../db/client.ts';
import { runs, sweeps, type SweepRow, type RunRow } from '../../db/schema.ts';
import { ownerFromJson, ownerOf, ownerProcessEnded, sessionRunning } from '../../actors/session/session-owner.ts';

export interface RunRef {
  source: string;
  runId: string;
}

export interface RunListing extends RunRef {
  run: RunRow;
  /** The file holding the run's events. */
  path: string;
  /** The latest recorded equity of a run with no stored summary (a paper or live session, running or stopped). */
  equityNow?: number;
  /**
   * A run whose row still says `running` although no process runs it (a killed backtest; a paper or live session
   * killed or whose machine went down): the dashboard says "not running" (since its last heartbeat, for a session)
   * instead of showing it live.
   */
  processEnded?: { lastHeartbeat: number | null };
}

/** A file the catalog was pointed at but cannot show, with the reason in words. */
export interface UnreadableFile {
  path: string;
  reason: string;
}

export interface CatalogScan {
  /** Every run, newest first. */
  runs: RunListing[];
  /** The ids of the runs the --db file's `runs` table lists (the runs the user asked to see). */
  primaryRunIds: Set<string>;
  unreadable: UnreadableFile[];
}

export interface SweepListing {
  /** The key in /sweeps/:key URLs (the file's stem, the sweep id). */
  key: string;
  sweep: SweepRow;
  path: string;
  /** A `running` sweep whose process has ended without finishing it (killed): it will never finish. */
  processEnded: boolean;
}

export interface SweepScan {
  /** Every sweep, newest first. */
  sweeps: SweepListing[];
  unreadable: UnreadableFile[];
}

export interface CatalogOptions {
  dbPath: string;
  backtestsDir: string;
  /** Folder of sweep DBs (bun run sweep --out, default data/sweeps); read-only, never migrated. */
  sweepsDir?: string;
  /** Open databases kept at once; the least recently used is closed beyond this. */
  maxOpen?: number;
  /** Wall-clock ms, to judge a session's heartbeat when its process cannot be looked up (default Date.now). */
  wallClock?: () => number;
}

/**
 * A paper or live session's database (data/paper_trading.db, .../live_trading.db): the README tells users to
 * open it before the session starts, so the dashboard waits for it instead of refusing a missing file.
 */
export function isSessionDbPath(path: string): boolean {
  return ['paper_trading.db', 'live_trading.db'].includes(basename(path));
}

const KEY_PATTERN = /^[A-Za-z0-9._-]{1,120}$/;

interface OpenEntry {
  db: Db;
  usedAt: number;
  /** Opened immutable (nobody was writing it): reopened when the file's stamp moves. */
  frozenStamp?: string;
  /** Opened for writing: the --db file only, and only when the user may write it. */
  writable: boolean;
}

/** Size and mtime of a DB and its WAL: changes whenever anyone commits to it. */
function fileStamp(path: string): string {
  return [path, `${path}-wal`].map((p) => (existsSync(p) ? `${statSync(p).size}:${statSync(p).mtimeMs}` : '-')).join('|');
}

function isWritable(path: string): boolean {
  try {
    accessSync(path, fsConstants.W_OK);
    accessSync(dirname(path), fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why a file cannot be listed, in a user's words rather than SQLite's. */
function unreadableReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/file is not a database|not a database/i.test(message)) return 'not an SQLite database';
  if (/no such table|no such column/i.test(message)) return 'not a QuantSage run database';
  return message.split('\n')[0] ?? message;
}

export class RunCatalog {
  readonly primaryPath: string;
  private readonly backtestsDir: string;
  private readonly sweepsDir: string | undefined;
  private readonly sweepListings = new Map<string, { stamp: string; rows: SweepRow[] }>();
  private readonly maxOpen: number;
  private readonly wallClock: () => number;
  private readonly keys = new Map<string, string>();
  private readonly open = new Map<string, OpenEntry>();
  /** Per file: its runs, and the latest equity of those with no stored summary, read once per stamp. */
  private readonly listings = new Map<string, { stamp: string; runs: RunRow[]; equityNow: Map<string, number> }>();
  private useCounter = 0;
  private closed = false;
  private readonly closeListeners: ((path: string) => void)[] = [];

  constructor(options: CatalogOptions) {
    this.primaryPath = resolve(options.dbPath);
    this.backtestsDir = resolve(options.backtestsDir);
    this.sweepsDir = options.sweepsDir === undefined ? undefined : resolve(options.sweepsDir);
    this.maxOpen = options.maxOpen ?? 32;
    this.wallClock = options.wallClock ?? (() => Date.now());
    this.keys.set('main', this.primaryPath);
  }

  /** Called when a database is closed, so caches built on it can be dropped. */
  onClose(listener: (path: string) => void): void {
    this.closeListeners.push(listener);
  }

  private register(path: string): string {
    for (const [key, known] of this.keys) if (known === path) return key;
    const stem = basename(path).replace(/\.db$/, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'run';
    let key = stem;
    for (let n = 2; this.keys.has(key); n++) key = `${stem}-${n}`;
    this.keys.set(key, path);
    return key;
  }

  pathOf(source: string): string | undefined {
    if (!KEY_PATTERN.test(source)) return undefined;
    // A key not seen yet may name a file that appeared since the last listing: list once more.
    if (!this.keys.has(source)) this.list();
    return this.keys.get(source);
  }

  /** The database behind a source key, opened (and migrated) on first use. */
  db(source: string): Db | undefined {
    const path = this.pathOf(source);
    if (path === undefined) return undefined;
    return this.openPath(path);
  }

  /**
   * The --db database for writing an operator command, when `source` names it and it was opened writable;
   * undefined for every other file (a viewer never writes a run DB it was not pointed at).
   */
  writableDb(source: string): Db | undefined {
    if (this.closed || this.pathOf(source) !== this.primaryPath || !existsSync(this.primaryPath)) return undefined;
    this.openPath(this.primaryPath);
    const entry = this.open.get(this.primaryPath);
    return entry?.writable ? entry.db : undefined;
  }

  private openPath(path: string): Db {
    const entry = this.open.get(path);
    if (entry !== undefined && (entry.frozenStamp === undefined || entry.frozenStamp === fileStamp(path))) {
      entry.usedAt = ++this.useCounter;
      return entry.db;
    }
    if (entry !== undefined) this.closeEntry(path, entry);
    if (!existsSync(path)) throw new Error(`${path}: no such file`);
    let opened: OpenEntry;
    if (path === this.primaryPath && isWritable(path)) {
      opened = { db: openDb(path), usedAt: ++this.useCounter, writable: true };
    } else {
      const frozen = !existsSync(`${path}-wal`);
      const stamp = fileStamp(path);
      opened = {
        db: openDbReadOnly(path, { immutable: frozen }),
        usedAt: ++this.useCounter,
        frozenStamp: frozen ? stamp : undefined,
        writable: false,
      };
    }
    this.open.set(path, opened);
    if (this.open.size > this.maxOpen) this.closeLeastUsed();
    return opened.db;
  }

  private closeEntry(path: string, entry: OpenEntry): void {
    this.open.delete(path);
    closeDb(entry.db);
    for (const listener of this.closeListeners) listener(path);
  }

  private closeLeastUsed(): void {
    let oldest: [string, OpenEntry] | undefined;
    for (const item of this.open) if (item[0] !== this.primaryPath && (!oldest || item[1].usedAt < oldest[1].usedAt)) oldest = item;
    if (oldest !== undefined) this.closeEntry(oldest[0], oldest[1]);
  }

  private backtestFiles(): string[] {
    if (!existsSync(this.backtestsDir)) return [];
    return readdirSync(this.backtestsDir)
      .filter((name) => name.endsWith('.db'))
      .map((name) => join(this.backtestsDir, name));
  }

  /** The runs a file holds; finished files are read once (stamp = size and mtime of the DB and its WAL). */
  private runsIn(path: string): RunRow[] {
    // A missing --db file is a paper/live session that has not started yet: nothing to list, nothing created.
    if (path === this.primaryPath && !existsSync(path)) return [];
    const stamp = fileStamp(path);
    const cached = this.listings.get(path);
    if (cached !== undefined && cached.stamp === stamp && path !== this.primaryPath) return cached.runs;
    const db = this.openPath(path);
    // Migrations first: an older file's runs table may lack a column the select names.
    const behind = pendingMigrations(db);
    if (behind > 0) throw new Error(`written by an older QuantSage (${behind} migration(s) behind): open it with --db to migrate it`);
    const rows = db.select().from(runs).orderBy(desc(runs.startedAt)).all();
    const equityNow = new Map<string, number>();
    for (const run of rows) {
      if (typeof run.summary?.total_return === 'number') continue;
      const latest = db.$client
        .query<{ equity: number }, [string]>('SELECT equity FROM equity_snapshots WHERE run_id = ? ORDER BY ts DESC, seq DESC LIMIT 1')
        .get(run.id);
      if (latest !== null) equityNow.set(run.id, latest.equity);
    }
    this.listings.set(path, { stamp, runs: rows, equityNow });
    return rows;
  }

  /** Whether the --db file exists yet (a paper/live DB appears when its session starts). */
  primaryExists(): boolean {
    return existsSync(this.primaryPath);
  }

  /** Every run the dashboard can show, newest first; a run listed in several files is shown from its own DB. */
  list(): RunListing[] {
    return this.scan().runs;
  }

  /** The runs, which of them the --db file lists, and the files that could not be read (and why). */
  scan(): CatalogScan {
    const byId = new Map<string, RunListing>();
    const primaryRunIds = new Set<string>();
    const unreadable: UnreadableFile[] = [];
    const add = (path: string, run: RunRow) => {
      byId.set(run.id, { source: this.register(path), runId: run.id, run, path, equityNow: this.listings.get(path)?.equityNow.get(run.id), processEnded: this.processEnded(run) });
    };
    const elsewhere: string[] = [];
    let primaryRuns: RunRow[] = [];
    try {
      primaryRuns = this.runsIn(this.primaryPath);
    } catch (err) {
      unreadable.push({ path: this.primaryPath, reason: unreadableReason(err) });
    }
    for (const run of primaryRuns) {
      primaryRunIds.add(run.id);
      const own = run.dbPath === null ? undefined : resolve(run.dbPath);
      if (own === undefined || own === this.primaryPath) add(this.primaryPath, run);
      else if (existsSync(own)) elsewhere.push(own);
    }
    for (const path of new Set([...this.backtestFiles(), ...elsewhere])) {
      if (path === this.primaryPath) continue;
      try {
        for (const run of this.runsIn(path)) add(path, run);
      } catch (err) {
        unreadable.push({ path, reason: unreadableReason(err) });
      }
    }
    return { runs: [...byId.values()].sort((a, b) => b.run.startedAt - a.run.startedAt), primaryRunIds, unreadable };
  }

  /**
   * Every sweep DB in the sweeps folder, read-only: each file is opened, its `sweeps` rows read and closed again
   * (re-read only when its size or mtime moves), so a sweep still being written shows its progress.
   */
  sweepScan(): SweepScan {
    const listed: SweepListing[] = [];
    const unreadable: UnreadableFile[] = [];
    if (this.closed || this.sweepsDir === undefined || !existsSync(this.sweepsDir)) return { sweeps: listed, unreadable };
    for (const name of readdirSync(this.sweepsDir).filter((n) => n.endsWith('.db')).sort()) {
      const path = join(this.sweepsDir, name);
      const key = name.slice(0, -'.db'.length);
      if (!KEY_PATTERN.test(key)) continue;
      try {
        for (const sweep of this.sweepsIn(path)) listed.push({ key, sweep, path, processEnded: sweepProcessEnded(sweep) });
      } catch (err) {
        const reason = unreadableReason(err);
        unreadable.push({ path, reason: reason === 'not a QuantSage run database' ? 'not a QuantSage sweep database' : reason });
      }
    }
    return { sweeps: listed.sort((a, b) => b.sweep.startedAt - a.sweep.startedAt), unreadable };
  }

  /** A listed sweep by its key (never a path from the request). */
  findSweep(key: string): SweepListing | undefined {
    if (!KEY_PATTERN.test(key)) return undefined;
    return this.sweepScan().sweeps.find((s) => s.key === key);
  }

  private sweepsIn(path: string): SweepRow[] {
    const stamp = fileStamp(path);
    const cached = this.sweepListings.get(path);
    if (cached !== undefined && cached.stamp === stamp) return cached.rows;
    const db = openDbReadOnly(path, { immutable: !existsSync(`${path}-wal`) });
    try {
      const rows = db.select().from(sweeps).all();
      this.sweepListings.set(path, { stamp, rows });
      return rows;
    } finally {
      closeDb(db);
    }
  }

  find(ref: RunRef): RunListing | undefined {
    if (this.closed) return undefined;
    const path = this.pathOf(ref.source);
    if (path === undefined) return undefined;
    let run: RunRow | undefined;
    try {
      run = this.runsIn(path).find((r) => r.id === ref.runId);
    } catch {
      return undefined; // an unreadable file: the runs list says why
    }
    return run === undefined ? undefined : { ...ref, run, path, processEnded: this.processEnded(run) };
  }

  private processEnded(run: RunRow): RunListing['processEnded'] {
    if (run.status !== 'running') return undefined;
    if (run.mode === 'backtest') {
      // A backtest writes no heartbeat: it has ended only when its owner is known to be gone (one on another host,
      // or a run recorded before backtests kept their owner, counts as running).
      const owner = ownerOf(run);
      return owner !== undefined && ownerProcessEnded(owner) ? { lastHeartbeat: null } : undefined;
    }
    if (sessionRunning(run, this.wallClock())) return undefined;
    return { lastHeartbeat: run.heartbeatAt };
  }

  /**
   * What `/` shows: the run of the --db file — the session a live process runs (a killed one's row still says
   * `running`), else its newest run; none when it lists none.
   */
  defaultRun(): RunListing | undefined {
    const { runs: all, primaryRunIds } = this.scan();
    const own = all.filter((r) => primaryRunIds.has(r.runId));
    return own.find((r) => r.run.status === 'running' && r.processEnded === undefined) ?? own[0];
  }

  close(): void {
    this.closed = true;
    for (const [path, entry] of [...this.open]) this.closeEntry(path, entry);
  }
}

/** Read at every listing, not cached with the rows: a killed sweep's file never changes again. */
function sweepProcessEnded(sweep: SweepRow): boolean {
  if (sweep.status !== 'running') return false;
  const owner = ownerFromJson(sweep.summary?.owner);
  return owner !== undefined && ownerProcessEnded(owner);
}
