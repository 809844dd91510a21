// The dashboard's kill switch: Halt / Resume on a running session's page write exactly one operator command
// into the --db database for that run; anything not sent by the page itself (a GET, another site, no page
// token) is refused and writes nothing; backtests and finished sessions get no buttons.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, openDb } from '../../db/client.ts';
import { journal, operatorCommands, type OperatorCommandRow } from '../../db/schema.ts';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { buildSmallRun, insertRun, T0 } from '../support/dashboard-db.ts';
import { tempDir } from '../support/real-data.ts';
import { SseReader } from '../support/sse.ts';

const TOKEN = 'correct-horse-battery-staple';
const WALL = Date.UTC(2026, 2, 1, 12, 0, 5);
const dir = tempDir('qs-dash-kill-');
const paperDb = join(dir, 'paper.db');
const backtestsDir = join(dir, 'backtests');
const backtestDb = join(backtestsDir, 'bt-1.db');
let dashboard: Dashboard;
let guarded: Dashboard;

beforeAll(() => {
  buildSmallRun(paperDb, 'session-a');
  const db = openDb(paperDb);
  insertRun(db, { id: 'session-b' });
  insertRun(db, { id: 'session-done', status: 'finished' });
  closeDb(db);
  mkdirSync(backtestsDir);
  const bt = openDb(backtestDb);
  insertRun(bt, { id: 'bt-1', mode: 'backtest', status: 'running' });
  closeDb(bt);
  // A running paper session whose events live in another file than --db: the dashboard shows it, never writes it.
  const elsewhere = openDb(join(backtestsDir, 'paper-elsewhere.db'));
  insertRun(elsewhere, { id: 'paper-elsewhere' });
  closeDb(elsewhere);
  dashboard = createDashboard({ dbPath: paperDb, backtestsDir, wallClock: () => WALL });
  guarded = createDashboard({ dbPath: paperDb, backtestsDir, token: TOKEN, wallClock: () => WALL });
});

afterAll(() => {
  dashboard?.close();
  guarded?.close();
});

function commands(): OperatorCommandRow[] {
  const db = openDb(paperDb);
  try {
    return db.select().from(operatorCommands).all();
  } finally {
    closeDb(db);
  }
}

async function page(path: string, d = dashboard, headers: Record<string, string> = {}): Promise<string> {
  const response = await d.app.request(`http://localhost${path}`, { headers });
  expect(response.status).toBe(200);
  return response.text();
}

const csrfOf = (html: string) => /<input type="hidden" name="csrf" value="([^"]+)">/.exec(html)?.[1];

function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}, d = dashboard) {
  return d.app.request(`http://localhost${path}`, {
    method: 'POST',
    headers: { origin: 'http://localhost', 'sec-fetch-site': 'same-origin', 'hx-request': 'true', ...headers },
    body: new URLSearchParams(form),
  });
}

describe('the buttons', () => {
  test('a running session shows Halt with a flatten checkbox and a reason, and Resume, each carrying a page token', async () => {
    const html = await page('/runs/main/session-a');
    expect(html).toContain('<form class="halt" method="post" action="/runs/main/session-a/commands"');
    expect(html).toContain('<input type="checkbox" name="flatten" value="yes">');
    expect(html).toContain('name="reason"');
    expect(html).toContain('data-command="halt">Halt</button>');
    expect(html).toContain('data-command="resume">Resume</button>');
    expect(csrfOf(html)).toMatch(/^[\w-]+\.[\w-]+$/);
    // A fresh token per page.
    expect(csrfOf(await page('/runs/main/session-a'))).not.toBe(csrfOf(html));
  });

  test('a backtest, a finished session and a session in another file than --db have no buttons', async () => {
    for (const path of ['/runs/bt-1/bt-1', '/runs/main/session-done', '/runs/paper-elsewhere/paper-elsewhere']) {
      const html = await page(path);
      expect(html).not.toContain('panel-control');
      expect(html).not.toContain('name="csrf"');
      expect(html).not.toContain('data-command="halt"');
    }
  });
});

describe('where orders go', () => {
  test('a paper session says its fills are simulated; a live one names the venue and how its stops are kept', async () => {
    const html = await page('/runs/main/session-a');
    expect(html).toContain('<p class="execution" data-execution>Orders: simulated fills (paper trading)');
    const { executionLine } = await import('../../web/control/routes.ts');
    expect(executionLine({ venue: { name: 'binance', nativeStops: false } })).toBe(
      'Orders: live at binance; protective stops are watched on every closed bar and sent as market orders.',
    );
    expect(executionLine({ venue: { name: 'alpaca', nativeStops: true } })).toBe(
      'Orders: live at alpaca; protective stops are native stop orders at the venue.',
    );
  });
});

describe('sending a command', () => {
  test('Halt with flatten writes exactly one command row, for the run of the page, and lists it as waiting', async () => {
    const before = commands().length;
    const csrf = csrfOf(await page('/runs/main/session-b'))!;
    const response = await post('/runs/main/session-b/commands', { csrf, kind: 'halt', flatten: 'yes', reason: 'news <b>spike</b>' });
    expect(response.status).toBe(200);
    const rows = commands();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ runId: 'session-b', kind: 'halt', flatten: true, reason: 'news <b>spike</b>', issuedAt: WALL, journalSeq: null });
    const body = await response.text();
    expect(body).toContain(`halt --flatten sent as command #${rows.at(-1)!.id}`);
    expect(body).toMatch(/data-kind="halt" data-taken="no">.*news &lt;b&gt;spike&lt;\/b&gt;.*waiting for the session/s);
  });

  test('Resume writes a resume without flatten; an empty reason gets a default', async () => {
    const csrf = csrfOf(await page('/runs/main/session-a'))!;
    const before = commands().length;
    expect((await post('/runs/main/session-a/commands', { csrf, kind: 'resume', flatten: 'yes', reason: '  ' })).status).toBe(200);
    const rows = commands();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ runId: 'session-a', kind: 'resume', flatten: false, reason: 'operator resume (dashboard)' });
  });

  test('a form posted without htmx is redirected back to the dashboard', async () => {
    const csrf = csrfOf(await page('/runs/main/session-a'))!;
    const response = await post('/runs/main/session-a/commands', { csrf, kind: 'halt' }, { 'hx-request': '' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/runs/main/session-a');
  });
});

describe('refused, writing nothing', () => {
  async function refused(send: () => Response | Promise<Response>, status: number, message: RegExp): Promise<void> {
    const before = commands().length;
    const response = await send();
    expect(response.status).toBe(status);
    expect(await response.text()).toMatch(message);
    expect(commands().length).toBe(before);
  }

  test('a GET of the command URL', async () => {
    await refused(() => dashboard.app.request('http://localhost/runs/main/session-a/commands?kind=halt'), 405, /POST/);
  });

  test('a request from another site, by Sec-Fetch-Site or by Origin', async () => {
    const csrf = csrfOf(await page('/runs/main/session-a'))!;
    await refused(() => post('/runs/main/session-a/commands', { csrf, kind: 'halt' }, { 'sec-fetch-site': 'cross-site' }), 403, /cross-site/);
    await refused(() => post('/runs/main/session-a/commands', { csrf, kind: 'halt' }, { 'sec-fetch-site': 'same-site' }), 403, /cross-site/);
    await refused(() => post('/runs/main/session-a/commands', { csrf, kind: 'halt' }, { origin: 'http://attacker.example' }), 403, /cross-site/);
    await refused(() => post('/runs/main/session-a/commands', { csrf, kind: 'halt' }, { origin: 'null' }), 403, /cross-site/);
  });

  test('a missing, forged or other run\'s page token', async () => {
    const tokenOfB = csrfOf(await page('/runs/main/session-b'))!;
    await refused(() => post('/runs/main/session-a/commands', { kind: 'halt' }), 403, /page token/);
    await refused(() => post('/runs/main/session-a/commands', { csrf: 'abc.def', kind: 'halt' }), 403, /page token/);
    await refused(() => post('/runs/main/session-a/commands', { csrf: tokenOfB, kind: 'halt' }), 403, /page token/);
    // A token from another dashboard process (another secret) is no good either.
    const other = createDashboard({ dbPath: paperDb, backtestsDir });
    try {
      const foreign = csrfOf(await page('/runs/main/session-a', other))!;
      await refused(() => post('/runs/main/session-a/commands', { csrf: foreign, kind: 'halt' }), 403, /page token/);
    } finally {
      other.close();
    }
  });

  test('an unknown command kind', async () => {
    const csrf = csrfOf(await page('/runs/main/session-a'))!;
    await refused(() => post('/runs/main/session-a/commands', { csrf, kind: 'reset' }), 400, /halt or resume/);
  });

  test('a backtest run, whose file is not the --db database, is never written', async () => {
    const before = createHash('sha256').update(readFileSync(backtestDb)).digest('hex');
    const csrf = csrfOf(await page('/runs/main/session-a'))!;
    await refused(() => post('/runs/bt-1/bt-1/commands', { csrf, kind: 'halt' }), 403, /page token/);
    expect(createHash('sha256').update(readFileSync(backtestDb)).digest('hex')).toBe(before);
  });

  test('with a token (non-loopback bind), a POST without it is 401; with it, the command goes through', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const csrf = csrfOf(await page('/runs/main/session-a', guarded, auth))!;
    await refused(() => post('/runs/main/session-a/commands', { csrf, kind: 'halt' }, {}, guarded), 401, /token/);
    const before = commands().length;
    expect((await post('/runs/main/session-a/commands', { csrf, kind: 'halt' }, auth, guarded)).status).toBe(200);
    expect(commands().length).toBe(before + 1);
  });
});

describe('the command list', () => {
  test('the live stream shows a command as taken once the session journals it', async () => {
    const dbPath = join(dir, 'taken.db');
    buildSmallRun(dbPath, 'live');
    const live = createDashboard({ dbPath, backtestsDir: join(dir, 'none'), wallClock: () => WALL });
    const session = openDb(dbPath);
    const stream = new SseReader(await live.app.request('http://localhost/runs/main/live/stream?after=50'));
    try {
      await stream.until((e) => e.event === 'hello');
      const csrf = csrfOf(await page('/runs/main/live', live))!;
      expect((await post('/runs/main/live/commands', { csrf, kind: 'halt', flatten: 'yes', reason: 'drill' }, {}, live)).status).toBe(200);
      // What the session does when it takes the command (db/journal.ts takeCommand), from its own connection.
      session.$client.transaction(() => {
        const seq = session.insert(journal).values({ runId: 'live', kind: 'command', ts: T0, wallTs: WALL + 150, payload: {} }).returning().get().seq;
        session.update(operatorCommands).set({ journalSeq: seq }).run();
      })();
      const event = await stream.until((e) => e.event === 'commands' && e.data.includes('data-taken="yes"'));
      expect(event.data).toMatch(/<code>halt --flatten<\/code>.*drill.*taken 2026-03-01 12:00:05Z \(journal #\d+\)/s);
    } finally {
      await stream.close();
      closeDb(session);
      live.close();
    }
  });
});
