// Every run the dashboard can open: the --db file's runs and each data/backtests/*.db, plus the files it was
// pointed at but cannot read (and why); beside them, every sweep in data/sweeps/*.db with a link to its report.
import { html } from 'hono/html';
import { basename } from 'node:path';
import type { CatalogScan, RunListing, SweepListing, SweepScan, UnreadableFile } from '../data/catalog.ts';
import { formatSignedPct, formatTime, signClass } from '../report/render-report.ts';
import { runPath, shownStatus } from './dashboard-page.ts';
import { layout } from './layout.ts';
import type { Html } from './panels.ts';
import { runLabel } from './run-label.ts';
import { formatMetric, type MetricJson } from '../../machines/research/sweep-metric.ts';

/** The run's stored total return, or for a paper/live session the return of its latest equity so far. */
function totalReturn(listing: RunListing): number | undefined {
  const value = listing.run.summary?.total_return;
  if (typeof value === 'number') return value;
  const capital = listing.run.startingCapital;
  return listing.equityNow === undefined || !(capital > 0) ? undefined : listing.equityNow / capital - 1;
}

/** What an empty dashboard over a paper/live DB says while no session has written it. */
export function waitingNote(dbPath: string): Html {
  return html`<p class="empty-note waiting" data-waiting-for="${dbPath}">waiting for a session to start writing ${dbPath}</p>`;
}

function unreadableTable(files: UnreadableFile[]): Html {
  if (files.length === 0) return html``;
  return html`<h2>Unreadable databases</h2>
<table class="unreadable"><thead><tr><th>File</th><th>Why it is not listed</th></tr></thead>
<tbody>${files.map((f) => html`<tr data-unreadable="${basename(f.path)}"><td class="id">${f.path}</td><td>${f.reason}</td></tr>`)}</tbody></table>`;
}

function bestOf(listing: SweepListing): string {
  const best = listing.sweep.summary?.best as { params?: Record<string, unknown>; metric?: MetricJson } | undefined;
  if (best?.params === undefined) return '—';
  const params = Object.entries(best.params).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${params}: ${listing.sweep.metric} ${formatMetric(best.metric, 3)}`;
}

/**
 * A sweep's status; a failed or interrupted one says why (and how many results it kept) on hover, and a killed one
 * (its row still says running) is "not running".
 */
function statusCell(listing: SweepListing): Html {
  const s = listing.sweep;
  if (listing.processEnded) return html`<td class="status-not-running" title="its process has ended without finishing the sweep">not running</td>`;
  const error = s.summary?.error;
  if (typeof error !== 'string') return html`<td class="status-${s.status}">${s.status}</td>`;
  const stored = typeof s.summary?.results === 'number' ? s.summary.results : undefined;
  const results = stored === undefined ? '' : `; ${stored} result(s) stored`;
  return html`<td class="status-${s.status}" title="${error}${results}">${s.status}${stored === undefined ? '' : ` (${stored} kept)`}</td>`;
}

/** The sweeps (bun run sweep), each linking its HTML report once it is written. */
export function sweepsTable(scan: SweepScan): Html {
  if (scan.sweeps.length === 0 && scan.unreadable.length === 0) return html``;
  const rows = scan.sweeps.map((l) => {
    const s = l.sweep;
    // A sweep without --from/--to ran over every stored bar: no dates to show.
    const label = s.fromTs !== null && s.toTs !== null
      ? runLabel({ strategy: s.strategy, symbols: s.symbols, mode: 'backtest', fromTs: s.fromTs, toTs: s.toTs, startedAt: s.startedAt })
      : `${s.strategy} · ${s.symbols.join(', ')} · all stored bars`;
    return html`<tr data-sweep="${s.id}"><td>${formatTime(s.startedAt)}</td><td>${s.reportPath ? html`<a href="/sweeps/${l.key}/report" target="_blank" rel="noopener" title="sweep ${s.id}">${label}</a>` : label}</td>
<td class="id">${s.grid}${s.walkForward ? html` · walk-forward ${s.walkForward}` : ''}</td><td class="num">${s.combinations}</td>${statusCell(l)}<td class="best">${bestOf(l)}</td><td class="id" title="${l.path}">${basename(l.path)}</td></tr>`;
  });
  return html`<h2>Sweeps</h2>
<table class="runs sweeps"><thead><tr><th>Started</th><th>Sweep</th><th>Grid</th><th class="num">Combinations</th><th>Status</th><th>Best</th><th>Database</th></tr></thead>
<tbody>${rows}</tbody></table>${unreadableTable(scan.unreadable)}`;
}

/** A run's status; a killed session's (its row still says running) is "not running", since when on hover. */
function runStatusCell(listing: RunListing): Html {
  const status = shownStatus(listing);
  return status.detail === undefined
    ? html`<td class="status-${status.key}">${status.text}</td>`
    : html`<td class="status-${status.key}" title="${status.detail}">${status.text}</td>`;
}

export function runsTable(scan: CatalogScan, waitingFor?: string, sweepScan?: SweepScan): Html {
  const { runs: listings, unreadable } = scan;
  const sweepsPart = sweepScan === undefined ? html`` : sweepsTable(sweepScan);
  if (listings.length === 0) {
    const note = waitingFor !== undefined
      ? waitingNote(waitingFor)
      : html`<p class="empty-note">No runs yet. Run <code>bun run backtest …</code>, or start a paper run against this database.</p>`;
    return html`${note}${unreadableTable(unreadable)}${sweepsPart}`;
  }
  return html`<table class="runs"><thead><tr><th>Started</th><th>Run</th><th>Mode</th><th>Status</th><th>Timeframe</th><th class="num">Return</th><th>Database</th><th></th></tr></thead>
<tbody>${listings.map((l) => {
    const ret = totalReturn(l);
    const base = runPath(l);
    return html`<tr data-run="${l.runId}"><td>${formatTime(l.run.startedAt)}</td><td><a href="${base}" title="run ${l.runId}">${runLabel(l.run)}</a></td><td>${l.run.mode}</td>
${runStatusCell(l)}<td>${l.run.timeframe}</td>
<td class="num ${signClass(ret ?? 0)}">${ret === undefined ? '—' : formatSignedPct(ret)}</td><td class="id" title="${l.path}">${basename(l.path)}</td><td><a href="${base}/machines">machines</a></td></tr>`;
  })}</tbody></table>${unreadableTable(unreadable)}${sweepsPart}`;
}

export function runsPage(scan: CatalogScan, waitingFor?: string, sweepScan?: SweepScan): Html {
  const body = html`<h1>Runs</h1>
<div id="runs" hx-get="/partials/runs" hx-trigger="every 5s">${runsTable(scan, waitingFor, sweepScan)}</div>`;
  return layout('Runs', [{ href: '/runs', label: 'Runs', current: true }, { href: '/machines', label: 'Machines' }], body);
}

/** `/` over a paper/live DB that no session has written yet: polls until one has, then opens it. */
export function waitingPage(dbPath: string): Html {
  const body = html`<h1>Dashboard</h1>
<div id="session" hx-get="/partials/session" hx-trigger="every 2s">${waitingNote(dbPath)}</div>`;
  return layout('Waiting for a session', [{ href: '/runs', label: 'Runs' }, { href: '/machines', label: 'Machines' }], body);
}
