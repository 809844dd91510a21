// POST /runs/:source/:runId/commands — the dashboard's kill switch. It writes one row into the --db
// database's operator-command inbox (the same row `bun run halt` / `bun run resume` write); the running session
// takes it within a second, journals it and applies it. Nothing else in the dashboard writes, and no other
// database is ever written: a run whose events live in another file takes no commands from here.
import { Hono, type Context } from 'hono';
import { issueCommand } from '../../db/journal.ts';
import type { RunListing } from '../data/catalog.ts';
import { recentCommands } from '../data/queries.ts';
import { RECENT_COMMANDS, runContext, type DashboardState } from '../partials.ts';
import { commandsList, controlPanel } from '../views/control.ts';
import { isLive, runPath, shownStatus } from '../views/dashboard-page.ts';
import type { Html } from '../views/panels.ts';
import { crossSiteReason, type CsrfTokens } from './csrf.ts';

const MAX_REASON = 200;

export interface ControlDeps {
  state: DashboardState;
  csrf: CsrfTokens;
  /** Wall-clock ms for the command's issued_at (the time `bun run halt` would record). */
  wallClock: () => number;
}

/** Why this run takes no commands from the dashboard, or undefined when it does. */
export function refusesCommands(state: DashboardState, listing: RunListing): string | undefined {
  if (listing.run.mode === 'backtest') return 'a backtest takes no operator commands';
  if (listing.run.status === 'finished') return `session ${listing.runId} has finished`;
  if (state.catalog.writableDb(listing.source) === undefined) {
    return 'commands go only to the session database the dashboard was started with (--db), and it must be writable';
  }
  return undefined;
}

/** The kill-switch section of a run's page, or nothing for a run that takes no commands. */
export function controlSection(deps: ControlDeps, listing: RunListing, commands: Html): Html | undefined {
  if (refusesCommands(deps.state, listing) !== undefined) return undefined;
  const base = runPath(listing);
  return controlPanel({
    action: `${base}/commands`,
    listUrl: `${base}/partials/commands`,
    csrf: deps.csrf.issue(base),
    commands,
    execution: executionLine(listing.run.config),
    notRunning: isLive(listing) ? undefined : `This session is not running (${shownStatus(listing).detail ?? listing.run.status}): a command waits and takes effect when it is resumed.`,
  });
}

/** Where a session's orders go and how its protective stops are kept. */
export function executionLine(config: Record<string, unknown>): string {
  const venue = config.venue as { name?: string; nativeStops?: boolean } | undefined;
  if (venue?.name === undefined) return 'Orders: simulated fills (paper trading); protective stops fill at the stop price or worse.';
  return venue.nativeStops
    ? `Orders: live at ${venue.name}; protective stops are native stop orders at the venue.`
    : `Orders: live at ${venue.name}; protective stops are watched on every closed bar and sent as market orders.`;
}

function refuse(c: Context, status: 403 | 404 | 400 | 409, text: string) {
  return c.text(text, status);
}

export function commandRoutes(deps: ControlDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const crossSite = crossSiteReason(c.req.raw.headers, c.req.url);
    if (crossSite !== undefined) return refuse(c, 403, `Forbidden: cross-site command refused (${crossSite})`);
    const ref = { source: c.req.param('source')!, runId: c.req.param('runId')! };
    const ctx = runContext(deps.state, ref);
    if (ctx === undefined) return refuse(c, 404, 'run not found');
    const base = runPath(ctx.listing);
    const form = await c.req.parseBody();
    if (!deps.csrf.verify(base, form.csrf)) return refuse(c, 403, 'Forbidden: missing or stale page token; reload the dashboard');
    const why = refusesCommands(deps.state, ctx.listing);
    if (why !== undefined) return refuse(c, 409, why);
    const db = deps.state.catalog.writableDb(ref.source)!;
    const kind = form.kind;
    if (kind !== 'halt' && kind !== 'resume') return refuse(c, 400, 'kind must be halt or resume');
    const flatten = kind === 'halt' && (form.flatten === 'yes' || form.flatten === 'on' || form.flatten === 'true');
    const given = typeof form.reason === 'string' ? form.reason.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, MAX_REASON) : '';
    const reason = given || `operator ${kind} (dashboard)`;
    const id = issueCommand(db, { runId: ctx.listing.runId, kind, flatten, reason, issuedAt: deps.wallClock() });
    if (c.req.header('hx-request') !== 'true') return c.redirect(base, 303);
    const notice = `${kind}${flatten ? ' --flatten' : ''} sent as command #${id}; the running session takes it within a second.`;
    return c.html(commandsList(recentCommands(db, ctx.listing.runId, RECENT_COMMANDS), notice));
  });
  // A GET (a link, an image, a prefetch) never issues a command.
  app.on(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'], '/', (c) => {
    c.header('allow', 'POST');
    return c.text('Method not allowed: commands are sent with POST from the dashboard page', 405);
  });
  return app;
}
