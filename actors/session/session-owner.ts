// Which process runs a paper/live session. The process that starts or resumes a session claims it — its PID,
// host and start identity written into the session's row in the same IMMEDIATE transaction that checked nobody
// alive holds it — and clears the claim when it stops. A second process reads the claim and refuses while the
// owner lives; a SIGKILLed owner leaves its claim behind, but its PID is gone (or belongs to another process
// since), so the restart resumes at once. The heartbeat alone could not say that: a live owner replaying a long
// journal writes none, and a killed one leaves a fresh one behind.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunRow } from '../../db/schema.ts';

export interface ProcessOwner {
  pid: number;
  host: string;
  /** `<boot id>:<start time in clock ticks>` on Linux (a reused PID or a reboot is not the owner); else ''. */
  start: string;
}

/** Without a way to see the owner's process (another host, a session written before claims), a heartbeat this recent means alive. */
export const HEARTBEAT_ALIVE_MS = 5_000;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** State and start time of a process from /proc/<pid>/stat (Linux), or undefined where there is no /proc. */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
}

function startIdentity(pid: number): string {
  const boot = readText('/proc/sys/kernel/random/boot_id')?.trim();
  const stat = procStat(pid);
  return boot !== undefined && stat !== undefined ? `${boot}:${stat.startTicks}` : '';
}

let self: ProcessOwner | undefined;

export function thisProcess(): ProcessOwner {
  self ??= { pid: process.pid, host: hostname(), start: startIdentity(process.pid) };
  return self;
}

/** Whether the process `owner` names is still running on this host (false for a zombie or a reused PID). */
function processAlive(owner: ProcessOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as { code?: string }).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  // No /proc (macOS) or it hides other users' processes: the PID answering is all there is to go on.
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.start === '' || owner.start === startIdentity(owner.pid);
}

export function ownerOf(run: Pick<RunRow, 'ownerPid' | 'ownerHost' | 'ownerStart'>): ProcessOwner | undefined {
  if (run.ownerPid === null || run.ownerPid === undefined) return undefined;
  return { pid: run.ownerPid, host: run.ownerHost ?? '', start: run.ownerStart ?? '' };
}

export function sameProcess(a: ProcessOwner | undefined, b: ProcessOwner): boolean {
  return a !== undefined && a.pid === b.pid && a.host === b.host && a.start === b.start;
}

/**
 * Whether a process is running the session now: its status is `running` and its owner is alive — checked on
 * this host by PID and start identity; for an owner on another host (or a session written before owners were
 * recorded) by a heartbeat younger than HEARTBEAT_ALIVE_MS.
 */
export function sessionRunning(run: Pick<RunRow, 'status' | 'heartbeatAt' | 'ownerPid' | 'ownerHost' | 'ownerStart'>, now: number): boolean {
  if (run.status !== 'running') return false;
  const owner = ownerOf(run);
  if (owner !== undefined && owner.host === thisProcess().host) return processAlive(owner);
  // Neither an owner nor a heartbeat (a row written by hand or by a tool): nothing says otherwise.
  if (owner === undefined && run.heartbeatAt === null) return true;
  return run.heartbeatAt !== null && now - run.heartbeatAt < HEARTBEAT_ALIVE_MS;
}

/** `process 1234 on vm` (the host only when it is another one). */
export function ownerText(run: Pick<RunRow, 'ownerPid' | 'ownerHost' | 'ownerStart'>): string {
  const owner = ownerOf(run);
  if (owner === undefined) return 'another process';
  return `process ${owner.pid}${owner.host !== thisProcess().host ? ` on ${owner.host}` : ''}`;
}

/**
 * Whether `owner` is known to have ended: a process on this host that is gone (or whose PID was reused). An owner
 * on another host cannot be checked from here: not known to have ended.
 */
export function ownerProcessEnded(owner: ProcessOwner): boolean {
  return owner.host === thisProcess().host && !processAlive(owner);
}

/** A ProcessOwner stored as JSON (a sweep keeps its owner in its summary while it runs), or undefined. */
export function ownerFromJson(value: unknown): ProcessOwner | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, host, start } = value as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof host !== 'string' || typeof start !== 'string') return undefined;
  return { pid, host, start };
}
