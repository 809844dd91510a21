// Candle and instrument storage. Writes are one transaction per call, so a series is stored whole or not at all.
import { and, asc, count, desc, eq, gt, gte, inArray, lt, lte, max, min, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.ts';
import { candles, instruments, type CandleRow } from './schema.ts';

/** A database handle or an open transaction on one, so callers can group several writes atomically. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export type CandleInsert = Omit<typeof candles.$inferInsert, 'exchange'>;
export type InstrumentRow = typeof instruments.$inferSelect;
export type InstrumentInsert = typeof instruments.$inferInsert;

export interface CandleQuery {
  symbols: string[];
  timeframe: string;
  /** Only bars opening at or after this time (ms UTC). */
  fromTs?: number;
  /** Only bars opening at or before this time (ms UTC). */
  toTs?: number;
  exchange?: string;
}

export interface CandleRange {
  firstTs: number;
  lastTs: number;
  count: number;
}

/** Inserts or replaces (on exchange+symbol+timeframe+ts) every row, in one transaction. */
export function upsertCandles(db: DbOrTx, exchange: string, rows: CandleInsert[]): void {
  if (rows.length === 0) return;
  db.transaction((tx) => {
    const statement = tx
      .insert(candles)
      .values({
        exchange: sql.placeholder('exchange'),
        symbol: sql.placeholder('symbol'),
        timeframe: sql.placeholder('timeframe'),
        ts: sql.placeholder('ts'),
        closeTs: sql.placeholder('closeTs'),
        open: sql.placeholder('open'),
        high: sql.placeholder('high'),
        low: sql.placeholder('low'),
        close: sql.placeholder('close'),
        volume: sql.placeholder('volume'),
      })
      .onConflictDoUpdate({
        target: [candles.exchange, candles.symbol, candles.timeframe, candles.ts],
        set: {
          closeTs: sql.raw(`excluded.${candles.closeTs.name}`),
          open: sql.raw(`excluded.${candles.open.name}`),
          high: sql.raw(`excluded.${candles.high.name}`),
          low: sql.raw(`excluded.${candles.low.name}`),
          close: sql.raw(`excluded.${candles.close.name}`),
          volume: sql.raw(`excluded.${candles.volume.name}`),
        },
      })
      .prepare();
    for (const row of rows) statement.run({ ...row, exchange });
  });
}

export function upsertInstrument(db: DbOrTx, instrument: InstrumentInsert): void {
  db.insert(instruments)
    .values(instrument)
    .onConflictDoUpdate({
      target: [instruments.exchange, instruments.symbol],
      set: { kind: instrument.kind, priceBasis: instrument.priceBasis, source: instrument.source },
    })
    .run();
}

/** Every stored instrument of a symbol, one per exchange, in exchange order. */
export function instrumentsOf(db: DbOrTx, symbol: string): InstrumentRow[] {
  return db.select().from(instruments).where(eq(instruments.symbol, symbol)).orderBy(asc(instruments.exchange)).all();
}

/**
 * The instrument for a symbol, optionally on one exchange; undefined when unknown.
 * Throws when the symbol is stored for several exchanges and none is named, rather than guess.
 */
export function getInstrument(db: DbOrTx, symbol: string, exchange?: string): InstrumentRow | undefined {
  const where = exchange === undefined
    ? eq(instruments.symbol, symbol)
    : and(eq(instruments.symbol, symbol), eq(instruments.exchange, exchange));
  const rows = db.select().from(instruments).where(where).orderBy(asc(instruments.exchange)).all();
  if (rows.length > 1) {
    const exchanges = rows.map((row) => row.exchange).join(', ');
    throw new Error(`${symbol} is stored for ${rows.length} exchanges (${exchanges}); name the exchange with --exchange`);
  }
  return rows[0];
}

/** Candles of several symbols in the order a backtest feed replays them: by close time, then symbol. */
export function loadCandles(db: DbOrTx, query: CandleQuery): CandleRow[] {
  if (query.symbols.length === 0) return [];
  const conditions: SQL[] = [inArray(candles.symbol, query.symbols), eq(candles.timeframe, query.timeframe)];
  if (query.exchange !== undefined) conditions.push(eq(candles.exchange, query.exchange));
  if (query.fromTs !== undefined) conditions.push(gte(candles.ts, query.fromTs));
  if (query.toTs !== undefined) conditions.push(lte(candles.ts, query.toTs));
  return db
    .select()
    .from(candles)
    .where(and(...conditions))
    .orderBy(asc(candles.closeTs), asc(candles.symbol), asc(candles.exchange))
    .all();
}

/** First and last bar open time and the number of bars stored; undefined when there are none. */
export function candleRange(db: DbOrTx, symbol: string, timeframe: string, exchange?: string): CandleRange | undefined {
  const conditions: SQL[] = [eq(candles.symbol, symbol), eq(candles.timeframe, timeframe)];
  if (exchange !== undefined) conditions.push(eq(candles.exchange, exchange));
  const [row] = db
    .select({ firstTs: min(candles.ts), lastTs: max(candles.ts), count: count() })
    .from(candles)
    .where(and(...conditions))
    .all();
  if (!row || row.count === 0 || row.firstTs === null || row.lastTs === null) return undefined;
  return { firstTs: row.firstTs, lastTs: row.lastTs, count: row.count };
}

export interface SeriesQuery {
  exchange: string;
  symbol: string;
  timeframe: string;
}

export interface StoredSeriesCoverage {
  firstTs: number;
  lastTs: number;
  count: number;
  /** Consecutive stored bars more than `barMs` apart, in time order. */
  gaps: Array<{ prevTs: number; nextTs: number }>;
}

/** What is stored of one series between fromTs and toTs (bar opens, both included); undefined when nothing. */
export function storedCoverage(
  db: DbOrTx,
  query: SeriesQuery & { fromTs: number; toTs: number; barMs: number },
): StoredSeriesCoverage | undefined {
  const inSeries = and(
    eq(candles.exchange, query.exchange),
    eq(candles.symbol, query.symbol),
    eq(candles.timeframe, query.timeframe),
    gte(candles.ts, query.fromTs),
    lte(candles.ts, query.toTs),
  );
  const [range] = db
    .select({ firstTs: min(candles.ts), lastTs: max(candles.ts), count: count() })
    .from(candles)
    .where(inSeries)
    .all();
  if (!range || range.count === 0 || range.firstTs === null || range.lastTs === null) return undefined;
  const steps = db
    .select({ prevTs: sql<number>`prev_ts`, nextTs: sql<number>`ts` })
    .from(
      db
        .select({ ts: candles.ts, prevTs: sql<number>`lag(${candles.ts}) over (order by ${candles.ts})`.as('prev_ts') })
        .from(candles)
        .where(inSeries)
        .as('steps'),
    )
    .where(sql`ts - prev_ts > ${query.barMs}`)
    .orderBy(sql`ts`)
    .all();
  return { firstTs: range.firstTs, lastTs: range.lastTs, count: range.count, gaps: steps };
}

/** The last `limit` stored bars opening before beforeTs, oldest first. */
export function candlesBefore(db: DbOrTx, query: SeriesQuery & { beforeTs: number; limit: number }): CandleRow[] {
  return nearestCandles(db, query, lt(candles.ts, query.beforeTs), desc(candles.ts), query.limit).reverse();
}

/** The first `limit` stored bars opening after afterTs, oldest first. */
export function candlesAfter(db: DbOrTx, query: SeriesQuery & { afterTs: number; limit: number }): CandleRow[] {
  return nearestCandles(db, query, gt(candles.ts, query.afterTs), asc(candles.ts), query.limit);
}

/** Up to `limit` bars of one series on one side of a time (`side`), nearest first. */
function nearestCandles(db: DbOrTx, series: SeriesQuery, side: SQL, nearestFirst: SQL, limit: number): CandleRow[] {
  return db
    .select()
    .from(candles)
    .where(and(eq(candles.exchange, series.exchange), eq(candles.symbol, series.symbol), eq(candles.timeframe, series.timeframe), side))
    .orderBy(nearestFirst)
    .limit(limit)
    .all();
}

export interface SeriesRemoval {
  exchange: string;
  symbol: string;
  /** The timeframe removed, or undefined for every timeframe of the symbol on that exchange. */
  timeframe?: string;
  /** Candle rows deleted. */
  rows: number;
  /** The instrument row deleted with its last candles, if it was. */
  instrument?: InstrumentRow;
  /** Timeframes of the symbol still stored on that exchange. */
  remainingTimeframes: string[];
}

/** The exchanges a symbol has an instrument or candles on (candles without an instrument included). */
function exchangesOf(db: DbOrTx, symbol: string): string[] {
  const fromInstruments = instrumentsOf(db, symbol).map((row) => row.exchange);
  const fromCandles = db
    .selectDistinct({ exchange: candles.exchange })
    .from(candles)
    .where(eq(candles.symbol, symbol))
    .all()
    .map((row) => row.exchange);
  return [...new Set([...fromInstruments, ...fromCandles])].sort();
}

/**
 * Deletes one stored series, in one transaction: the symbol's candles on one exchange (of one timeframe, or
 * all), and its instrument once no candles of it remain there. Refuses, deleting nothing, when the symbol is
 * unknown, stored on several exchanges and none is named, or has nothing of that timeframe. Runs are kept.
 */
export function removeSeries(db: DbOrTx, query: { symbol: string; exchange?: string; timeframe?: string }): SeriesRemoval {
  const { symbol, timeframe } = query;
  const exchanges = exchangesOf(db, symbol);
  if (exchanges.length === 0) throw new Error(`${symbol} is not stored; nothing removed`);
  if (query.exchange === undefined && exchanges.length > 1) {
    throw new Error(`${symbol} is stored for ${exchanges.length} exchanges (${exchanges.join(', ')}); name one with --exchange; nothing removed`);
  }
  const exchange = query.exchange ?? exchanges[0]!;
  if (!exchanges.includes(exchange)) {
    throw new Error(`${symbol} is not stored on ${exchange} (stored on ${exchanges.join(', ')}); nothing removed`);
  }
  const inSeries = and(eq(candles.exchange, exchange), eq(candles.symbol, symbol));
  return db.transaction((tx) => {
    const where = timeframe === undefined ? inSeries : and(inSeries, eq(candles.timeframe, timeframe));
    const [counted] = tx.select({ n: count() }).from(candles).where(where).all();
    const rows = counted?.n ?? 0;
    if (timeframe !== undefined && rows === 0) {
      const stored = storedTimeframes(tx, exchange, symbol);
      throw new Error(`no ${timeframe} candles of ${symbol} on ${exchange} (stored: ${stored.join(', ') || 'none'}); nothing removed`);
    }
    tx.delete(candles).where(where).run();
    const remainingTimeframes = storedTimeframes(tx, exchange, symbol);
    let instrument: InstrumentRow | undefined;
    if (remainingTimeframes.length === 0) {
      instrument = tx.select().from(instruments).where(and(eq(instruments.exchange, exchange), eq(instruments.symbol, symbol))).get();
      tx.delete(instruments).where(and(eq(instruments.exchange, exchange), eq(instruments.symbol, symbol))).run();
    }
    return { exchange, symbol, timeframe, rows, instrument, remainingTimeframes };
  });
}

function storedTimeframes(db: DbOrTx, exchange: string, symbol: string): string[] {
  return db
    .selectDistinct({ timeframe: candles.timeframe })
    .from(candles)
    .where(and(eq(candles.exchange, exchange), eq(candles.symbol, symbol)))
    .orderBy(asc(candles.timeframe))
    .all()
    .map((row) => row.timeframe);
}

/** How many candles each symbol has in the range of a query (0 for a symbol with none). */
export function countCandles(db: DbOrTx, query: CandleQuery): Map<string, number> {
  const counts = new Map(query.symbols.map((symbol) => [symbol, 0]));
  if (query.symbols.length === 0) return counts;
  const conditions: SQL[] = [inArray(candles.symbol, query.symbols), eq(candles.timeframe, query.timeframe)];
  if (query.exchange !== undefined) conditions.push(eq(candles.exchange, query.exchange));
  if (query.fromTs !== undefined) conditions.push(gte(candles.ts, query.fromTs));
  if (query.toTs !== undefined) conditions.push(lte(candles.ts, query.toTs));
  const rows = db.select({ symbol: candles.symbol, n: count() }).from(candles).where(and(...conditions)).groupBy(candles.symbol).all();
  for (const row of rows) counts.set(row.symbol, row.n);
  return counts;
}

/**
 * The candles `loadCandles` returns, in the same order (close time, symbol, exchange), read `chunkSize` rows at
 * a time from each stored series (the primary key's order) and merged: a run over millions of bars holds a
 * chunk per series, never the whole range.
 */
export function* streamCandles(db: DbOrTx, query: CandleQuery, chunkSize = 2048): Generator<CandleRow> {
  if (query.symbols.length === 0) return;
  const seriesConditions: SQL[] = [inArray(candles.symbol, query.symbols), eq(candles.timeframe, query.timeframe)];
  if (query.exchange !== undefined) seriesConditions.push(eq(candles.exchange, query.exchange));
  const series = db
    .selectDistinct({ exchange: candles.exchange, symbol: candles.symbol })
    .from(candles)
    .where(and(...seriesConditions))
    .all();
  const cursors = series.map((s) => seriesCursor(db, { ...s, timeframe: query.timeframe }, query.fromTs, query.toTs, chunkSize));
  const heads = cursors.map((cursor) => cursor.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i]!;
      if (head.done) continue;
      if (best < 0 || candleBefore(head.value, (heads[best] as IteratorYieldResult<CandleRow>).value)) best = i;
    }
    if (best < 0) return;
    yield (heads[best] as IteratorYieldResult<CandleRow>).value;
    heads[best] = cursors[best]!.next();
  }
}

function candleBefore(a: CandleRow, b: CandleRow): boolean {
  if (a.closeTs !== b.closeTs) return a.closeTs < b.closeTs;
  if (a.symbol !== b.symbol) return a.symbol < b.symbol;
  return a.exchange < b.exchange;
}

function* seriesCursor(db: DbOrTx, s: SeriesQuery, fromTs: number | undefined, toTs: number | undefined, chunkSize: number): Generator<CandleRow> {
  let after: number | undefined;
  let previousClose = Number.NEGATIVE_INFINITY;
  for (;;) {
    const conditions: SQL[] = [eq(candles.exchange, s.exchange), eq(candles.symbol, s.symbol), eq(candles.timeframe, s.timeframe)];
    if (after !== undefined) conditions.push(gt(candles.ts, after));
    else if (fromTs !== undefined) conditions.push(gte(candles.ts, fromTs));
    if (toTs !== undefined) conditions.push(lte(candles.ts, toTs));
    const chunk = db.select().from(candles).where(and(...conditions)).orderBy(asc(candles.ts)).limit(chunkSize).all();
    for (const row of chunk) {
      // Stored series close in bar order; the merge above relies on it.
      if (row.closeTs < previousClose) throw new Error(`${s.symbol} ${s.timeframe} on ${s.exchange}: bar at ${row.ts} closes before the bar before it`);
      previousClose = row.closeTs;
      yield row;
    }
    if (chunk.length < chunkSize) return;
    after = chunk[chunk.length - 1]!.ts;
  }
}
