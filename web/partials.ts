// Renders a panel of a run by name: used by the page, the partial routes and the live stream alike.
import type { RunCatalog, RunListing, RunRef } from './data/catalog.ts';
import { recentAlerts } from '../db/alerts.ts';
import { hasTable, recentCommands, recentFills, recentOrders, recentRiskEvents, recentSignals } from './data/queries.ts';
import { breakerView, metricsView, openPositions, summaryView, type RunContext } from './data/run-view.ts';
import type { TailCache } from './data/run-tail.ts';
import { commandsList } from './views/control.ts';
import { runHeader, runPath, type PanelName } from './views/dashboard-page.ts';
import {
  alertsPanel,
  breakerPanel,
  fillsPanel,
  metricsPanel,
  ordersPanel,
  positionsPanel,
  signalsPanel,
  summaryPanel,
  type Html,
} from './views/panels.ts';

/** Rows shown by the "recent" panels. */
export const RECENT_ROWS = 25;
/** Operator commands listed under the kill switch. */
export const RECENT_COMMANDS = 10;

/** Every partial a page swaps: the panels, the run header and the kill switch's command list. */
export type PartialName = PanelName | 'header' | 'commands';

export interface DashboardState {
  catalog: RunCatalog;
  tails: TailCache;
  /** Monotonic milliseconds, for throttling recomputation (never for trading time). */
  clock: () => number;
}

export function runContext(state: DashboardState, ref: RunRef): RunContext | undefined {
  const listing: RunListing | undefined = state.catalog.find(ref);
  const db = listing === undefined ? undefined : state.catalog.db(ref.source);
  if (listing === undefined || db === undefined) return undefined;
  return { listing, db, tails: state.tails.get(listing.path, listing.runId) };
}

export function renderPanel(name: PartialName, ctx: RunContext, state: DashboardState): Html {
  const { db, listing } = ctx;
  const ended = listing.run.status !== 'running' || listing.processEnded !== undefined;
  switch (name) {
    case 'header':
      return runHeader(listing);
    case 'summary':
      return summaryPanel(summaryView(ctx));
    case 'positions':
      return positionsPanel(openPositions(ctx));
    case 'breaker':
      return breakerPanel(breakerView(ctx));
    case 'signals':
      return signalsPanel(recentSignals(db, listing.runId, RECENT_ROWS), ended);
    case 'orders':
      return ordersPanel(recentOrders(db, listing.runId, RECENT_ROWS), listing.runId, ended);
    case 'fills':
      return fillsPanel(recentFills(db, listing.runId, RECENT_ROWS), listing.runId, ended);
    case 'metrics':
      return metricsPanel(metricsView(ctx, state.clock()));
    case 'alerts': {
      // A run recorded before alerts existed (an old run DB, or an old session in a migrated one) shows its
      // risk events instead.
      const alerts = hasTable(db, 'alerts') ? recentAlerts(db, listing.runId, { limit: RECENT_ROWS }) : [];
      return alerts.length > 0
        ? alertsPanel({ alerts }, listing.run, runPath(listing))
        : alertsPanel({ riskEvents: recentRiskEvents(db, listing.runId, RECENT_ROWS) }, listing.run, runPath(listing));
    }
    case 'commands':
      return commandsList(recentCommands(db, listing.runId, RECENT_COMMANDS));
  }
}
