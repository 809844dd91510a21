// What each dashboard panel shows, computed from one run's DB: plain data, rendered by web/views/.
import { metricsFor } from '../../machines/metrics/run-metrics.ts';
import type { Db } from '../../db/client.ts';
import { DAY_MS } from '../../machines/data/timeframe.ts';
import type { MarketKind } from '../../machines/domain.ts';
import type { PerformanceSummary } from '../../machines/metrics/performance.ts';
import { roundTrips } from '../../machines/metrics/round-trips.ts';
import { downsampleMinMax, type ChartSeries } from '../report/render-report.ts';
import type { RunListing } from './catalog.ts';
import { equityBefore, latestEquity, latestPositions, lastTrip, recentRiskEvents, type EquityRow, type PositionRow, type RiskEventRow } from './queries.ts';
import { extendEquity, extendFills, type RunTails } from './run-tail.ts';

/** Points per chart series sent to the browser; min and max of each bucket are kept. */
export const DASHBOARD_CHART_POINTS = 2000;

export interface RunContext {
  listing: RunListing;
  db: Db;
  tails: RunTails;
}

export interface SummaryView {
  latest: EquityRow | undefined;
  startingCapital: number;
  /** Equity change since the last snapshot before the latest one's UTC day; null before a full day. */
  dailyPnl: number | null;
}

export function summaryView({ listing, db }: RunContext): SummaryView {
  const latest = latestEquity(db, listing.runId);
  let dailyPnl: number | null = null;
  if (latest !== undefined) {
    const dayStart = Math.floor(latest.ts / DAY_MS) * DAY_MS;
    const before = equityBefore(db, listing.runId, dayStart);
    dailyPnl = latest.equity - (before?.equity ?? listing.run.startingCapital);
  }
  return { latest, startingCapital: listing.run.startingCapital, dailyPnl };
}

export interface ChartView {
  equity: ChartSeries;
  drawdown: ChartSeries;
  /** The last equity row included: the live stream appends from here. */
  lastSeq: number;
}

export function chartView({ listing, db, tails }: RunContext): ChartView {
  extendEquity(db, listing.runId, tails.equity);
  const t = tails.equity;
  return {
    equity: downsampleMinMax(t.x, t.equity, DASHBOARD_CHART_POINTS),
    drawdown: downsampleMinMax(t.x, t.drawdown, DASHBOARD_CHART_POINTS),
    lastSeq: t.lastSeq,
  };
}

export function openPositions({ listing, db }: RunContext): PositionRow[] {
  return latestPositions(db, listing.runId, listing.run.symbols).filter((p) => Math.abs(p.qty) > 0);
}

export interface BreakerView {
  state: string;
  since: number | null;
  lastTrip: RiskEventRow | undefined;
}

export function breakerView({ listing, db }: RunContext): BreakerView {
  const [latest] = recentRiskEvents(db, listing.runId, 1);
  return { state: latest?.state ?? 'trading', since: latest?.ts ?? null, lastTrip: lastTrip(db, listing.runId) };
}

export interface MetricsView {
  summary: PerformanceSummary | undefined;
  /** `report` for a finished run's stored summary (the figures of its HTML report), `live` when recomputed. */
  origin: 'report' | 'live';
  asOf: number | null;
}

const metricsCache = new WeakMap<RunTails, { key: string; view: MetricsView; computedAt: number }>();
/** A live run recomputes its metrics at most this often (wall clock); panels in between reuse them. */
const LIVE_METRICS_INTERVAL_MS = 5000;

function storedSummary(listing: RunListing): PerformanceSummary | undefined {
  const summary = listing.run.summary;
  if (listing.run.status !== 'finished' || summary === null || summary === undefined) return undefined;
  return typeof summary.final_equity === 'number' && typeof summary.sharpe === 'number'
    ? (summary as unknown as PerformanceSummary)
    : undefined;
}

function marketKinds(listing: RunListing): Set<MarketKind> {
  const markets = listing.run.config.markets;
  const kinds = new Set<MarketKind>();
  if (typeof markets === 'object' && markets !== null) {
    for (const market of Object.values(markets as Record<string, { kind?: unknown }>)) {
      if (market.kind === 'crypto' || market.kind === 'stock') kinds.add(market.kind);
    }
  }
  if (kinds.size === 0) kinds.add('crypto');
  return kinds;
}

export function metricsView(ctx: RunContext, now: number): MetricsView {
  const stored = storedSummary(ctx.listing);
  if (stored !== undefined) return { summary: stored, origin: 'report', asOf: ctx.listing.run.finishedAt ?? null };
  const { equity, fills } = ctx.tails;
  extendEquity(ctx.db, ctx.listing.runId, equity);
  extendFills(ctx.db, ctx.listing.runId, fills);
  const key = `${equity.lastSeq}:${fills.lastSeq}`;
  const cached = metricsCache.get(ctx.tails);
  if (cached !== undefined && (cached.key === key || now - cached.computedAt < LIVE_METRICS_INTERVAL_MS)) return cached.view;
  const view = computeLiveMetrics(ctx);
  metricsCache.set(ctx.tails, { key, view, computedAt: now });
  return view;
}

function computeLiveMetrics({ listing, db, tails }: RunContext): MetricsView {
  const points = tails.equity.points;
  if (points.length === 0) return { summary: undefined, origin: 'live', asOf: null };
  const lastTs = points[points.length - 1]!.ts;
  const marks = new Map<string, number>();
  for (const p of latestPositions(db, listing.runId, listing.run.symbols)) marks.set(p.symbol, p.lastPrice);
  for (const f of tails.fills.fills) if (!marks.has(f.symbol)) marks.set(f.symbol, f.price);
  const fills = tails.fills.fills.filter((f) => f.ts <= lastTs);
  const trades = roundTrips(
    fills.map((f) => ({ ts: f.ts, symbol: f.symbol, side: f.side === 'sell' ? 'sell' : 'buy', qty: f.qty, price: f.price, fee: f.fee })),
    marks,
    lastTs,
  );
  const fees = fills.reduce((sum, f) => sum + f.fee, 0);
  const summary = metricsFor(points, trades, fees, listing.run.timeframe, marketKinds(listing));
  return { summary, origin: 'live', asOf: lastTs };
}
