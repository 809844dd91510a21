// paper:demo's session: the shared candle files read into memory (nothing stored in the market DB), the
// strategy's warm-up taken from the bars before the stretch, the stretch released at an accelerated clock.
import { loadCandles } from '../../db/candles.ts';
import { closeDb, openDb } from '../../db/client.ts';
import type { CandleRow } from '../../db/schema.ts';
import type { Bar, CostModel, Market } from '../../machines/domain.ts';
import { loadAlertsConfig } from '../alerts/alerts-config.ts';
import { demoBarSource } from '../session/demo-bar-source.ts';
import type { SessionSnapshot } from '../session/session-config.ts';
import type { BarSource } from '../session/bar-source.ts';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from './config.ts';
import { importCsvFile } from './csv-import.ts';
import { sharedFilesFor } from './shared-data.ts';

export interface DemoRequest {
  symbols: string[];
  fromTs: number;
  bars?: string;
  speed?: string;
  strategyName: string;
  capital?: string;
}

export interface DemoSession {
  snapshot: SessionSnapshot;
  warmup: () => Bar[];
  source: BarSource;
  staleAfterMs: number;
}

function numberFlag(flag: string, value: string | undefined, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new Error(`--${flag}: "${value}" is not ${expected}`);
  return n;
}

const toBar = ({ exchange: _exchange, ...bar }: CandleRow): Bar => bar;

export async function demoSession(req: DemoRequest): Promise<DemoSession> {
  const repeated = req.symbols.find((symbol, i) => req.symbols.indexOf(symbol) !== i);
  if (repeated !== undefined) throw new Error(`--symbols: "${repeated}" is listed twice`);
  const bars = numberFlag('bars', req.bars, 400, (n) => Number.isInteger(n) && n > 0, 'a whole number of bars above 0');
  // A speed so small that 1000 / speed overflows would release no bar ever.
  const speed = numberFlag('speed', req.speed, 4, (n) => n === 0 || (n > 0 && Number.isFinite(1000 / n)), 'a number of bars per second (0 = as fast as possible)');
  const venue = loadVenueConfig();
  const capital = numberFlag('capital', req.capital, venue.startingCapital, (n) => n > 0, 'a positive amount');
  const risk = loadRiskLimits();
  const alertRules = loadAlertsConfig().rules;
  const { strategy, params } = await loadStrategy(req.strategyName);
  const files = sharedFilesFor(req.symbols);

  const memory = openDb(':memory:');
  const markets: Record<string, Market> = {};
  const costs: Record<string, CostModel> = {};
  let candles: CandleRow[];
  try {
    for (const f of files) {
      const r = importCsvFile(memory, { file: f.path, symbol: f.symbol, timeframe: '1d', market: f.market });
      markets[f.symbol] = venue.marketFor(f.symbol, f.market, r.exchange);
      costs[f.symbol] = venue.costs[f.market];
    }
    candles = loadCandles(memory, { symbols: req.symbols, timeframe: '1d' });
  } finally {
    closeDb(memory);
  }
  // --bars counts each symbol's bars: the first N of every symbol from --from on, in close-time order.
  const taken = new Map<string, number>();
  const stretch = candles
    .filter((c) => {
      if (c.ts < req.fromTs) return false;
      const n = taken.get(c.symbol) ?? 0;
      taken.set(c.symbol, n + 1);
      return n < bars;
    })
    .map(toBar);
  const day = (ts: number): string => new Date(ts).toISOString().slice(0, 10);
  for (const symbol of req.symbols) {
    if (taken.has(symbol)) continue;
    const last = candles.findLast((c) => c.symbol === symbol);
    throw new Error(
      `--from: no ${symbol} bars on or after ${day(req.fromTs)}` +
        (last === undefined ? '' : ` (its data ends ${day(last.ts)}); pick an earlier --from or leave ${symbol} out`),
    );
  }
  const warmup = (): Bar[] =>
    req.symbols.flatMap((symbol) =>
      candles
        .filter((c) => c.symbol === symbol && c.ts < req.fromTs)
        .slice(-(strategy.warmupBars + 1))
        .map(toBar),
    ).sort((a, b) => a.closeTs - b.closeTs);

  const snapshot: SessionSnapshot = {
    mode: 'paper',
    strategy: { name: strategy.name, params },
    symbols: req.symbols,
    timeframe: '1d',
    capital,
    risk,
    costs,
    markets,
    alertRules,
    source: { kind: 'demo', from: new Date(req.fromTs).toISOString().slice(0, 10), bars },
  };
  const intervalMs = speed > 0 ? 1000 / speed : 0;
  return {
    snapshot,
    warmup,
    source: demoBarSource(stretch, speed > 0 ? speed : Number.POSITIVE_INFINITY, `recorded candles at ${speed > 0 ? `${speed} bars/s` : 'full speed'}`),
    // Two bar intervals of the accelerated clock, with room for a slow machine.
    staleAfterMs: Math.max(2 * intervalMs, 2000),
  };
}
