// What the sweep coordinator and the queue workers agree on: the BullMQ queue's name, a job's id and payload, and
// the sweep's data in Redis. The candles travel once per sweep, not per job: the coordinator writes the setup and
// the candle columns (raw little-endian float64) under one key, and each worker reads them once per sweep, so a
// worker needs no database and no shared disk, only the same checkout (config and strategy code, checked by digest).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import IORedis, { type Redis } from 'ioredis';
import { CONFIG_DIR } from '../adapters/config.ts';
import type { CombinationJob, CombinationOutcome, SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';

export const SWEEP_QUEUE = 'quantsage-sweep';

/** A lock a live worker renews every half of it; a dead worker's job is taken back after about twice this. */
export const DEFAULT_LOCK_MS = 30_000;
/** Times a job may be taken back from a dead worker before it counts as failed (BullMQ's default is 1). */
export const MAX_STALLED = 3;

export interface QueuedCombination {
  sweepId: string;
  job: CombinationJob;
}

/** A combination's outcome as a job's return value, which BullMQ stores as JSON: float64 columns as plain arrays. */
export type QueuedOutcome = Omit<CombinationOutcome, 'equityTs' | 'equity' | 'returnStats'> & {
  equityTs: number[];
  equity: number[];
  returnStats: { sharpe: number; blocks?: { returns: number; blocks: number; sums: number[]; squares: number[] } };
};

export function toQueuedOutcome(outcome: CombinationOutcome): QueuedOutcome {
  const { blocks } = outcome.returnStats;
  return {
    ...outcome,
    equityTs: Array.from(outcome.equityTs),
    equity: Array.from(outcome.equity),
    returnStats: { ...outcome.returnStats, blocks: blocks && { ...blocks, sums: Array.from(blocks.sums), squares: Array.from(blocks.squares) } },
  };
}

/** Exact: a double written as JSON text reads back as the same double. */
export function fromQueuedOutcome(outcome: QueuedOutcome): CombinationOutcome {
  const { blocks } = outcome.returnStats;
  return {
    ...outcome,
    equityTs: Float64Array.from(outcome.equityTs),
    equity: Float64Array.from(outcome.equity),
    returnStats: { ...outcome.returnStats, blocks: blocks && { ...blocks, sums: Float64Array.from(blocks.sums), squares: Float64Array.from(blocks.squares) } },
  };
}

/** Unique per sweep and combination: adding it twice is a no-op, and the coordinator collects it once. */
export function queueJobId(sweepId: string, jobId: number): string {
  return `${sweepId}-j${jobId}`;
}

export function sweepDataKey(sweepId: string): string {
  return `quantsage:sweep-data:${sweepId}`;
}

/** redis://HOST:PORT[/DB] checked before anything connects. */
export function parseQueueUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--queue: not a URL: ${url} (expected redis://HOST:PORT)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`--queue: expected redis://HOST:PORT, got ${url}`);
  if (parsed.hostname === '') throw new Error(`--queue: no host in ${url}`);
  return url;
}

/** A connection BullMQ accepts for a worker (blocking commands need maxRetriesPerRequest: null). */
export function connect(url: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null });
}

/** Connects and waits until Redis answers, so an unreachable one fails the command at once and in one line. */
export async function connectOrFail(url: string): Promise<Redis> {
  const redis = connect(url);
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      redis.once('error', (err) => reject(new Error(`--queue ${url}: cannot reach Redis: ${err.message}`)));
    });
    return redis;
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

/**
 * The files that decide a combination's outcome besides its parameters and candles: the risk limits, costs and
 * rounding, and the strategy's code and YAML. A worker whose copies differ refuses the sweep's jobs.
 */
export function configDigest(strategyName: string): string {
  const files = [
    join(CONFIG_DIR, 'risk.yaml'),
    join(CONFIG_DIR, 'backtest.yaml'),
    join(CONFIG_DIR, 'strategies', `${strategyName}.yaml`),
    join(import.meta.dir, '..', '..', 'machines', 'strategies', `${strategyName.replace(/_/g, '-')}.ts`),
  ];
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex');
}

const NUMBER_COLUMNS = ['ts', 'closeTs', 'open', 'high', 'low', 'close', 'volume'] as const;

export async function writeSweepData(redis: Redis, sweepId: string, setup: SweepSetup, candles: CandleColumns, digest: string): Promise<void> {
  const key = sweepDataKey(sweepId);
  const bytes = (array: Float64Array | Uint16Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  const fields: Record<string, string | Buffer> = {
    setup: JSON.stringify(setup),
    digest,
    symbols: JSON.stringify(candles.symbols),
    timeframe: candles.timeframe,
    length: String(candles.length),
    symbol: bytes(candles.symbol.subarray(0, candles.length)),
  };
  for (const name of NUMBER_COLUMNS) fields[name] = bytes(candles[name].subarray(0, candles.length));
  await redis.multi().hset(key, fields).expire(key, 7 * 24 * 3600).exec();
}

export interface SweepData {
  setup: SweepSetup;
  digest: string;
  candles: CandleColumns;
}

/** The sweep's setup and candles as shared columns, or undefined when the sweep is over (its key deleted). */
export async function readSweepData(redis: Redis, sweepId: string): Promise<SweepData | undefined> {
  const raw = await redis.hgetallBuffer(sweepDataKey(sweepId));
  if (raw.setup === undefined) return undefined;
  const length = Number(raw.length!.toString());
  const shared = (buffer: Buffer, bytesPer: number) => {
    const target = new SharedArrayBuffer(Math.max(8, length * bytesPer));
    new Uint8Array(target).set(buffer.subarray(0, length * bytesPer));
    return target;
  };
  const candles = {
    symbols: JSON.parse(raw.symbols!.toString()) as string[],
    timeframe: raw.timeframe!.toString(),
    length,
    symbol: new Uint16Array(shared(raw.symbol!, 2)),
    ...Object.fromEntries(NUMBER_COLUMNS.map((name) => [name, new Float64Array(shared(raw[name]!, 8))])),
  } as CandleColumns;
  return { setup: JSON.parse(raw.setup.toString()) as SweepSetup, digest: raw.digest!.toString(), candles };
}
