// A paper session against the replay server on a fake clock: the server serves bars up to the clock's "now",
// the session's sleeps advance that clock, so a session of a hundred 1m bars takes seconds, not hours.
// Prices are real BTC/USD daily candles from ../shared/data replayed one per bar.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPaperSession } from '../../actors/adapters/paper-session.ts';
import { venueSession, type VenueSessionRequest } from '../../actors/adapters/paper-venue-session.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { DATA_DIR } from './real-data.ts';
import type { Ohlcv } from './replay-server.ts';

export const MINUTE = 60_000;

export class FakeClock {
  constructor(public t: number) {}
  now = (): number => this.t;
  /** Advances the clock at once; `onAdvance` may stop the session when it passes its end. */
  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return;
    this.t += Math.max(0, ms);
    this.onAdvance?.(this.t);
    // Let the session's timer (heartbeats, commands) run between fake minutes.
    await Bun.sleep(0);
  };
  onAdvance?: (t: number) => void;
}

/** `count` real BTC/USD daily candles from `fromDate`, times `scale` (a second symbol at another price level). */
export function realDailyPrices(fromDate: string, count: number, scale = 1): Ohlcv[] {
  const lines = readFileSync(join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const col = (name: string): number => header.indexOf(name);
  const start = lines.findIndex((line) => line.startsWith(fromDate));
  if (start < 0) throw new Error(`no BTC/USD candle on ${fromDate}`);
  return lines.slice(start, start + count).map((line) => {
    const f = line.split(',').map(Number);
    return {
      open: f[col('open')]! * scale,
      high: f[col('high')]! * scale,
      low: f[col('low')]! * scale,
      close: f[col('close')]! * scale,
      volume: f[col('volume')]!,
    };
  });
}

/** A migrated, empty market DB file, as `db:init` leaves it. */
export function initMarketDb(path: string): string {
  closeDb(openDb(path));
  return path;
}

export interface FakeSessionRun {
  lines: string[];
  notes: string[];
  end?: 'finished' | 'stopped';
  error?: Error;
}

/** Runs `bun run paper`'s library path on the fake clock until it passes `untilTs`. */
export async function runFakeSession(
  clock: FakeClock,
  untilTs: number,
  req: Omit<VenueSessionRequest, 'clock' | 'sleep' | 'note'> & { dbPath: string; newSession?: boolean },
): Promise<FakeSessionRun> {
  const lines: string[] = [];
  const notes: string[] = [];
  const stop = new AbortController();
  clock.onAdvance = (t) => {
    if (t >= untilTs) stop.abort();
  };
  const run: FakeSessionRun = { lines, notes };
  try {
    const session = await venueSession({ ...req, clock, sleep: clock.sleep, note: (line) => notes.push(line), unthrottled: true });
    run.end = await runPaperSession({
      dbPath: req.dbPath,
      newSession: req.newSession ?? false,
      ...session,
      clock,
      stop: stop.signal,
      pollMs: 20,
      log: (line) => lines.push(line),
    });
  } catch (err) {
    run.error = err as Error;
  } finally {
    clock.onAdvance = undefined;
  }
  return run;
}
