// bun run paper --source ccxt|alpaca --symbols A,B --timeframe TF — paper trading on live venue bars, into
// data/paper_trading.db; the strategy warms up from the market DB (recent candles collected first).
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { DEFAULT_CCXT_EXCHANGE } from '../actors/adapters/collect-command.ts';
import { checkSessionDbFile, DEFAULT_PAPER_DB, runPaperSession } from '../actors/adapters/paper-session.ts';
import { VENUE_SESSION_OPTIONS, venueSession, venueSessionRequest } from '../actors/adapters/paper-venue-session.ts';
import { DEFAULT_DB_PATH } from '../db/client.ts';
import { DEFAULT_RETRY_POLICY } from '../machines/data/retry-policy.ts';
import { checkAlertSinks, openAlertDelivery } from '../actors/alerts/alert-delivery.ts';
import { ALERTS_CONFIG } from '../actors/alerts/alerts-config.ts';

const USAGE = `Usage: bun run paper --source ccxt|alpaca --symbols A,B --timeframe TF [options]

Paper-trades live bars: each closed bar is fetched just after it closes (a missed bar is filled from the
venue's history first), journaled, and run through the same pipeline as a backtest with simulated fills.
The strategy's indicators start from the market DB's candles; the recent ones it lacks are collected first.
Prints every signal, risk decision and fill, then the portfolio. Watch it live with
  bun run dashboard --db ${DEFAULT_PAPER_DB}
Ctrl-C stops it; running the same command again resumes the session where it stopped.

  --source NAME      ccxt (crypto, e.g. BTC/USDT) or alpaca (US stocks, keys from .env: APCA_API_KEY_ID,
                     APCA_API_SECRET_KEY); default: ccxt for pairs with '/', alpaca otherwise
  --exchange ID      ccxt exchange id (default ${DEFAULT_CCXT_EXCHANGE})
  --symbols LIST     comma-separated, e.g. BTC/USDT,ETH/USDT or SPY,AAPL
  --timeframe TF     1m, 5m, 1h, 1d, ... (1Min, 1Hour, 1Day also accepted)
  --strategy NAME    default mean_reversion
  --capital N        starting cash (default config/backtest.yaml)
  --feed NAME        alpaca data feed: iex or sip (default: the account's)
  --max-retries N    retries of a failing request (default ${DEFAULT_RETRY_POLICY.maxRetries}); past them the session stops, resumable
  --base-url URL     send every venue request to this origin instead (a proxy or a local replay server)
  --db PATH          session database (default ${DEFAULT_PAPER_DB})
  --market-db PATH   market-data database for the warm-up candles (default ${DEFAULT_DB_PATH}; run db:init first)
  --new-session      start a new session instead of resuming the last unfinished one
  --quiet            only the start line, operator commands taken, the final summary and errors (no trades, retries or warnings)`;

await runMain(async () => {
  const args = parseCommandArgs(VENUE_SESSION_OPTIONS, USAGE);
  const dbPath = args.db ?? DEFAULT_PAPER_DB;
  checkAlertSinks(ALERTS_CONFIG);
  checkSessionDbFile(dbPath);
  const session = await venueSession(venueSessionRequest(args));
  await runPaperSession({
    dbPath,
    openAlerts: (runId) => openAlertDelivery({ mode: 'paper', runId, dbPath, configPath: ALERTS_CONFIG, quiet: args.quiet }),
    newSession: args['new-session'] ?? false,
    quiet: args.quiet,
    ...session,
  });
});
