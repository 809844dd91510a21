// bun run collect --source ccxt|alpaca --symbols A,B --timeframe 1h --from 2024-01-01 — downloads closed candles.
import { parseCommandArgs, parseDateFlag, required, runMain } from '../actors/adapters/cli.ts';
import {
  DEFAULT_CCXT_EXCHANGE,
  parseFeed,
  parseSourceName,
  reportFailed,
  runCollectCommand,
  type SourceName,
} from '../actors/adapters/collect-command.ts';
import { DEFAULT_DB_PATH } from '../db/client.ts';
import { DEFAULT_OUTLIER_RANGE_MULTIPLE } from '../machines/data/candle-validation.ts';
import { DEFAULT_RETRY_POLICY } from '../machines/data/retry-policy.ts';
import { DAY_MS } from '../machines/data/timeframe.ts';
import { canonicalTimeframe } from '../machines/data/venue-timeframes.ts';

const USAGE = `Usage: bun run collect --source ccxt|alpaca --symbols A,B --timeframe TF --from DATE [options]

Downloads closed candles into the database, validated like data:import. Resumable: a second run continues after
the last stored candle, re-running a range changes nothing, and each page is written whole (Ctrl-C or a kill
never leaves half a page).

  --source NAME        ccxt (crypto, e.g. BTC/USDT) or alpaca (US stocks, keys from .env: APCA_API_KEY_ID,
                       APCA_API_SECRET_KEY); default: ccxt for pairs with '/', alpaca otherwise
  --exchange ID        ccxt exchange id (default ${DEFAULT_CCXT_EXCHANGE})
  --symbols LIST       comma-separated, e.g. BTC/USDT,ETH/USDT or SPY,AAPL
  --timeframe TF       1m, 5m, 1h, 1d, ... (1Min, 1Hour, 1Day also accepted; stored as 1m, 1h, 1d)
  --from DATE          first bar (YYYY-MM-DD, UTC, or an ISO time with its zone, e.g. 2024-01-30T16:00:00Z)
  --to DATE            last bar, inclusive (default: now; only closed bars are stored)
  --feed NAME          alpaca data feed: iex or sip (default: the account's)
  --limit N            bars per request (default and maximum: the venue's page limit)
  --max-retries N      retries of a failing request (default ${DEFAULT_RETRY_POLICY.maxRetries}, exponential backoff, Retry-After honoured)
  --outlier-multiple N flag bars whose range exceeds N× the median of the previous 20 (default ${DEFAULT_OUTLIER_RANGE_MULTIPLE})
  --base-url URL       send every request to this origin instead (a proxy or a local replay server)
  --db PATH            database file (default ${DEFAULT_DB_PATH})
  --quiet              no progress bar or retry notices

Exits 1 when a symbol got no candles, a bar was invalid (reported, not stored) or the run was interrupted.`;

function sourceFlag(value: string | undefined, symbols: string[]): SourceName {
  if (value !== undefined) return parseSourceName(value);
  const pairs = symbols.filter((symbol) => symbol.includes('/'));
  if (pairs.length > 0 && pairs.length < symbols.length) {
    throw new Error('--symbols mixes crypto pairs and stocks: collect them in two runs, or pass --source');
  }
  return pairs.length > 0 ? 'ccxt' : 'alpaca';
}

function positiveInteger(flag: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new Error(`--${flag} must be an integer ≥ ${min}, got "${value}"`);
  return number;
}

await runMain(async () => {
  const args = parseCommandArgs(
    {
      source: { type: 'string' },
      exchange: { type: 'string' },
      symbols: { type: 'string' },
      timeframe: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      feed: { type: 'string' },
      limit: { type: 'string' },
      'max-retries': { type: 'string' },
      'outlier-multiple': { type: 'string' },
      'base-url': { type: 'string' },
      db: { type: 'string' },
      quiet: { type: 'boolean' },
    },
    USAGE,
  );
  const symbols = required('symbols', args.symbols).split(',').map((s) => s.trim()).filter(Boolean);
  const timeframe = canonicalTimeframe(required('timeframe', args.timeframe));
  const fromTs = parseDateFlag('from', required('from', args.from))!;
  const toDay = parseDateFlag('to', args.to);
  // A date-only --to includes that whole day.
  const toTs = toDay === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(args.to!) ? toDay + DAY_MS - 1 : toDay;
  if (toTs !== undefined && toTs < fromTs) throw new Error('--to is before --from');
  const outlier = args['outlier-multiple'] === undefined ? undefined : Number(args['outlier-multiple']);
  if (outlier !== undefined && !(outlier > 0)) throw new Error(`--outlier-multiple must be a positive number, got "${args['outlier-multiple']}"`);

  const reports = await runCollectCommand({
    source: sourceFlag(args.source, symbols),
    exchange: args.exchange,
    symbols,
    timeframe,
    fromTs,
    toTs,
    feed: parseFeed(args.feed),
    pageSize: positiveInteger('limit', args.limit),
    maxRetries: positiveInteger('max-retries', args['max-retries'], 0),
    outlierRangeMultiple: outlier,
    baseUrl: args['base-url'],
    dbPath: args.db ?? DEFAULT_DB_PATH,
    quiet: args.quiet,
  });
  if (reports.length < symbols.length || reports.some(reportFailed)) process.exit(1);
});
