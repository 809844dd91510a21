// The newcomer's first command, run as a real process.
import { describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, tempDir } from '../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..');
const BTC_FILE = 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv';

/** Runs the demo in `cwd` (its report goes to `cwd`/data/backtests), its database in `dir`. */
async function demo(env: Record<string, string>, dir: string, cwd = ROOT) {
  const child = Bun.spawn(['bun', join(ROOT, 'scripts', 'demo.ts'), '--db', join(dir, 'demo.db'), '--quiet'], {
    cwd,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

/** A data folder holding only `files` of the shared data (as links). */
function dataFolderWith(files: string[]): string {
  const folder = join(tempDir(), 'data');
  mkdirSync(folder);
  for (const file of files) symlinkSync(join(DATA_DIR, file), join(folder, file));
  return folder;
}

describe('bun run demo', () => {
  test('without a data directory it says so in one line and points to collect and data:import', async () => {
    const dir = tempDir();
    const { stderr, code } = await demo({ QS_DATA_DIR: join(dir, 'nowhere') }, dir);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('no market data at');
    expect(lines[0]).toContain('bun run collect');
    expect(lines[0]).toContain('bun run data:import');
  });

  test('an empty QS_DATA_DIR counts as unset: the default ../shared/data is looked for, not the working folder', async () => {
    const dir = tempDir();
    const cwd = join(dir, 'checkout');
    mkdirSync(cwd);
    const { stderr, code } = await demo({ QS_DATA_DIR: '' }, dir, cwd);
    expect(code).toBe(1);
    expect(stderr.trim()).toStartWith(`error: no market data at ${join(dir, 'shared', 'data')}: `);
  });

  test('without the BTC/USD file it names the file and how to get it, in one line, and creates no database', async () => {
    const dir = tempDir();
    const folder = dataFolderWith(['nvda-1999-2014.csv', 'orcl-1995-2014.csv', 'yhoo-1996-2015.csv']);
    const { stdout, stderr, code } = await demo({ QS_DATA_DIR: folder }, dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd()).toBe(
      `error: no BTC/USD candles for the demo's backtest: ${BTC_FILE} is not in ${folder}; put it there or set QS_DATA_DIR to a folder ` +
        'holding it, import your own with `bun run data:import --file F.csv --symbol BTC/USD --timeframe 1d --market crypto`, ' +
        'or download candles with `bun run collect`',
    );
    expect(existsSync(join(dir, 'demo.db'))).toBe(false);
  });

  test('with only some stock files it names the ones it skipped and still runs the BTC/USD backtest', async () => {
    const dir = tempDir();
    const cwd = join(dir, 'checkout');
    mkdirSync(cwd);
    const folder = dataFolderWith([BTC_FILE, 'nvda-1999-2014.csv']);
    const { stdout, stderr, code } = await demo({ QS_DATA_DIR: folder }, dir, cwd);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(
      `skipped ORCL (the demo's backtest needs only BTC/USD): orcl-1995-2014.csv is not in ${folder}; put it there or set QS_DATA_DIR ` +
        'to a folder holding it, import your own with `bun run data:import --file F.csv --symbol ORCL --timeframe 1d --market stock`',
    );
    expect(stdout).toContain('skipped YHOO (the demo\'s backtest needs only BTC/USD): yhoo-1996-2015.csv is not in');
    expect(stdout).toMatch(/^imported \d+ rows of BTC\/USD 1d/m);
    expect(stdout).toMatch(/^imported \d+ rows of NVDA 1d/m);
    expect(stdout).toMatch(/^range +2016-01-01 → 2024-12-31$/m);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(
      `Not imported (missing from ${folder}): ORCL (orcl-1995-2014.csv), YHOO (yhoo-1996-2015.csv)`,
    );
    expect(readdirSync(join(cwd, 'data', 'backtests')).filter((f) => f.endsWith('.html'))).toHaveLength(1);
  }, 60_000);
});
