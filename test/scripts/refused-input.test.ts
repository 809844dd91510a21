// A command that refuses its input says why in one line and leaves nothing behind: no run row, no run DB, no
// report, no database or folder. Each case runs the real `bun scripts/...` process against a real database.
import { beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCsvFile } from '../../actors/adapters/csv-import.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { DATA_DIR, tempDir } from '../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..');
const dir = tempDir('qs-refused-');
const marketDb = join(dir, 'market.db');
const outDir = join(dir, 'runs');

async function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(['bun', join('scripts', script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

function runRows(): number {
  const db = openDb(marketDb);
  try {
    return db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM runs').get()!.n;
  } finally {
    closeDb(db);
  }
}

beforeAll(() => {
  // Two years of real ORCL bars: enough for the strategy to trade, small enough to run in a second.
  const lines = readFileSync(join(DATA_DIR, 'orcl-1995-2014.csv'), 'utf8').split('\n').slice(0, 505);
  const csv = join(dir, 'orcl-1995-1996.csv');
  writeFileSync(csv, lines.join('\n'));
  const db = openDb(marketDb); // what `bun run db:init` does
  importCsvFile(db, { file: csv, symbol: 'ORCL', timeframe: '1d', market: 'stock' });
  closeDb(db);
});

const BACKTEST = ['--strategy', 'mean_reversion', '--timeframe', '1d', '--quiet', '--json'];
const CAPITAL = (value: string) => `--capital must be a finite positive number, got "${value}"`;
const NOT_A_DATE = (value: string) => `--from: "${value}" is not a date (expected YYYY-MM-DD, UTC, or an ISO time with its zone`;
const aFile = join(dir, 'existing-file.csv');
writeFileSync(aFile, 'not a folder\n');
const noAlertsConfig = join(dir, 'no-such-alerts.yaml');
// The run DB records every alert whatever the file says (the dashboard, recovery and replay read them).
const alertsShipped = readFileSync(join(import.meta.dir, '..', '..', 'config', 'alerts.yaml'), 'utf8');
const edited = (text: string): string => {
  if (text === alertsShipped) throw new Error('the edit of config/alerts.yaml matched nothing');
  return text;
};
const databaseOff = join(dir, 'database-off.yaml');
writeFileSync(databaseOff, edited(alertsShipped.replace(/(\n  database:[^\n]*\n(?: +#[^\n]*\n)*    enabled:) true/, '$1 false')));
const databaseCritical = join(dir, 'database-critical.yaml');
writeFileSync(databaseCritical, edited(alertsShipped.replace(/(\n  database:[^\n]*\n(?: +#[^\n]*\n)*    enabled: true\n    min_level:) info/, '$1 critical')));

describe('backtest refuses bad options before a run exists', () => {
  test.each([
    ['an infinite capital', ['--symbols', 'ORCL', '--capital', 'Infinity'], CAPITAL('Infinity')],
    ['a capital that overflows to Infinity', ['--symbols', 'ORCL', '--capital', '1e400'], CAPITAL('1e400')],
    ['a negative capital after a space', ['--symbols', 'ORCL', '--capital', '-5'], CAPITAL('-5')],
    ['a negative capital after =', ['--symbols', 'ORCL', '--capital=-5'], CAPITAL('-5')],
    ['a zero capital', ['--symbols', 'ORCL', '--capital', '0'], CAPITAL('0')],
    ['a symbol list of only a comma', ['--symbols', ','], '--symbols: empty name in ","'],
    ['a symbol list with an empty name', ['--symbols', 'ORCL,'], '--symbols: empty name in "ORCL,"'],
    ['a date that does not exist', ['--symbols', 'ORCL', '--from', '1995-02-30'], '--from: "1995-02-30" is not a date'],
    // Read in the machine's zone, 1995/01/03 would start after the first bar in New York and drop it silently.
    ['a date with slashes', ['--symbols', 'ORCL', '--from', '1995/01/03'], NOT_A_DATE('1995/01/03')],
    ['a date in words', ['--symbols', 'ORCL', '--from', 'March 5 1995'], NOT_A_DATE('March 5 1995')],
    ['a bare number', ['--symbols', 'ORCL', '--from', '1'], NOT_A_DATE('1')],
    ['a time without its zone', ['--symbols', 'ORCL', '--from', '1995-01-03T00:00:00'], NOT_A_DATE('1995-01-03T00:00:00')],
    ['an --out that is a file', ['--symbols', 'ORCL', '--out', aFile], `--out ${aFile}: is a file, not a folder`],
    ['an --out inside a file', ['--symbols', 'ORCL', '--out', join(aFile, 'runs')], `--out ${join(aFile, 'runs')}: ${aFile} is a file, not a folder`],
    ['an --alerts-config that does not exist, named as typed', ['--symbols', 'ORCL', '--alerts-config', noAlertsConfig], `error: ${noAlertsConfig}: file not found`],
    [
      'an alerts config that turns the run DB\'s alerts off',
      ['--symbols', 'ORCL', '--alerts-config', databaseOff],
      `error: ${databaseOff}: sinks.database.enabled: the run DB records every alert (the dashboard, crash recovery and replay read them): it cannot be turned off, got false`,
    ],
    [
      'an alerts config that filters the run DB\'s alerts',
      ['--symbols', 'ORCL', '--alerts-config', databaseCritical],
      `error: ${databaseCritical}: sinks.database.min_level: the run DB records every alert (the dashboard, crash recovery and replay read them): it takes info and up, got "critical"`,
    ],
    ['--to before --from', ['--symbols', 'ORCL', '--from', '1996-01-01', '--to', '1995-01-01'], '--to is before --from'],
    ['an unknown strategy', ['--symbols', 'ORCL', '--strategy', 'nope'], '--strategy: no strategy "nope"'],
    // Each window is held in memory: a billion bars ended the process with a bare "Out of memory" and a run DB.
    [
      'a lookback no memory can hold',
      ['--symbols', 'ORCL', '--param', 'lookback=1000000000'],
      'config/strategies/mean_reversion.yaml with lookback=1000000000: lookback: must be at most 1000000 bars, got 1000000000',
    ],
    [
      'a trend period no memory can hold',
      ['--symbols', 'ORCL', '--strategy', 'rsi_reversion', '--param', 'trend_period=1000000000'],
      'config/strategies/rsi_reversion.yaml with trend_period=1000000000: trend_period: must be at most 1000000 bars, got 1000000000',
    ],
    [
      'a range with no stored bars, answered with what is stored',
      ['--symbols', 'ORCL', '--from', '2030-01-01', '--to', '2031-01-01'],
      'no ORCL 1d candles between 2030-01-01 and 2031-01-01: the stored ones run 1995-01-03 → 1996-12-27 (504 bars)',
    ],
    ['a range that ends before the stored bars', ['--symbols', 'ORCL', '--to', '1990-01-01'], 'no ORCL 1d candles up to 1990-01-01: the stored ones run 1995-01-03'],
  ])('%s', async (_case, args, message) => {
    const { code, stdout, stderr } = await run('backtest.ts', [...BACKTEST, '--db', marketDb, '--out', outDir, ...args], { TZ: 'America/New_York' });
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(message)]);
    expect(stderr).toStartWith('error: ');
    expect(stdout).toBe('');
    expect(code).toBe(1);
    expect(existsSync(outDir)).toBe(false);
    expect(runRows()).toBe(0);
  }, 30_000);

  test('a bad timeframe names the option', async () => {
    const { code, stderr } = await run('backtest.ts', ['--strategy', 'mean_reversion', '--symbols', 'ORCL', '--timeframe', '1x', '--db', marketDb, '--out', outDir]);
    expect(stderr.trim()).toStartWith('error: --timeframe: unknown timeframe "1x"');
    expect(code).toBe(1);
    expect(existsSync(outDir)).toBe(false);
  }, 30_000);
});

describe('only db:init creates a database', () => {
  const missing = join(dir, 'missing', 'dir', 'x.db');
  const expected = `error: no database at ${missing}: create it with \`bun run db:init --db ${missing}\` (or \`bun run demo\`)`;

  test.each([
    ['backtest', 'backtest.ts', [...BACKTEST, '--symbols', 'ORCL', '--out', outDir]],
    ['data:import', 'data-import.ts', ['--file', join(DATA_DIR, 'orcl-1995-2014.csv'), '--symbol', 'ORCL', '--timeframe', '1d', '--market', 'stock']],
    ['data:validate', 'data-validate.ts', ['--symbol', 'ORCL', '--timeframe', '1d']],
    ['data:remove', 'data-remove.ts', ['--symbol', 'ORCL']],
    ['collect', 'collect.ts', ['--symbols', 'BTC/USDT', '--timeframe', '1h', '--from', '2024-01-01', '--base-url', 'http://127.0.0.1:9', '--quiet']],
  ])('%s with a --db that does not exist names it, says to run db:init and creates nothing', async (_name, script, args) => {
    const { code, stderr } = await run(script, [...args, '--db', missing]);
    expect(stderr.trimEnd()).toBe(expected);
    expect(code).toBe(1);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(existsSync(outDir)).toBe(false);
  }, 30_000);
});

describe('a --db that SQLite cannot open is named in one line', () => {
  const folder = join(dir, 'a-folder.db');
  const textFile = join(dir, 'notes.db');

  test.each([
    ['db:init', 'db-init.ts', []],
    ['data:remove', 'data-remove.ts', ['--symbol', 'ORCL']],
    ['backtest', 'backtest.ts', [...BACKTEST, '--symbols', 'ORCL', '--out', outDir]],
  ])('%s on a directory or on a file that is not a database', async (_name, script, args) => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(textFile, 'not a database\n');
    for (const [path, reason] of [[folder, 'is a directory, not a database file'], [textFile, 'is not a SQLite database']]) {
      const { code, stdout, stderr } = await run(script, [...args, '--db', path!]);
      expect(stderr.trimEnd()).toBe(`error: ${path}: ${reason}`);
      expect(stdout).toBe('');
      expect(code).toBe(1);
    }
    expect(readFileSync(textFile, 'utf8')).toBe('not a database\n');
    expect(existsSync(outDir)).toBe(false);
  }, 30_000);
});

test('sweep:worker with no Redis at its --queue address says so in one line and exits, instead of retrying forever', async () => {
  // A port nothing listens on: taken from the OS, then released.
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const { code, stdout, stderr } = await run('sweep-worker.ts', ['--queue', `redis://127.0.0.1:${port}`]);
  expect(stderr.trimEnd()).toBe(`error: --queue redis://127.0.0.1:${port}: cannot reach Redis: connect ECONNREFUSED 127.0.0.1:${port}`);
  expect(stdout).toBe('');
  expect(code).toBe(1);
}, 30_000);

test('a run without --from/--to states the range it used and prints money in cents', async () => {
  const { code, stdout, stderr } = await run('backtest.ts', [...BACKTEST, '--symbols', 'ORCL', '--db', marketDb, '--out', outDir]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^range +1995-01-03 → 1996-12-27 \(every stored bar: no --from\/--to\)$/m);
  expect(stdout).not.toContain('-0.00');
  const json = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  for (const field of ['start_equity', 'final_equity', 'fees', 'expectancy', 'avg_win', 'avg_loss', 'best_trade', 'worst_trade']) {
    expect(Number(json[field]!.toFixed(2))).toBe(json[field]!);
  }
  expect(runRows()).toBe(1);
  expect(readdirSync(outDir)).toHaveLength(2); // the run DB and its report (+ WAL files while open, none after)
}, 30_000);
