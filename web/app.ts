// The dashboard: a Hono app over a catalog of run databases. Pages are server-rendered; htmx swaps the
// partials; the live stream pushes them as they change.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { closeDb, openDbReadOnly, tableNames, type Db } from '../db/client.ts';
import { basename, dirname, join, resolve } from 'node:path';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import { accessControl } from './auth.ts';
import { CsrfTokens } from './control/csrf.ts';
import { commandRoutes, controlSection, type ControlDeps } from './control/routes.ts';
import { isSessionDbPath, RunCatalog } from './data/catalog.ts';
import { TailCache } from './data/run-tail.ts';
import { chartView } from './data/run-view.ts';
import { equityDelta, liveStream } from './live.ts';
import { machineRoutes } from './machines/routes.ts';
import { renderPanel, runContext, type DashboardState, type PartialName } from './partials.ts';
import { staticRoutes } from './static.ts';
import { dashboardPage, PANELS, runPath, type PanelName } from './views/dashboard-page.ts';
import { layout } from './views/layout.ts';
import { reportContentSecurityPolicy } from './report/report-policy.ts';
import { runsPage, runsTable, waitingPage } from './views/runs-page.ts';
import { alertList, alertsPage, type AlertsView } from './views/alerts-page.ts';
import { alertCounts, recentAlerts } from '../db/alerts.ts';
import { ALERT_LEVELS, type AlertLevel } from '../machines/alerts/alert.ts';
import { hasTable } from './data/queries.ts';
import type { RunContext } from './data/run-view.ts';

export interface DashboardOptions {
  /** The database to watch (data/paper_trading.db, data/quantsage.db, ...). */
  dbPath: string;
  /** Folder of backtest run DBs, listed too (default data/backtests). */
  backtestsDir?: string;
  /** Folder of sweep DBs, listed beside the runs with their reports (default data/sweeps). */
  sweepsDir?: string;
  /** When set, every request must carry it. */
  token?: string;
  /** Monotonic ms for throttling (default performance.now). */
  clock?: () => number;
  /** Wall-clock ms stamped on operator commands (default Date.now). */
  wallClock?: () => number;
}

export interface Dashboard {
  app: Hono;
  state: DashboardState;
  close(): void;
}

const PARTIAL_NAMES = new Set<string>([...PANELS, 'header', 'commands']);
/** Rows on the alerts page. */
const ALERT_PAGE_ROWS = 500;

/** `?level=warning`: that level and the ones above it; anything else: every level. */
function alertsView(ctx: RunContext, level: string | undefined): AlertsView {
  const min = ALERT_LEVELS.includes(level as AlertLevel) ? (level as AlertLevel) : undefined;
  const missing = !hasTable(ctx.db, 'alerts');
  const counts = missing ? { info: 0, warning: 0, critical: 0 } : alertCounts(ctx.db, ctx.listing.runId);
  const levels = min === undefined ? undefined : ALERT_LEVELS.slice(ALERT_LEVELS.indexOf(min));
  const alerts = missing ? [] : recentAlerts(ctx.db, ctx.listing.runId, { levels, limit: ALERT_PAGE_ROWS });
  return { level: min, alerts, counts, missing, limit: ALERT_PAGE_ROWS };
}

/**
 * A report is written beside its database, under the path stored in the run or sweep row, which is relative to
 * wherever the command ran: the copy beside the database is found from any working directory, and after the
 * folder was moved; the stored path is the fallback. Only .html files are served.
 */
function reportFile(stored: string | null, dbPath: string): string | undefined {
  if (!stored?.endsWith('.html')) return undefined;
  return [join(dirname(dbPath), basename(stored)), resolve(stored)].find((candidate) => existsSync(candidate));
}

/** A self-contained HTML report, under a policy that allows exactly its own inline scripts. */
function reportPage(c: Context, path: string) {
  const page = readFileSync(path, 'utf8');
  c.header('content-security-policy', reportContentSecurityPolicy(page));
  return c.html(page);
}

function notFound(c: Context, what: string) {
  return c.html(layout('Not found', [{ href: '/runs', label: 'Runs' }], html`<p>${what} not found.</p>`), 404);
}

/**
 * Refuses a --db file that does not exist (the dashboard would watch nothing), except a paper/live session's
 * database, which the dashboard waits for.
 */
function checkDbPath(path: string): void {
  if (!existsSync(path)) {
    if (isSessionDbPath(path)) return;
    throw new Error(
      `--db ${path}: no such database (create it with \`bun run db:init --db ${path}\` or \`bun run demo\`; a paper or live session writes data/paper_trading.db)`,
    );
  }
  const problem = notAQuantSageDb(path);
  if (problem !== undefined) throw new Error(`--db ${path}: ${problem}; the dashboard opens a database that db:init, demo or a session made`);
}

/**
 * Why `path` is no QuantSage database the dashboard may open (and migrate): a folder, an empty file (a session's
 * own, not yet written, is waited for), another program's SQLite file, no SQLite file at all.
 */
function notAQuantSageDb(path: string): string | undefined {
  const stat = statSync(path);
  if (stat.isDirectory()) return 'is a directory, not a database file';
  if (stat.size === 0) return isSessionDbPath(path) ? undefined : 'is an empty file, not a database';
  let db: Db;
  try {
    db = openDbReadOnly(path, { immutable: !existsSync(`${path}-wal`) });
  } catch (err) {
    return `cannot be opened (${err instanceof Error ? err.message : String(err)})`;
  }
  try {
    const tables = tableNames(db);
    if (tables.size > 0 && !tables.has('__drizzle_migrations')) return 'is not a QuantSage database (its tables are not ours)';
    return undefined;
  } catch {
    return 'is not a SQLite database';
  } finally {
    closeDb(db);
  }
}

export function createDashboard(options: DashboardOptions): Dashboard {
  checkDbPath(options.dbPath);
  const catalog = new RunCatalog({
    dbPath: options.dbPath,
    wallClock: options.wallClock,
    backtestsDir: options.backtestsDir ?? 'data/backtests',
    sweepsDir: options.sweepsDir ?? 'data/sweeps',
  });
  const tails = new TailCache();
  catalog.onClose((path) => tails.dropFile(path));
  const state: DashboardState = { catalog, tails, clock: options.clock ?? (() => performance.now()) };
  const control: ControlDeps = { state, csrf: new CsrfTokens(), wallClock: options.wallClock ?? (() => Date.now()) };
  const app = new Hono();

  // Security headers first, so every answer carries them, the 401 and 403 of access control included.
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      // A route that sets its own policy keeps it (the report's, which names its inline scripts).
      overwrite: false,
    }),
  );
  app.use(accessControl(options.token));
  app.route('/static', staticRoutes());
  app.get('/favicon.ico', (c) => c.body(null, 204));

  // A paper/live DB with no run yet: say what the dashboard waits for, and poll until a session writes it.
  const waiting = () => isSessionDbPath(catalog.primaryPath);
  app.get('/', (c) => {
    const run = catalog.defaultRun();
    if (run !== undefined) return c.redirect(runPath(run), 302);
    return waiting() ? c.html(waitingPage(options.dbPath)) : c.redirect('/runs', 302);
  });
  app.get('/partials/session', (c) => {
    const run = catalog.defaultRun();
    if (run === undefined) return c.body(null, 204);
    c.header('HX-Redirect', runPath(run));
    return c.body(null, 200);
  });
  app.get('/runs', (c) => c.html(runsPage(catalog.scan(), waiting() ? options.dbPath : undefined, catalog.sweepScan())));
  app.get('/partials/runs', (c) => c.html(runsTable(catalog.scan(), waiting() ? options.dbPath : undefined, catalog.sweepScan())));
  app.get('/sweeps/:key/report', (c) => {
    const listing = catalog.findSweep(c.req.param('key'));
    const path = listing === undefined ? undefined : reportFile(listing.sweep.reportPath, listing.path);
    if (path === undefined) return notFound(c, 'Sweep report');
    return reportPage(c, path);
  });
  // A kept combination's report, where the sweep report's relative link `<sweep id>/<sweep id>-c<n>.html` lands:
  // the folder beside the sweep DB that holds its kept runs. Only that name pattern is served.
  app.get('/sweeps/:key/:folder/:file', (c) => {
    const { key, folder, file } = c.req.param();
    const listing = catalog.findSweep(key);
    if (listing === undefined || folder !== key || !(file.startsWith(`${key}-c`) && /^\d+\.html$/.test(file.slice(key.length + 2)))) return notFound(c, 'Report');
    const path = join(dirname(listing.path), folder, file);
    return existsSync(path) ? reportPage(c, path) : notFound(c, 'Report');
  });
  app.get('/machines', (c) => {
    const run = catalog.defaultRun();
    if (run !== undefined) return c.redirect(`${runPath(run)}/machines`, 302);
    return c.redirect(waiting() ? '/' : '/runs', 302);
  });

  const run = new Hono();
  run.get('/', (c) => {
    const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
    if (ctx === undefined) return notFound(c, 'Run');
    const panels = Object.fromEntries(PANELS.map((name) => [name, renderPanel(name, ctx, state)])) as Record<PanelName, ReturnType<typeof renderPanel>>;
    const killSwitch = controlSection(control, ctx.listing, renderPanel('commands', ctx, state));
    return c.html(dashboardPage(ctx.listing, chartView(ctx), panels, killSwitch));
  });
  run.get('/partials/:name', (c) => {
    const name = c.req.param('name');
    const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
    if (ctx === undefined || !PARTIAL_NAMES.has(name)) return c.text('not found', 404);
    return c.html(renderPanel(name as PartialName, ctx, state));
  });
  run.get('/chart-data', (c) => {
    const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
    if (ctx === undefined) return c.json({ error: 'run not found' }, 404);
    const after = c.req.query('after');
    return c.json(after === undefined ? chartView(ctx) : equityDelta(ctx, Number(after) || 0));
  });
  run.get('/stream', (c) => {
    const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
    if (ctx === undefined) return c.text('run not found', 404);
    return liveStream(c, state, ctx);
  });
  run.get('/report', (c) => {
    const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
    const path = ctx === undefined ? undefined : reportFile(ctx.listing.run.reportPath, ctx.listing.path);
    if (path === undefined) return notFound(c, 'Report');
    return reportPage(c, path);
  });
  run.get('/alerts', (c) => {
    const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
    if (ctx === undefined) return notFound(c, 'Run');
    return c.html(alertsPage(ctx.listing, alertsView(ctx, c.req.query('level'))));
  });
  run.get('/alerts/list', (c) => {
    const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
    if (ctx === undefined) return c.text('run not found', 404);
    return c.html(alertList(runPath(ctx.listing), alertsView(ctx, c.req.query('level'))));
  });
  run.route('/machines', machineRoutes(state));
  run.route('/commands', commandRoutes(control));
  app.route('/runs/:source/:runId', run);

  return { app, state, close: () => catalog.close() };
}
