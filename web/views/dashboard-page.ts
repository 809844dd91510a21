// One run's dashboard: every panel is an htmx target fed by the live stream (sse-swap) and, while the
// stream is down, by a 5-second poll of the same partial.
import { html, raw } from 'hono/html';
import type { RunListing } from '../data/catalog.ts';
import type { ChartView } from '../data/run-view.ts';
import { formatTime, scriptSafeJson } from '../report/render-report.ts';
import { layout } from './layout.ts';
import type { Html } from './panels.ts';
import { runLabel } from './run-label.ts';

export const PANELS = ['summary', 'positions', 'breaker', 'signals', 'orders', 'fills', 'metrics', 'alerts'] as const;
export type PanelName = (typeof PANELS)[number];

const TITLES: Record<PanelName, string> = {
  summary: 'Portfolio',
  positions: 'Open positions',
  breaker: 'Circuit breaker',
  signals: 'Recent signals and risk decisions',
  orders: 'Recent orders',
  fills: 'Recent fills',
  metrics: 'Performance',
  alerts: 'Alerts',
};

export function runPath(listing: Pick<RunListing, 'source' | 'runId'>): string {
  return `/runs/${encodeURIComponent(listing.source)}/${encodeURIComponent(listing.runId)}`;
}

function panel(base: string, name: PanelName, content: Html): Html {
  return html`<section class="panel panel-${name}" id="panel-${name}">
<h2>${TITLES[name]}</h2>
<div class="panel-body" id="${name}-body" hx-get="${base}/partials/${name}" hx-trigger="every 5s" data-poll sse-swap="${name}">
${content}
</div>
</section>`;
}

/** Whether a process is running the run now (a killed session's row still says `running`). */
export function isLive(listing: RunListing): boolean {
  return listing.run.status === 'running' && listing.processEnded === undefined;
}

/** The status a page shows: the recorded one, or "not running" (since its last heartbeat) for a killed session. */
export function shownStatus(listing: RunListing): { key: string; text: string; detail?: string } {
  const ended = listing.processEnded;
  if (ended === undefined) return { key: listing.run.status, text: listing.run.status };
  const since = ended.lastHeartbeat === null ? 'its process has ended' : `not running since ${formatTime(ended.lastHeartbeat)} (its last heartbeat)`;
  return { key: 'not-running', text: 'not running', detail: since };
}

export function runHeader(listing: RunListing): Html {
  const run = listing.run;
  const status = shownStatus(listing);
  return html`<div class="run-header" data-status="${status.key}">
<h1>${run.strategy} on ${run.symbols.join(', ')} <span class="badge mode-${run.mode}">${run.mode}</span> <span class="badge status-${status.key}">${status.text}</span></h1>
<p class="subtitle">${runLabel(run)} · ${run.timeframe} · run <code>${run.id}</code> · started ${formatTime(run.startedAt)}${run.finishedAt ? ` · finished ${formatTime(run.finishedAt)}` : ''}${status.detail ? ` · ${status.detail}` : ''}</p>
</div>`;
}

/** `control`: the kill switch, on the page of a session the dashboard may send commands to. */
export function dashboardPage(listing: RunListing, chart: ChartView, panels: Record<PanelName, Html>, control?: Html): Html {
  const base = runPath(listing);
  const live = isLive(listing);
  const chartJson = { ...chart, dataUrl: `${base}/chart-data` };
  const body = html`<div id="run" hx-ext="sse" sse-connect="${base}/stream?after=${chart.lastSeq}" data-live="${live ? 'yes' : 'no'}">
<div id="run-header" hx-get="${base}/partials/header" hx-trigger="every 5s" data-poll sse-swap="header">${runHeader(listing)}</div>
<p class="links"><a href="${base}/machines">State machines</a> · <a href="${base}/alerts">Alerts</a>${listing.run.reportPath && listing.run.status === 'finished' ? html` · <a href="${base}/report" target="_blank" rel="noopener">HTML report</a>` : ''} · <span id="live-status" class="live-status">${live ? 'connecting…' : shownStatus(listing).text}</span></p>
${panel(base, 'summary', panels.summary)}
<section class="panel charts"><h2>Equity</h2><div id="equity-chart" class="chart"></div>
<h2>Drawdown</h2><div id="drawdown-chart" class="chart"></div></section>
<div class="grid two">${panel(base, 'positions', panels.positions)}${panel(base, 'breaker', panels.breaker)}</div>
${control ?? ''}
${panel(base, 'signals', panels.signals)}
${panel(base, 'orders', panels.orders)}${panel(base, 'fills', panels.fills)}
<div class="grid two">${panel(base, 'metrics', panels.metrics)}${panel(base, 'alerts', panels.alerts)}</div>
<script type="application/json" id="chart-data">${raw(scriptSafeJson(chartJson))}</script>
</div>`;
  return layout(`${listing.run.strategy} ${listing.runId}`, [
    { href: '/runs', label: 'Runs' },
    { href: base, label: 'Dashboard', current: true },
    { href: `${base}/alerts`, label: 'Alerts' },
    { href: `${base}/machines`, label: 'Machines' },
  ], body);
}
