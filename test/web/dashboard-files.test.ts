// What the dashboard opens and how: only the --db file is migrated (and only it may change); every other run
// DB, and every sweep DB, is read without a byte changing or a file appearing; foreign files are listed as unreadable; `/` opens
// the run of --db; a missing --db is refused unless it is the paper/live DB, which the dashboard waits for.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Database } from 'bun:sqlite';
import { eq } from 'drizzle-orm';
import { closeDb, openDb } from '../../db/client.ts';
import { runs } from '../../db/schema.ts';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { inlineScriptHashes, reportContentSecurityPolicy } from '../../web/report/report-policy.ts';
import { buildSmallRun, insertRun } from '../support/dashboard-db.ts';
import { DATA_DIR, tempDir } from '../support/real-data.ts';
import { SseReader } from '../support/sse.ts';

const dir = tempDir('qs-dash-files-');
const backtestsDir = join(dir, 'backtests');
const sweepsDir = join(dir, 'sweeps');
const foreignDir = join(dir, 'elsewhere');
const marketPath = join(dir, 'market.db');
const plantedEmpty = join(foreignDir, 'not-a-run.db');
const ROOT = join(import.meta.dir, '..', '..');
let RUN = '';
let NEWER = '';
let SWEEP = '';
let dashboard: Dashboard;

function checksums(...roots: string[]): Record<string, string> {
  const sums: Record<string, string> = {};
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else sums[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  };
  for (const root of roots) walk(root);
  return sums;
}

/** The commands a user runs, each in its own process (so every file is closed as a finished run leaves it). */
function command(...args: string[]): void {
  const result = Bun.spawnSync(['bun', ...args], { cwd: ROOT });
  if (result.exitCode !== 0) throw new Error(`${args.join(' ')}: ${result.stderr.toString()}`);
}

beforeAll(() => {
  mkdirSync(foreignDir, { recursive: true });
  command('scripts/db-init.ts', '--db', marketPath);
  command('scripts/data-import.ts', '--db', marketPath, '--file', join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'),
    '--symbol', 'BTC/USD', '--timeframe', '1d', '--market', 'crypto');
  const backtest = (from: string, to: string) => command('scripts/backtest.ts', '--db', marketPath, '--strategy', 'mean_reversion',
    '--symbols', 'BTC/USD', '--timeframe', '1d', '--from', from, '--to', to, '--out', backtestsDir, '--quiet');
  backtest('2016-01-01', '2017-12-31');
  [RUN] = readdirSync(backtestsDir).filter((f) => f.endsWith('.db')).map((f) => f.replace(/\.db$/, ''));
  // A sweep with its report and one kept run (a run DB inside the sweeps folder, listed in the market DB's runs).
  command('scripts/sweep.ts', '--db', marketPath, '--strategy', 'mean_reversion', '--symbols', 'BTC/USD', '--timeframe', '1d',
    '--from', '2016-01-01', '--to', '2017-12-31', '--grid', 'lookback=20|30', '--workers', '1', '--keep', '1', '--out', sweepsDir, '--quiet');
  [SWEEP] = readdirSync(sweepsDir).filter((f) => f.endsWith('.db')).map((f) => f.replace(/\.db$/, ''));
  // Another tool's SQLite file among the sweeps.
  const stray = new Database(join(sweepsDir, 'stray.db'), { create: true });
  stray.exec('CREATE TABLE things (id INTEGER PRIMARY KEY);');
  stray.close();
  // A newer run in its own file, so "the newest run overall" is not the first backtest's.
  Bun.sleepSync(1100);
  backtest('2018-01-01', '2018-12-31');
  NEWER = readdirSync(backtestsDir).filter((f) => f.endsWith('.db')).map((f) => f.replace(/\.db$/, '')).find((id) => id !== RUN)!;
  // A runs row naming an existing empty file: the dashboard must neither create tables in it nor list it.
  writeFileSync(plantedEmpty, '');
  const market = openDb(marketPath);
  insertRun(market, { id: 'points-at-empty' });
  market.update(runs).set({ dbPath: plantedEmpty }).where(eq(runs.id, 'points-at-empty')).run();
  closeDb(market);
  // Foreign files in the backtests folder: a text file and another tool's SQLite database.
  writeFileSync(join(backtestsDir, 'notes.db'), 'not a database\n');
  const other = new Database(join(backtestsDir, 'other-tool.db'), { create: true });
  other.exec("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO things (name) VALUES ('x');");
  other.close();
  dashboard = createDashboard({ dbPath: marketPath, backtestsDir, sweepsDir });
}, 120_000);

afterAll(() => dashboard?.close());

const get = (d: Dashboard, path: string) => d.app.request(`http://localhost${path}`);

/** Follows every link, htmx URL and the live stream a page offers, from `/`, `/runs` and `/machines`. */
async function browseEverything(d: Dashboard): Promise<Set<string>> {
  const queue = ['/', '/runs', '/machines', '/partials/runs', '/partials/session'];
  const seen = new Set<string>();
  while (queue.length > 0 && seen.size < 400) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    if (/\/stream(\?|$)/.test(path)) {
      const stream = new SseReader(await get(d, path));
      await stream.until((e) => e.event === 'hello');
      await stream.close();
      continue;
    }
    const response = await get(d, path);
    const location = response.headers.get('location');
    if (location !== null) queue.push(location);
    if (!(response.headers.get('content-type') ?? '').includes('text/html')) continue;
    const body = await response.text();
    for (const match of body.matchAll(/(?:href|hx-get|sse-connect)="(\/[^"]*)"/g)) {
      const url = match[1]!.replace(/&amp;/g, '&');
      if (!url.startsWith('/static/')) queue.push(url);
    }
  }
  return seen;
}

describe('files the dashboard reads', () => {
  test('browsing every page changes no byte of any file but the --db, and creates none', async () => {
    const before = checksums(backtestsDir, foreignDir, sweepsDir);
    const pages = await browseEverything(dashboard);
    expect(pages.size).toBeGreaterThan(30);
    // The alerts history and its level filter are among what was browsed.
    expect([...pages].filter((p) => /\/alerts(\/list)?(\?level=\w+)?$/.test(p)).length).toBeGreaterThanOrEqual(4);
    expect(checksums(backtestsDir, foreignDir, sweepsDir)).toEqual(before);
    expect(readdirSync(sweepsDir).sort()).toEqual([SWEEP, `${SWEEP}.db`, `${SWEEP}.html`, 'stray.db'].sort());
    expect(statSync(plantedEmpty).size).toBe(0);
  }, 60_000);

  test('lists a file that is not a QuantSage run DB as unreadable, with the reason', async () => {
    const body = await (await get(dashboard, '/runs')).text();
    expect(body).toMatch(/data-unreadable="not-a-run\.db">.*not a QuantSage run database/s);
    expect(body).toMatch(/data-unreadable="notes\.db">.*not an SQLite database/s);
    expect(body).toMatch(/data-unreadable="other-tool\.db">.*not a QuantSage run database/s);
    expect(body).toContain(`href="/runs/${RUN}/${RUN}"`);
    expect(body).toContain(`href="/runs/${NEWER}/${NEWER}"`);
  });

  test('serves the report under a policy naming the sha256 of exactly its own inline scripts', async () => {
    const response = await get(dashboard, `/runs/${RUN}/${RUN}/report`);
    expect(response.status).toBe(200);
    const page = await response.text();
    const policy = response.headers.get('content-security-policy') ?? '';
    const scriptSrc = /(?:^|; )script-src ([^;]*)/.exec(policy)?.[1]?.split(' ') ?? [];
    const inline = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
      (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
    );
    expect(inline.length).toBe(2);
    expect(scriptSrc).toEqual(inline);
    expect(scriptSrc).toEqual(inlineScriptHashes(page));
    // Elsewhere the strict policy stays.
    expect((await get(dashboard, `/runs/${RUN}/${RUN}`)).headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('sweeps', () => {
  test('are listed beside the runs, linking their report, which is served under its own script policy', async () => {
    const body = await (await get(dashboard, '/runs')).text();
    expect(body).toMatch(new RegExp(`<tr data-sweep="${SWEEP}"><td>[^<]*</td><td><a href="/sweeps/${SWEEP}/report"[^>]*>mean_reversion · BTC/USD · 2016-01-01 → 2017-12-31</a>`));
    expect(body).toContain('<td class="id">lookback=20|30</td><td class="num">2</td><td class="status-finished">finished</td>');
    expect(body).toMatch(/data-unreadable="stray\.db">.*not a QuantSage sweep database/s);
    const report = await get(dashboard, `/sweeps/${SWEEP}/report`);
    expect(report.status).toBe(200);
    const page = await report.text();
    expect(page).toContain('id="dsr"');
    expect(report.headers.get('content-security-policy')).toBe(reportContentSecurityPolicy(page));
    // The kept combination's link, relative as the file on disk has it, resolves under the dashboard too.
    const kept = page.match(/<a href="([^"]+-c\d+\.html)">/)![1]!;
    const keptReport = await get(dashboard, `/sweeps/${SWEEP}/${kept}`);
    expect(keptReport.status).toBe(200);
    const keptPage = await keptReport.text();
    expect(keptPage).toContain(kept.split('/')[1]!.replace(/\.html$/, ''));
    expect(keptReport.headers.get('content-security-policy')).toBe(reportContentSecurityPolicy(keptPage));
    for (const stray of [`${SWEEP}/${SWEEP}-c0.db`, `${SWEEP}/x.html`, `other/${SWEEP}-c0.html`, `..%2Fbacktests/${RUN}.html`]) {
      expect((await get(dashboard, `/sweeps/${SWEEP}/${stray}`)).status).toBe(404);
    }
    expect((await get(dashboard, '/sweeps/no-such-sweep/report')).status).toBe(404);
    expect((await get(dashboard, '/sweeps/..%2Fbacktests%2Fx/report')).status).toBe(404);
  });
});

describe('reports of a moved folder', () => {
  test('are served from beside their database, wherever the command that wrote them ran', async () => {
    const moved = tempDir('qs-dash-moved-');
    for (const dest of ['backtests', 'sweeps']) mkdirSync(join(moved, dest));
    for (const ext of ['.db', '.html']) {
      copyFileSync(join(backtestsDir, `${RUN}${ext}`), join(moved, 'backtests', `${RUN}${ext}`));
      copyFileSync(join(sweepsDir, `${SWEEP}${ext}`), join(moved, 'sweeps', `${SWEEP}${ext}`));
    }
    // Marked copies: the page served must be the one beside the database, not the path stored at write time.
    for (const file of [join(moved, 'backtests', `${RUN}.html`), join(moved, 'sweeps', `${SWEEP}.html`)]) {
      writeFileSync(file, `${readFileSync(file, 'utf8')}<!-- moved copy -->`);
    }
    const there = createDashboard({ dbPath: join(moved, 'backtests', `${RUN}.db`), backtestsDir: join(moved, 'backtests'), sweepsDir: join(moved, 'sweeps') });
    try {
      for (const url of [`/runs/main/${RUN}/report`, `/sweeps/${SWEEP}/report`]) {
        const response = await get(there, url);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('<!-- moved copy -->');
      }
    } finally {
      there.close();
    }
  });
});

describe('the run of --db', () => {
  test('/ and /machines open the run of --db, not the newest run anywhere', async () => {
    const own = createDashboard({ dbPath: join(backtestsDir, `${RUN}.db`), backtestsDir });
    try {
      expect((await get(own, '/')).headers.get('location')).toBe(`/runs/main/${RUN}`);
      expect((await get(own, '/machines')).headers.get('location')).toBe(`/runs/main/${RUN}/machines`);
      // Over the market DB, / opens the newest run its runs table lists.
      expect((await get(dashboard, '/')).headers.get('location')).toBe(`/runs/${NEWER}/${NEWER}`);
    } finally {
      own.close();
    }
  });

  test('the runs list names each run by strategy, symbols and dates, and its file, never `main`', async () => {
    const own = createDashboard({ dbPath: join(backtestsDir, `${RUN}.db`), backtestsDir });
    try {
      const body = await (await get(own, '/runs')).text();
      expect(body).toContain(`<a href="/runs/main/${RUN}" title="run ${RUN}">mean_reversion · BTC/USD · 2016-01-01 → 2017-12-31</a>`);
      expect(body).toContain(`>${RUN}.db</td>`);
      expect(body).not.toMatch(/>main</);
    } finally {
      own.close();
    }
  });
});

describe('a --db file that does not exist', () => {
  test('bun run dashboard refuses it in one line and exits non-zero, creating nothing', () => {
    const missing = join(dir, 'typo', 'quantsage.db');
    const result = Bun.spawnSync(['bun', 'scripts/dashboard.ts', '--port', '0', '--db', missing, '--backtests', backtestsDir], {
      cwd: join(import.meta.dir, '..', '..'),
    });
    expect(result.exitCode).toBe(1);
    const stderr = result.stderr.toString().trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^error: --db .*typo\/quantsage\.db: no such database/);
    expect(result.stdout.toString()).not.toContain('dashboard on');
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  test('the paper DB gets an empty dashboard that waits for it and picks the session up when it appears', async () => {
    const sessionDb = join(dir, 'paper', 'paper_trading.db');
    const waiting = createDashboard({ dbPath: sessionDb, backtestsDir: join(dir, 'no-backtests') });
    try {
      const page = await get(waiting, '/');
      expect(page.status).toBe(200);
      const body = await page.text();
      expect(body).toContain(`waiting for a session to start writing ${sessionDb}`);
      expect(body).toContain('hx-get="/partials/session"');
      expect((await get(waiting, '/partials/session')).status).toBe(204);
      expect(await (await get(waiting, '/runs')).text()).toContain('waiting for a session to start writing');
      expect(existsSync(sessionDb)).toBe(false);
      buildSmallRun(sessionDb, 'session-1');
      const found = await get(waiting, '/partials/session');
      expect(found.headers.get('hx-redirect')).toBe('/runs/main/session-1');
      expect((await get(waiting, '/')).headers.get('location')).toBe('/runs/main/session-1');
    } finally {
      waiting.close();
    }
  });

  test('a folder, an empty file, a CSV and another program\'s SQLite file are refused in one line each, none changed', () => {
    const cases = join(dir, 'not-databases');
    mkdirSync(join(cases, 'folder.db'), { recursive: true });
    writeFileSync(join(cases, 'empty.db'), '');
    writeFileSync(join(cases, 'candles.csv'), 'ts,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n'.repeat(200));
    const foreign = new Database(join(cases, 'other.sqlite'), { create: true });
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    const expected: Record<string, RegExp> = {
      'folder.db': /folder\.db: is a directory, not a database file;/,
      'empty.db': /empty\.db: is an empty file, not a database;/,
      'candles.csv': /candles\.csv: is not a SQLite database;/,
      'other.sqlite': /other\.sqlite: is not a QuantSage database \(its tables are not ours\);/,
    };
    const before = checksums(cases);
    for (const [name, message] of Object.entries(expected)) {
      const result = Bun.spawnSync(['bun', 'scripts/dashboard.ts', '--port', '0', '--db', join(cases, name), '--backtests', backtestsDir], {
        cwd: join(import.meta.dir, '..', '..'),
      });
      const stderr = result.stderr.toString().trim();
      expect({ name, code: result.exitCode, lines: stderr.split('\n').length }).toEqual({ name, code: 1, lines: 1 });
      expect(stderr).toMatch(message);
      expect(result.stdout.toString()).not.toContain('dashboard on');
    }
    expect(checksums(cases)).toEqual(before);
    expect(readdirSync(cases).sort()).toEqual(Object.keys(expected).sort());
  });

  test('live_trading.db waits too', () => {
    expect(() => createDashboard({ dbPath: join(dir, 'live', 'live_trading.db'), backtestsDir: dir }).close()).not.toThrow();
    expect(() => createDashboard({ dbPath: join(dir, 'live', 'other.db'), backtestsDir: dir })).toThrow(/no such database/);
  });
});
