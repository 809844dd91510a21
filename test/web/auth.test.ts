// Who can reach the dashboard: loopback by default, a token for anything else, and the command refusing a
// public bind without one.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { checkBind, isLoopbackHost, tokensMatch } from '../../web/auth.ts';
import { buildSmallRun } from '../support/dashboard-db.ts';
import { tempDir } from '../support/real-data.ts';

const TOKEN = 'correct-horse-battery-staple';
const dir = tempDir('qs-dash-auth-');
let open: Dashboard;
let guarded: Dashboard;

beforeAll(() => {
  buildSmallRun(join(dir, 'paper.db'));
  open = createDashboard({ dbPath: join(dir, 'paper.db'), backtestsDir: join(dir, 'none') });
  guarded = createDashboard({ dbPath: join(dir, 'paper.db'), backtestsDir: join(dir, 'none'), token: TOKEN });
});
afterAll(() => {
  open?.close();
  guarded?.close();
});

describe('binding', () => {
  test('accepts loopback hosts without a token', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.2']) expect(() => checkBind(host, undefined)).not.toThrow();
  });

  test('refuses any other host without a token, saying how to fix it', () => {
    for (const host of ['0.0.0.0', '192.168.1.20', '::', 'dashboard.example']) {
      expect(() => checkBind(host, undefined)).toThrow(/refusing to bind .* without a token.*--token.*DASHBOARD_TOKEN.*127\.0\.0\.1/);
    }
    expect(() => checkBind('0.0.0.0', 'short')).toThrow('--token must be at least 16 characters');
    expect(() => checkBind('0.0.0.0', TOKEN)).not.toThrow();
  });

  test('bun run dashboard --host 0.0.0.0 exits with that message and serves nothing', () => {
    const result = Bun.spawnSync(['bun', 'scripts/dashboard.ts', '--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'paper.db')], {
      cwd: join(import.meta.dir, '..', '..'),
      env: { ...process.env, DASHBOARD_TOKEN: '' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.toString()).toMatch(/^error: refusing to bind 0\.0\.0\.0 without a token/);
    expect(result.stdout.toString()).not.toContain('dashboard on');
  });

  test('recognises loopback host names only', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('127.evil.example')).toBe(false);
    expect(isLoopbackHost('localhost.evil.example')).toBe(false);
  });
});

describe('requests', () => {
  test('without a token, a request addressed to a non-loopback name is refused (DNS rebinding)', async () => {
    expect((await open.app.request('http://localhost/runs')).status).toBe(200);
    expect((await open.app.request('http://attacker.example/runs')).status).toBe(403);
  });

  test('with a token, every route needs it: none or a wrong one is 401', async () => {
    for (const path of ['/runs', '/runs/main/small-run/partials/fills', '/static/htmx.min.js', '/runs/main/small-run/stream']) {
      expect((await guarded.app.request(`http://10.0.0.5${path}`)).status).toBe(401);
      const wrong = await guarded.app.request(`http://10.0.0.5${path}`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
    }
  });

  test('accepts the token as a bearer header or as the cookie', async () => {
    const bearer = await guarded.app.request('http://10.0.0.5/runs', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    const cookie = await guarded.app.request('http://10.0.0.5/runs', { headers: { cookie: `qs_token=${TOKEN}` } });
    expect(cookie.status).toBe(200);
  });

  test('?token= sets an HttpOnly cookie and redirects to the same page without the token in the URL', async () => {
    const response = await guarded.app.request(`http://10.0.0.5/runs?token=${TOKEN}&x=1`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/runs?x=1');
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toContain(`qs_token=${TOKEN}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
  });

  test('a refused request (401 without the token, 403 for a foreign host name) carries the same security headers as a served one', async () => {
    const served = await guarded.app.request('http://10.0.0.5/runs', { headers: { authorization: `Bearer ${TOKEN}` } });
    const unauthorized = await guarded.app.request('http://10.0.0.5/runs');
    const forbidden = await open.app.request('http://attacker.example/runs');
    expect(unauthorized.status).toBe(401);
    expect(forbidden.status).toBe(403);
    const names = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy'];
    for (const name of names) {
      expect(served.headers.get(name)).not.toBeNull();
      expect(unauthorized.headers.get(name)).toBe(served.headers.get(name));
      expect(forbidden.headers.get(name)).toBe(served.headers.get(name));
    }
  });

  test('compares tokens by value only', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
    expect(tokensMatch(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensMatch('', TOKEN)).toBe(false);
  });
});
