// bun run data:import --file F.csv --symbol S --timeframe 1d --market crypto|stock — imports a candle CSV.
import { closeDb, DEFAULT_DB_PATH, openExistingDb } from '../db/client.ts';
import { parseCommandArgs, required, runMain } from '../actors/adapters/cli.ts';
import { DEFAULT_EXCHANGE, importCsvFile } from '../actors/adapters/csv-import.ts';
import { formatImportSummary } from '../actors/adapters/import-summary.ts';
import type { PriceBasis } from '../machines/data/csv-layouts.ts';
import type { MarketKind } from '../machines/domain.ts';

const USAGE = `Usage: bun run data:import --file F.csv --symbol BTC/USD --timeframe 1d --market crypto|stock
                            [--exchange NAME] [--columns MAPPING] [--price adjusted|raw] [--replace] [--db PATH]

Validates a candle CSV, on its own and among the bars already stored of the series, and stores it; nothing is
written if any row has an error. Re-importing the same bars changes nothing.
  --file F.csv        Bitstamp, Yahoo or any CSV with a time column and open/high/low/close/volume
  --symbol S          e.g. BTC/USD, NVDA
  --timeframe TF      bar length, e.g. 1d, 1h, 5m
  --market KIND       crypto (bars around the clock) or stock (NYSE/NASDAQ sessions)
  --exchange NAME     default ${DEFAULT_EXCHANGE.crypto} for crypto, ${DEFAULT_EXCHANGE.stock} for stock; a symbol stored as the other
                      market is refused unless NAME is a new exchange (undo with bun run data:remove)
  --columns MAPPING   ts=Date,open=Open,high=High,low=Low,close=Close,volume=Vol[,adjClose=Adj Close]
  --price BASIS       adjusted (default when there is an adjusted close) or raw
  --replace           overwrite stored bars the file gives other values (refused without it)
  --db PATH           database file (default ${DEFAULT_DB_PATH})`;

function marketFlag(value: string): MarketKind {
  if (value === 'crypto' || value === 'stock') return value;
  throw new Error(`--market must be crypto or stock, got "${value}"`);
}

function priceFlag(value: string): PriceBasis {
  if (value === 'adjusted' || value === 'raw') return value;
  throw new Error(`--price must be adjusted or raw, got "${value}"`);
}

await runMain(() => {
  const args = parseCommandArgs(
    {
      file: { type: 'string' },
      symbol: { type: 'string' },
      timeframe: { type: 'string' },
      market: { type: 'string' },
      exchange: { type: 'string' },
      columns: { type: 'string' },
      price: { type: 'string' },
      replace: { type: 'boolean' },
      db: { type: 'string' },
    },
    USAGE,
  );
  const options = {
    file: required('file', args.file),
    symbol: required('symbol', args.symbol),
    timeframe: required('timeframe', args.timeframe),
    market: marketFlag(required('market', args.market)),
    exchange: args.exchange,
    columns: args.columns,
    price: args.price === undefined ? undefined : priceFlag(args.price),
    replace: args.replace === true,
  };
  const db = openExistingDb(args.db ?? DEFAULT_DB_PATH);
  try {
    for (const line of formatImportSummary(importCsvFile(db, options))) console.log(line);
  } finally {
    closeDb(db);
  }
});
