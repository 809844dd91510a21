// Every run the dashboard can open: the --db file's runs and each data/backtests/*.db, plus the files it was
// pointed at but cannot read (and why).
import { html } from 'hono/html';
import { basename } from 'node:path';
import type { CatalogScan, RunListing, UnreadableFile } from '../data/catalog.ts';
import { formatSignedPct, formatTime, signClass } from '../report/render-report.ts';
import { runPath } from './dashboard-page.ts';
import { layout } from './layout.ts';
import type { Html } from './panels.ts';
import { runLabel } from './run-label.ts';

function totalReturn(listing: RunListing): number | undefined {
  const value = listing.run.summary?.total_return;
  return typeof value === 'number' ? value : undefined;
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

export function runsTable(scan: CatalogScan, waitingFor?: string): Html {
  const { runs: listings, unreadable } = scan;
  if (listings.length === 0) {
    const note = waitingFor !== undefined
      ? waitingNote(waitingFor)
      : html`<p class="empty-note">No runs yet. Run <code>bun run backtest …</code>, or start a paper run against this database.</p>`;
    return html`${note}${unreadableTable(unreadable)}`;
  }
  return html`<table class="runs"><thead><tr><th>Started</th><th>Run</th><th>Mode</th><th>Status</th><th>Timeframe</th><th>Return</th><th>Database</th><th></th></tr></thead>
<tbody>${listings.map((l) => {
    const ret = totalReturn(l);
    const base = runPath(l);
    return html`<tr data-run="${l.runId}"><td>${formatTime(l.run.startedAt)}</td><td><a href="${base}" title="run ${l.runId}">${runLabel(l.run)}</a></td><td>${l.run.mode}</td>
<td class="status-${l.run.status}">${l.run.status}</td><td>${l.run.timeframe}</td>
<td class="${signClass(ret ?? 0)}">${ret === undefined ? '—' : formatSignedPct(ret)}</td><td class="id" title="${l.path}">${basename(l.path)}</td><td><a href="${base}/machines">machines</a></td></tr>`;
  })}</tbody></table>${unreadableTable(unreadable)}`;
}

export function runsPage(scan: CatalogScan, waitingFor?: string): Html {
  const body = html`<h1>Runs</h1>
<div id="runs" hx-get="/partials/runs" hx-trigger="every 5s">${runsTable(scan, waitingFor)}</div>`;
  return layout('Runs', [{ href: '/runs', label: 'Runs', current: true }, { href: '/machines', label: 'Machines' }], body);
}

/** `/` over a paper/live DB that no session has written yet: polls until one has, then opens it. */
export function waitingPage(dbPath: string): Html {
  const body = html`<h1>Dashboard</h1>
<div id="session" hx-get="/partials/session" hx-trigger="every 2s">${waitingNote(dbPath)}</div>`;
  return layout('Waiting for a session', [{ href: '/runs', label: 'Runs' }, { href: '/machines', label: 'Machines' }], body);
}
