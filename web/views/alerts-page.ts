// A run's alert history: newest first, filtered by minimum level (htmx swaps the list), with what each sink
// made of every alert. Read-only.
import { html } from 'hono/html';
import type { AlertWithDeliveries } from '../../db/alerts.ts';
import { ALERT_LEVELS, type AlertLevel } from '../../machines/alerts/alert.ts';
import type { RunListing } from '../data/catalog.ts';
import { formatTime } from '../report/render-report.ts';
import { runHeader, runPath } from './dashboard-page.ts';
import { layout } from './layout.ts';
import type { Html } from './panels.ts';

export interface AlertsView {
  /** Minimum level shown; undefined: every level. */
  level: AlertLevel | undefined;
  alerts: AlertWithDeliveries[];
  counts: Record<AlertLevel, number>;
  /** The DB predates the alerts table. */
  missing: boolean;
  limit: number;
}

export function alertList(base: string, view: AlertsView): Html {
  if (view.missing) return html`<p class="empty-note">This run DB was written before alerts were recorded.</p>`;
  if (view.alerts.length === 0) return html`<p class="empty-note">No alerts${view.level ? ` at ${view.level} or above` : ''}.</p>`;
  return html`<table class="alerts-table" data-level-filter="${view.level ?? 'all'}">
<thead><tr><th>bar time</th><th>level</th><th>alert</th><th>raised (wall)</th><th>deliveries</th></tr></thead>
<tbody>
${view.alerts.map(
    (a) => html`<tr class="alert ${a.level}" data-key="${a.key}" data-level="${a.level}">
<td><time>${formatTime(a.barTs)}</time></td><td class="level">${a.level.toUpperCase()}</td>
<td><strong>${a.title}</strong><br><span class="reason">${a.body}</span><br><code>${a.key}</code></td>
<td><time>${formatTime(a.wallTs)}</time></td>
<td>${a.deliveries.length === 0 ? html`<span class="empty-note">run DB only</span>` : a.deliveries.map((d) => html`<span class="delivery ${d.status}" title="${d.detail}">${d.sink}: ${d.status}${d.attempts > 1 ? ` (${d.attempts} attempts)` : ''}</span> `)}</td>
</tr>`,
  )}
</tbody></table>
${view.alerts.length >= view.limit ? html`<p class="empty-note">The newest ${view.limit} shown.</p>` : ''}`;
}

function filterLink(base: string, view: AlertsView, level: AlertLevel | undefined, label: string): Html {
  const query = level === undefined ? '' : `?level=${level}`;
  const current = view.level === level;
  return html`<a href="${base}/alerts${query}" hx-get="${base}/alerts/list${query}" hx-target="#alert-list" hx-push-url="${base}/alerts${query}"
 data-level="${level ?? 'all'}"${current ? html` aria-current="true"` : ''}>${label}</a>`;
}

export function alertsPage(listing: RunListing, view: AlertsView): Html {
  const base = runPath(listing);
  const total = ALERT_LEVELS.reduce((n, l) => n + view.counts[l], 0);
  const body = html`${runHeader(listing)}
<section class="panel"><h2>Alerts</h2>
<p class="links alert-filter">Show: ${filterLink(base, view, undefined, `all (${total})`)} ·
${filterLink(base, view, 'warning', `warning and critical (${view.counts.warning + view.counts.critical})`)} ·
${filterLink(base, view, 'critical', `critical (${view.counts.critical})`)}</p>
<div id="alert-list">${alertList(base, view)}</div>
</section>`;
  return layout(`Alerts ${listing.runId}`, [
    { href: '/runs', label: 'Runs' },
    { href: base, label: 'Dashboard' },
    { href: `${base}/alerts`, label: 'Alerts', current: true },
    { href: `${base}/machines`, label: 'Machines' },
  ], body);
}
