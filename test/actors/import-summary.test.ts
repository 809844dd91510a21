// Import summaries show the first warnings with their bar times and name the command that shows them all.
import { afterAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatImportSummary, WARNINGS_SHOWN } from '../../actors/adapters/import-summary.ts';
import type { CsvImportResult } from '../../actors/adapters/csv-import.ts';
import { DATA_DIR, tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const BTC = join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv');
const dir = tempDir('qs-import-summary-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { exitCode: number; stdout: string; stderr: string } {
  const proc = Bun.spawnSync(['bun', ...args], { cwd: REPO_ROOT });
  return { exitCode: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

describe('bun run data:import on the real BTC/USD file (18 outlier warnings)', () => {
  test('shows the first 5 warnings with their bar times and the data:validate command that lists all 18', () => {
    const dbPath = join(dir, 'btc.db');
    expect(run(['scripts/db-init.ts', '--db', dbPath]).exitCode).toBe(0);
    const imported = run(['scripts/data-import.ts', '--file', BTC, '--symbol', 'BTC/USD', '--timeframe', '1d', '--market', 'crypto', '--db', dbPath]);
    expect(imported.exitCode).toBe(0);
    const lines = imported.stdout.trim().split('\n');
    expect(lines[0]).toEndWith(', 18 warnings');
    const warnings = lines.filter((line) => line.startsWith('  warning: '));
    expect(warnings).toHaveLength(WARNINGS_SHOWN);
    for (const line of warnings) expect(line).toMatch(/ line \d+ \(\d{4}-\d{2}-\d{2}\): outlier: /);
    expect(lines.at(-1)).toBe('  ... 13 more warnings: see all with `bun run data:validate --symbol BTC/USD --timeframe 1d`');

    // The hint is a working command that prints every warning.
    const hinted = /`bun run data:validate (.*)`/.exec(lines.at(-1)!)![1]!.split(' ');
    const validated = run(['scripts/data-validate.ts', ...hinted, '--db', dbPath]);
    expect(validated.exitCode).toBe(0);
    expect(validated.stdout.split('\n').filter((line) => line.startsWith('  warning: '))).toHaveLength(18);
  }, 60_000);
});

describe('formatImportSummary', () => {
  const result: CsvImportResult = {
    exchange: 'nasdaq', symbol: 'ORCL', timeframe: '1d', layout: 'yahoo', priceBasis: 'adjusted', rows: 3,
    firstTs: Date.UTC(2014, 0, 2), lastTs: Date.UTC(2014, 0, 6), replaced: 0, alreadyStored: 0, storedOn: ['nasdaq'],
    warnings: Array.from({ length: 7 }, (_, i) => ({ line: i + 2, ts: Date.UTC(2014, 0, 2 + i), field: 'ts', message: `orcl.csv line ${i + 2} (2014-01-0${2 + i}): gap` })),
  };

  test('names the exchange in the hint when the symbol is stored on several', () => {
    expect(formatImportSummary({ ...result, storedOn: ['coinbase', 'nasdaq'] }).at(-1)).toBe(
      '  ... 2 more warnings: see all with `bun run data:validate --symbol ORCL --timeframe 1d --exchange nasdaq`',
    );
  });

  test('prints no hint when every warning is shown', () => {
    const lines = formatImportSummary({ ...result, warnings: result.warnings.slice(0, WARNINGS_SHOWN) });
    expect(lines).toHaveLength(1 + WARNINGS_SHOWN);
    expect(lines.join('\n')).not.toContain('data:validate');
    expect(formatImportSummary({ ...result, warnings: [] })).toHaveLength(1);
  });
});
