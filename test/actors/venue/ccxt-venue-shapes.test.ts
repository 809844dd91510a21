// The stand-in answers in the recorded Binance shapes (test/fixtures/ccxt/binance-orders.json), and the adapter's
// error table gives each CCXT failure the handling the OrderVenue port defines.
import { afterEach, describe, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { venueErrorKind } from '../../../actors/adapters/ccxt-venue.ts';
import recorded from '../../fixtures/ccxt/binance-orders.json';
import { startOrderServer, type OrderServer } from '../../support/ccxt-order-server.ts';

const KEY = 'shapesKey0123456789';
const SECRET = 'shapesSecret0123456789';
let server: OrderServer | undefined;
afterEach(() => server?.stop());

async function signed(method: string, endpoint: string, params: Record<string, string>): Promise<unknown> {
  const query = new URLSearchParams({ ...params, timestamp: '1706641200000', recvWindow: '10000' }).toString();
  const signature = createHmac('sha256', SECRET).update(query).digest('hex');
  const body = `${query}&signature=${signature}`;
  const url = `${server!.url}/api.binance.com/api/v3/${endpoint}`;
  const response = method === 'POST'
    ? await fetch(url, { method, body, headers: { 'X-MBX-APIKEY': KEY, 'Content-Type': 'application/x-www-form-urlencoded' } })
    : await fetch(`${url}?${body}`, { method, headers: { 'X-MBX-APIKEY': KEY } });
  return response.json();
}

const keys = (value: unknown): string[] => Object.keys(value as object);

describe('stand-in answers in the recorded Binance spot shapes', () => {
  test('new order, order, open orders, trades and account carry the recorded fields in the recorded order', async () => {
    server = startOrderServer({ apiKey: KEY, secret: SECRET });
    const placed = await signed('POST', 'order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '42000', timeInForce: 'GTC', newClientOrderId: 'shape-1' });
    // The recorded one is an iceberg order: every other field is there, in the same order.
    expect(keys(placed)).toEqual(keys(recorded.createOrder.httpResponse).filter((k) => k !== 'icebergQty'));
    const order = await signed('GET', 'order', { symbol: 'BTCUSDT', origClientOrderId: 'shape-1' });
    expect(keys(order)).toEqual(keys(recorded.fetchOrder.httpResponse));
    const open = (await signed('GET', 'openOrders', { symbol: 'BTCUSDT' })) as unknown[];
    expect(keys(open[0])).toEqual(keys(recorded.fetchOpenOrders.httpResponse[0]));
    await signed('POST', 'order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', newClientOrderId: 'shape-2' });
    const trades = (await signed('GET', 'myTrades', { symbol: 'BTCUSDT' })) as unknown[];
    expect(keys(trades[0])).toEqual(keys(recorded.fetchMyTrades.httpResponse[0]));
    expect(keys(await signed('GET', 'account', {}))).toEqual(keys(recorded.fetchBalance.httpResponse));
  });

  test('an unsigned or wrongly signed request is refused as Binance refuses it', async () => {
    server = startOrderServer({ apiKey: KEY, secret: 'another-secret-entirely' });
    expect(await signed('GET', 'account', {})).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
  });
});

describe('CCXT failures mapped to the port\'s error kinds', () => {
  const NETWORK = ['OperationFailed', 'BaseError', 'Error'];
  const EXCHANGE = ['ExchangeError', 'BaseError', 'Error'];
  test.each([
    // [class chain, message, operation, kind]
    [['DDoSProtection', 'NetworkError', ...NETWORK], 'binance 429', 'place', 'retryable'],
    [['RateLimitExceeded', 'NetworkError', ...NETWORK], '-1003', 'lookup', 'retryable'],
    [['RequestTimeout', 'NetworkError', ...NETWORK], 'request timed out', 'place', 'unknown_outcome'],
    [['RequestTimeout', 'NetworkError', ...NETWORK], 'request timed out', 'lookup', 'retryable'],
    [['ExchangeNotAvailable', 'NetworkError', ...NETWORK], '503', 'place', 'unknown_outcome'],
    [['ExchangeNotAvailable', 'NetworkError', ...NETWORK], '503', 'balances', 'retryable'],
    [['NetworkError', ...NETWORK], 'socket closed', 'place', 'unknown_outcome'],
    [['OperationFailed', 'BaseError', 'Error'], 'binance {"code":-1006,"msg":"Execution status unknown."}', 'place', 'unknown_outcome'],
    [['InvalidOrder', ...EXCHANGE], 'binance {"code":-2010,"msg":"Duplicate order sent."}', 'place', 'duplicate_id'],
    [['InsufficientFunds', ...EXCHANGE], 'Account has insufficient balance for requested action.', 'place', 'rejected'],
    [['BadRequest', ...EXCHANGE], 'binance {"code":-1013,"msg":"Filter failure: NOTIONAL"}', 'place', 'rejected'],
    [['AuthenticationError', ...EXCHANGE], '-2015', 'place', 'fatal'],
    [['AuthenticationError', ...EXCHANGE], '-2015', 'balances', 'fatal'],
    [['NotSupported', ...EXCHANGE], 'not supported', 'place', 'fatal'],
    [['TypeError', 'Error'], 'x is undefined', 'place', 'fatal'],
  ] as const)('%p %p on %s → %s', (names, message, operation, kind) => {
    expect(venueErrorKind([...names], message, operation)).toBe(kind);
  });
});
