// `bun run live`: the paper session on venue bars, with the venue's own executor in the simulator's slot.
// Keys come only from the environment and go only into the venue adapters' request headers/signatures.
import type { ReconcileTolerance } from '../../machines/execution/reconcile.ts';
import { DEFAULT_RETRY_POLICY } from '../../machines/data/retry-policy.ts';
import { withVenueRetry } from '../session/live-orders.ts';
import type { OrderVenue } from '../session/order-venue.ts';
import type { SessionSnapshot } from '../session/session-config.ts';
import { createAlpacaVenue } from './alpaca-venue.ts';
import { createCcxtVenue } from './ccxt-venue.ts';
import type { SourceName } from './collect-command.ts';
import { venueSession, type VenueSession, type VenueSessionRequest } from './paper-venue-session.ts';
import { sleep } from './sleep.ts';

export const DEFAULT_LIVE_DB = 'data/live_trading.db';
export const ALPACA_PAPER_TRADING_URL = 'https://paper-api.alpaca.markets';

export interface LiveSessionRequest extends VenueSessionRequest {
  sandbox?: boolean;
}

export interface LiveSession extends VenueSession {
  venue: OrderVenue;
  quoteCurrency: string;
  /** Where the session's account is, for the plan printed before anything is sent (no key material). */
  account: string;
}

/** The environment variables holding a venue's keys (their values are never printed). */
export function keyVariables(source: SourceName, exchange: string): [string, string] {
  return source === 'alpaca' ? ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY'] : [`${exchange.toUpperCase()}_API_KEY`, `${exchange.toUpperCase()}_SECRET`];
}

function createVenue(req: LiveSessionRequest, exchange: string): { venue: OrderVenue; account: string } {
  const env = req.env ?? process.env;
  const [keyVar, secretVar] = keyVariables(req.source, exchange);
  const key = env[keyVar];
  const secret = env[secretVar];
  if (!key || !secret) throw new Error(`live trading needs ${keyVar} and ${secretVar} in the environment (or .env)`);
  if (req.source === 'alpaca') {
    const baseUrl = req.baseUrl ?? env.APCA_API_BASE_URL ?? ALPACA_PAPER_TRADING_URL;
    return { venue: createAlpacaVenue({ keyId: key, secretKey: secret, baseUrl, timeoutMs: req.timeoutMs }), account: `Alpaca at ${baseUrl}` };
  }
  if (exchange !== 'binance') throw new Error(`--exchange ${exchange}: live orders are supported on binance (spot) only`);
  return {
    venue: createCcxtVenue({ exchange: 'binance', apiKey: key, secret, baseUrl: req.baseUrl, sandbox: req.sandbox, timeoutMs: req.timeoutMs ?? 10_000 }),
    account: `Binance spot${req.sandbox ? ' testnet (sandbox)' : ''}${req.baseUrl ? ` at ${req.baseUrl}` : ''}`,
  };
}

function quoteOf(symbol: string, source: SourceName): string {
  return source === 'alpaca' ? 'USD' : (symbol.split('/')[1] ?? symbol);
}

export async function liveSession(req: LiveSessionRequest): Promise<LiveSession> {
  const exchange = req.exchange ?? 'binance';
  const quotes = [...new Set(req.symbols.map((s) => quoteOf(s, req.source)))];
  if (quotes.length > 1) throw new Error(`--symbols: one quote currency per live session, got ${quotes.join(', ')}`);
  const { venue, account } = createVenue(req, exchange);
  try {
    const paper = await venueSession(req);
    // A 429 or 5xx here is retried as the session's own venue calls are (a restart must not die of one).
    const retrying = {
      retry: req.maxRetries === undefined ? DEFAULT_RETRY_POLICY : { ...DEFAULT_RETRY_POLICY, maxRetries: req.maxRetries },
      sleep: req.sleep ?? sleep,
      log: req.note ?? ((line: string) => console.error(line)),
    };
    const markets = await withVenueRetry(venue.name, 'markets', () => venue.markets(req.symbols), retrying);
    const balances = await withVenueRetry(venue.name, 'balances', () => venue.balances(), retrying);
    const quoteCurrency = quotes[0]!;
    const available = balances.total[quoteCurrency] ?? 0;
    if (req.capital !== undefined && req.capital > available) {
      throw new Error(`--capital ${req.capital}: the ${account} account holds ${available} ${quoteCurrency}`);
    }
    const snapshot: SessionSnapshot = {
      ...paper.snapshot,
      mode: 'live',
      // The venue's cash is the session's: reconciliation compares it with what the journal derives.
      capital: available,
      markets: { ...paper.snapshot.markets, ...markets },
      venue: { name: venue.name, nativeStops: venue.nativeStops },
    };
    return { ...paper, snapshot, venue, quoteCurrency, account };
  } catch (err) {
    await venue.close();
    throw err;
  }
}

export const DEFAULT_TOLERANCE: ReconcileTolerance = { qtyPct: 0.001, cash: 1 };

/** The plan printed before a live session starts (and instead of it without --confirm-live). */
export function livePlan(s: LiveSession): string[] {
  const { snapshot } = s;
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  return [
    `venue        ${s.account} (${snapshot.venue!.nativeStops ? 'native stop orders' : 'stops watched on every closed bar, sent as market orders'})`,
    `account      ${snapshot.capital} ${s.quoteCurrency} available to the session`,
    `symbols      ${snapshot.symbols.join(', ')} on ${snapshot.timeframe} bars, strategy ${snapshot.strategy.name}`,
    `limits       position ${pct(snapshot.risk.positionMaxPct)} with a stop-loss, symbol ${pct(snapshot.risk.symbolMaxPct)}, invested ${pct(snapshot.risk.portfolioMaxInvestedPct)}, halt at -${pct(snapshot.risk.maxDailyLossPct)} a day / -${pct(snapshot.risk.maxDrawdownPct)} from the peak`,
    `orders       market orders sized by the risk layers, rounded to each market's step: ${Object.values(snapshot.markets).map((m) => `${m.symbol} qty step ${m.amountStep}, min notional ${m.minNotional}`).join('; ')}`,
  ];
}
