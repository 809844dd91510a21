// Hostile CSV content echoed by data:import and data:validate: bounded (≤ 80 characters per value) and inert
// (control characters escaped), through the real commands.
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATA_DIR, tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const NVDA = join(DATA_DIR, 'nvda-1999-2014.csv');
const dir = tempDir('qs-csv-echo-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLEAR_SCREEN = '\x1b[2J\x1b[H';
const HUGE = 'A'.repeat(5_000_000);

function run(script: string, args: string[]): { exitCode: number; stdout: string; stderr: string } {
  // Only db:init creates a database: do what a user must before an import.
  const db = args[args.indexOf('--db') + 1];
  if (script === 'data-import.ts' && db !== undefined && !existsSync(db)) {
    Bun.spawnSync(['bun', join(REPO_ROOT, 'scripts', 'db-init.ts'), '--db', db], { cwd: REPO_ROOT });
  }
  const proc = Bun.spawnSync(['bun', join(REPO_ROOT, 'scripts', script), ...args], { cwd: REPO_ROOT });
  return { exitCode: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

/** The first lines of the real NVDA file with `edit` applied to the lines (header first). */
function nvdaWith(name: string, edit: (lines: string[]) => void): string {
  const lines = readFileSync(NVDA, 'utf8').split('\n').slice(0, 40);
  edit(lines);
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

/** No raw control character reaches the terminal and no line is longer than a few 80-character values. */
function expectInert(output: string): void {
  expect(output).not.toContain('\x1b');
  expect(output).not.toContain('\r');
  for (const line of output.split('\n')) expect(line.length).toBeLessThan(400);
}

const IMPORT_ARGS = ['--symbol', 'NVDA', '--timeframe', '1d', '--market', 'stock'];

describe('data:import echoes file content bounded and escaped', () => {
  test('a header carrying a clear-screen sequence is shown escaped', () => {
    const file = nvdaWith('esc-header.csv', (lines) => (lines[0] = `${CLEAR_SCREEN}When,Open,High,Low,Close,Adj Close,Volume`));
    const result = run('data-import.ts', ['--file', file, ...IMPORT_ARGS, '--db', join(dir, 'a.db')]);
    expect(result.exitCode).toBe(1);
    expectInert(result.stderr);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('esc-header.csv line 1: unrecognised header (\\x1b[2J\\x1b[HWhen, Open');
  }, 60_000);

  test('a 5 MB cell is cut to 80 characters with an ellipsis', () => {
    const file = nvdaWith('huge-cell.csv', (lines) => {
      const fields = lines[5]!.split(',');
      fields[1] = HUGE;
      lines[5] = fields.join(',');
    });
    const result = run('data-import.ts', ['--file', file, ...IMPORT_ARGS, '--db', join(dir, 'b.db')]);
    expect(result.exitCode).toBe(1);
    expectInert(result.stderr);
    expect(result.stderr).toContain(`huge-cell.csv line 6 (1999-01-28): open "${'A'.repeat(79)}…" is not a number`);
  }, 60_000);

  test('a 5 MB header is cut too', () => {
    const file = nvdaWith('huge-header.csv', (lines) => (lines[0] = `${HUGE},Open,High,Low,Close,Adj Close,Volume`));
    const result = run('data-import.ts', ['--file', file, ...IMPORT_ARGS, '--db', join(dir, 'c.db')]);
    expect(result.exitCode).toBe(1);
    expectInert(result.stderr);
    expect(result.stderr).toContain(`unrecognised header (${'A'.repeat(79)}…)`);
  }, 60_000);

  test('an unreadable time with escapes and a mapped column missing from the header are shown escaped', () => {
    const file = nvdaWith('esc-time.csv', (lines) => (lines[3] = lines[3]!.replace(/^[^,]+/, `1999-01-2\x1b[31m7${HUGE}`)));
    const result = run('data-import.ts', ['--file', file, ...IMPORT_ARGS, '--db', join(dir, 'd.db')]);
    expect(result.exitCode).toBe(1);
    expectInert(result.stderr);
    expect(result.stderr).toContain('esc-time.csv line 4: Date "1999-01-2\\x1b[31m7AAA');

    const mapped = run('data-import.ts', [
      '--file', file, ...IMPORT_ARGS, '--db', join(dir, 'e.db'), '--columns', `ts=\x1b]0;pwned\x07,open=Open,high=High,low=Low,close=Close,volume=Volume`,
    ]);
    expect(mapped.exitCode).toBe(1);
    expectInert(mapped.stderr);
    expect(mapped.stderr).toContain('column "\\x1b]0;pwned\\x07" (for ts) is not in the header');
  }, 60_000);
});

describe('data:validate --file echoes the same way', () => {
  test('every issue line is bounded and escaped', () => {
    const file = nvdaWith('validate-hostile.csv', (lines) => {
      const fields = lines[7]!.split(',');
      fields[2] = `\x1b[2J${HUGE}`;
      lines[7] = fields.join(',');
    });
    const result = run('data-validate.ts', ['--file', file, '--timeframe', '1d', '--market', 'stock']);
    expect(result.exitCode).toBe(1);
    expectInert(result.stdout);
    expect(result.stdout).toContain('validate-hostile.csv line 8 (1999-02-01): high "\\x1b[2JAAAA');
  }, 60_000);
});
