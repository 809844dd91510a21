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

/** The host probes' loops, each about 2 s on the CI machine alone. */
const HOST_PROBES = {
  /** xorshift steps: registers only. */
  arithmetic: 1_200_000_000,
  /** Passes over a 32 MB array, a cache line per read: memory traffic, as the two workers' 13–14 MB nurseries make. */
  memory: 1_500,
} as const;
export type HostProbeKind = keyof typeof HOST_PROBES;
const STREAM_BYTES = 32 * 1024 * 1024;

/** What the host gives a loop of one kind: 1 process vs one per core at once. */
export interface HostCeiling {
  kind: HostProbeKind;
  processes: number;
  rounds: number;
  /** all processes ÷ 1 process (medians of the rounds); for arithmetic on N dedicated cores about N. */
  speedup: number;
  speedup_rounds: number[];
}

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

/**
 * The bench's child for the host ceilings: a loop warmed up, then timed when released. `arithmetic` stays in
 * registers (no allocation, no memory traffic, no collector); `memory` streams through an array larger than a core's
 * L2, a cache line per read. Run in 1 process and in one per core at once, they show what the host gives at that
 * moment: arithmetic about N× on N dedicated cores (less when the virtual CPUs share physical cores or time with
 * other guests), memory whatever bandwidth the shared L3 and memory leave. No workload scales past the one that binds it.
 */
export async function runHostProbe(kind: HostProbeKind): Promise<CeilingProbe & { check: number }> {
  const units = HOST_PROBES[kind];
  const loop = kind === 'arithmetic' ? spin : streamLoop(STREAM_BYTES);
  loop(Math.ceil(units / 20));
  console.log(READY);
  await Bun.stdin.stream().getReader().read();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const check = loop(units);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { combinations: units, seconds, cpu_seconds: (used.user + used.system) / 1e6, check };
}

/** xorshift32, `n` steps: its result is printed so the loop cannot be optimised away. */
function spin(n: number): number {
  let x = 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

/** `passes` over `bytes` of float64, one read per 64-byte cache line. */
function streamLoop(bytes: number): (passes: number) => number {
  const values = new Float64Array(bytes / 8).map((_, i) => i % 3);
  return (passes) => {
    let sum = 0;
    for (let pass = 0; pass < passes; pass++) {
      for (let i = pass % 8; i < values.length; i += 8) sum += values[i]!;
    }
    return sum;
  };
}

/** `probeCommand()` is the command line of a child running runHostProbe that prints its JSON last. */
export async function measureHostCeiling(kind: HostProbeKind, rounds: number, probeCommand: () => string[]): Promise<HostCeiling> {
  const { processes, one, all } = await oneAndAll(rounds, probeCommand);
  const rate = (runs: Timed[]) => median(runs.map(perSecond));
  return { kind, processes, rounds, speedup: round2(rate(all) / rate(one)), speedup_rounds: speedupPerRound(one, all) };
}

/** `probeCommand(part, parts)` is the command line of a child running runCeilingProbe that prints its JSON last. */
export async function measureCeiling(grid: string, rounds: number, probeCommand: (part: number, parts: number) => string[]): Promise<SweepCeiling> {
  const { processes, one, all } = await oneAndAll(rounds, probeCommand);
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

/** Each round: 1 probe alone, then one per core released together (their work summed, timed by the slowest). */
async function oneAndAll(rounds: number, probeCommand: (part: number, parts: number) => string[]): Promise<{ processes: number; one: CeilingProbe[]; all: Timed[] }> {
  const processes = availableParallelism();
  const one: CeilingProbe[] = [];
  const all: Timed[] = [];
  for (let round = 0; round < rounds; round++) {
    one.push((await startedTogether(1, probeCommand))[0]!);
    const probes = await startedTogether(processes, probeCommand);
    all.push({ combinations: sum(probes.map((p) => p.combinations)), seconds: Math.max(...probes.map((p) => p.seconds)) });
  }
  return { processes, one, all };
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
