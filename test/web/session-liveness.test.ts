// The dashboard tells a session a process runs from one whose process was killed: a SIGKILLed paper:demo's row
// still says `running`, but its header, the runs list and the kill switch say it is not running (since its last
// heartbeat), the page does not follow it live, and an open live stream swaps the header when the process dies.
import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { startCommand, type RunningCommand } from '../support/paper-process.ts';
import { tempDir } from '../support/real-data.ts';
import { SseReader } from '../support/sse.ts';

const dir = tempDir('qs-session-liveness-');
const db = join(dir, 'paper_trading.db');
let demo: RunningCommand | undefined;
let dashboard: Dashboard | undefined;
afterAll(() => {
  demo?.kill('SIGKILL');
  dashboard?.close();
});

async function page(path: string): Promise<string> {
  const response = await dashboard!.app.request(`http://localhost${path}`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('a killed session on the dashboard', () => {
  test('running, it is live; killed, the header, the runs list and the kill switch say it is not running since its last heartbeat', async () => {
    demo = startCommand('paper-demo', ['--speed', '4', '--bars', '400', '--db', db, '--quiet']);
    const runId = (await demo.waitFor(/^session \S+ started/, 60_000)).split(' ')[1]!;
    dashboard = createDashboard({ dbPath: db, backtestsDir: join(dir, 'backtests') });
    const base = `/runs/main/${runId}`;

    const live = await page(base);
    expect(live).toContain('data-live="yes"');
    expect(live).toContain('data-status="running"');
    expect(live).not.toContain('data-not-running');
    const stream = new SseReader(await dashboard.app.request(`http://localhost${base}/stream`));
    try {
      await stream.until((e) => e.event === 'hello');
      demo.kill('SIGKILL');
      await demo.exited;
      // The stream notices without any write to the database.
      const header = await stream.until((e) => e.event === 'header');
      expect(header.data).toContain('data-status="not-running"');
    } finally {
      await stream.close();
    }

    const after = await page(base);
    expect(after).toContain('data-live="no"');
    expect(after).toMatch(/<span class="badge status-not-running">not running<\/span>/);
    expect(after).toMatch(/not running since \d{4}-\d\d-\d\d \d\d:\d\dZ \(its last heartbeat\)/);
    expect(after).toMatch(/data-not-running>This session is not running \(not running since .*\): a command waits and takes effect when it is resumed\./);
    const runs = await page('/runs');
    expect(runs).toMatch(new RegExp(`<tr data-run="${runId}">[\\s\\S]*?<td class="status-not-running" title="not running since [^"]+">not running</td>`));
    // `/` no longer treats it as the running session, but it is still the newest: it opens it.
    const root = await dashboard.app.request('http://localhost/');
    expect(root.headers.get('location')).toBe(base);
  }, 120_000);
});
