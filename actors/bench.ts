// Throughput of the whole actor pipeline, with and without persistence, next to a plain-function loop
// doing the same strategy, risk, fill and accounting work — so the cost of the actors is a visible ratio.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createActor } from 'xstate';
import { openDb, closeDb } from '../db/client.ts';
import { createThreadedEventWriter } from '../db/threaded-writer.ts';
import type { Bar, CostModel, Market } from '../machines/domain.ts';
import { commission, fillBracket, fillMarketAtOpen } from '../machines/execution/fill-model.ts';
import { orderMachine } from '../machines/execution/order.machine.ts';
import { CompiledOrder, orderTable } from './compiled-order.ts';
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
  /** The same ratio on CPU time. */
  actor_overhead_cpu_ratio: number;
  peak_rss_mb: number;
  fills: number;
  orders: number;
  /** Cost of one order's machine actor (create, ACCEPT, FILL), measured alone (paper and live). */
  order_lifecycle_us: number;
  /** The same lifecycle run from the compiled table (backtests). */
  order_lifecycle_compiled_us: number;
  /** In-memory pipeline bars per second of this process's CPU time: less sensitive to a loaded machine. */
  pipeline_cpu_bars_per_s: number;
  plain_cpu_bars_per_s: number;
  persisted_rows: number;
}

const HOUR = 3_600_000;

/** Seeded geometric random walk (1h bars), stored in columns and interleaved across symbols in close-time order. */
export class SyntheticBars {
  readonly length: number;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly close: Float64Array;
  private readonly symbolNames: string[];

  constructor(
    readonly barsPerSymbol: number,
    readonly symbols: number,
    seed = 42,
  ) {
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
    this.length = barsPerSymbol * symbols;
    this.open = new Float64Array(this.length);
    this.high = new Float64Array(this.length);
    this.low = new Float64Array(this.length);
    this.close = new Float64Array(this.length);
    this.symbolNames = Array.from({ length: symbols }, (_, s) => `SYN${s}/USD`);
    const prices = Array.from({ length: symbols }, (_, i) => 100 + 10 * i);
    for (let k = 0; k < this.length; k++) {
      const s = k % symbols;
      const open = prices[s]!;
      const close = open * Math.exp(0.01 * gauss());
      this.open[k] = open;
      this.close[k] = close;
      this.high[k] = Math.max(open, close) * (1 + 0.004 * random());
      this.low[k] = Math.min(open, close) * (1 - 0.004 * random());
      prices[s] = close;
    }
  }

  /** The k-th bar as the feed adapter would deliver it (a fresh message, like a row read from the DB). */
  at(k: number): MarketData {
    const ts = T0 + Math.floor(k / this.symbols) * HOUR;
    return {
      type: 'MarketData', symbol: this.symbolNames[k % this.symbols]!, timeframe: '1h', ts, closeTs: ts + HOUR,
      open: this.open[k]!, high: this.high[k]!, low: this.low[k]!, close: this.close[k]!, volume: 1000,
    };
  }
}

const T0 = Date.UTC(2020, 0, 1);

const COSTS: CostModel = { slippageBps: 5, commissionBps: 10, commissionPerShare: 0, minCommission: 0 };

export function marketsFor(symbols: number): { markets: Map<string, Market>; costs: Map<string, CostModel> } {
  const markets = new Map<string, Market>();
  const costs = new Map<string, CostModel>();
  for (let s = 0; s < symbols; s++) {
    const symbol = `SYN${s}/USD`;
    markets.set(symbol, { symbol, kind: 'crypto', exchange: 'bench', amountStep: 1e-8, priceStep: 0.01, minQty: 1e-8, minNotional: 10 });
    costs.set(symbol, COSTS);
  }
  return { markets, costs };
}

function timePipeline(
  bars: SyntheticBars,
  opts: BenchOptions,
  dbPath?: string,
): { seconds: number; cpuSeconds: number; fills: number; orders: number; rows: number } {
  const { markets, costs } = marketsFor(opts.symbols);
  if (dbPath !== undefined) closeDb(openDb(dbPath));
  const writer = dbPath === undefined ? undefined : createThreadedEventWriter(dbPath, 'bench');
  const pipeline = createPipeline({
    strategy: opts.strategy(),
    limits: opts.limits,
    markets,
    costs,
    startingCash: 1_000_000,
    orderIdPrefix: 'b-',
    writer,
    orderLifecycle: 'compiled',
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < bars.length; i++) pipeline.push(bars.at(i));
  pipeline.end(bars.at(bars.length - 1).closeTs);
  // Persisted means on disk: the time includes the writer thread finishing.
  writer?.close();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const executor = pipeline.get('executor').getSnapshot().context as { fills: number; orders: number };
  pipeline.stop();
  const rows = writer?.written ?? 0;
  return { seconds, cpuSeconds, fills: executor.fills, orders: executor.orders, rows };
}

/** The same decisions without actors: strategy, risk layers, fill model and accounting called directly. */
function timePlain(bars: SyntheticBars, opts: BenchOptions): { seconds: number; cpuSeconds: number } {
  const { markets } = marketsFor(opts.symbols);
  const strategy = opts.strategy();
  const states = new Map<string, unknown>();
  const book = newBook(1_000_000);
  const queued = new Map<string, { side: 'buy' | 'sell'; qty: number; stop?: number }>();
  const stops = new Map<string, number>();
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < bars.length; i++) {
    const bar: Bar = bars.at(i);
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
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

function timeCompiledLifecycle(n: number): number {
  const table = orderTable();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const order = new CompiledOrder(table, { clientOrderId: `o${i}`, symbol: 'SYN0/USD', qty: 1 });
    order.send({ type: 'ACCEPT', ts: i }, () => undefined);
    order.send({ type: 'FILL', ts: i, qty: 1, price: 100 }, () => undefined);
  }
  return ((performance.now() - started) * 1000) / n;
}

function timeOrderLifecycle(n: number): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const order = createActor(orderMachine, { input: { clientOrderId: `o${i}`, symbol: 'SYN0/USD', qty: 1 } });
    order.on('orderStatus', () => undefined);
    order.start();
    order.send({ type: 'ACCEPT', ts: i });
    order.send({ type: 'FILL', ts: i, qty: 1, price: 100 });
  }
  return ((performance.now() - started) * 1000) / n;
}

export function runBench(opts: BenchOptions): BenchResult {
  const bars = new SyntheticBars(opts.barsPerSymbol, opts.symbols);
  // Warm the JIT on a short run so the three timings compare steady states.
  const warm = new SyntheticBars(Math.min(opts.barsPerSymbol, 12_500), opts.symbols, 7);
  timePipeline(warm, opts);
  timePlain(warm, opts);

  const memory = timePipeline(bars, opts);
  const dbPath = join(opts.tmpDir, `bench-${process.pid}.db`);
  const persisted = timePipeline(bars, opts, dbPath);
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const plain = timePlain(bars, opts);
  const plainSeconds = plain.seconds;

  const n = bars.length;
  return {
    bars: n,
    symbols: opts.symbols,
    pipeline_bars_per_s: Math.round(n / memory.seconds),
    persisted_bars_per_s: Math.round(n / persisted.seconds),
    plain_bars_per_s: Math.round(n / plainSeconds),
    actor_overhead_ratio: Number((memory.seconds / plainSeconds).toFixed(2)),
    actor_overhead_cpu_ratio: Number((memory.cpuSeconds / plain.cpuSeconds).toFixed(2)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    fills: memory.fills,
    orders: memory.orders,
    order_lifecycle_us: Number(timeOrderLifecycle(20_000).toFixed(2)),
    order_lifecycle_compiled_us: Number(timeCompiledLifecycle(200_000).toFixed(3)),
    pipeline_cpu_bars_per_s: Math.round(n / memory.cpuSeconds),
    plain_cpu_bars_per_s: Math.round(n / plain.cpuSeconds),
    persisted_rows: persisted.rows,
  };
}
