// The CCXT (Binance spot) venue adapter against the 127.0.0.1 stand-in: one test per order path, through the real
// adapter and the real CCXT client, signed requests included.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { createCcxtVenue, type CcxtVenueOptions } from '../../../actors/adapters/ccxt-venue.ts';
import { VenueError, type OrderRequest, type OrderVenue } from '../../../actors/session/order-venue.ts';
import { startOrderServer, type OrderServer, type OrderServerOptions } from '../../support/ccxt-order-server.ts';

const API_KEY = 'qsTestKey7f3a9c01d2e4b5';
const SECRET = 'qsTestSecretb81e44c9a07d';

// Everything the adapter printed, threw or returned, for the key grep at the end.
const seen: string[] = [];
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originals = consoleMethods.map((name) => console[name]);
beforeAll(() => {
  for (const name of consoleMethods) {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      seen.push(args.map(String).join(' '));
      original(...args);
    };
  }
});
afterAll(() => {
  consoleMethods.forEach((name, i) => {
    console[name] = originals[i]!;
  });
});

let server: OrderServer | undefined;
let venue: OrderVenue | undefined;
afterEach(async () => {
  await venue?.close();
  server?.stop();
  venue = undefined;
  server = undefined;
});

function setup(serverOpts: Partial<OrderServerOptions> = {}, venueOpts: Partial<CcxtVenueOptions> = {}): { server: OrderServer; venue: OrderVenue } {
  server = startOrderServer({ apiKey: API_KEY, secret: SECRET, ...serverOpts });
  venue = createCcxtVenue({ exchange: 'binance', apiKey: API_KEY, secret: SECRET, baseUrl: server.url, timeoutMs: 5_000, ...venueOpts });
  return { server, venue };
}

/** The VenueError a call failed with (recorded for the key grep). */
async function failure(promise: Promise<unknown>): Promise<VenueError> {
  try {
    const value = await promise;
    seen.push(JSON.stringify(value));
  } catch (error) {
    seen.push(String(error), (error as Error).stack ?? '');
    if (error instanceof VenueError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function ok<T>(promise: Promise<T>): Promise<T> {
  const value = await promise;
  seen.push(JSON.stringify(value));
  return value;
}

/** A route's next request (only that one) answers with this status and raw body. */
function once(status: number, body: string): (n: number) => { status: number; body: string } | undefined {
  let used = false;
  return () => (used ? undefined : ((used = true), { status, body }));
}

const limitBuy = (clientOrderId: string, qty = 0.01, price = 42_000): OrderRequest =>
  ({ clientOrderId, symbol: 'BTC/USDT', side: 'buy', type: 'limit', qty, price });
const marketBuy = (clientOrderId: string, qty = 0.01): OrderRequest => ({ clientOrderId, symbol: 'BTC/USDT', side: 'buy', type: 'market', qty });

describe('ccxt venue (binance spot) against the stand-in', () => {
  test('an accepted limit order is working, sent with our client order id', async () => {
    const { server, venue } = setup();
    const state = await ok(venue.place(limitBuy('s1-1')));
    expect(state).toMatchObject({ clientOrderId: 's1-1', symbol: 'BTC/USDT', lifecycle: 'working', venueStatus: 'NEW', filledQty: 0 });
    expect(server.orders.map((o) => [o.clientOrderId, o.type, o.side, o.origQty, o.price])).toEqual([['s1-1', 'LIMIT', 'BUY', 0.01, 42_000]]);
    expect(state.venueOrderId).toBe(String(server.orders[0]!.orderId));
    expect((await ok(venue.openOrders(['BTC/USDT']))).map((o) => [o.clientOrderId, o.lifecycle])).toEqual([['s1-1', 'working']]);
  });

  test('a market order fills at once; its trade carries the base-asset fee converted to USDT at the trade price', async () => {
    const { server, venue } = setup();
    const state = await ok(venue.place(marketBuy('s1-2')));
    expect(state).toMatchObject({ lifecycle: 'filled', venueStatus: 'FILLED', filledQty: 0.01 });
    expect(server.orders[0]!.type).toBe('MARKET');
    const trades = await ok(venue.trades('BTC/USDT', 's1-2'));
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ clientOrderId: 's1-2', side: 'buy', qty: 0.01, price: 43_000, feeCurrency: 'BTC' });
    expect(trades[0]!.feeAmount).toBeCloseTo(0.00001, 12);
    expect(trades[0]!.fee).toBeCloseTo(0.43, 9);
  });

  test('a partial fill over several polls reports each trade, one by one, with its fee and fee currency', async () => {
    const { server, venue } = setup();
    server.planOrders(() => ({
      laterFills: [
        { qty: 0.01, price: 42_000, commission: 0.42, commissionAsset: 'USDT' },
        { qty: 0.01, price: 41_990 },
        { qty: 0.01, price: 41_980, commission: 0.4198, commissionAsset: 'USDT' },
      ],
    }));
    expect((await ok(venue.place(limitBuy('s1-3', 0.03)))).lifecycle).toBe('working');
    const seenLifecycles: string[] = [];
    const tradeCounts: number[] = [];
    for (let poll = 0; poll < 3; poll++) {
      const state = (await ok(venue.lookup('BTC/USDT', 's1-3')))!;
      seenLifecycles.push(`${state.lifecycle} ${state.filledQty.toFixed(2)}`);
      tradeCounts.push((await ok(venue.trades('BTC/USDT', 's1-3'))).length);
    }
    expect(seenLifecycles).toEqual(['partially_filled 0.01', 'partially_filled 0.02', 'filled 0.03']);
    const trades = await ok(venue.trades('BTC/USDT', 's1-3'));
    expect(tradeCounts).toEqual([1, 2, 3]);
    expect(trades.map((t) => [t.price, t.feeCurrency])).toEqual([[42_000, 'USDT'], [41_990, 'BTC'], [41_980, 'USDT']]);
    expect(trades[0]!.fee).toBeCloseTo(0.42, 9);
    expect(trades[1]!.fee).toBeCloseTo(0.00001 * 41_990, 9);
    expect(trades[2]!.fee).toBeCloseTo(0.4198, 9);
    expect(new Set(trades.map((t) => t.tradeId)).size).toBe(3);
  });

  test('an order the account cannot pay for is rejected (-2010 insufficient balance) and nothing is stored', async () => {
    const { server, venue } = setup();
    const error = await failure(venue.place(marketBuy('s1-4', 1)));
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('insufficient balance');
    expect(error.message).toContain('InsufficientFunds');
    expect(server.orders).toHaveLength(0);
  });

  test('an order below the minimum notional is rejected (-1013 Filter failure: NOTIONAL)', async () => {
    const { server, venue } = setup();
    const error = await failure(venue.place(marketBuy('s1-5', 0.0001)));
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('Filter failure: NOTIONAL');
    expect(server.ordersReceived()).toBe(1);
    expect(server.orders).toHaveLength(0);
  });

  test('a working order is cancelled; a partially filled one is cancelled with its filled quantity', async () => {
    const { server, venue } = setup();
    await ok(venue.place(limitBuy('s1-6')));
    expect(await ok(venue.cancel('BTC/USDT', 's1-6'))).toMatchObject({ lifecycle: 'cancelled', venueStatus: 'CANCELED', filledQty: 0 });
    expect(await ok(venue.openOrders(['BTC/USDT']))).toEqual([]);

    server.planOrders(() => ({ laterFills: [{ qty: 0.01, price: 42_000 }] }));
    await ok(venue.place(limitBuy('s1-7', 0.03)));
    expect((await ok(venue.lookup('BTC/USDT', 's1-7')))!.lifecycle).toBe('partially_filled');
    expect(await ok(venue.cancel('BTC/USDT', 's1-7'))).toMatchObject({ lifecycle: 'cancelled', filledQty: 0.01 });
  });

  test('an expired order is cancelled with reason "expired"; a rejected one is rejected', async () => {
    const { server, venue } = setup();
    server.planOrders((n) => ({ status: n === 1 ? 'EXPIRED' : 'REJECTED' }));
    expect(await ok(venue.place(limitBuy('s1-8')))).toMatchObject({ lifecycle: 'cancelled', reason: 'expired', venueStatus: 'EXPIRED' });
    expect(await ok(venue.place(limitBuy('s1-9')))).toMatchObject({ lifecycle: 'rejected', venueStatus: 'REJECTED' });
  });

  test('429 with Retry-After is retryable with the server\'s delay; the retry then succeeds once', async () => {
    const { server, venue } = setup();
    server.script('newOrder', (n) =>
      n === 1 ? { status: 429, headers: { 'Retry-After': '7' }, body: '{"code":-1003,"msg":"Too much request weight used."}' } : undefined,
    );
    const error = await failure(venue.place(limitBuy('s1-10')));
    expect(error.kind).toBe('retryable');
    expect(error.retryAfterMs).toBe(7_000);
    expect((await ok(venue.place(limitBuy('s1-10')))).lifecycle).toBe('working');
    expect(server.orders).toHaveLength(1);
  });

  test('a 5xx on a read is retryable (the caller retries); a 5xx on an order is an unknown outcome', async () => {
    const { server, venue } = setup();
    await ok(venue.place(limitBuy('s1-11')));
    server.script('getOrder', (n) => (n === 1 ? { status: 503, body: 'Service Unavailable' } : undefined));
    const readError = await failure(venue.lookup('BTC/USDT', 's1-11'));
    expect(readError.kind).toBe('retryable');
    expect(readError.message).toContain('ExchangeNotAvailable');
    expect((await ok(venue.lookup('BTC/USDT', 's1-11')))!.lifecycle).toBe('working');

    server.script('newOrder', () => ({ status: 502, body: 'Bad Gateway' }));
    expect((await failure(venue.place(limitBuy('s1-12')))).kind).toBe('unknown_outcome');
  });

  test('a timeout after the venue accepted: place() is an unknown outcome, lookup() finds the one order, one position', async () => {
    const { server, venue } = setup({}, { timeoutMs: 1_500 });
    await ok(venue.markets(['BTC/USDT']));
    server.planOrders((n) => (n === 1 ? { hang: true } : undefined));
    const error = await failure(venue.place(marketBuy('s1-13')));
    expect(error.kind).toBe('unknown_outcome');
    expect(error.message).toContain('RequestTimeout');
    const found = await ok(venue.lookup('BTC/USDT', 's1-13'));
    expect(found).toMatchObject({ clientOrderId: 's1-13', lifecycle: 'filled', filledQty: 0.01 });
    expect(server.ordersReceived()).toBe(1);
    expect(server.orders).toHaveLength(1);
    expect((await ok(venue.positions(['BTC/USDT'])))['BTC/USDT']).toBeCloseTo(0.01 - 0.00001, 12);
  });

  test('a garbled 200 answer to an order POST is an unknown outcome, and lookup finds the one order it placed', async () => {
    const { server, venue } = setup();
    server.planOrders((n) => (n === 1 ? { garbledAnswer: '{"symbol":"BTCUSDT","orderId":"4000' } : undefined));
    const error = await failure(venue.place(marketBuy('s1-30')));
    expect(error.kind).toBe('unknown_outcome');
    expect(error.message).toContain('BadResponse');
    expect(await ok(venue.lookup('BTC/USDT', 's1-30'))).toMatchObject({ lifecycle: 'filled', filledQty: 0.01 });
    expect(server.orders).toHaveLength(1);
  });

  test('a 200 answer that is not JSON (cut off, HTML, empty) on a read is retryable, never an empty account or no trades', async () => {
    const { server, venue } = setup({ balances: { USDT: 1_000, BTC: 0.5 } });
    await ok(venue.place(marketBuy('s1-31')));
    for (const body of ['{"makerCommission":"10","balan', '<html><body>upstream error</body></html>', '']) {
      server.script('account', once(200, body));
      const balances = await failure(venue.balances());
      expect(balances.kind).toBe('retryable');
      expect(balances.message).toContain('BadResponse');
      server.script('account', once(200, body));
      expect((await failure(venue.positions(['BTC/USDT']))).kind).toBe('retryable');
      server.script('myTrades', once(200, body));
      expect((await failure(venue.trades('BTC/USDT', 's1-31'))).kind).toBe('retryable');
      server.script('getOrder', once(200, body));
      expect((await failure(venue.lookup('BTC/USDT', 's1-31'))).kind).toBe('retryable');
      server.script('openOrders', once(200, body));
      expect((await failure(venue.openOrders(['BTC/USDT']))).kind).toBe('retryable');
    }
    // JSON without the account's balance list reads as no account either.
    server.script('account', once(200, '{}'));
    expect((await failure(venue.balances())).kind).toBe('retryable');
    // The next answers are whole: the account is what it was.
    expect((await ok(venue.balances())).total['USDT']).toBeCloseTo(1_000 - 430, 9);
    expect((await ok(venue.positions(['BTC/USDT'])))['BTC/USDT']).toBeCloseTo(0.5 + 0.01 - 0.00001, 12);
  });

  test('a duplicate client order id is reported as duplicate_id, and lookup finds the order that has it', async () => {
    const { server, venue } = setup();
    await ok(venue.place(limitBuy('s1-14')));
    const error = await failure(venue.place(limitBuy('s1-14')));
    expect(error.kind).toBe('duplicate_id');
    expect(error.message).toContain('Duplicate order sent.');
    expect(await ok(venue.lookup('BTC/USDT', 's1-14'))).toMatchObject({ lifecycle: 'working', venueOrderId: String(server.orders[0]!.orderId) });
    expect(server.ordersReceived()).toBe(2);
    expect(server.orders).toHaveLength(1);
  });

  test('a fill racing a cancel: the venue answers -2011 Unknown order, cancel() resolves with the filled state', async () => {
    const { server, venue } = setup();
    server.planOrders(() => ({ fillsBeforeCancel: 41_950 }));
    await ok(venue.place(limitBuy('s1-15')));
    const state = await ok(venue.cancel('BTC/USDT', 's1-15'));
    expect(state).toMatchObject({ lifecycle: 'filled', venueStatus: 'FILLED', filledQty: 0.01 });
    expect(server.fills.map((f) => [f.qty, f.price])).toEqual([[0.01, 41_950]]);
    expect((await ok(venue.trades('BTC/USDT', 's1-15'))).map((t) => t.price)).toEqual([41_950]);
  });

  test('lookup of an id the venue never saw is undefined; cancelling it is rejected', async () => {
    const { venue } = setup();
    expect(await ok(venue.lookup('BTC/USDT', 'never-sent'))).toBeUndefined();
    expect((await failure(venue.cancel('BTC/USDT', 'never-sent'))).kind).toBe('rejected');
    expect(await ok(venue.trades('BTC/USDT', 'never-sent'))).toEqual([]);
  });

  test('markets() reads amount step, price tick, minimum quantity and minimum notional from exchangeInfo', async () => {
    const { venue } = setup();
    const markets = await ok(venue.markets(['BTC/USDT', 'ETH/USDT']));
    expect(markets['BTC/USDT']).toEqual({ symbol: 'BTC/USDT', kind: 'crypto', exchange: 'binance', amountStep: 0.00001, priceStep: 0.01, minQty: 0.00001, minNotional: 5 });
    expect(markets['ETH/USDT']).toMatchObject({ amountStep: 0.0001, minQty: 0.0001 });
    const error = await failure(venue.markets(['DOGE/EUR']));
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('unknown symbol DOGE/EUR');
  });

  test('a market list refused once (503) is asked for again: the next call loads it, orders go out', async () => {
    const { server, venue } = setup();
    server.script('exchangeInfo', (n) => (n === 1 ? { status: 503, body: 'Service Unavailable' } : undefined));
    expect((await failure(venue.markets(['BTC/USDT']))).kind).toBe('retryable');
    expect((await ok(venue.markets(['BTC/USDT'])))['BTC/USDT']!.amountStep).toBe(0.00001);
    expect((await ok(venue.place(limitBuy('s1-32')))).lifecycle).toBe('working');
    expect(server.requests.filter((r) => r.route === 'exchangeInfo')).toHaveLength(2);
  });

  test('balances and positions follow fills, and a balance changed behind our back shows on the next read', async () => {
    const { server, venue } = setup({ balances: { USDT: 1_000, BTC: 0.5 } });
    expect((await ok(venue.balances())).total).toMatchObject({ USDT: 1_000, BTC: 0.5 });
    await ok(venue.place(marketBuy('s1-16')));
    const after = await ok(venue.balances());
    expect(after.total['USDT']).toBeCloseTo(1_000 - 430, 9);
    expect(after.total['BTC']).toBeCloseTo(0.5 + 0.01 - 0.00001, 12);
    await ok(venue.place(limitBuy('s1-17', 0.01, 40_000)));
    expect((await ok(venue.balances())).free['USDT']).toBeCloseTo(570 - 400, 9);
    server.setBalance('BTC', 2);
    expect(await ok(venue.positions(['BTC/USDT', 'ETH/USDT']))).toEqual({ 'BTC/USDT': 2, 'ETH/USDT': 0 });
  });

  test('a status the adapter does not map is a fatal error naming it, never a guess', async () => {
    const { server, venue } = setup();
    server.planOrders(() => ({ status: 'PENDING_NEW' }));
    const error = await failure(venue.place(limitBuy('s1-18')));
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('PENDING_NEW');
    expect(error.message).toContain('s1-18');
  });

  test('a fee in a third asset (BNB) is refused without its price, converted with one', async () => {
    const { server, venue } = setup();
    server.planOrders(() => ({ fills: [{ qty: 0.01, price: 43_000, commission: 0.0012, commissionAsset: 'BNB' }] }));
    await ok(venue.place(marketBuy('s1-19')));
    const error = await failure(venue.trades('BTC/USDT', 's1-19'));
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('BNB');
    await venue.close();

    const priced = createCcxtVenue({
      exchange: 'binance', apiKey: API_KEY, secret: SECRET, baseUrl: server.url, timeoutMs: 5_000,
      feeAssetPrice: (asset, quote) => (asset === 'BNB' && quote === 'USDT' ? 300 : undefined),
    });
    const trades = await ok(priced.trades('BTC/USDT', 's1-19'));
    await priced.close();
    expect(trades[0]).toMatchObject({ feeCurrency: 'BNB', feeAmount: 0.0012 });
    expect(trades[0]!.fee).toBeCloseTo(0.36, 9);
  });

  test('stops are not placed at Binance (nativeStops false): a stop order is refused before sending', async () => {
    const { server, venue } = setup();
    expect(venue.nativeStops).toBe(false);
    const error = await failure(venue.place({ clientOrderId: 's1-20', symbol: 'BTC/USDT', side: 'sell', type: 'stop', qty: 0.01, price: 40_000 }));
    expect(error.kind).toBe('fatal');
    expect(server.ordersReceived()).toBe(0);
  });

  test('wrong credentials are fatal', async () => {
    server = startOrderServer({ apiKey: API_KEY, secret: SECRET });
    venue = createCcxtVenue({ exchange: 'binance', apiKey: `${API_KEY}x`, secret: SECRET, baseUrl: server.url, timeoutMs: 5_000 });
    const error = await failure(venue.balances());
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('AuthenticationError');
    expect(error.message).not.toContain(API_KEY);
  });

  test('sandbox mode sends every request to the testnet host', async () => {
    const { server, venue } = setup({}, { sandbox: true });
    await ok(venue.place(marketBuy('s1-21')));
    expect(new Set(server.requests.map((r) => r.host))).toEqual(new Set(['testnet.binance.vision']));
  });

  test('the API key and secret appear in nothing the adapter printed, threw or returned', () => {
    expect(seen.length).toBeGreaterThan(20);
    const all = seen.join('\n');
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(SECRET);
  });
});
