// What `bun run paper` and `bun run paper:demo` share: find or start the session in the session database,
// recover it from its journal, print one line per signal / risk decision / fill, run it until the source ends
// or SIGINT/SIGTERM, and print the portfolio.
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { existsSync, statSync } from 'node:fs';
import { closeDb, openDb, openDbReadOnly, pendingMigrations, tableNames, type Db } from '../../db/client.ts';
import { equitySnapshots, fills, positions, runs, type RunRow } from '../../db/schema.ts';
import { formatBarTime } from '../../machines/data/candle-validation.ts';
import type { RetryPolicy } from '../../machines/data/retry-policy.ts';
import type { Bar } from '../../machines/domain.ts';
import type { ReconcileTolerance } from '../../machines/execution/reconcile.ts';
import { formatFixed, stepDecimals } from '../../machines/metrics/money.ts';
import { roundTrips } from '../../machines/metrics/round-trips.ts';
import type { AlertDelivery } from '../alerts/alert-delivery.ts';
import type { PipelineMessage } from '../messages.ts';
import type { BarSource } from '../session/bar-source.ts';
import { runSessionLoop } from '../session/run-loop.ts';
import { completeSnapshot, describeDifference, snapshotDifference, type SessionSnapshot } from '../session/session-config.ts';
import { LiveOrders } from '../session/live-orders.ts';
import type { OrderVenue } from '../session/order-venue.ts';
import { insertSession, Session, type Clock, type Tx } from '../session/session-runtime.ts';
import { ownerText, sameProcess, ownerOf, sessionRunning, thisProcess } from '../session/session-owner.ts';

export const DEFAULT_PAPER_DB = 'data/paper_trading.db';

export interface PaperSessionRequest {
  dbPath: string;
  snapshot: SessionSnapshot;
  newSession: boolean;
  /** Candles that prime the indicators; read only when a new session starts. */
  warmup: () => Bar[] | Promise<Bar[]>;
  source: BarSource;
  /** Wall ms without a new bar before the feed counts as stale. */
  staleAfterMs: number;
  quiet?: boolean;
  log?: (line: string) => void;
  /** The wall clock (default Date.now); tests pass the fake clock their bar source and replay server share. */
  clock?: Clock;
  /** Stops the session like SIGINT does (tests; the command itself listens for SIGINT/SIGTERM). */
  stop?: AbortSignal;
  /** How often operator commands, heartbeats and feed health are checked (ms, default 200). */
  pollMs?: number;
  /** Live trading: orders go to this venue instead of the simulator. */
  live?: LiveTrading;
  /** Where alerts go besides the session DB (the configured sinks); default: the session DB only. */
  alerts?: AlertDelivery;
  /** Opens the configured sinks once the session id is known (the commands pass openAlertDelivery). */
  openAlerts?: (runId: string) => Promise<AlertDelivery>;
}

export interface LiveTrading {
  venue: OrderVenue;
  quoteCurrency: string;
  /** Take the venue's positions and cash as the truth when they differ at start (journaled). */
  adopt: boolean;
  tolerance: ReconcileTolerance;
  /** Reconciliation period (wall ms) after the one at start. */
  reconcileEveryMs: number;
  /** How often open orders are looked up at the venue (wall ms). */
  orderPollMs: number;
  retry: RetryPolicy;
  sleep(ms: number): Promise<void>;
}

const money = (v: number): string => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const qtyText = (v: number): string => String(Number(v.toPrecision(10)));

/** `paper-20261201-000442-a1b2c3`; live ids are shorter (`live-261201000442-a1b2c3`): venues cap client order ids. */
function newSessionId(mode: string, now: number): string {
  const iso = new Date(now).toISOString().replace(/[-:]/g, '');
  const stamp = mode === 'live' ? iso.slice(2, 8) + iso.slice(9, 15) : `${iso.slice(0, 8)}-${iso.slice(9, 15)}`;
  return `${mode}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * The session to resume: the newest unfinished one of this mode fed by the same kind of source (a demo session
 * and a CCXT session may share a database without blocking each other).
 */
function resumable(db: Db | Tx, snapshot: Pick<SessionSnapshot, 'mode' | 'source'>): RunRow | undefined {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.mode, snapshot.mode), inArray(runs.status, ['running', 'stopped', 'failed'])))
    .orderBy(desc(runs.startedAt))
    .all()
    .find((run) => (run.config as Partial<SessionSnapshot>).source?.kind === snapshot.source.kind);
}

/**
 * A live session on `source` that a live process runs now. Two live sessions on one venue account would each
 * read the other's orders and positions as differences from its journal and trade against them, so a live
 * session — a new one too — does not start beside it.
 */
function runningLiveSession(db: Db | Tx, source: SessionSnapshot['source'][string], now: number): RunRow | undefined {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.mode, 'live'), eq(runs.status, 'running')))
    .all()
    .find((run) => (run.config as Partial<SessionSnapshot>).source?.kind === source && sessionRunning(run, now));
}

function liveAccountBusy(dbPath: string, run: RunRow): Error {
  const pid = run.ownerPid === null ? '' : ` (kill ${run.ownerPid})`;
  return new Error(
    `${dbPath}: live session ${run.id} on ${(run.config as Partial<SessionSnapshot>).source?.kind ?? 'this venue'} is already running in ${ownerText(run)}; ` +
      `two live sessions on one account would trade against each other's positions: stop it first${pid}, or keep another account's session in another --db`,
  );
}

function alreadyRunning(dbPath: string, run: RunRow, now: number): Error {
  const beat = run.heartbeatAt === null ? '' : ` (last heartbeat ${Math.max(0, (now - run.heartbeatAt) / 1000).toFixed(1)} s ago)`;
  const pid = run.ownerPid === null ? '' : ` (kill ${run.ownerPid})`;
  return new Error(
    `${dbPath}: session ${run.id} is already running in ${ownerText(run)}${beat}; ` +
      `stop it first (Ctrl-C in its terminal${pid}) and run this command again to resume it` +
      (run.mode === 'paper' ? ', or pass --new-session to start another session beside it' : ''),
  );
}

/**
 * Refuses a --db file that holds other QuantSage data — a market DB's candles, a backtest's run DB, a sweep DB —
 * or is no QuantSage database at all, in one line naming it and before anything is written: a session would
 * otherwise be added to it (and a backtest DB's runs table list a paper run). A missing or empty file, or a
 * QuantSage database with nothing in it, becomes the session database. `live`: a live command also refuses, before
 * it asks the venue for anything, while a live process runs a session on the same venue here.
 */
export function checkSessionDbFile(path: string, live?: { source: string; newSession: boolean; now: number }): void {
  if (path === ':memory:' || !existsSync(path) || statSync(path).isDirectory() || statSync(path).size === 0) return;
  let db: Db;
  try {
    // Immutable when no connection has it open (no -wal beside it): nothing is created next to the file.
    db = openDbReadOnly(path, { immutable: !existsSync(`${path}-wal`) });
  } catch {
    return; // openDb says why it cannot be opened, naming the file
  }
  const refuse = (what: string): Error =>
    new Error(`${path}: ${what}; a paper or live session needs a database file of its own (pass another --db); nothing was written`);
  try {
    const sql = db.$client;
    let tables: Set<string>;
    try {
      tables = tableNames(db);
    } catch {
      throw new Error(`${path}: is not a SQLite database`);
    }
    if (tables.size === 0) return;
    if (!tables.has('__drizzle_migrations')) throw refuse('is not a QuantSage database (its tables are not ours)');
    const count = (table: string, where = '1'): number =>
      tables.has(table) ? sql.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM "${table}" WHERE ${where}`).get()!.n : 0;
    const candleCount = count('candles');
    if (candleCount > 0) throw refuse(`is a market-data database (${candleCount.toLocaleString('en-US')} candles)`);
    const backtests = count('runs', "mode = 'backtest'");
    if (backtests > 0) {
      const id = sql.query<{ id: string }, []>("SELECT id FROM runs WHERE mode = 'backtest' LIMIT 1").get()!.id;
      throw refuse(`holds backtest runs (${id}${backtests > 1 ? ` and ${backtests - 1} more` : ''})`);
    }
    if (count('sweeps') > 0) throw refuse('is a parameter-sweep database');
    // Before a live command reads the venue: the same check in the claim, after it, is what decides.
    if (live === undefined || pendingMigrations(db) > 0) return;
    const running = runningLiveSession(db, live.source, live.now);
    if (running === undefined) return;
    if (!live.newSession && resumable(db, { mode: 'live', source: { kind: live.source } })?.id === running.id) throw alreadyRunning(path, running, live.now);
    throw liveAccountBusy(path, running);
  } finally {
    closeDb(db);
  }
}

/** Prices printed to each market's tick (the DB keeps the raw fill price). */
function priceFormatter(snapshot: SessionSnapshot): (symbol: string, price: number) => string {
  return (symbol, price) => {
    const step = snapshot.markets[symbol]?.priceStep;
    return step === undefined ? String(price) : formatFixed(price, stepDecimals(step));
  };
}

export function messageLine(m: PipelineMessage, timeframe: string, price: (symbol: string, price: number) => string): string | undefined {
  const t = (ts: number): string => formatBarTime(ts, timeframe);
  switch (m.type) {
    case 'Signal':
      return `signal  ${t(m.ts)} ${m.symbol} ${m.action} @ ${price(m.symbol, m.price)} — ${m.reason}`;
    case 'RiskDecision':
      return m.approved
        ? `risk    ${t(m.ts)} ${m.symbol} approved qty ${qtyText(m.qty)}${m.limitedBy ? ` (limited by ${m.limitedBy})` : ''}`
        : `risk    ${t(m.ts)} ${m.symbol} rejected by ${m.layer}/${m.rule}: ${m.reason}`;
    case 'Fill':
      return `fill    ${t(m.ts)} ${m.symbol} ${m.side.toUpperCase()} ${qtyText(m.qty)} @ ${price(m.symbol, m.price)} fee ${money(m.fee)} (${m.purpose.replace('_', '-')})`;
    case 'OrderUpdate':
      return m.status === 'cancelled' || m.status === 'rejected'
        ? `order   ${t(m.ts)} ${m.symbol} ${m.clientOrderId} ${m.status}: ${m.reason ?? ''}`
        : undefined;
    case 'RiskEvent':
      return `risk    ${t(m.ts)} ${m.kind.replace('_', ' ')} → ${m.state}: ${m.reason}`;
    default:
      return undefined;
  }
}

export function portfolioSummary(db: Db, runId: string): string[] {
  const run = db.select().from(runs).where(eq(runs.id, runId)).get();
  const last = db
    .select()
    .from(equitySnapshots)
    .where(eq(equitySnapshots.runId, runId))
    .orderBy(desc(equitySnapshots.seq))
    .get();
  const runFills = db.select().from(fills).where(eq(fills.runId, runId)).orderBy(asc(fills.seq)).all();
  // Open positions are valued at their latest mark.
  const marks = new Map<string, number>();
  for (const p of db.select().from(positions).where(eq(positions.runId, runId)).orderBy(asc(positions.seq)).all()) {
    marks.set(p.symbol, p.lastPrice);
  }
  // A venue's fill carries the venue's time, after the close of the bar that decided it (and so after the last
  // equity point, stamped with that bar): the summary is as of whichever came last.
  const asOf = runFills.reduce((latest, f) => Math.max(latest, f.ts), last?.ts ?? 0);
  const trips = roundTrips(runFills, marks, asOf);
  const closed = trips.filter((t) => !t.open);
  const capital = run?.startingCapital ?? 0;
  const equity = last?.equity ?? capital;
  return [
    `session      ${runId} (${run?.status ?? 'unknown'})`,
    `equity       ${money(equity)} (${capital > 0 ? `${formatFixed(((equity - capital) / capital) * 100, 2)}%` : 'n/a'} on ${money(capital)})`,
    `cash         ${money(last?.cash ?? capital)}`,
    `positions    ${money(last?.positionsValue ?? 0)}`,
    `realised P&L ${money(last?.realizedPnl ?? 0)}   unrealised ${money(last?.unrealizedPnl ?? 0)}   fees ${money(last?.fees ?? 0)}`,
    `fills        ${runFills.length}   round trips closed ${closed.length}, open ${trips.length - closed.length}`,
  ];
}

/**
 * Live orders for a session: in-flight orders resolved and the venue reconciled before the first bar, then
 * open orders polled and the venue reconciled periodically (from the loop's tick, never blocking it).
 */
async function startLiveOrders(session: Session, live: LiveTrading, clock: Clock, log: (line: string) => void) {
  const orders = new LiveOrders(session, live.venue, { retry: live.retry, sleep: live.sleep, log });
  orders.start();
  const differences = await orders.reconcile(live.quoteCurrency, live.tolerance, live.adopt);
  if (orders.error !== undefined) throw orders.error;
  log(differences.length === 0 ? 'reconcile venue and journal agree' : `reconcile ${live.adopt ? 'adopted the venue: ' : 'differences: '}${differences.join('; ')}`);
  let lastPoll = clock.now();
  let lastReconcile = clock.now();
  let busy = false;
  const tick = (): Error | undefined => {
    if (orders.error !== undefined) return orders.error;
    if (busy) return undefined;
    const now = clock.now();
    if (now - lastReconcile >= live.reconcileEveryMs) {
      lastReconcile = now;
      busy = true;
      void orders
        .reconcile(live.quoteCurrency, live.tolerance, false)
        .then((d: string[]) => d.length > 0 && log(`reconcile differences: ${d.join('; ')}`))
        .finally(() => (busy = false));
    } else if (now - lastPoll >= live.orderPollMs) {
      lastPoll = now;
      busy = true;
      void orders.poll().finally(() => (busy = false));
    }
    return undefined;
  };
  return { live: orders, tick };
}

export async function runPaperSession(req: PaperSessionRequest): Promise<'finished' | 'stopped'> {
  const log = req.log ?? ((line: string) => console.log(line));
  checkSessionDbFile(req.dbPath);
  const db = openDb(req.dbPath);
  const clock = req.clock ?? { now: () => Date.now() };
  const me = thisProcess();
  let alerts: AlertDelivery | undefined;
  /** The session this process claimed, and what its row said before (restored if it never opens). */
  let claimed: { runId: string; before?: Pick<RunRow, 'status' | 'heartbeatAt'> } | undefined;
  let opened = false;
  try {
    // A first look without a lock: a session running elsewhere is refused before its warm-up is fetched.
    const previous = req.newSession ? undefined : resumable(db, req.snapshot);
    if (previous !== undefined && sessionRunning(previous, clock.now())) throw alreadyRunning(req.dbPath, previous, clock.now());
    const busy = req.snapshot.mode === 'live' ? runningLiveSession(db, req.snapshot.source.kind, clock.now()) : undefined;
    if (busy !== undefined) throw liveAccountBusy(req.dbPath, busy);
    // A live session's capital is the venue's cash when it started; by a restart its own trades (or someone else)
    // have moved that cash, so it is not a setting to match: the journal's capital stands and reconciliation
    // compares the venue's cash with the journal's.
    const snapshot: SessionSnapshot =
      previous !== undefined && req.snapshot.mode === 'live' ? { ...req.snapshot, capital: (previous.config as Partial<SessionSnapshot>).capital ?? req.snapshot.capital } : req.snapshot;
    if (previous !== undefined) {
      const difference = snapshotDifference(completeSnapshot(previous.config as Partial<SessionSnapshot>), completeSnapshot(snapshot));
      if (difference !== undefined) {
        throw new Error(
          `${req.dbPath}: session ${previous.id} was started with a different ${describeDifference(difference)}; ` +
            'run it with its own settings to resume it, or pass --new-session to start afresh',
        );
      }
    }
    const runId = previous?.id ?? newSessionId(snapshot.mode, clock.now());
    // The sinks before anything is fetched or written: a sink that cannot open leaves no session behind.
    alerts = req.alerts ?? (await req.openAlerts?.(runId));
    const create = previous === undefined ? { warmup: await req.warmup(), startedAt: clock.now() } : undefined;
    // The claim: the look again, and the session created or taken, in one IMMEDIATE transaction, so of two
    // processes starting at the same moment one wins and the other sees the winner's claim.
    db.transaction(
      (tx) => {
        const current = req.newSession ? undefined : resumable(tx, req.snapshot);
        if (current !== undefined && sessionRunning(current, clock.now())) throw alreadyRunning(req.dbPath, current, clock.now());
        const busyNow = req.snapshot.mode === 'live' ? runningLiveSession(tx, req.snapshot.source.kind, clock.now()) : undefined;
        if (busyNow !== undefined) throw liveAccountBusy(req.dbPath, busyNow);
        if (current?.id !== previous?.id) {
          throw new Error(`${req.dbPath}: another process started or resumed session ${current?.id ?? previous?.id} at the same moment; run this command again`);
        }
        if (create !== undefined) insertSession(tx, runId, snapshot, create, clock.now(), me);
        else {
          tx.update(runs)
            .set({ status: 'running', heartbeatAt: clock.now(), ownerPid: me.pid, ownerHost: me.host, ownerStart: me.start })
            .where(eq(runs.id, runId))
            .run();
        }
      },
      { behavior: 'immediate' },
    );
    claimed = { runId, before: previous === undefined ? undefined : { status: previous.status, heartbeatAt: previous.heartbeatAt } };
    const { timeframe } = snapshot;
    const price = priceFormatter(snapshot);
    const tap = req.quiet
      ? undefined
      : (m: PipelineMessage) => {
          const line = messageLine(m, timeframe, price);
          if (line !== undefined) log(line);
        };
    // Said as soon as the session exists, before its own "Session started" alert.
    const announce = (opened: Session): void => {
      if (create) {
        log(`session ${runId} started in ${req.dbPath}: ${snapshot.strategy.name} on ${snapshot.symbols.join(', ')} ${timeframe}, ${create.warmup.length} warm-up bars, source ${req.source.label}`);
        return;
      }
      const appended = Object.entries(opened.recovery.appended).filter(([, n]) => n > 0);
      log(
        `session ${runId} resumed from its journal: ${opened.recovery.entries} entries replayed and checked` +
          (appended.length > 0 ? `, recovered unflushed rows (${appended.map(([t, n]) => `${t} ${n}`).join(', ')})` : '') +
          `; last bar ${formatBarTime(opened.clockTs, timeframe)}`,
      );
    };
    const session = await Session.open({ db, runId, snapshot, clock, tap, alerts, onReady: announce, owner: me });
    opened = true;
    if (session.ended) {
      log('this session already reached the end of its data; pass --new-session to start another');
      session.close('finished');
      return 'finished';
    }
    const orders = req.live === undefined ? undefined : await startLiveOrders(session, req.live, clock, log);

    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (req.stop?.aborted) stop.abort();
    req.stop?.addEventListener('abort', onSignal, { once: true });
    let end: 'finished' | 'stopped';
    try {
      end = await runSessionLoop(session, req.source, {
        clock,
        stop: stop.signal,
        staleAfterMs: req.staleAfterMs,
        pollMs: req.pollMs,
        log,
        onTick: orders?.tick,
        settle: orders === undefined ? undefined : () => orders.live.idle(),
      });
      await orders?.live.idle();
      if (orders?.live.error !== undefined) throw orders.live.error;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // An exchange error past its retries (or any other failure of the loop) is a CRITICAL alert.
      session.fail(message);
      session.close('failed', message);
      throw new Error(`${message} (session ${runId} stopped; its journal is intact: run the same command to resume)`);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      req.stop?.removeEventListener('abort', onSignal);
      await req.source.close?.();
      await req.live?.venue.close();
    }
    session.close(end);
    log('');
    if (end === 'stopped') log(`stopped; run the same command again to resume session ${runId}`);
    for (const line of portfolioSummary(db, runId)) log(line);
    return end;
  } finally {
    if (claimed !== undefined) releaseClaim(db, claimed.runId, opened ? {} : (claimed.before ?? { status: 'failed' }));
    await alerts?.close();
    closeDb(db);
  }
}

/**
 * Clears this process's claim on the session if it still holds it (Session.close already did, unless the session
 * stopped on the way, e.g. a reconciliation that failed). A session that never opened (its journal did not
 * match what was recorded) gets back the status and heartbeat it had; a new one that never opened has failed.
 */
function releaseClaim(db: Db, runId: string, restore: Partial<Pick<RunRow, 'status' | 'heartbeatAt'>>): void {
  const run = db.select().from(runs).where(eq(runs.id, runId)).get();
  if (run === undefined || !sameProcess(ownerOf(run), thisProcess())) return;
  db.update(runs)
    .set({ ownerPid: null, ownerHost: null, ownerStart: null, ...restore })
    .where(eq(runs.id, runId))
    .run();
}
