// The backtest's run DB is written on another thread; a failure there must fail the run loudly, never drop
// rows silently. Failures are injected the way a real one happens: the database refuses an insert
// (a trigger raising an error, as a full disk or a broken file would).
import { describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { join } from 'node:path';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest } from '../../actors/backtest.ts';
import type { PipelineMessage } from '../../actors/messages.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { createThreadedEventWriter } from '../../db/threaded-writer.ts';
import { marketDbWithRealData, tempDir } from '../support/real-data.ts';

function refuseFills(dbPath: string, message: string): void {
  const db = new Database(dbPath);
  db.exec(`CREATE TRIGGER refuse_fills BEFORE INSERT ON fills BEGIN SELECT RAISE(ABORT, '${message}'); END;`);
  db.close();
}

const equity = (ts: number): PipelineMessage => ({
  type: 'EquitySnapshot', ts, cash: 100, positionsValue: 0, equity: 100, grossExposure: 0, realizedPnl: 0, unrealizedPnl: 0, fees: 0,
});
const fill = (ts: number): PipelineMessage => ({
  type: 'Fill', fillId: `f${ts}`, clientOrderId: `o${ts}`, ts, symbol: 'BTC/USD', side: 'buy', qty: 1, price: 100, fee: 0.1, slippage: 0.05, purpose: 'entry',
});

describe('the threaded run-DB writer', () => {
  test('writes every row in order, as the synchronous writer would', () => {
    const path = join(tempDir(), 'run.db');
    closeDb(openDb(path));
    const writer = createThreadedEventWriter(path, 'r1', { batchSize: 100 });
    for (let ts = 1; ts <= 1000; ts++) {
      writer.append(equity(ts));
      if (ts % 3 === 0) writer.append(fill(ts));
    }
    writer.close();
    const db = new Database(path, { readonly: true });
    expect(db.query('SELECT count(*) AS n FROM equity_snapshots').get()).toEqual({ n: 1000 });
    const fills = db.query('SELECT ts FROM fills ORDER BY seq').all() as { ts: number }[];
    expect(fills.map((f) => f.ts)).toEqual(Array.from({ length: 333 }, (_, i) => 3 * (i + 1)));
    db.close();
  });

  test('a writer failing mid-run makes the next hand-over throw its error', () => {
    const path = join(tempDir(), 'run.db');
    closeDb(openDb(path));
    refuseFills(path, 'disk I/O error (injected)');
    const writer = createThreadedEventWriter(path, 'r1', { batchSize: 50, maxInFlight: 1 });
    let appended = 0;
    let error: unknown;
    try {
      for (let ts = 1; ts <= 10_000; ts++) {
        writer.append(fill(ts));
        appended++;
      }
      writer.close();
    } catch (err) {
      error = err;
    }
    expect(String(error)).toMatch(/run DB writer failed .*disk I\/O error \(injected\)/);
    // It stopped the run while it was going on, not at the end.
    expect(appended).toBeLessThan(10_000);
  });

  test('runBacktest throws the writer error and marks the run failed', async () => {
    const { strategy, params } = await loadStrategy('mean_reversion');
    const outDir = tempDir();
    let injected = false;
    const request = {
      runId: 'writer-fails',
      strategy,
      strategyParams: params,
      symbols: ['BTC/USD'],
      timeframe: '1d',
      fromTs: Date.UTC(2016, 0, 1),
      toTs: Date.UTC(2025, 0, 1) - 1,
      capital: 100_000,
      limits: loadRiskLimits(),
      venue: loadVenueConfig(),
      marketDb: marketDbWithRealData(['BTC/USD']),
      outDir,
      startedAt: 0,
      tap: (m: PipelineMessage) => {
        if (!injected && m.type === 'MarketData') {
          injected = true;
          refuseFills(join(outDir, 'writer-fails.db'), 'no space left on device (injected)');
        }
      },
    };
    expect(() => runBacktest(request)).toThrow(/run DB writer failed .*no space left on device \(injected\)/);
    const db = new Database(join(outDir, 'writer-fails.db'), { readonly: true });
    const row = db.query("SELECT status, summary FROM runs WHERE id = 'writer-fails'").get() as { status: string; summary: string };
    expect(row.status).toBe('failed');
    expect(row.summary).toContain('no space left on device (injected)');
    db.close();
  });
});
