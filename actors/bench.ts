// Throughput of the whole actor pipeline, with and without persistence, next to a plain-function loop
// doing the same strategy, risk, fill and accounting work — so the cost of the actors is a visible ratio.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, closeDb } from '../db/client.ts';
import { createEventWriter } from '../db/events.ts';
import type { Bar, CostModel, Market } from '../machines/domain.ts';
import { commission, fillBracket, fillMarketAtOpen } from '../machines/execution/fill-model.ts';
import { applyFill, newBook, valueBook } from '../machines/portfolio/accounting.ts';
import { evaluateSignal, type RiskLimits } from '../machines/risk/limits.ts';
import type { AnyStrategy, PositionPhase } from '../machines/strategies/strategy.ts';
import type { MarketData } from './messages.ts';
import { createPipeline } from './pipeline.ts';

export interface BenchOptions {
  barsPerSymbol: number;
  symbols: number;
  strategy: () => AnyStrategy;
  limits: RiskLimits;
  tmpDir: string;
}

export interface BenchResult {
  bars: number;
  symbols: number;
  pipeline_bars_per_s: number;
  persisted_bars_per_s: number;
  plain_bars_per_s: number;
  actor_overhead_ratio: number;
  peak_rss_mb: number;
  fills: number;
  persisted_rows: number;
}

const HOUR = 3_600_000;

/** Seeded geometric random walk, interleaved across symbols in close-time order (1h crypto bars). */
export function syntheticBars(barsPerSymbol: number, symbols: number, seed = 42): MarketData[] {
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  const prices = Array.from({ length: symbols }, (_, i) => 100 + 10 * i);
  const bars: MarketData[] = new Array(barsPerSymbol * symbols);
  const t0 = Date.UTC(2020, 0, 1);
  let k = 0;
  for (let i = 0; i < barsPerSymbol; i++) {
    for (let s = 0; s < symbols; s++) {
      const open = prices[s]!;
      const close = open * Math.exp(0.01 * gauss());
      const high = Math.max(open, close) * (1 + 0.004 * random());
      const low = Math.min(open, close) * (1 - 0.004 * random());
      prices[s] = close;
      bars[k++] = {
        type: 'MarketData', symbol: `SYN${s}/USD`, timeframe: '1h', ts: t0 + i * HOUR, closeTs: t0 + (i + 1) * HOUR,
        open, high, low, close, volume: 1000,
      };
    }
  }
  return bars;
}

const COSTS: CostModel = { slippageBps: 5, commissionBps: 10, commissionPerShare: 0, minCommission: 0 };

function marketsFor(symbols: number): { markets: Map<string, Market>; costs: Map<string, CostModel> } {
  const markets = new Map<string, Market>();
  const costs = new Map<string, CostModel>();
  for (let s = 0; s < symbols; s++) {
    const symbol = `SYN${s}/USD`;
    markets.set(symbol, { symbol, kind: 'crypto', exchange: 'bench', amountStep: 1e-8, priceStep: 0.01, minQty: 1e-8, minNotional: 10 });
    costs.set(symbol, COSTS);
  }
  return { markets, costs };
}

function timePipeline(bars: MarketData[], opts: BenchOptions, dbPath?: string): { seconds: number; fills: number; rows: number } {
  const { markets, costs } = marketsFor(opts.symbols);
  const db = dbPath === undefined ? undefined : openDb(dbPath);
  const writer = db === undefined ? undefined : createEventWriter(db, 'bench');
  const pipeline = createPipeline({
    strategy: opts.strategy(),
    limits: opts.limits,
    markets,
    costs,
    startingCash: 1_000_000,
    orderIdPrefix: 'b-',
    writer,
  });
  const started = performance.now();
  for (let i = 0; i < bars.length; i++) pipeline.push(bars[i]!);
  pipeline.end(bars[bars.length - 1]!.closeTs);
  const seconds = (performance.now() - started) / 1000;
  const fills = (pipeline.get('executor').getSnapshot().context as { fills: number }).fills;
  pipeline.stop();
  const rows = writer?.written ?? 0;
  if (db !== undefined) closeDb(db);
  return { seconds, fills, rows };
}

/** The same decisions without actors: strategy, risk layers, fill model and accounting called directly. */
function timePlain(bars: MarketData[], opts: BenchOptions): number {
  const { markets } = marketsFor(opts.symbols);
  const strategy = opts.strategy();
  const states = new Map<string, unknown>();
  const book = newBook(1_000_000);
  const queued = new Map<string, { side: 'buy' | 'sell'; qty: number; stop?: number }>();
  const stops = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < bars.length; i++) {
    const bar: Bar = bars[i]!;
    const order = queued.get(bar.symbol);
    if (order !== undefined) {
      queued.delete(bar.symbol);
      const fill = fillMarketAtOpen(order.side, bar, COSTS);
      applyFill(book, { symbol: bar.symbol, side: order.side, qty: order.qty, price: fill.price, fee: commission(order.qty, fill.price, COSTS) });
      if (order.stop !== undefined) stops.set(bar.symbol, order.stop);
      else stops.delete(bar.symbol);
    }
    const stop = stops.get(bar.symbol);
    const position = book.positions.get(bar.symbol);
    if (stop !== undefined && position !== undefined && position.qty > 0) {
      const hit = fillBracket('long', stop, undefined, bar, COSTS);
      if (hit !== undefined) {
        applyFill(book, { symbol: bar.symbol, side: 'sell', qty: position.qty, price: hit.fill.price, fee: commission(position.qty, hit.fill.price, COSTS) });
        stops.delete(bar.symbol);
      }
    }
    if (position !== undefined) position.lastPrice = bar.close;
    const value = valueBook(book);
    let state = states.get(bar.symbol);
    if (state === undefined) {
      state = strategy.init(bar.symbol);
      states.set(bar.symbol, state);
    }
    const held = book.positions.get(bar.symbol)?.qty ?? 0;
    const phase: PositionPhase = held > 0 ? 'long' : 'flat';
    const proposal = strategy.onBar(state, bar, phase);
    if (proposal === undefined || queued.has(bar.symbol)) continue;
    const verdict = evaluateSignal(
      { symbol: bar.symbol, action: proposal.action, confidence: proposal.confidence, price: bar.close, stopLoss: proposal.stopLoss },
      { equity: value.equity, cash: book.cash, grossExposure: value.grossExposure, symbolQty: held, pendingSymbolNotional: 0, pendingGrossNotional: 0 },
      opts.limits,
      markets.get(bar.symbol)!,
    );
    if (verdict.approved) queued.set(bar.symbol, { side: verdict.side, qty: verdict.qty, stop: verdict.stopLoss });
  }
  return (performance.now() - started) / 1000;
}

export function runBench(opts: BenchOptions): BenchResult {
  const bars = syntheticBars(opts.barsPerSymbol, opts.symbols);
  // Warm the JIT on a slice so the three timings compare steady states.
  const warm = bars.slice(0, Math.min(bars.length, 50_000));
  timePipeline(warm, opts);
  timePlain(warm, opts);

  const memory = timePipeline(bars, opts);
  const dbPath = join(opts.tmpDir, `bench-${process.pid}.db`);
  const persisted = timePipeline(bars, opts, dbPath);
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const plainSeconds = timePlain(bars, opts);

  const n = bars.length;
  return {
    bars: n,
    symbols: opts.symbols,
    pipeline_bars_per_s: Math.round(n / memory.seconds),
    persisted_bars_per_s: Math.round(n / persisted.seconds),
    plain_bars_per_s: Math.round(n / plainSeconds),
    actor_overhead_ratio: Number((memory.seconds / plainSeconds).toFixed(2)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    fills: memory.fills,
    persisted_rows: persisted.rows,
  };
}
