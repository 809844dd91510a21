// bun run sweep:worker — runs the combinations of sweeps started with `bun run sweep --queue`, on this machine's cores.
import { availableParallelism } from 'node:os';
import { parseCommandArgs, required, runMain } from '../actors/adapters/cli.ts';
import { startSweepQueueWorker } from '../actors/sweep/queue-worker.ts';
import { DEFAULT_LOCK_MS, parseQueueUrl } from '../actors/sweep/sweep-queue.ts';

const USAGE = `Usage: bun run sweep:worker --queue redis://HOST:PORT [--concurrency N]

Takes the combination jobs of every sweep started with \`bun run sweep --queue redis://HOST:PORT\`, runs each as a
full backtest on one thread per job, and returns its summary and equity curve to the sweep's coordinator. Start
one on as many machines as you like, each from the same checkout (a worker whose config/ or strategy code differs
from the coordinator's refuses the jobs). The candles come with the sweep, through Redis: no database is needed.
A worker that dies mid-job has its job run again by another worker once its lock expires.

  --queue URL          the Redis the sweep coordinator uses
  --concurrency N      jobs at once, one thread each (default: one per core, here ${availableParallelism()})
  --lock-duration MS   how long a job stays locked to this worker without renewal (default ${DEFAULT_LOCK_MS}); a
                       dead worker's job is taken back after about twice this
  --quiet              no line per job`;

await runMain(async () => {
  const args = parseCommandArgs(
    {
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      'lock-duration': { type: 'string' },
      quiet: { type: 'boolean' },
    },
    USAGE,
  );
  const url = parseQueueUrl(required('queue', args.queue));
  const whole = (flag: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${flag} must be a whole number ≥ 1, got ${value}`);
    return Number(value);
  };
  const concurrency = whole('concurrency', args.concurrency, availableParallelism());
  const lockMs = whole('lock-duration', args['lock-duration'], DEFAULT_LOCK_MS);
  const worker = await startSweepQueueWorker({ url, concurrency, lockMs, log: args.quiet ? undefined : (line) => console.log(line) });
  console.log(`sweep:worker on ${url}: ${concurrency} job(s) at once, lock ${lockMs} ms; Ctrl-C finishes the jobs in hand and stops`);
  const stop = () => {
    void worker.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
