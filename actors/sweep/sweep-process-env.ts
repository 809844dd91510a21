// The environment a sweep process starts with (`bun run sweep`, `bun run sweep:worker`, the bench's sweep probes).
//
// Bun allocates through mimalloc, which by default hands freed pages back to the kernel 100 ms after they empty
// (madvise). A sweep frees and reallocates the same few hundred MB thousands of times, and in a process whose
// threads run on every core each give-back is a TLB shootdown that interrupts the other worker threads: on the
// 2-core CI machine about 5,000 madvise calls per 1,577-combination sweep, 40 % of its page faults and a third of
// its system time. Keeping freed pages for reuse instead makes a 2-worker sweep about 15 % faster (1 worker: no
// change); the price is that a process keeps its peak footprint until it exits, which a batch sweep does anyway
// and a long-lived sweep:worker reuses for the next sweep. mimalloc reads it once, when the process starts, so it
// is set in package.json's scripts (a test checks they agree with this) and by whoever spawns a sweep process.
export const SWEEP_PROCESS_ENV = { MIMALLOC_PURGE_DELAY: '-1' } as const;

/** The environment for a child process that runs a sweep: this process's, with the sweep's settings. */
export function sweepChildEnv(): Record<string, string | undefined> {
  return { ...process.env, ...SWEEP_PROCESS_ENV };
}

/** The script prefix package.json's sweep commands carry, e.g. `MIMALLOC_PURGE_DELAY=-1`. */
export function sweepEnvPrefix(): string {
  return Object.entries(SWEEP_PROCESS_ENV)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
}
