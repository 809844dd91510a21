// The real candle files of the shared data folder ($QS_DATA_DIR, default ../shared/data) that the demos use.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MarketKind } from '../../machines/domain.ts';
import { dataDir } from './cli.ts';

export interface SharedFile {
  file: string;
  symbol: string;
  market: MarketKind;
}

export const SHARED_FILES: readonly SharedFile[] = [
  { file: 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv', symbol: 'BTC/USD', market: 'crypto' },
  { file: 'nvda-1999-2014.csv', symbol: 'NVDA', market: 'stock' },
  { file: 'orcl-1995-2014.csv', symbol: 'ORCL', market: 'stock' },
  { file: 'yhoo-1996-2015.csv', symbol: 'YHOO', market: 'stock' },
];

/** The shared file of each symbol, checked to exist; one line naming what is missing otherwise. */
export function sharedFilesFor(symbols: readonly string[]): (SharedFile & { path: string })[] {
  const dir = dataDir();
  if (!existsSync(dir)) {
    throw new Error(
      `no market data at ${resolve(dir)}: set QS_DATA_DIR to a folder of candle CSVs, ` +
        'import your own with `bun run data:import`, or download candles with `bun run collect`',
    );
  }
  return symbols.map((symbol) => {
    const f = SHARED_FILES.find((s) => s.symbol === symbol);
    if (f === undefined) {
      throw new Error(`--symbols: no shared data file for ${symbol} (available: ${SHARED_FILES.map((s) => s.symbol).join(', ')})`);
    }
    const path = join(dir, f.file);
    if (!existsSync(path)) throw new Error(`${path}: file not found (expected in ${resolve(dir)})`);
    return { ...f, path };
  });
}
