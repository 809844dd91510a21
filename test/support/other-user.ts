// File permissions bind every user but root: a test of a read-only file runs its process as someone else.
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');

/** The command prefix that runs a process as a user who may not write this user's files: none unless we are root. */
export const AS_OTHER_USER: string[] =
  process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', 'HOME=/tmp'] : [];

/** Whether that user can run bun on this checkout (setpriv present, the checkout readable by nobody). */
export const otherUserCanRun: boolean =
  (AS_OTHER_USER.length === 0 || Bun.which('setpriv') !== null) &&
  Bun.spawnSync([...AS_OTHER_USER, 'bun', join(ROOT, 'scripts', 'db-init.ts'), '--help'], { cwd: ROOT, stdout: 'ignore', stderr: 'ignore' })
    .exitCode === 0;

