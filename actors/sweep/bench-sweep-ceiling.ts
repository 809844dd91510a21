// What this machine allows a sweep's workload, for `bun run bench`: the same combinations as plain loops of
// runCombination (no thread pool, no coordinator, no results database), warmed up by one pass over them, in one
// process and in two processes at once that split the grid between them. Each process is its own
// JavaScriptCore VM with its own compiler and collector threads, as each sweep worker is, so the two-process figure
// is the most any number of workers could make of the same work here; the sweep's own speedup reads against it.
import { availableParallelism } from 'node:os';
import { loadRiskLimits, loadStrategyDefinition, loadVenueConfig } from '../adapters/config.ts';
import { runCombination, type CombinationJob } from './combination.ts';
import { planSweep } from './run-sweep.ts';
import { median, perSecond, round2, speedupPerRound, type Timed } from './bench-figures.ts';
import { sweepChildEnv } from './sweep-process-env.ts';

export interface CeilingProbe {
  combinations: number;
  seconds: number;
  cpu_seconds: number;
}

export interface SweepCeiling {
  grid: string;
  combinations: number;
  rounds: number;
  processes: number;
  combos_per_s_1_process: number;
  combos_per_s_all_processes: number;
  /** all processes ÷ 1 process. */
  speedup: number;
  /** The same within each round. */
  speedup_rounds: number[];
  cpu_cores_1_process: number;
}

const READY = 'ready';

/**
 * The bench's child: combinations `part`, `part + parts`, … of the grid, run once to warm up; then it prints READY,
 * waits for a line on stdin (so processes sharing the machine start their timed pass together), runs them again
 * and returns the timed pass.
 */
export async function runCeilingProbe(dbPath: string, grid: string, range: { fromTs: number; toTs: number }, part: number, parts: number): Promise<CeilingProbe> {
  const plan = await planSweep({ strategyName: 'mean_reversion', grid, metric: 'sharpe', symbols: ['BTC/USD'], timeframe: '1d', ...range, workers: 1, keep: 0, dbPath, outDir: '.', now: () => Date.now() });
  const { definition } = await loadStrategyDefinition('mean_reversion');
  const env = { definition, limits: loadRiskLimits(), venue: loadVenueConfig() };
  const jobs: CombinationJob[] = plan.combos.map((params, id) => ({ id, params, ...range })).filter((job) => job.id % parts === part);
  for (const job of jobs) runCombination(plan.setup, env, plan.columns, job);
  console.log(READY);
  await Bun.stdin.stream().getReader().read();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const job of jobs) runCombination(plan.setup, env, plan.columns, job);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { combinations: jobs.length, seconds, cpu_seconds: (used.user + used.system) / 1e6 };
}

/** `probeCommand(part, parts)` is the command line of a child running runCeilingProbe that prints its JSON last. */
export async function measureCeiling(grid: string, rounds: number, probeCommand: (part: number, parts: number) => string[]): Promise<SweepCeiling> {
  const processes = availableParallelism();
  const one: CeilingProbe[] = [];
  const all: Timed[] = [];
  for (let round = 0; round < rounds; round++) {
    one.push((await startedTogether(1, probeCommand))[0]!);
    const probes = await startedTogether(processes, probeCommand);
    all.push({ combinations: sum(probes.map((p) => p.combinations)), seconds: Math.max(...probes.map((p) => p.seconds)) });
  }
  const rate = (runs: Timed[]) => median(runs.map(perSecond));
  return {
    grid,
    combinations: one[0]!.combinations,
    rounds,
    processes,
    combos_per_s_1_process: round2(rate(one)),
    combos_per_s_all_processes: round2(rate(all)),
    speedup: round2(rate(all) / rate(one)),
    speedup_rounds: speedupPerRound(one, all),
    cpu_cores_1_process: round2(median(one.map((p) => p.cpu_seconds / p.seconds))),
  };
}

/** Starts `parts` probes, lets them warm up, then releases their timed passes at the same moment. */
async function startedTogether(parts: number, probeCommand: (part: number, parts: number) => string[]): Promise<CeilingProbe[]> {
  const children = Array.from({ length: parts }, (_, part) => Bun.spawn(probeCommand(part, parts), { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit', env: sweepChildEnv() }));
  try {
    const outputs = children.map((child) => readLines(child.stdout));
    await Promise.all(outputs.map((out, part) => out.until(READY, `ceiling probe ${part + 1}/${parts}`)));
    for (const child of children) {
      child.stdin.write('go\n');
      await child.stdin.end();
    }
    return await Promise.all(
      children.map(async (child, part) => {
        const code = await child.exited;
        const last = (await outputs[part]!.rest()).trim().split('\n').at(-1) ?? '';
        if (code !== 0) throw new Error(`ceiling probe ${part + 1}/${parts} failed (exit ${code}): ${last}`);
        return JSON.parse(last) as CeilingProbe;
      }),
    );
  } finally {
    for (const child of children) child.kill();
  }
}

function readLines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    async until(line: string, name: string): Promise<void> {
      while (!text.split('\n').includes(line)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`${name} ended before it was ready: ${text.trim().split('\n').at(-1) ?? ''}`);
        text += decoder.decode(value, { stream: true });
      }
    },
    async rest(): Promise<string> {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
