// Real candles from ../shared/data (or $QS_DATA_DIR), imported once per test file into an in-memory DB.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCsvFile } from '../../actors/adapters/csv-import.ts';
import { openDb, type Db } from '../../db/client.ts';

export const DATA_DIR = process.env.QS_DATA_DIR || join(import.meta.dir, '..', '..', '..', 'shared', 'data');

export const REAL_FILES = [
  { file: 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv', symbol: 'BTC/USD', market: 'crypto' },
  { file: 'nvda-1999-2014.csv', symbol: 'NVDA', market: 'stock' },
  { file: 'orcl-1995-2014.csv', symbol: 'ORCL', market: 'stock' },
  { file: 'yhoo-1996-2015.csv', symbol: 'YHOO', market: 'stock' },
] as const;

export function marketDbWithRealData(symbols: readonly string[] = REAL_FILES.map((f) => f.symbol)): Db {
  const db = openDb(':memory:');
  for (const f of REAL_FILES) {
    if (!symbols.includes(f.symbol)) continue;
    importCsvFile(db, { file: join(DATA_DIR, f.file), symbol: f.symbol, timeframe: '1d', market: f.market });
  }
  return db;
}

export function tempDir(prefix = 'qs-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
