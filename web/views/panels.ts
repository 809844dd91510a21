// The dashboard's partials. Each renders one panel's inner HTML; the page, the 5-second poll and the live
// stream all use these same functions, so a panel looks the same however it arrived.
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AlertRow, RunRow } from '../../db/schema.ts';
import {
  formatMoney,
  formatPct,
  formatSignedPct,
  formatTime,
  metricsTable,
  quantityFormat,
  signClass,
} from '../report/render-report.ts';
import type { FillRow, OrderWithStatus, PositionRow, RiskEventRow, SignalWithDecision } from '../data/queries.ts';
import type { BreakerView, MetricsView, SummaryView } from '../data/run-view.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const qty = (value: number) => quantityFormat.format(value);
const price = (value: number | null) => (value === null ? '—' : quantityFormat.format(value));

function empty(text: string): Html {
  return html`<p class="empty-note">${text}</p>`;
}

function stat(key: string, label: string, value: string, cls = ''): Html {
  return html`<div class="stat" data-stat="${key}"><span class="label">${label}</span><span class="value ${cls}">${value}</span></div>`;
}

export function summaryPanel(view: SummaryView): Html {
  const e = view.latest;
  if (e === undefined) return empty('No equity recorded yet.');
  const total = e.equity - view.startingCapital;
  return html`<div class="stats">
${stat('equity', 'Portfolio value', formatMoney(e.equity))}
${stat('cash', 'Cash', formatMoney(e.cash))}
${stat('realized', 'Realised P&L', formatMoney(e.realizedPnl), signClass(e.realizedPnl))}
${stat('unrealized', 'Unrealised P&L', formatMoney(e.unrealizedPnl), signClass(e.unrealizedPnl))}
${stat('daily', 'Daily P&L', view.dailyPnl === null ? '—' : formatMoney(view.dailyPnl), signClass(view.dailyPnl ?? 0))}
${stat('total', 'Total P&L', `${formatMoney(total)} (${formatSignedPct(view.startingCapital > 0 ? total / view.startingCapital : 0)})`, signClass(total))}
${stat('exposure', 'Gross exposure', e.equity > 0 ? formatPct(e.grossExposure / e.equity, 1) : '—')}
${stat('fees', 'Fees', formatMoney(e.fees))}
</div>
<p class="as-of">as of ${formatTime(e.ts)}</p>`;
}

export function positionsPanel(rows: PositionRow[]): Html {
  if (rows.length === 0) return empty('No open positions.');
  return html`<table class="positions"><thead><tr><th>Symbol</th><th>Qty</th><th>Avg price</th><th>Last price</th><th>Unrealised</th><th>Realised</th><th>Marked</th></tr></thead>
<tbody>${rows.map(
    (p) => html`<tr data-symbol="${p.symbol}"><td>${p.symbol}</td><td>${qty(p.qty)}</td><td>${price(p.avgPrice)}</td><td>${price(p.lastPrice)}</td>
<td class="${signClass(p.unrealizedPnl)}">${formatMoney(p.unrealizedPnl)}</td><td class="${signClass(p.realizedPnl)}">${formatMoney(p.realizedPnl)}</td><td>${formatTime(p.ts)}</td></tr>`,
  )}</tbody></table>`;
}

function decisionCell(s: SignalWithDecision): Html {
  const d = s.decision;
  if (d === undefined) return html`<td class="pending">pending</td><td></td>`;
  if (d.approved) {
    return html`<td class="pos">approved${d.qty === null ? '' : html`, qty <span class="qty">${qty(d.qty)}</span>`}</td><td>${d.limitedBy ? `sized by ${d.limitedBy}` : ''}</td>`;
  }
  return html`<td class="neg" data-layer="${d.layer ?? ''}">rejected: ${d.layer ?? '?'}</td><td class="reason">${d.rule ?? ''}${d.reason ? `: ${d.reason}` : ''}</td>`;
}

/** `ended`: the run will record nothing more (finished, failed, stopped, or its process gone): no "yet". */
export function signalsPanel(rows: SignalWithDecision[], ended = false): Html {
  if (rows.length === 0) return empty(ended ? 'No signals.' : 'No signals yet.');
  return html`<table class="signals"><thead><tr><th>Time</th><th>Symbol</th><th>Action</th><th>Price</th><th>Stop</th><th>Reason</th><th>Risk decision</th><th>Rule</th></tr></thead>
<tbody>${rows.map(
    (s) => html`<tr data-signal="${s.id}"><td>${formatTime(s.ts)}</td><td>${s.symbol}</td><td>${s.action}</td><td>${price(s.price)}</td><td>${price(s.stopLoss)}</td><td class="reason">${s.reason}</td>${decisionCell(s)}</tr>`,
  )}</tbody></table>`;
}

/**
 * An order or fill id inside its own run's page: the run id it starts with is already in the page header, so only
 * the rest is shown (the whole id stays in the title and the row's data attribute). Keeps the panel's columns in view.
 */
function idCell(id: string, runId: string): Html {
  return html`<td class="id" title="${id}">${withoutRunId(id, runId)}</td>`;
}

/** `bt-…-a1b2c3-14-sl` on its own run's page → `…-14-sl`; an id that does not start with the run id, unchanged. */
export function withoutRunId(id: string, runId: string): string {
  return id.startsWith(`${runId}-`) ? `…${id.slice(runId.length)}` : id;
}

export function ordersPanel(rows: OrderWithStatus[], runId: string, ended = false): Html {
  if (rows.length === 0) return empty(ended ? 'No orders.' : 'No orders yet.');
  return html`<table class="orders"><thead><tr><th>Time</th><th>Order</th><th>Status</th><th>Symbol</th><th>Side</th><th>Type</th><th>Qty</th><th>Price</th><th>Purpose</th></tr></thead>
<tbody>${rows.map(
    (o) => html`<tr data-order="${o.clientOrderId}"><td>${formatTime(o.ts)}</td>${idCell(o.clientOrderId, runId)}<td class="status-${o.status}" title="${o.statusReason ?? ''}">${o.status}</td>
<td>${o.symbol}</td><td>${o.side}</td><td>${o.orderType}</td><td>${qty(o.qty)}</td><td>${price(o.price)}</td><td>${o.purpose}</td></tr>`,
  )}</tbody></table>`;
}

export function fillsPanel(rows: FillRow[], runId: string, ended = false): Html {
  if (rows.length === 0) return empty(ended ? 'No fills.' : 'No fills yet.');
  return html`<table class="fills"><thead><tr><th>Time</th><th>Fill</th><th>Symbol</th><th>Side</th><th>Qty</th><th>Price</th><th>Fee</th><th>Slippage</th><th>Purpose</th></tr></thead>
<tbody>${rows.map(
    (f) => html`<tr data-fill="${f.fillId}"><td>${formatTime(f.ts)}</td>${idCell(f.fillId, runId)}<td>${f.symbol}</td><td>${f.side}</td><td>${qty(f.qty)}</td><td>${price(f.price)}</td><td>${formatMoney(f.fee)}</td><td>${formatMoney(f.slippage)}</td><td>${f.purpose}</td></tr>`,
  )}</tbody></table>`;
}

export function metricsPanel(view: MetricsView): Html {
  if (view.summary === undefined) return empty('No metrics until equity is recorded.');
  const origin = view.origin === 'report' ? 'Final figures, as in the run report' : 'Recomputed from the run so far';
  // metricsTable escapes every value it prints; it is the report's own table, reused as is.
  return html`${raw(metricsTable(view.summary))}<p class="as-of">${origin}${view.asOf === null ? '' : ` (${formatTime(view.asOf)})`}</p>`;
}

export function breakerPanel(view: BreakerView): Html {
  const halted = view.state !== 'trading';
  const trip = view.lastTrip;
  return html`<div class="breaker ${halted ? 'halted' : 'trading'}" data-breaker-state="${view.state}">
<p class="breaker-state">${halted ? 'HALTED' : 'Trading'} <code>${view.state}</code>${view.since === null ? '' : html` since ${formatTime(view.since)}`}</p>
${trip === undefined
    ? html`<p class="empty-note">Never tripped.</p>`
    : html`<p class="last-trip">Last trip: <time>${formatTime(trip.ts)}</time> → <code>${trip.state}</code><br><span class="reason">${trip.reason}</span></p>`}
</div>`;
}

/** The latest alerts of the run (its `alerts` table), or its risk events for a run DB older than that table. */
export function alertsPanel(rows: { alerts: AlertRow[] } | { riskEvents: RiskEventRow[] }, run: RunRow, base: string): Html {
  const failure = run.status === 'failed' ? String(run.summary?.error ?? 'run failed') : undefined;
  const history = html`<p class="links"><a href="${base}/alerts">Alert history</a></p>`;
  const count = 'alerts' in rows ? rows.alerts.length : rows.riskEvents.length;
  if (count === 0 && failure === undefined) return html`${empty('No alerts.')}${history}`;
  return html`<ul class="alerts">
${failure === undefined ? '' : html`<li class="alert critical"><strong>run failed</strong> ${failure}</li>`}
${'alerts' in rows
    ? rows.alerts.map((a) => alertItem(a))
    : rows.riskEvents.map(
        (e) => html`<li class="alert ${e.level}" data-kind="${e.kind}"><time>${formatTime(e.ts)}</time> <strong>${e.kind.replace(/_/g, ' ')}</strong> → <code>${e.state}</code>: ${e.reason}</li>`,
      )}
</ul>${history}`;
}

export function alertItem(a: AlertRow): Html {
  return html`<li class="alert ${a.level}" data-key="${a.key}" data-level="${a.level}"><time>${formatTime(a.barTs)}</time> <span class="level">${a.level.toUpperCase()}</span> <strong>${a.title}</strong><br><span class="reason">${a.body}</span></li>`;
}
