import { describe, expect, test } from 'bun:test';
import { describeDifference, reconcile } from '../../../machines/execution/reconcile.ts';

const tol = { qtyPct: 0.001, cash: 1 };
const side = (positions: Record<string, number>, openOrders: string[] = [], cash = 1000) => ({ positions, openOrders, cash });

describe('reconcile', () => {
  test('identical sides have no difference', () => {
    expect(reconcile(side({ 'BTC/USDT': 0.5 }, ['a']), side({ 'BTC/USDT': 0.5 }, ['a']), tol)).toEqual([]);
  });

  test('a position that differs past the tolerance blocks, with both values', () => {
    const d = reconcile(side({ 'BTC/USDT': 0.5 }), side({ 'BTC/USDT': 0.4 }), tol);
    expect(d).toEqual([{ what: 'position BTC/USDT', session: 0.5, venue: 0.4, blocking: true }]);
    expect(describeDifference(d[0]!)).toBe('position BTC/USDT: session 0.5, venue 0.4');
  });

  test('dust within the tolerance is reported but does not block', () => {
    const d = reconcile(side({ ETH: 10 }), side({ ETH: 10.0001 }), tol);
    expect(d.map((x) => x.blocking)).toEqual([false]);
  });

  test('a position only the venue holds, and open orders on one side only, block', () => {
    const d = reconcile(side({}, ['ours']), side({ SPY: 3 }, ['theirs']), tol);
    expect(d.map((x) => `${x.what}|${x.session}|${x.venue}|${x.blocking}`)).toEqual([
      'position SPY|0|3|true',
      'open order ours|open|not open|true',
      'open order theirs|unknown|open|true',
    ]);
  });

  test('float noise against the venue\'s decimal balances is no difference at all', () => {
    expect(reconcile(side({ BTC: 0.0593406 - 0.05934 }, [], 10132.217652030002), side({ BTC: 0.0000006 }, [], 10132.21765202), tol)).toEqual([]);
  });

  test('cash changed behind the session past the tolerance blocks; a cent of fee rounding does not', () => {
    expect(reconcile(side({}, [], 1000), side({}, [], 900), tol)).toEqual([{ what: 'cash', session: 1000, venue: 900, blocking: true }]);
    expect(reconcile(side({}, [], 1000), side({}, [], 999.99), tol)[0]!.blocking).toBe(false);
  });
});
