// A replay server, an in-memory DB and a fake clock/sleep for collection tests; closed after each test.
import { afterEach } from 'bun:test';
import { asc } from 'drizzle-orm';
import type { CollectDeps } from '../../actors/adapters/collect.ts';
import { closeDb, openDb, type Db } from '../../db/client.ts';
import { candles } from '../../db/schema.ts';
import { startReplayServer, type ReplayServer } from './replay-server.ts';

export interface CollectHarness {
  server: ReplayServer;
  db: Db;
  /** Every backoff the collector asked to sleep, in ms (nothing really waits). */
  sleeps: number[];
  deps(now?: number): CollectDeps;
  stored(): (typeof candles.$inferSelect)[];
}

/** Call at module level; returns a factory that makes one harness per test. */
export function collectHarnesses(defaultNow: number): () => CollectHarness {
  const open: Array<{ db: Db; server: ReplayServer }> = [];
  afterEach(() => {
    for (const { db, server } of open.splice(0)) {
      closeDb(db);
      server.stop();
    }
  });
  return () => {
    const server = startReplayServer();
    const db = openDb(':memory:');
    open.push({ db, server });
    const sleeps: number[] = [];
    return {
      server,
      db,
      sleeps,
      deps: (now = defaultNow) => ({
        now: () => now,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      }),
      stored: () => db.select().from(candles).orderBy(asc(candles.ts)).all(),
    };
  };
}
