import { describe, expect, test } from 'bun:test';
import type { PositionMark, PositionUpdate } from '../../actors/messages.ts';
import { openDb } from '../../db/client.ts';
import { createEventWriter } from '../../db/events.ts';

const position = (ts: number, qty: number, lastPrice: number): Omit<PositionUpdate, 'type'> => ({
  ts, symbol: 'BTC/USD', qty, avgPrice: 100, lastPrice, realizedPnl: 0, unrealizedPnl: (lastPrice - 100) * qty,
});
const mark = (ts: number, qty: number, lastPrice: number): PositionMark => ({ type: 'PositionMark', ...position(ts, qty, lastPrice) });
const update = (ts: number, qty: number, lastPrice: number): PositionUpdate => ({ type: 'PositionUpdate', ...position(ts, qty, lastPrice) });

function rows(db: ReturnType<typeof openDb>) {
  return db.$client
    .query<{ ts: number; qty: number; last_price: number; source: string }, []>(
      'SELECT ts, qty, last_price, source FROM positions ORDER BY seq',
    )
    .all();
}

describe('event writer: position marks', () => {
  test('keeps only the latest mark of a symbol per batch', () => {
    const db = openDb(':memory:');
    const writer = createEventWriter(db, 'r');
    writer.append(update(1, 2, 100));
    writer.append(mark(2, 2, 101));
    writer.append(mark(3, 2, 105));
    writer.flush();
    expect(rows(db)).toEqual([
      { ts: 1, qty: 2, last_price: 100, source: 'fill' },
      { ts: 3, qty: 2, last_price: 105, source: 'mark' },
    ]);
  });

  test('a fill drops the pending mark so the newest row is never an older quantity', () => {
    const db = openDb(':memory:');
    const writer = createEventWriter(db, 'r');
    writer.append(update(1, 2, 100));
    writer.append(mark(2, 2, 101));
    writer.append(update(2, 0, 102));
    writer.flush();
    expect(rows(db).at(-1)).toEqual({ ts: 2, qty: 0, last_price: 102, source: 'fill' });
    expect(rows(db).filter((r) => r.source === 'mark')).toEqual([]);
  });

  test('equity snapshots sharing a timestamp become one row, the last one', () => {
    const db = openDb(':memory:');
    const writer = createEventWriter(db, 'r');
    const snap = (ts: number, equity: number) => ({
      type: 'EquitySnapshot' as const, ts, cash: equity, positionsValue: 0, equity, grossExposure: 0,
      realizedPnl: 0, unrealizedPnl: 0, fees: 0,
    });
    writer.append(snap(1, 100));
    writer.append(snap(1, 101));
    writer.append(snap(2, 102));
    writer.flush();
    const equity = db.$client.query<{ ts: number; equity: number }, []>('SELECT ts, equity FROM equity_snapshots ORDER BY seq').all();
    expect(equity).toEqual([{ ts: 1, equity: 101 }, { ts: 2, equity: 102 }]);
  });
});
