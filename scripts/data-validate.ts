// bun run data:validate --symbol X --timeframe 1d — re-checks stored candles (or a CSV file) with the import rules.
import { closeDb, DEFAULT_DB_PATH, openExistingDbToRead } from '../db/client.ts';
import { parseCommandArgs, required, runMain } from '../actors/adapters/cli.ts';
import { validateCsvFile, validateStoredCandles } from '../actors/adapters/csv-import.ts';
import { DEFAULT_OUTLIER_RANGE_MULTIPLE, formatBarTime, type Issue } from '../machines/data/candle-validation.ts';
import type { MarketKind } from '../machines/domain.ts';

const USAGE = `Usage: bun run data:validate --symbol X --timeframe 1d [--exchange NAME] [--db PATH]
       bun run data:validate --file F.csv --timeframe 1d --market crypto|stock [--columns MAPPING]

Validates stored candles (prices, OHLC, order, sessions, close times, gaps, outliers), or a candle CSV without
storing it; prints every issue with its bar time and exits 1 on errors (gaps and outliers are warnings).
  --symbol S           e.g. BTC/USD, NVDA
  --timeframe TF       e.g. 1d, 1h (1Day, 1Hour also accepted)
  --exchange NAME      needed only when the symbol is stored for several exchanges
  --file F.csv         check this file instead of the database (same rules as data:import)
  --market KIND        with --file: crypto or stock (NYSE sessions)
  --columns MAPPING    with --file: ts=Date,open=Open,high=High,low=Low,close=Close,volume=Vol
  --outlier-multiple N warn about bars whose range exceeds N× the median of the previous 20 (default ${DEFAULT_OUTLIER_RANGE_MULTIPLE})
  --db PATH            database file (default ${DEFAULT_DB_PATH})`;

function marketFlag(value: string): MarketKind {
  if (value === 'crypto' || value === 'stock') return value;
  throw new Error(`--market must be crypto or stock, got "${value}"`);
}

// Every issue, however many: this is the command the import's summary points to for the full list.
function printIssues(errors: Issue[], warnings: Issue[]): void {
  for (const issue of errors) console.log(`  error: ${issue.message}`);
  for (const issue of warnings) console.log(`  warning: ${issue.message}`);
}

function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function span(firstTs: number | null, lastTs: number | null, timeframe: string): string {
  return firstTs === null || lastTs === null ? '' : ` ${formatBarTime(firstTs, timeframe)} .. ${formatBarTime(lastTs, timeframe)}`;
}

await runMain(() => {
  const args = parseCommandArgs(
    {
      symbol: { type: 'string' },
      timeframe: { type: 'string' },
      exchange: { type: 'string' },
      file: { type: 'string' },
      market: { type: 'string' },
      columns: { type: 'string' },
      'outlier-multiple': { type: 'string' },
      db: { type: 'string' },
    },
    USAGE,
  );
  const timeframe = required('timeframe', args.timeframe);
  const outlierText = args['outlier-multiple'];
  const outlierRangeMultiple = outlierText === undefined ? undefined : Number(outlierText);
  if (outlierRangeMultiple !== undefined && !(outlierRangeMultiple > 0)) {
    throw new Error(`--outlier-multiple must be a positive number, got "${outlierText}"`);
  }
  let errorCount = 0;

  if (args.file !== undefined) {
    const report = validateCsvFile({
      file: args.file,
      timeframe,
      market: marketFlag(required('market', args.market)),
      columns: args.columns,
      outlierRangeMultiple,
    });
    console.log(
      `${report.source} ${report.timeframe}: ${report.rows} candles${span(report.firstTs, report.lastTs, report.timeframe)}, `
        + `${counted(report.errors.length, 'error')}, ${counted(report.warnings.length, 'warning')}`,
    );
    printIssues(report.errors, report.warnings);
    errorCount = report.errors.length;
  } else {
    const symbol = required('symbol', args.symbol);
    const db = openExistingDbToRead(args.db ?? DEFAULT_DB_PATH);
    try {
      const report = validateStoredCandles(db, { symbol, timeframe, exchange: args.exchange, outlierRangeMultiple });
      if (report.rows === 0) throw new Error(`no ${report.timeframe} candles stored for ${symbol} on ${report.exchange}`);
      console.log(
        `${report.exchange} ${symbol} ${report.timeframe}: ${report.rows} candles${span(report.firstTs, report.lastTs, report.timeframe)}, `
          + `${counted(report.errors.length, 'error')}, ${counted(report.warnings.length, 'warning')}`,
      );
      printIssues(report.errors, report.warnings);
      errorCount = report.errors.length;
    } finally {
      closeDb(db);
    }
  }
  if (errorCount > 0) process.exit(1);
});
