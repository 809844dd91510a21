// `bun run backtest` with a misspelt --strategy: one line with the valid names and the nearest, nothing written.
import { afterAll, expect, test } from 'bun:test';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const dir = tempDir('qs-strategy-name-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a misspelt strategy name lists the valid strategies and suggests the nearest', () => {
  const out = join(dir, 'backtests');
  const proc = Bun.spawnSync([
    'bun', 'scripts/backtest.ts', '--strategy', 'rsi_reverson', '--symbols', 'ORCL', '--timeframe', '1d',
    '--db', join(dir, 'market.db'), '--out', out, '--quiet',
  ], { cwd: REPO_ROOT });
  expect(proc.exitCode).toBe(1);
  expect(proc.stdout.toString()).toBe('');
  expect(proc.stderr.toString()).toBe(
    'error: --strategy: no strategy "rsi_reverson"; did you mean rsi_reversion? (valid: mean_reversion, rsi_reversion)\n',
  );
  expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
}, 60_000);
