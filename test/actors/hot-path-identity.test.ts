// The three README backtests must record byte-identical histories (every event table row by row), return
// the same equity curve and round trips, and print the same summary as the code before the hot-path work
// (issue 11). The baseline in test/fixtures/hot-path/readme-backtests.json was produced by that code; it is
// regenerated only deliberately: QS_WRITE_FINGERPRINTS=1 bun test test/actors/hot-path-identity.test.ts
import { describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest } from '../../actors/backtest.ts';
import { fingerprintRun, type RunFingerprint } from '../support/run-fingerprint.ts';
import { marketDbWithRealData, tempDir } from '../support/real-data.ts';

const FIXTURE = join(import.meta.dir, '..', 'fixtures', 'hot-path', 'readme-backtests.json');

// As `bun run backtest` runs them (config/ for limits, costs, capital and strategy parameters).
const RUNS = {
  'stocks NVDA,ORCL,YHOO 2005-2014': { symbols: ['NVDA', 'ORCL', 'YHOO'], from: '2005-01-01', to: '2014-12-31' },
  'mixed BTC/USD,ORCL 2012-2014': { symbols: ['BTC/USD', 'ORCL'], from: '2012-01-01', to: '2014-12-31' },
  'demo BTC/USD 2016-2024': { symbols: ['BTC/USD'], from: '2016-01-01', to: '2024-12-31' },
} as const;

async function fingerprints(): Promise<Record<string, RunFingerprint>> {
  const venue = loadVenueConfig();
  const limits = loadRiskLimits();
  const { strategy, params } = await loadStrategy('mean_reversion');
  const marketDb = marketDbWithRealData();
  const outDir = tempDir('qs-identity-');
  const out: Record<string, RunFingerprint> = {};
  let n = 0;
  for (const [name, run] of Object.entries(RUNS)) {
    const result = runBacktest({
      runId: `identity-${++n}`,
      strategy,
      strategyParams: params,
      symbols: [...run.symbols],
      timeframe: '1d',
      fromTs: Date.parse(`${run.from}T00:00:00Z`),
      toTs: Date.parse(`${run.to}T00:00:00Z`) + 86_400_000 - 1,
      capital: venue.startingCapital,
      limits,
      venue,
      marketDb,
      outDir,
      startedAt: 0,
    });
    out[name] = fingerprintRun(result);
  }
  return out;
}

describe('the README backtests are byte-identical to the baseline', async () => {
  const actual = await fingerprints();
  if (process.env.QS_WRITE_FINGERPRINTS === '1') writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
  const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, RunFingerprint>;
  for (const name of Object.keys(RUNS)) {
    test(`${name}: same rows in every table, same equity and trades, same summary`, () => {
      expect(actual[name]!).toEqual(expected[name]!);
    });
  }
});
