// The allocator setting a sweep process needs (actors/sweep/sweep-process-env.ts) reaches mimalloc when a user
// types `bun run sweep` or `bun run sweep:worker`: mimalloc reports its options with MIMALLOC_VERBOSE=1.
import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { SWEEP_PROCESS_ENV, sweepEnvPrefix } from '../../../actors/sweep/sweep-process-env.ts';

const ROOT = join(import.meta.dir, '..', '..', '..');

test("package.json's sweep commands start with the sweep process environment", async () => {
  const { scripts } = (await Bun.file(join(ROOT, 'package.json')).json()) as { scripts: Record<string, string> };
  expect(scripts.sweep).toBe(`${sweepEnvPrefix()} bun scripts/sweep.ts`);
  expect(scripts['sweep:worker']).toBe(`${sweepEnvPrefix()} bun scripts/sweep-worker.ts`);
});

for (const command of ['sweep', 'sweep:worker']) {
  test(`bun run ${command} starts with mimalloc keeping freed pages (purge_delay ${SWEEP_PROCESS_ENV.MIMALLOC_PURGE_DELAY})`, () => {
    const child = Bun.spawnSync(['bun', 'run', command, '--help'], { cwd: ROOT, env: { ...process.env, MIMALLOC_VERBOSE: '1' }, timeout: 30_000 });
    expect(child.exitCode).toBe(0);
    const delays = [...child.stderr.toString().matchAll(/option 'purge_delay': (-?\d+)/g)].map((m) => m[1]);
    // The first line is `bun run` itself; the last is the command's own process.
    expect(delays.at(-1)).toBe(SWEEP_PROCESS_ENV.MIMALLOC_PURGE_DELAY);
  });
}
