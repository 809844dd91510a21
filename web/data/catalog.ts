// Which run databases the dashboard may open: the --db file, every data/backtests/*.db, and the run DBs the
// --db file's `runs` table points to. URLs name a source by a short key, never by a path, so a request
// cannot make the server open an arbitrary file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { desc } from 'drizzle-orm';
import { closeDb, openDb, type Db } from '../../db/client.ts';
import { runs, type RunRow } from '../../db/schema.ts';

export interface RunRef {
  source: string;
  runId: string;
}

export interface RunListing extends RunRef {
  run: RunRow;
  /** The file holding the run's events. */
  path: string;
}

export interface CatalogOptions {
  dbPath: string;
  backtestsDir: string;
  /** Open databases kept at once; the least recently used is closed beyond this. */
  maxOpen?: number;
}

const KEY_PATTERN = /^[A-Za-z0-9._-]{1,120}$/;

interface OpenEntry {
  db: Db;
  usedAt: number;
}

export class RunCatalog {
  readonly primaryPath: string;
  private readonly backtestsDir: string;
  private readonly maxOpen: number;
  private readonly keys = new Map<string, string>();
  private readonly open = new Map<string, OpenEntry>();
  private readonly listings = new Map<string, { stamp: string; runs: RunRow[] }>();
  private useCounter = 0;
  private closed = false;
  private readonly closeListeners: ((path: string) => void)[] = [];

  constructor(options: CatalogOptions) {
    this.primaryPath = resolve(options.dbPath);
    this.backtestsDir = resolve(options.backtestsDir);
    this.maxOpen = options.maxOpen ?? 32;
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

  private openPath(path: string): Db {
    const entry = this.open.get(path);
    if (entry !== undefined) {
      entry.usedAt = ++this.useCounter;
      return entry.db;
    }
    const db = openDb(path);
    this.open.set(path, { db, usedAt: ++this.useCounter });
    if (this.open.size > this.maxOpen) this.closeLeastUsed();
    return db;
  }

  private closeLeastUsed(): void {
    let oldest: [string, OpenEntry] | undefined;
    for (const item of this.open) if (item[0] !== this.primaryPath && (!oldest || item[1].usedAt < oldest[1].usedAt)) oldest = item;
    if (oldest === undefined) return;
    this.open.delete(oldest[0]);
    closeDb(oldest[1].db);
    for (const listener of this.closeListeners) listener(oldest[0]);
  }

  private backtestFiles(): string[] {
    if (!existsSync(this.backtestsDir)) return [];
    return readdirSync(this.backtestsDir)
      .filter((name) => name.endsWith('.db'))
      .map((name) => join(this.backtestsDir, name));
  }

  /** The runs a file holds; finished files are read once (stamp = size and mtime of the DB and its WAL). */
  private runsIn(path: string): RunRow[] {
    const stamp = [path, `${path}-wal`]
      .map((p) => (existsSync(p) ? `${statSync(p).size}:${statSync(p).mtimeMs}` : '-'))
      .join('|');
    const cached = this.listings.get(path);
    if (cached !== undefined && cached.stamp === stamp && path !== this.primaryPath) return cached.runs;
    const rows = this.openPath(path).select().from(runs).orderBy(desc(runs.startedAt)).all();
    this.listings.set(path, { stamp, runs: rows });
    return rows;
  }

  /** Every run the dashboard can show, newest first; a run listed in several files is shown from its own DB. */
  list(): RunListing[] {
    const byId = new Map<string, RunListing>();
    const add = (path: string, run: RunRow, ownsEvents: boolean) => {
      const existing = byId.get(run.id);
      if (existing !== undefined && !ownsEvents) return;
      byId.set(run.id, { source: this.register(path), runId: run.id, run, path });
    };
    const elsewhere: string[] = [];
    for (const run of this.runsIn(this.primaryPath)) {
      const own = run.dbPath === null ? undefined : resolve(run.dbPath);
      if (own === undefined || own === this.primaryPath) add(this.primaryPath, run, true);
      else if (existsSync(own)) elsewhere.push(own);
    }
    for (const path of new Set([...this.backtestFiles(), ...elsewhere])) {
      try {
        for (const run of this.runsIn(path)) add(path, run, true);
      } catch {
        // A file that is not a QuantSage run DB (or is mid-write by another tool) is left out of the list.
      }
    }
    return [...byId.values()].sort((a, b) => b.run.startedAt - a.run.startedAt);
  }

  find(ref: RunRef): RunListing | undefined {
    if (this.closed) return undefined;
    const path = this.pathOf(ref.source);
    if (path === undefined) return undefined;
    const run = this.runsIn(path).find((r) => r.id === ref.runId);
    return run === undefined ? undefined : { ...ref, run, path };
  }

  /** What `/` shows: a running run of the --db file, else the newest run anywhere. */
  defaultRun(): RunListing | undefined {
    const all = this.list();
    return all.find((r) => r.path === this.primaryPath && r.run.status === 'running') ?? all[0];
  }

  close(): void {
    this.closed = true;
    for (const [path, entry] of this.open) {
      closeDb(entry.db);
      for (const listener of this.closeListeners) listener(path);
    }
    this.open.clear();
  }
}
