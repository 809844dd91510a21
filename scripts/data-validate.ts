// bun run data:validate --symbol X --timeframe 1d — re-checks stored candles with the import rules.
import { closeDb, DEFAULT_DB_PATH, openDb } from '../db/client.ts';
import { parseCommandArgs, required, runMain } from '../actors/adapters/cli.ts';
import { validateStoredCandles } from '../actors/adapters/csv-import.ts';
import { formatBarTime } from '../machines/data/candle-validation.ts';

const ISSUES_SHOWN = 20;

const USAGE = `Usage: bun run data:validate --symbol X --timeframe 1d [--exchange NAME] [--db PATH]

Validates stored candles (prices, OHLC, order, sessions, close times, gaps, outliers); exits 1 on errors.
  --symbol S          e.g. BTC/USD, NVDA
  --timeframe TF      e.g. 1d
  --exchange NAME     needed only when the symbol is stored for several exchanges
  --db PATH           database file (default ${DEFAULT_DB_PATH})`;

await runMain(() => {
  const args = parseCommandArgs(
    { symbol: { type: 'string' }, timeframe: { type: 'string' }, exchange: { type: 'string' }, db: { type: 'string' } },
    USAGE,
  );
  const symbol = required('symbol', args.symbol);
  const timeframe = required('timeframe', args.timeframe);
  const db = openDb(args.db ?? DEFAULT_DB_PATH);
  let errorCount = 0;
  try {
    const report = validateStoredCandles(db, { symbol, timeframe, exchange: args.exchange });
    if (report.rows === 0) throw new Error(`no ${timeframe} candles stored for ${symbol} on ${report.exchange}`);
    const range = `${formatBarTime(report.firstTs!, timeframe)} .. ${formatBarTime(report.lastTs!, timeframe)}`;
    console.log(
      `${report.exchange} ${symbol} ${timeframe}: ${report.rows} candles ${range}, ` +
        `${report.errors.length} errors, ${report.warnings.length} warnings`,
    );
    for (const issue of report.errors.slice(0, ISSUES_SHOWN)) console.log(`  error: ${issue.message}`);
    for (const issue of report.warnings.slice(0, ISSUES_SHOWN)) console.log(`  warning: ${issue.message}`);
    const hidden = Math.max(0, report.errors.length - ISSUES_SHOWN) + Math.max(0, report.warnings.length - ISSUES_SHOWN);
    if (hidden > 0) console.log(`  ... ${hidden} more`);
    errorCount = report.errors.length;
  } finally {
    closeDb(db);
  }
  if (errorCount > 0) process.exit(1);
});
