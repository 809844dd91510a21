// A sweep's results into its database as they arrive, in batches: what a crash or a Ctrl-C leaves behind is every
// result received up to the last commit, at most COMMIT_MS old.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sweepResults } from '../../db/schema.ts';
import type { PerformanceSummary } from '../../machines/metrics/performance.ts';
import type { Combination } from '../../machines/research/grid.ts';

export type Phase = 'full' | 'train' | 'test';

/** What a row holds of a combination's result (the sweep's ScoredOutcome). */
export interface StoredOutcome {
  /** The job's id: the combination's index plus a multiple of the grid's size per phase and window. */
  id: number;
  fromTs?: number;
  toTs?: number;
  params: Combination;
  metric: number | null;
  summary: PerformanceSummary;
}

const RESULT_COLUMNS = ['sweepId', 'combination', 'phase', 'window', 'fromTs', 'toTs', 'params', 'metric', 'summary'] as const;

/** Rows per transaction, and the longest a received result waits for its commit (by the injected clock). */
const COMMIT_ROWS = 512;
const COMMIT_MS = 1000;

/**
 * Stores results in the sweep DB as they come, a transaction per COMMIT_ROWS rows or per COMMIT_MS: a commit per row
 * would make the main thread the bottleneck, one at the end would lose every result to a crash or a Ctrl-C.
 */
export function resultWriter(sweepDb: Db, sweepId: string, combinations: number, now: () => number) {
  // Prepared once: building the insert for every row was most of the main thread's work per combination.
  const insert = sweepDb
    .insert(sweepResults)
    .values(Object.fromEntries(RESULT_COLUMNS.map((c) => [c, sql.placeholder(c)])) as never)
    .prepare();
  let pending: Record<(typeof RESULT_COLUMNS)[number], unknown>[] = [];
  let stored = 0;
  let sealed = false;
  let lastCommit = now();
  const commit = () => {
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    sweepDb.$client.transaction(() => rows.forEach((row) => insert.run(row)))();
    stored += rows.length;
    lastCommit = now();
  };
  return {
    add(outcome: StoredOutcome, phase: Phase, window: number | null): void {
      if (sealed) return;
      pending.push({
        sweepId,
        combination: outcome.id % combinations,
        phase,
        window,
        fromTs: outcome.fromTs ?? null,
        toTs: outcome.toTs ?? null,
        params: outcome.params,
        // An unbounded metric (∞) is stored as such: SQLite's REAL holds it, and it sorts above every finite one.
        metric: outcome.metric,
        summary: outcome.summary,
      });
      if (pending.length >= COMMIT_ROWS || now() - lastCommit >= COMMIT_MS) commit();
    },
    commit,
    seal(): void {
      sealed = true;
    },
    /** Rows committed so far. */
    get stored(): number {
      return stored;
    },
  };
}
