import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import {
  ALPACA_ORDER_STATUSES,
  createAlpacaVenue,
  parseAlpacaOrder,
  type AlpacaVenue,
} from '../../../actors/adapters/alpaca-venue.ts';
import { VenueError, type OrderRequest, type VenueErrorKind } from '../../../actors/session/order-venue.ts';
import {
  startAlpacaTradingServer,
  type AlpacaTradingServer,
  type AlpacaTradingServerOptions,
  type OrderScript,
} from '../../support/alpaca-trading-server.ts';
import orderFixture from '../../fixtures/alpaca/trading/order-market-accepted.json';

// Made-up keys, distinctive enough that any leak into a message or a value is found by a plain search.
const KEY_ID = 'PKTESTKEYID7Q2W9E4R';
const SECRET = 'sEcReT-9f8e7d6c5b4a-do-not-print';

const running: AlpacaTradingServer[] = [];
/** Every message thrown and every value returned by the adapter in this file, for the key leak test. */
const seen: string[] = [];

// Whatever the adapter might print goes into `seen` too (it prints nothing today; this keeps it honest).
const printers = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originals = printers.map((name) => console[name]);
beforeAll(() => {
  for (const [i, name] of printers.entries()) {
    console[name] = (...args: unknown[]) => {
      seen.push(args.map(String).join(' '));
      originals[i]!(...args);
    };
  }
});
afterAll(() => {
  for (const [i, name] of printers.entries()) console[name] = originals[i]!;
});

afterEach(() => {
  for (const server of running.splice(0)) server.stop();
});

function setup(options: Partial<AlpacaTradingServerOptions> = {}, timeoutMs = 30_000): { server: AlpacaTradingServer; venue: AlpacaVenue } {
  const server = startAlpacaTradingServer({ keyId: KEY_ID, secretKey: SECRET, prices: { AAPL: 150, BRK: 400, PENNY: 0.5 }, wholeShareSymbols: ['BRK'], ...options });
  running.push(server);
  const venue = createAlpacaVenue({ keyId: KEY_ID, secretKey: SECRET, baseUrl: server.url, timeoutMs });
  return { server, venue: recorded(venue) };
}

/** The venue, with every result and error message kept for the leak check. */
function recorded(venue: AlpacaVenue): AlpacaVenue {
  return new Proxy(venue, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          seen.push(JSON.stringify(result) ?? '');
          return result;
        } catch (err) {
          seen.push(String(err), (err as Error).stack ?? '');
          throw err;
        }
      };
    },
  });
}

const scripted = (script: OrderScript): Partial<AlpacaTradingServerOptions> => ({ orderScript: () => script });

const buy = (clientOrderId: string, qty = 10, symbol = 'AAPL'): OrderRequest => ({ clientOrderId, symbol, side: 'buy', type: 'market', qty });

async function failure(promise: Promise<unknown>): Promise<VenueError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof VenueError) return err;
    throw err;
  }
  throw new Error('expected a VenueError');
}

describe('alpaca venue against the stand-in', () => {
  test('an accepted market order is working with nothing filled and can be looked up', async () => {
    const { server, venue } = setup(scripted({ action: 'accept' }));
    const placed = await venue.place(buy('s1-1'));
    expect(placed).toMatchObject({ clientOrderId: 's1-1', symbol: 'AAPL', lifecycle: 'working', venueStatus: 'accepted', filledQty: 0 });
    expect(server.orders()[0]).toMatchObject({ client_order_id: 's1-1', type: 'market', time_in_force: 'day', qty: '10' });
    expect(await venue.lookup('AAPL', 's1-1')).toEqual(placed);
    expect(await venue.lookup('AAPL', 'never-sent')).toBeUndefined();
    expect(await venue.openOrders(['AAPL'])).toEqual([placed]);
  });

  test('a filled order reports one trade at the fill price with no fee', async () => {
    const { venue } = setup();
    const placed = await venue.place(buy('s1-2', 4));
    expect(placed).toMatchObject({ lifecycle: 'filled', venueStatus: 'filled', filledQty: 4 });
    const trades = await venue.trades('AAPL', 's1-2');
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ clientOrderId: 's1-2', venueOrderId: placed.venueOrderId, side: 'buy', qty: 4, price: 150, fee: 0, feeCurrency: 'USD' });
    expect(await venue.openOrders(['AAPL'])).toEqual([]);
  });

  test('a partial fill over several polls reports each execution as its own trade', async () => {
    const { venue } = setup(scripted({ action: 'partial', parts: [3, 2, 5] }));
    expect(await venue.place(buy('s1-3'))).toMatchObject({ lifecycle: 'working', filledQty: 0 });
    expect(await venue.lookup('AAPL', 's1-3')).toMatchObject({ lifecycle: 'partially_filled', venueStatus: 'partially_filled', filledQty: 3 });
    expect((await venue.trades('AAPL', 's1-3')).map((t) => t.qty)).toEqual([3]);
    expect(await venue.lookup('AAPL', 's1-3')).toMatchObject({ lifecycle: 'partially_filled', filledQty: 5 });
    expect((await venue.trades('AAPL', 's1-3')).map((t) => t.qty)).toEqual([3, 2]);
    expect(await venue.lookup('AAPL', 's1-3')).toMatchObject({ lifecycle: 'filled', filledQty: 10 });
    const trades = await venue.trades('AAPL', 's1-3');
    expect(trades.map((t) => t.qty)).toEqual([3, 2, 5]);
    expect(new Set(trades.map((t) => t.tradeId)).size).toBe(3);
  });

  test('an order beyond the buying power is rejected, and nothing is booked', async () => {
    const { server, venue } = setup({ cash: 1_000 });
    const error = await failure(venue.place(buy('s1-4', 10)));
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('insufficient buying power');
    expect(server.ordersReceived()).toBe(1);
    expect(server.orders()).toEqual([]);
  });

  test('orders below the minimum are rejected: under $1 of a fractional share, a fraction of a whole-share asset', async () => {
    const { venue } = setup();
    const tiny = await failure(venue.place(buy('s1-5', 0.001)));
    expect(tiny.kind).toBe('rejected');
    expect(tiny.message).toContain('cost basis must be >= 1');
    const fraction = await failure(venue.place(buy('s1-6', 0.5, 'BRK')));
    expect(fraction.kind).toBe('rejected');
    expect(fraction.message).toContain('not fractionable');
  });

  test('a working order is cancelled', async () => {
    const { server, venue } = setup(scripted({ action: 'accept' }));
    await venue.place(buy('s1-7'));
    const cancelled = await venue.cancel('AAPL', 's1-7');
    expect(cancelled).toMatchObject({ lifecycle: 'cancelled', venueStatus: 'canceled', reason: 'canceled', filledQty: 0 });
    expect(server.count('cancelOrder')).toBe(1);
    expect(await venue.openOrders(['AAPL'])).toEqual([]);
  });

  test('a protective stop goes out as a native stop order, good till cancelled', async () => {
    const { server, venue } = setup(scripted({ action: 'accept' }));
    expect(venue.nativeStops).toBe(true);
    await venue.place({ clientOrderId: 's1-8', symbol: 'AAPL', side: 'sell', type: 'stop', qty: 10, price: 141.5 });
    expect(server.orders()[0]).toMatchObject({ type: 'stop', stop_price: '141.5', time_in_force: 'gtc', side: 'sell' });
  });

  test('a 429 is retryable with the Retry-After; the retry succeeds', async () => {
    const { server, venue } = setup();
    server.script('createOrder', (n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '3' }, body: '{"message":"too many requests."}' } : undefined));
    const error = await failure(venue.place(buy('s1-9', 1)));
    expect(error.kind).toBe('retryable');
    expect(error.retryAfterMs).toBe(3_000);
    expect(await venue.place(buy('s1-9', 1))).toMatchObject({ lifecycle: 'filled' });
    expect(server.orders()).toHaveLength(1);
  });

  test('a 5xx on an order POST is an unknown outcome; on a read it is retryable', async () => {
    const { server, venue } = setup();
    server.script('createOrder', () => ({ status: 502, body: '<html>bad gateway</html>' }));
    server.script('account', (n) => (n === 1 ? { status: 503, body: '' } : undefined));
    expect((await failure(venue.place(buy('s1-10', 1)))).kind).toBe('unknown_outcome');
    expect((await failure(venue.balances())).kind).toBe('retryable');
    expect((await venue.balances()).total.USD).toBeCloseTo(100_000, 6);
  });

  test('a timeout after the venue accepted: unknown_outcome, then lookup finds exactly the one order', async () => {
    const { server, venue } = setup(scripted({ action: 'fill', holdAnswer: true }));
    // The stand-in holds this answer until released, so the short timeout always passes first, whatever the load.
    const impatient = recorded(createAlpacaVenue({ keyId: KEY_ID, secretKey: SECRET, baseUrl: server.url, timeoutMs: 50 }));
    const error = await failure(impatient.place(buy('s1-11', 2)));
    expect(error.kind).toBe('unknown_outcome');
    const found = await venue.lookup('AAPL', 's1-11');
    expect(found).toMatchObject({ clientOrderId: 's1-11', lifecycle: 'filled', filledQty: 2 });
    expect(server.ordersReceived()).toBe(1);
    expect(server.orders()).toHaveLength(1);
    expect(await venue.positions(['AAPL'])).toEqual({ AAPL: 2 });
    server.releaseHeld();
  });

  test('a cut-off answer to an order POST is an unknown outcome too', async () => {
    const { server, venue } = setup();
    server.script('createOrder', () => ({ status: 200, body: '{"id":"61e69015-8549' }));
    expect((await failure(venue.place(buy('s1-16', 1)))).kind).toBe('unknown_outcome');
  });

  test('trades page through the FILL activities past other orders\' fills', async () => {
    const { server, venue } = setup();
    for (let i = 1; i <= 130; i++) await venue.place(buy(`s1-17-${i}`, 1));
    const first = await venue.trades('AAPL', 's1-17-1');
    const last = await venue.trades('AAPL', 's1-17-130');
    expect(first.map((t) => t.clientOrderId)).toEqual(['s1-17-1']);
    expect(last.map((t) => t.clientOrderId)).toEqual(['s1-17-130']);
    expect(last[0]!.tradeId).toBe(server.fills()[129]!.id);
    expect(server.count('fills')).toBeGreaterThanOrEqual(3);
  });

  test('a refused connection never carried the order: retryable, not unknown', async () => {
    const { server, venue } = setup();
    server.stop();
    expect((await failure(venue.place(buy('s1-12', 1)))).kind).toBe('retryable');
  });

  test('a duplicate client order id is duplicate_id, and lookup finds the first order', async () => {
    const { server, venue } = setup(scripted({ action: 'accept' }));
    const first = await venue.place(buy('s1-13', 1));
    const error = await failure(venue.place(buy('s1-13', 1)));
    expect(error.kind).toBe('duplicate_id');
    expect(await venue.lookup('AAPL', 's1-13')).toEqual(first);
    expect(server.ordersReceived()).toBe(2);
    expect(server.orders()).toHaveLength(1);
  });

  test('a fill racing a cancel: the cancel resolves with the order filled', async () => {
    const { server, venue } = setup(scripted({ action: 'accept', fillBeforeCancel: true }));
    await venue.place(buy('s1-14', 5));
    const after = await venue.cancel('AAPL', 's1-14');
    expect(after).toMatchObject({ lifecycle: 'filled', venueStatus: 'filled', filledQty: 5 });
    expect(server.count('cancelOrder')).toBe(1);
    expect((await venue.trades('AAPL', 's1-14')).map((t) => t.qty)).toEqual([5]);
  });

  test('markets come from the assets: fractional down to 1e-9 with a $1 minimum, or whole shares', async () => {
    const { venue } = setup();
    const markets = await venue.markets(['AAPL', 'BRK']);
    expect(markets['AAPL']).toEqual({ symbol: 'AAPL', kind: 'stock', exchange: 'alpaca', amountStep: 1e-9, priceStep: 0.01, minQty: 1e-9, minNotional: 1 });
    expect(markets['BRK']).toEqual({ symbol: 'BRK', kind: 'stock', exchange: 'alpaca', amountStep: 1, priceStep: 0.01, minQty: 1, minNotional: 0 });
    expect((await failure(venue.markets(['NOPE']))).kind).toBe('fatal');
  });

  test('balances and positions follow the account, also when its cash changes behind our back', async () => {
    const { server, venue } = setup();
    await venue.place(buy('s1-15', 10));
    expect(await venue.positions(['AAPL', 'BRK'])).toEqual({ AAPL: 10, BRK: 0 });
    expect((await venue.balances()).total.USD).toBeCloseTo(100_000 - 1_500, 6);
    expect((await venue.account()).equity).toBeCloseTo(100_000, 6);
    server.setCash(12_345.67);
    expect(await venue.balances()).toEqual({ total: { USD: 12_345.67 }, free: { USD: 12_345.67 } });
  });

  test('a 200 account or position answer without its numbers is retryable, never read as an empty account', async () => {
    const { server, venue } = setup();
    await venue.place(buy('s1-40', 10));
    const once = (body: string) => {
      let used = false;
      return () => (used ? undefined : ((used = true), { status: 200, body }));
    };
    for (const body of ['{}', '{"cash":null,"equity":null}']) {
      server.script('account', once(body));
      const error = await failure(venue.balances());
      expect(error.kind).toBe('retryable');
      expect(error.message).toContain('no cash');
    }
    for (const body of ['{}', '[{"symbol":"AAPL","side":"long"}]']) {
      server.script('positions', once(body));
      expect((await failure(venue.positions(['AAPL']))).kind).toBe('retryable');
    }
    server.script('listOrders', once('{}'));
    expect((await failure(venue.openOrders(['AAPL']))).kind).toBe('retryable');
    expect((await venue.balances()).total.USD).toBeCloseTo(100_000 - 1_500, 6);
    expect(await venue.positions(['AAPL'])).toEqual({ AAPL: 10 });
  });

  test('a 401 is fatal and names the key variables, never their values', async () => {
    const server = startAlpacaTradingServer({ keyId: KEY_ID, secretKey: SECRET, prices: { AAPL: 150 } });
    running.push(server);
    const venue = recorded(createAlpacaVenue({ keyId: KEY_ID, secretKey: 'wrong-secret-value', baseUrl: server.url }));
    const error = await failure(venue.balances());
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('APCA_API_SECRET_KEY');
    expect(error.message).not.toContain('wrong-secret-value');
  });
});

describe('alpaca order statuses', () => {
  const order = (status: string, filled = '0', qty = '10'): Record<string, unknown> => ({
    ...(orderFixture as Record<string, unknown>), client_order_id: 'c-1', status, filled_qty: filled, qty, replaced_by: 'b2c3',
  });
  const expected: Record<string, [string, string | undefined]> = {
    new: ['working', undefined],
    accepted: ['working', undefined],
    pending_new: ['working', undefined],
    accepted_for_bidding: ['working', 'accepted for bidding'],
    pending_review: ['working', 'pending review'],
    held: ['working', 'held'],
    stopped: ['working', 'stopped'],
    suspended: ['working', 'suspended'],
    pending_cancel: ['working', 'pending cancel'],
    pending_replace: ['working', 'pending replace'],
    partially_filled: ['partially_filled', undefined],
    filled: ['filled', undefined],
    calculated: ['cancelled', 'done for day (calculated)'],
    canceled: ['cancelled', 'canceled'],
    expired: ['cancelled', 'expired (time in force ran out)'],
    done_for_day: ['cancelled', 'done for day'],
    replaced: ['cancelled', 'replaced by order b2c3'],
    rejected: ['rejected', 'rejected by alpaca'],
  };

  test('the table covers every status alpaca-py knows', () => {
    expect(Object.keys(ALPACA_ORDER_STATUSES).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [status, [lifecycle, reason]] of Object.entries(expected)) {
    test(`${status} maps to ${lifecycle}`, () => {
      const state = parseAlpacaOrder(order(status));
      expect(state.lifecycle).toBe(lifecycle as never);
      expect(state.venueStatus).toBe(status);
      expect(state.reason).toBe(reason);
    });
  }

  test('a live status with something filled is partially filled (a cancel still pending)', () => {
    expect(parseAlpacaOrder(order('pending_cancel', '4'))).toMatchObject({ lifecycle: 'partially_filled', filledQty: 4 });
  });

  test('calculated with everything filled is filled', () => {
    expect(parseAlpacaOrder(order('calculated', '10'))).toMatchObject({ lifecycle: 'filled', filledQty: 10 });
  });

  test('an unknown status is fatal and names the status, also through the adapter', async () => {
    let error: unknown;
    try {
      parseAlpacaOrder(order('teleported'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VenueError);
    expect((error as VenueError).kind).toBe('fatal' satisfies VenueErrorKind);
    expect((error as VenueError).message).toContain('"teleported"');

    const { venue } = setup(scripted({ action: 'status', status: 'teleported' }));
    const thrown = await failure(venue.place(buy('s2-1', 1)));
    expect(thrown.kind).toBe('fatal');
    expect(thrown.message).toContain('"teleported"');
  });

  test('a stored status reaches the caller mapped (done_for_day through lookup)', async () => {
    const { venue } = setup(scripted({ action: 'status', status: 'done_for_day' }));
    await venue.place(buy('s2-2', 1));
    expect(await venue.lookup('AAPL', 's2-2')).toMatchObject({ lifecycle: 'cancelled', reason: 'done for day' });
  });
});

describe('keys', () => {
  test('a venue message echoing the keys is masked', async () => {
    const { server, venue } = setup();
    server.script('createOrder', () => ({ status: 422, body: JSON.stringify({ code: 40010001, message: `bad key ${KEY_ID} / ${SECRET}` }) }));
    const error = await failure(venue.place(buy('s3-1', 1)));
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('bad key *** / ***');
  });

  test('missing keys fail before any request, naming the variables', () => {
    expect(() => createAlpacaVenue({ keyId: undefined, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9' })).toThrow('APCA_API_KEY_ID');
  });

  // Last in the file: it reads what every test above made the adapter throw, return or print.
  test('no message thrown and no value returned in this file contains the key id or the secret', () => {
    expect(seen.length).toBeGreaterThan(40);
    const hits = seen.filter((text) => text.includes(KEY_ID) || text.includes(SECRET));
    expect(hits).toEqual([]);
  });
});
