// A paper (later live) session: the backtest's pipeline with a journal in front of it. Every external input
// is journaled (committed) before the pipeline sees it and the derived rows are flushed after each input, so
// a process killed at any moment restarts by feeding its journal through a fresh pipeline — checked against
// what was recorded — and continues with the next bar.
import { createActor, type ActorRefFrom } from 'xstate';
import { and, eq, type SQL } from 'drizzle-orm';
import { openDb, closeDb, type Db } from '../../db/client.ts';
import { createEventWriter, type EventWriter } from '../../db/events.ts';
import { appendJournal, loadJournal, takeCommand, waitingCommands } from '../../db/journal.ts';
import { appendDerivedTail } from '../../db/run-diff.ts';
import { journal, runs } from '../../db/schema.ts';
import type { Bar } from '../../machines/domain.ts';
import { admitBars, groupByClose, newCursor, type FeedCursor, type RefusedBar } from '../../machines/data/live-bars.ts';
import { breakerStateName, type circuitBreakerMachine } from '../../machines/risk/circuit-breaker.machine.ts';
import { sessionMachine, type SessionEvent } from '../../machines/session/session.machine.ts';
import type { Alert } from '../../machines/alerts/alert.ts';
import type { AlertDelivery } from '../alerts/alert-delivery.ts';
import type { PipelineMessage, VenueRequest } from '../messages.ts';
import type { Pipeline } from '../pipeline.ts';
import { applyEntry, replayJournal, trackEntry, type JournalEntry } from './journal-entries.ts';
import { sessionPipeline, type SessionSnapshot } from './session-config.ts';
import type { ProcessOwner } from './session-owner.ts';

export interface Clock {
  now(): number;
}

export interface OpenSessionOptions {
  db: Db;
  runId: string;
  snapshot: SessionSnapshot;
  /** A new session: its run row and its warm-up candles are written first. */
  create?: { warmup: Bar[]; startedAt: number };
  clock: Clock;
  /** Sees every message the live pipeline routes after recovery (console lines, alerts). */
  tap?: (message: PipelineMessage) => void;
  /**
   * Where alerts go besides the session DB. Alerts the journal replay derives again were delivered by the
   * process that raised them; only those it had not flushed before a crash are delivered (again) on recovery.
   */
  alerts?: AlertDelivery;
  /**
   * Called once the session is recovered (or created), before its state machine starts trading: what is said
   * here comes before the session's own alerts ("Session started").
   */
  onReady?: (session: Session) => void;
  /**
   * The process that claimed the session (its run row names it): heartbeats and the final status are written
   * only while the row still names it, and a claim lost to another process stops this one.
   */
  owner?: ProcessOwner;
}

/** What a `db.transaction` callback is given. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** A new session's run row and its warm-up, in the caller's transaction: a session never exists without its warm-up. */
export function insertSession(
  tx: Db | Tx,
  runId: string,
  snapshot: SessionSnapshot,
  create: { warmup: Bar[]; startedAt: number },
  wallTs: number,
  owner?: ProcessOwner,
): void {
  tx.insert(runs)
    .values({
      id: runId,
      mode: snapshot.mode,
      strategy: snapshot.strategy.name,
      symbols: snapshot.symbols,
      timeframe: snapshot.timeframe,
      startingCapital: snapshot.capital,
      status: 'running',
      startedAt: create.startedAt,
      heartbeatAt: create.startedAt,
      config: snapshot as unknown as Record<string, unknown>,
      ownerPid: owner?.pid ?? null,
      ownerHost: owner?.host ?? null,
      ownerStart: owner?.start ?? null,
    })
    .run();
  const warmup = create.warmup;
  const ts = warmup.length > 0 ? Math.max(...warmup.map((b) => b.closeTs)) : 0;
  tx.insert(journal).values({ runId, kind: 'warmup', ts, wallTs, payload: { bars: warmup } }).run();
}

export interface Recovery {
  entries: number;
  /** Derived rows the crash had not flushed, appended from the journal replay. */
  appended: Record<string, number>;
}

type SessionRef = ActorRefFrom<typeof sessionMachine>;

/** A writer whose target can change: recovery derives into memory, then the session writes to its file. */
function switchableWriter(initial: EventWriter): EventWriter & { target: EventWriter } {
  return {
    target: initial,
    append(message) {
      this.target.append(message);
    },
    flush() {
      this.target.flush();
    },
    get buffered() {
      return this.target.buffered;
    },
    get written() {
      return this.target.written;
    },
  };
}

export class Session {
  readonly cursor: FeedCursor = newCursor();
  ended = false;
  /** The feed was last journaled as stale (no entries allowed until bars return). */
  feedStale = false;
  /** Live: client order ids journaled as sent to the venue. */
  readonly sent = new Set<string>();
  /**
   * Live: place/cancel requests the executor made. Those derived while the journal was replayed wait here
   * for the live session to reconcile them with the venue; later ones go straight to `onVenueRequest`.
   */
  readonly recoveredRequests: VenueRequest[] = [];
  onVenueRequest: ((request: VenueRequest) => void) | undefined;
  private readonly machine: SessionRef;
  private sessionState = 'starting';

  private constructor(
    readonly runId: string,
    readonly snapshot: SessionSnapshot,
    readonly pipeline: Pipeline,
    private readonly db: Db,
    private readonly clock: Clock,
    readonly recovery: Recovery,
    private readonly owner: ProcessOwner | undefined,
  ) {
    this.machine = createActor(sessionMachine);
    this.machine.start();
  }

  /** Opens (or creates) the session, replays its journal and verifies it against the recorded rows. */
  static async open(opts: OpenSessionOptions): Promise<Session> {
    const { db, runId, snapshot, clock } = opts;
    if (opts.create !== undefined) db.transaction((tx) => insertSession(tx, runId, snapshot, opts.create!, clock.now(), opts.owner));
    const memory = openDb(':memory:');
    const writer = switchableWriter(createEventWriter(memory, runId));
    let live = false;
    const tap = opts.tap;
    let session: Session | undefined;
    const recovered: VenueRequest[] = [];
    const replayedAlerts: Alert[] = [];
    const deliver = (alert: Alert): void => {
      if (live) opts.alerts?.deliver(alert);
      else replayedAlerts.push(alert);
    };
    const pipeline = await sessionPipeline(
      runId,
      snapshot,
      writer,
      (m) => {
        if (m.type === 'VenueRequest') {
          if (session?.onVenueRequest !== undefined) session.onVenueRequest(m);
          else if (session !== undefined) session.recoveredRequests.push(m);
          else recovered.push(m);
        }
        if (live && tap !== undefined) tap(m);
      },
      'snapshot',
      { deliver, now: () => clock.now() },
    );
    const entries = loadJournal(db, runId);
    const replayed = replayJournal(pipeline, entries);
    let appended: Record<string, number>;
    try {
      appended = appendDerivedTail(db, memory, runId).appended;
    } finally {
      closeDb(memory);
    }
    writer.target = createEventWriter(db, runId);
    live = true;
    // The alerts the crash kept from the DB were (at most) queued for delivery, never confirmed: send them now.
    const unflushedAlerts = appended.alerts ?? 0;
    if (unflushedAlerts > 0) for (const alert of replayedAlerts.slice(-unflushedAlerts)) opts.alerts?.deliver(alert);

    session = new Session(runId, snapshot, pipeline, db, clock, { entries: entries.length, appended }, opts.owner);
    session.recoveredRequests.push(...recovered);
    for (const id of replayed.sent) session.sent.add(id);
    session.cursor.lastTs = replayed.cursor.lastTs;
    session.cursor.lastCloseTs = replayed.cursor.lastCloseTs;
    session.ended = replayed.ended;
    session.feedStale = replayed.feedStale;
    opts.onReady?.(session);
    session.move({ type: 'WARM_UP' });
    session.move({ type: 'READY' });
    session.followBreaker();
    return session;
  }

  /** The session clock: close time of the last bar journaled (or of the warm-up). */
  get clockTs(): number {
    return Number.isFinite(this.cursor.lastCloseTs) ? this.cursor.lastCloseTs : 0;
  }

  get state(): string {
    return this.sessionState;
  }

  breakerState(): string {
    return breakerStateName(this.pipeline.get<ActorRefFrom<typeof circuitBreakerMachine>>('circuitBreaker').getSnapshot().value);
  }

  /** Journals one input, lets the pipeline act on it, flushes what it derived. */
  record(entry: JournalEntry): void {
    appendJournal(this.db, { runId: this.runId, kind: entry.kind, ts: entry.ts, wallTs: this.clock.now(), payload: entry.payload });
    this.act(entry);
  }

  /** Admits fetched bars (duplicates and out-of-order ones are refused) and records them by close time. */
  recordBars(bars: readonly Bar[]): { processed: number; refused: RefusedBar[] } {
    const { admitted, refused } = admitBars(this.cursor, bars);
    for (const group of groupByClose(admitted)) {
      this.record({ kind: 'bars', ts: group[0]!.closeTs, payload: { bars: group } });
    }
    return { processed: admitted.length, refused };
  }

  /** Takes the operator's waiting commands (halt, resume, reset): journaled and applied, each exactly once. */
  takeCommands(): string[] {
    const taken: string[] = [];
    for (const command of waitingCommands(this.db, this.runId)) {
      const payload = { command: command.kind, flatten: command.flatten, reason: command.reason };
      takeCommand(this.db, command, { ts: this.clockTs, wallTs: this.clock.now(), payload });
      this.act({ kind: 'command', ts: this.clockTs, payload });
      taken.push(`${command.kind}${command.flatten ? ' --flatten' : ''}: ${command.reason}`);
    }
    return taken;
  }

  /** Live: journals that an order is about to go to the venue (before the request is sent). */
  recordSent(clientOrderId: string, symbol: string, decidedTs: number): void {
    if (this.sent.has(clientOrderId)) return;
    this.record({ kind: 'sent', ts: this.clockTs, payload: { clientOrderId, symbol, decidedTs } });
  }

  /** The session fails on an error it cannot retry past: a CRITICAL alert, recorded before the session closes. */
  fail(reason: string): void {
    this.pipeline.publish({ type: 'SessionError', ts: this.clockTs, reason });
    this.pipeline.flush();
  }

  /** This session's row, while it still names this process as its owner (when it was claimed). */
  private ownRow(): SQL | undefined {
    const owner = this.owner;
    if (owner === undefined) return eq(runs.id, this.runId);
    return and(eq(runs.id, this.runId), eq(runs.ownerPid, owner.pid), eq(runs.ownerHost, owner.host), eq(runs.ownerStart, owner.start));
  }

  /** A sign of life; throws when another process has claimed the session since (this one must stop at once). */
  heartbeat(): void {
    const beat = this.db.update(runs).set({ heartbeatAt: this.clock.now() }).where(this.ownRow()).returning({ id: runs.id }).all();
    if (beat.length === 0 && this.owner !== undefined) {
      throw new Error(`session ${this.runId} is no longer this process's: another process has claimed it`);
    }
  }

  /** Stops this process's part of the session; `stopped` and `failed` sessions resume when run again. */
  close(status: 'finished' | 'stopped' | 'failed', error?: string): void {
    if (this.sessionState !== 'stopping' && this.sessionState !== 'stopped') this.move({ type: 'STOP' });
    this.move({ type: 'STOPPED' });
    this.pipeline.stop();
    const now = this.clock.now();
    this.db
      .update(runs)
      .set({ status, heartbeatAt: now, finishedAt: status === 'finished' ? now : null, summary: error ? { error } : null, ownerPid: null, ownerHost: null, ownerStart: null })
      .where(this.ownRow())
      .run();
  }

  private act(entry: JournalEntry): void {
    applyEntry(this.pipeline, entry);
    trackEntry(this, entry);
    this.followBreaker();
    this.pipeline.flush();
  }

  private followBreaker(): void {
    const halted = this.breakerState() !== 'trading';
    if (halted && this.sessionState === 'trading') this.move({ type: 'HALT' });
    if (!halted && this.sessionState === 'halted') this.move({ type: 'RESUME' });
  }

  private move(event: SessionEvent): void {
    const from = this.sessionState;
    this.machine.send(event);
    const to = String(this.machine.getSnapshot().value);
    if (to === from) return;
    this.sessionState = to;
    this.pipeline.publish({ type: 'StateTransition', ts: this.clockTs, actor: 'session', from, to, event: event.type });
    this.pipeline.flush();
  }
}
