// Every run the dashboard can open: the --db file's runs and each data/backtests/*.db.
import { html } from 'hono/html';
import type { RunListing } from '../data/catalog.ts';
import { formatSignedPct, formatTime, signClass } from '../report/render-report.ts';
import { runPath } from './dashboard-page.ts';
import { layout } from './layout.ts';
import type { Html } from './panels.ts';

function totalReturn(listing: RunListing): number | undefined {
  const value = listing.run.summary?.total_return;
  return typeof value === 'number' ? value : undefined;
}

export function runsTable(listings: RunListing[]): Html {
  if (listings.length === 0) {
    return html`<p class="empty-note">No runs yet. Run <code>bun run backtest …</code>, or start a paper run against this database.</p>`;
  }
  return html`<table class="runs"><thead><tr><th>Started</th><th>Run</th><th>Mode</th><th>Status</th><th>Strategy</th><th>Symbols</th><th>Timeframe</th><th>Return</th><th>Database</th><th></th></tr></thead>
<tbody>${listings.map((l) => {
    const ret = totalReturn(l);
    const base = runPath(l);
    return html`<tr data-run="${l.runId}"><td>${formatTime(l.run.startedAt)}</td><td><a href="${base}">${l.runId}</a></td><td>${l.run.mode}</td>
<td class="status-${l.run.status}">${l.run.status}</td><td>${l.run.strategy}</td><td>${l.run.symbols.join(', ')}</td><td>${l.run.timeframe}</td>
<td class="${signClass(ret ?? 0)}">${ret === undefined ? '—' : formatSignedPct(ret)}</td><td class="id">${l.source}</td><td><a href="${base}/machines">machines</a></td></tr>`;
  })}</tbody></table>`;
}

export function runsPage(listings: RunListing[]): Html {
  const body = html`<h1>Runs</h1>
<div id="runs" hx-get="/partials/runs" hx-trigger="every 5s">${runsTable(listings)}</div>`;
  return layout('Runs', [{ href: '/runs', label: 'Runs', current: true }, { href: '/machines', label: 'Machines' }], body);
}
