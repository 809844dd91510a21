// `bun run live` as a process against the 127.0.0.1 Binance stand-in (market and venue in one server, 1s bars):
// the refusal without --confirm-live, keys that never leave the process, and reconciliation of a balance
// changed behind the session's back, then --adopt.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../support/paper-process.ts';
import { LIVE_ENV, LIVE_KEY, LIVE_SECRET, liveArgs, liveDirs, startLive, startLiveStandIn, until } from '../../support/live-process.ts';

function query(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.query(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** Every file in `dir` (the session DB, its -wal and -shm, the market DB) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  return readdirSync(dir).filter((name) => readFileSync(join(dir, name)).includes(Buffer.from(needle)));
}

describe('bun run live against the stand-in', () => {
  test('without --confirm-live it prints the plan (venue, account, symbols, limits) and exits non-zero having sent no order', async () => {
    const standIn = startLiveStandIn({ from: '2019-06-01', bars: 120, warmBars: 30 });
    const dirs = liveDirs();
    try {
      const run = await runCommand('live', liveArgs(standIn, dirs), LIVE_ENV);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^venue +Binance spot at ${standIn.server.url.replace(/\./g, '\\.')}`, 'm'));
      expect(run.stdout).toMatch(/^account +10000 USDT available/m);
      expect(run.stdout).toMatch(/^symbols +BTC\/USDT on 1s bars, strategy mean_reversion/m);
      expect(run.stdout).toMatch(/^limits +position 10\.0% with a stop-loss/m);
      expect(run.stderr).toContain('not started: this places real orders; run the same command with --confirm-live to trade');
      expect(standIn.server.ordersReceived()).toBe(0);
      expect(standIn.server.requests.filter((r) => r.route === 'newOrder')).toHaveLength(0);
    } finally {
      standIn.server.stop();
    }
  }, 120_000);

  test('one 429 on the market list at the start is retried after its Retry-After, and the plan is printed', async () => {
    const standIn = startLiveStandIn({ from: '2019-06-01', bars: 120, warmBars: 30 });
    const dirs = liveDirs();
    try {
      standIn.server.script('exchangeInfo', (n) =>
        n === 1 ? { status: 429, headers: { 'Retry-After': '1' }, body: '{"code":-1003,"msg":"Too many requests."}' } : undefined);
      const run = await runCommand('live', liveArgs(standIn, dirs), LIVE_ENV);
      expect(run.stderr).toContain('not started: this places real orders');
      expect(run.stdout).toMatch(/^account +10000 USDT available/m);
      expect(standIn.server.requests.filter((r) => r.route === 'exchangeInfo').length).toBeGreaterThanOrEqual(2);
    } finally {
      standIn.server.stop();
    }
  }, 120_000);

  test('a 503 on the account and a 429 on its markets at the start are retried, then the plan shows the real cash', async () => {
    const standIn = startLiveStandIn({ from: '2019-06-01', bars: 120, warmBars: 30 });
    const dirs = liveDirs();
    try {
      standIn.server.script('account', (n) => (n === 1 ? { status: 503, body: 'Service Unavailable' } : undefined));
      // The bar source's market list is request 1; the venue adapter's own is request 2.
      standIn.server.script('exchangeInfo', (n) =>
        n === 2 ? { status: 429, headers: { 'Retry-After': '1' }, body: '{"code":-1003,"msg":"Too many requests."}' } : undefined);
      const run = await runCommand('live', liveArgs(standIn, dirs), LIVE_ENV);
      expect(run.stderr).toContain('not started: this places real orders');
      expect(run.stderr).toMatch(/^venue +balances: .*503.*retrying/m);
      expect(run.stdout).toMatch(/^account +10000 USDT available/m);
    } finally {
      standIn.server.stop();
    }
  }, 120_000);

  test('the API key and secret appear in no byte it printed, in neither DB (nor -wal) and in no report', async () => {
    const standIn = startLiveStandIn({ from: '2019-06-01', bars: 200, warmBars: 30 });
    const dirs = liveDirs();
    try {
      // A 429 on the account and an order refused make the adapter build error messages from the venue's answers.
      standIn.server.script('account', (n) => (n === 2 ? { status: 429, headers: { 'Retry-After': '1' }, body: '{"code":-1003,"msg":"Too many requests."}' } : undefined));
      const run = startLive(standIn, dirs, ['--confirm-live', '--reconcile-minutes', '0.02']);
      await run.waitFor(/^session \S+ started/, 60_000);
      await until('two fills at the stand-in booked in the session DB', () =>
        standIn.server.fills.length >= 2 && Number(query(dirs.db, 'SELECT COUNT(*) AS n FROM fills')[0]!.n) >= 2, 240_000);
      // While it runs, the WAL holds the newest pages.
      const whileRunning = [...filesContaining(dirs.dir, LIVE_KEY), ...filesContaining(dirs.dir, LIVE_SECRET)];
      run.kill('SIGTERM');
      await run.exited;
      const report = await runCommand('replay', ['--db', dirs.db]);
      expect(report.stdout).toContain('venue');
      const printed = [run.lines.join('\n'), await run.stderr(), report.stdout, report.stderr].join('\n');
      expect(printed).toContain('retrying');
      for (const secret of [LIVE_KEY, LIVE_SECRET]) {
        expect(printed.includes(secret)).toBe(false);
        expect(filesContaining(dirs.dir, secret)).toEqual([]);
      }
      expect(whileRunning).toEqual([]);
    } finally {
      standIn.server.stop();
    }
  }, 400_000);

  test('a garbled account answer at the start is retried, never adopted as an empty account under --adopt', async () => {
    const standIn = startLiveStandIn({ from: '2019-06-01', bars: 200, warmBars: 30 });
    const dirs = liveDirs();
    try {
      // Request 1 is the plan's; 2 and 3 are the start's reconciliation (positions and cash), cut off mid-body.
      standIn.server.script('account', (n) => (n === 2 || n === 3 ? { status: 200, body: '{"makerCommission":"10","takerCommission":"10","balan' } : undefined));
      const run = startLive(standIn, dirs, ['--confirm-live', '--adopt']);
      const reconciled = await run.waitFor(/^reconcile /, 60_000);
      run.kill('SIGTERM');
      await run.exited;
      expect(reconciled).toBe('reconcile venue and journal agree');
      expect(run.lines.some((l) => /^venue +balances: .*BadResponse.*retrying/.test(l))).toBe(true);
      expect(query(dirs.db, "SELECT COUNT(*) AS n FROM journal WHERE kind IN ('adopt', 'reconcile')")[0]!.n).toBe(0);
      expect(query(dirs.db, "SELECT COUNT(*) AS n FROM risk_events WHERE kind = 'reconcile_mismatch'")[0]!.n).toBe(0);
    } finally {
      standIn.server.stop();
    }
  }, 120_000);

  test('a balance changed behind the session is a reconcile_mismatch naming both values, entries stop until --adopt takes the venue as the truth', async () => {
    const standIn = startLiveStandIn({ from: '2019-06-01', bars: 200, warmBars: 30 });
    const dirs = liveDirs();
    try {
      const first = startLive(standIn, dirs, ['--confirm-live', '--reconcile-minutes', '0.02']);
      await first.waitFor(/^reconcile venue and journal agree/, 60_000);
      // A deposit: a withdrawal adopted as the truth would count as a drawdown from the peak and halt entries.
      standIn.server.setBalance('USDT', 12_500);
      const mismatch = await first.waitFor(/^risk .* reconcile mismatch/, 60_000);
      // The console line comes as the pipeline routes the event; its row lands with the flush right after.
      const mismatchRows = () => query(dirs.db, "SELECT reason FROM risk_events WHERE kind = 'reconcile_mismatch'");
      await until('the reconcile_mismatch row in the session DB', () => mismatchRows().length > 0, 10_000);
      const events = mismatchRows();
      expect(events.length).toBeGreaterThan(0);
      expect(String(events[0]!.reason)).toMatch(/10,?000/);
      expect(String(events[0]!.reason)).toMatch(/12,?500/);
      // An entry signal while the difference stands is refused, never approved.
      const refused = await first.waitFor(/^risk .* BTC\/USDT rejected by .*/, 200_000);
      const after = first.lines.slice(first.lines.indexOf(mismatch));
      expect(after.filter((l) => /^risk .* approved/.test(l))).toEqual([]);
      expect(refused).toMatch(/reconcil|venue/i);
      first.kill('SIGTERM');
      const code = await first.exited;
      expect({ code, stderr: await first.stderr() }).toEqual({ code: 0, stderr: '' });
      const ordersBefore = standIn.server.ordersReceived();
      expect(ordersBefore).toBe(0);

      const adopted = startLive(standIn, dirs, ['--confirm-live', '--reconcile-minutes', '0.02', '--adopt']);
      await adopted.waitFor(/^reconcile adopted the venue: /, 60_000);
      // The adopt entry is journaled before the line is printed.
      expect(query(dirs.db, "SELECT COUNT(*) AS n FROM journal WHERE kind = 'adopt'")[0]!.n).toBe(1);
      await adopted.waitFor(/^fill .* BUY/, 200_000);
      expect(standIn.server.ordersReceived()).toBeGreaterThan(0);
      // The next bar's equity point carries the fill: the session's cash is the venue's again.
      const cash = () => query(dirs.db, 'SELECT cash FROM equity_snapshots ORDER BY seq DESC LIMIT 1')[0]!.cash as number;
      await until('session cash equal to the venue cash after the fill', () => Math.abs(cash() - standIn.server.balances().USDT!) < 1e-4, 60_000);
      adopted.kill('SIGTERM');
      await adopted.exited;
    } finally {
      standIn.server.stop();
    }
  }, 600_000);
});
