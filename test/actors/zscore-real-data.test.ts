// The mean-reversion z-score on a real run, checked bar by bar against a plain two-pass computation: ORCL daily
// 2005–2014 through the whole backtest pipeline, for each window definition and each std divisor.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_DIR, loadRiskLimits, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest } from '../../actors/backtest.ts';
import type { Signal } from '../../actors/messages.ts';
import { loadCandles } from '../../db/candles.ts';
import type { StdKind, WindowKind } from '../../machines/indicators/window.ts';
import { definition, type MeanReversionState } from '../../machines/strategies/mean-reversion.ts';
import type { Strategy } from '../../machines/strategies/strategy.ts';
import { marketDbWithRealData, tempDir } from '../support/real-data.ts';

const marketDb = marketDbWithRealData(['ORCL']);
const outDir = tempDir();
const FROM = Date.parse('2005-01-01T00:00:00Z');
const TO = Date.parse('2014-12-31T23:59:59Z');
const shipped = parseYaml(readFileSync(join(CONFIG_DIR, 'strategies', 'mean_reversion.yaml'), 'utf8')) as Record<string, unknown>;

interface Scored {
  ts: number;
  close: number;
  z: number | undefined;
}

/** Runs ORCL through the pipeline and records the z the strategy itself held after each bar. */
function run(window: WindowKind, std: StdKind): { scored: Scored[]; signals: Signal[]; lookback: number; report: string } {
  const params = definition.parseParams({ ...shipped, window, std });
  const inner = definition.create(params) as Strategy<MeanReversionState>;
  const scored: Scored[] = [];
  const observed: Strategy<MeanReversionState> = {
    ...inner,
    onBar(state, bar, phase) {
      const proposal = inner.onBar(state, bar, phase);
      scored.push({ ts: bar.ts, close: bar.close, z: state.z });
      return proposal;
    },
  };
  const signals: Signal[] = [];
  const result = runBacktest({
    runId: `z-${window}-${std}`,
    strategy: observed,
    strategyParams: { window, std },
    symbols: ['ORCL'],
    timeframe: '1d',
    fromTs: FROM,
    toTs: TO,
    capital: 100_000,
    limits: loadRiskLimits(),
    venue: loadVenueConfig(),
    marketDb,
    outDir,
    startedAt: 0,
    tap: (m) => {
      if (m.type === 'Signal') signals.push(m);
    },
  });
  return { scored, signals, lookback: params.lookback, report: readFileSync(result.summary.report, 'utf8') };
}

/** The textbook z-score: mean, then the squared deviations from it, over an explicit slice. */
function twoPassZ(closes: readonly number[], i: number, lookback: number, window: WindowKind, std: StdKind): number | undefined {
  const end = window === 'including_current' ? i + 1 : i;
  const start = end - lookback;
  if (start < 0) return undefined;
  const slice = closes.slice(start, end);
  let sum = 0;
  for (const c of slice) sum += c;
  const mean = sum / lookback;
  let squares = 0;
  for (const c of slice) squares += (c - mean) * (c - mean);
  const sd = Math.sqrt(squares / (std === 'sample' ? lookback - 1 : lookback));
  return sd === 0 ? undefined : (closes[i]! - mean) / sd;
}

const closes = loadCandles(marketDb, { symbols: ['ORCL'], timeframe: '1d', fromTs: FROM, toTs: TO });

describe.each([
  ['including_current', 'sample'],
  ['including_current', 'population'],
  ['previous', 'sample'],
  ['previous', 'population'],
] as const)('mean_reversion z-score on ORCL 2005–2014, window %s, std %s', (window, std) => {
  const { scored, signals, lookback, report } = run(window, std);
  const reference = closes.map((_, i) => twoPassZ(closes.map((c) => c.close), i, lookback, window, std));

  test('the strategy saw every stored bar, in order', () => {
    expect(closes.length).toBeGreaterThan(2000);
    expect(scored.map((s) => [s.ts, s.close])).toEqual(closes.map((c) => [c.ts, c.close]));
  });

  test('its z on every bar equals the two-pass z over the window to 1e-12', () => {
    const warmup = window === 'including_current' ? lookback - 1 : lookback;
    expect(scored.slice(0, warmup).every((s) => s.z === undefined)).toBe(true);
    let worst = 0;
    for (let i = 0; i < scored.length; i++) {
      const expected = reference[i];
      const actual = scored[i]!.z;
      if (expected === undefined || actual === undefined) {
        expect({ i, actual }).toEqual({ i, actual: expected });
        continue;
      }
      // z crosses zero, where a relative error means nothing: its natural scale is 1.
      worst = Math.max(worst, Math.abs(actual - expected) / Math.max(1, Math.abs(expected)));
    }
    expect(worst).toBeLessThanOrEqual(1e-12);
  });

  test("the report's configuration states the definition that ran", () => {
    const config = report.slice(report.indexOf('<section id="config">'));
    const windowText = window === 'previous' ? 'the 20 bars before this one' : 'the 20 bars up to and including this one';
    expect(config).toContain(`Strategy definition: z = (close − mean) / std over ${windowText} (window: ${window})`);
    expect(config).toContain(`(std: ${std})`);
  });

  test('every signal was decided on a bar whose two-pass z crossed the threshold', () => {
    const zAt = new Map(closes.map((c, i) => [c.closeTs, reference[i]]));
    const buys = signals.filter((s) => s.action === 'BUY');
    const exits = signals.filter((s) => s.action === 'CLOSE');
    expect(buys.length).toBeGreaterThan(0);
    expect(exits.length).toBeGreaterThan(0);
    for (const s of buys) expect(zAt.get(s.ts)!).toBeLessThan(-2);
    for (const s of exits) expect(zAt.get(s.ts)!).toBeGreaterThanOrEqual(0);
  });
});

test('the two window definitions score the same bars differently', () => {
  const series = closes.map((c) => c.close);
  const differences = series.map((_, i) => {
    const including = twoPassZ(series, i, 20, 'including_current', 'sample');
    const previous = twoPassZ(series, i, 20, 'previous', 'sample');
    return including === undefined || previous === undefined ? 0 : Math.abs(including - previous);
  });
  expect(Math.max(...differences)).toBeGreaterThan(0.5);
});
