// bun run live — real orders at a venue (Binance spot through CCXT, or Alpaca), on the paper session's runtime.
import { parseCommandArgs, parsePositiveNumber, runMain } from '../actors/adapters/cli.ts';
import { DEFAULT_CCXT_EXCHANGE } from '../actors/adapters/collect-command.ts';
import { DEFAULT_LIVE_DB, DEFAULT_TOLERANCE, keyVariables, liveSession, livePlan } from '../actors/adapters/live-session.ts';
import { checkSessionDbFile, runPaperSession } from '../actors/adapters/paper-session.ts';
import { VENUE_SESSION_OPTIONS, venueSessionRequest } from '../actors/adapters/paper-venue-session.ts';
import { sleep } from '../actors/adapters/sleep.ts';
import { DEFAULT_DB_PATH } from '../db/client.ts';
import { DEFAULT_RETRY_POLICY } from '../machines/data/retry-policy.ts';
import { checkAlertSinks, openAlertDelivery } from '../actors/alerts/alert-delivery.ts';
import { ALERTS_CONFIG } from '../actors/alerts/alerts-config.ts';

const USAGE = `Usage: bun run live --source ccxt|alpaca --symbols A,B --timeframe TF --confirm-live [options]

Trades real money: the paper session's runtime (journal, crash recovery, kill switch, risk layers) with the
venue's own orders instead of simulated fills. Without --confirm-live it prints what it would do and exits.
Keys come only from the environment or .env — ${keyVariables('ccxt', 'binance').join(' / ')} for Binance,
${keyVariables('alpaca', '').join(' / ')} (and APCA_API_BASE_URL, default the paper endpoint) for Alpaca —
and are never printed or stored.

  --confirm-live        start trading (otherwise: show the plan and exit)
  --source NAME         ccxt (Binance spot) or alpaca; default by symbol
  --exchange ID         ccxt exchange id (default ${DEFAULT_CCXT_EXCHANGE}; live orders: binance)
  --sandbox             the exchange's testnet through CCXT's sandbox mode
  --symbols LIST        comma-separated, one quote currency (e.g. BTC/USDT,ETH/USDT or SPY,AAPL)
  --timeframe TF        1m, 5m, 1h, ... (1Min, 1Hour also accepted)
  --strategy NAME       default mean_reversion
  --capital N           refuse to start unless the account holds at least this much
  --adopt               take the venue's positions and cash as the truth when they differ from the journal
  --reconcile-minutes N compare venue and journal every N minutes (default 5)
  --feed NAME           alpaca data feed: iex or sip
  --max-retries N       retries of a failing request (default ${DEFAULT_RETRY_POLICY.maxRetries})
  --base-url URL        send every venue request to this origin instead (a proxy or a local stand-in)
  --db PATH             session database (default ${DEFAULT_LIVE_DB})
  --market-db PATH      market-data database for warm-up candles (default ${DEFAULT_DB_PATH})
  --new-session         start a new session instead of resuming the last unfinished one
  --quiet               only the start line, operator commands taken, the final summary and errors`;

await runMain(async () => {
  const args = parseCommandArgs(
    {
      ...VENUE_SESSION_OPTIONS,
      'confirm-live': { type: 'boolean' },
      sandbox: { type: 'boolean' },
      adopt: { type: 'boolean' },
      'reconcile-minutes': { type: 'string' },
    },
    USAGE,
  );
  const request = venueSessionRequest(args);
  const reconcileMinutes = parsePositiveNumber('reconcile-minutes', args['reconcile-minutes']) ?? 5;
  const retry = request.maxRetries === undefined ? DEFAULT_RETRY_POLICY : { ...DEFAULT_RETRY_POLICY, maxRetries: request.maxRetries };
  const dbPath = args.db ?? DEFAULT_LIVE_DB;
  checkAlertSinks(ALERTS_CONFIG);
  // A session another process runs here is refused before the venue is asked for anything.
  checkSessionDbFile(dbPath, { source: request.source, newSession: args['new-session'] ?? false, now: Date.now() });
  const session = await liveSession({ ...request, sandbox: args.sandbox });
  for (const line of livePlan(session)) console.log(line);
  if (!args['confirm-live']) {
    await session.venue.close();
    await session.source.close?.();
    throw new Error('not started: this places real orders; run the same command with --confirm-live to trade');
  }
  await runPaperSession({
    dbPath,
    openAlerts: (runId) => openAlertDelivery({ mode: 'live', runId, dbPath, configPath: ALERTS_CONFIG, quiet: args.quiet }),
    newSession: args['new-session'] ?? false,
    quiet: args.quiet,
    ...session,
    live: {
      venue: session.venue,
      quoteCurrency: session.quoteCurrency,
      adopt: args.adopt ?? false,
      tolerance: DEFAULT_TOLERANCE,
      reconcileEveryMs: reconcileMinutes * 60_000,
      orderPollMs: 2_000,
      retry,
      sleep: (ms) => sleep(ms),
    },
  });
});
