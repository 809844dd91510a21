// Runs `bun scripts/<command>.ts` as a real process and follows its output line by line, so a test can act
// at a moment the process announces (session started, a fill) — and kill it by its own PID.
import { join } from 'node:path';
import { Database } from 'bun:sqlite';

export const ROOT = join(import.meta.dir, '..', '..');

export interface RunningCommand {
  readonly pid: number;
  readonly lines: string[];
  /** Resolves with the first line (already printed or still to come) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number>;
  stderr(): Promise<string>;
  kill(signal?: NodeJS.Signals): void;
}

export function startCommand(script: string, args: string[], env: Record<string, string> = {}): RunningCommand {
  const child = Bun.spawn(['bun', join('scripts', `${script}.ts`), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const stderrText = new Response(child.stderr).text();
  const pump = (async () => {
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of child.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.pattern.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    }
    if (pending) lines.push(pending);
  })();
  return {
    pid: child.pid,
    lines,
    waitFor(pattern, timeoutMs = 30_000) {
      const found = lines.find((l) => pattern.test(l));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got:\n${lines.slice(-10).join('\n')}`)), timeoutMs);
        waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        child.exited.then(async () => {
          await pump;
          const late = lines.find((l) => pattern.test(l));
          clearTimeout(timer);
          if (late !== undefined) resolve(late);
          else reject(new Error(`process exited without a line matching ${pattern}; stderr: ${(await stderrText).trim()}; stdout tail:\n${lines.slice(-10).join('\n')}`));
        });
      });
    },
    exited: child.exited.then(async (code) => (await pump, code)),
    stderr: () => stderrText,
    kill(signal = 'SIGKILL') {
      // The process may have ended on its own a moment ago.
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Runs a command to completion: exit code, stdout, stderr. */
export async function runCommand(script: string, args: string[], env: Record<string, string> = {}) {
  const c = startCommand(script, args, env);
  const code = await c.exited;
  return { code, stdout: c.lines.join('\n'), stderr: await c.stderr() };
}

/** The rows `sql` selects from the database at `path`, opened read-only for the one query. */
export function query<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.query(sql).all() as T[];
  } finally {
    db.close();
  }
}
