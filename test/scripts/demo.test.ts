// The newcomer's first command, run as a real process.
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { tempDir } from '../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..');

async function demo(env: Record<string, string>, dir: string) {
  const child = Bun.spawn(['bun', 'scripts/demo.ts', '--db', join(dir, 'demo.db'), '--quiet'], {
    cwd: ROOT,
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
});
