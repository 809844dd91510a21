// The README is the newcomer's manual: every `bun run ...` line in its code blocks and its command table must
// be a script package.json has, and must accept the options the README shows (parseArgs is strict, so an
// option a command does not take fails the line). Each is run with --help appended; db:init also for real.
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/real-data.ts';

const ROOT = join(import.meta.dir, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Splits a shell command line into words: quotes group, `#` starts a comment, `&&` / `;` separate commands. */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  const pattern = /\s*(?:(#.*$)|(&&|;|\|\|)|'([^']*)'|"([^"]*)"|((?:\\.|[^\s'";&|#])+))/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(line)) !== null && match[0] !== '') {
    if (match[1] !== undefined) break;
    if (match[2] !== undefined) commands.push([]);
    else commands[commands.length - 1]!.push(match[3] ?? match[4] ?? match[5]!.replace(/\\(.)/g, '$1'));
  }
  return commands.filter((words) => words.length > 0);
}

/** Every `bun run ...` command in the README's fenced code blocks and in its table's first column. */
export function readmeCommands(markdown: string): string[][] {
  const found: string[][] = [];
  for (const block of markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)) {
    for (const line of block[1]!.split('\n')) found.push(...shellCommands(line).filter((words) => words[0] === 'bun' && words[1] === 'run'));
  }
  for (const row of markdown.matchAll(/^\| `(bun run [^`]+)` \|/gm)) found.push(...shellCommands(row[1]!.replace(/\\\|/g, '|')));
  return found;
}

describe('reading commands out of the README', () => {
  test('splits words, quotes, comments and chained commands', () => {
    expect(shellCommands(`bun install && bun run demo   # set up`)).toEqual([['bun', 'install'], ['bun', 'run', 'demo']]);
    expect(shellCommands(`bun run x --columns "ts=Date,adj=Adj Close" --q 'a b'`)).toEqual([
      ['bun', 'run', 'x', '--columns', 'ts=Date,adj=Adj Close', '--q', 'a b'],
    ]);
  });

  test('finds the code-block and table commands', () => {
    const commands = readmeCommands('```sh\nbun run a --x 1  # c\nbun test\n```\n\n| `bun run b --y` | z |\n| `bun test` | no |\n');
    expect(commands).toEqual([['bun', 'run', 'a', '--x', '1'], ['bun', 'run', 'b', '--y']]);
  });
});

const commands = readmeCommands(README);

test('the README lists the commands of its table and examples', () => {
  const names = new Set(commands.map((words) => words[2]));
  for (const name of ['demo', 'db:init', 'data:import', 'data:validate', 'collect', 'backtest', 'bench', 'dashboard', 'typecheck']) {
    expect(names).toContain(name);
  }
});

describe('every README command runs with --help', () => {
  test.each(commands.map((words) => [words.slice(2).join(' '), words] as const))('bun run %s --help', async (_line, words) => {
    const name = words[2]!;
    expect(Object.keys(SCRIPTS)).toContain(name);
    const child = Bun.spawn([...words, '--help'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    // Our commands print their own usage; typecheck is tsc's, which prints its own help.
    expect(stdout).toContain(name === 'typecheck' ? 'tsc' : `Usage: bun run ${name}`);
  }, 60_000);
});

test('bun run db:init, for real, creates the database it names', async () => {
  const init = commands.find((words) => words[2] === 'db:init')!;
  const path = join(tempDir('qs-readme-'), 'nested', 'quantsage.db');
  const child = Bun.spawn([...init, '--db', path], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect(code).toBe(0);
  expect(stdout).toContain(`database ready: ${path}`);
  expect(existsSync(path)).toBe(true);
}, 60_000);

describe('what the README says about --db', () => {
  // "Every command ... takes `--db PATH`" or "All but `bench` take `--db PATH`": the exceptions are read from the text.
  const sentence = /(Every command|All but ((?:`[^`]+`(?:, | and )?)+)) [^.]*?takes? `--db PATH`/.exec(README);
  const exceptions = [...(sentence?.[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const names = [...new Set(commands.map((words) => words[2]!))].filter((name) => name !== 'typecheck');

  test('the README states which commands take --db', () => {
    expect(sentence).not.toBeNull();
  });

  test.each(names)('%s takes --db exactly when the README says so', async (name) => {
    const child = Bun.spawn(['bun', 'run', name, '--db', join(tempDir('qs-readme-db-'), 'x.db'), '--help'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
    const code = await child.exited;
    expect({ name, acceptsDb: code === 0 }).toEqual({ name, acceptsDb: !exceptions.includes(name) });
  }, 60_000);
});

test('every file path the README names exists', () => {
  const paths = [...README.matchAll(/`((?:config|machines|actors|db|web|scripts|test)\/[^`<>*\s]+\.(?:ts|yaml|js))`/g)].map((m) => m[1]!);
  expect(paths.length).toBeGreaterThan(5);
  expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
});
