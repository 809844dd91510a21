// The state-machine visualiser: every machine drawn from its definition, each actor's state at the chosen
// step of the run's recorded transitions, its last events, and the stateless actors with what they handle.
import { html } from 'hono/html';
import { MACHINES, STATELESS_ACTORS, type MachineEntry } from '../../actors/machine-registry.ts';
import type { TransitionLog } from '../data/run-tail.ts';
import { formatTime } from '../report/render-report.ts';
import { isLive, runHeader, runPath } from '../views/dashboard-page.ts';
import { layout } from '../views/layout.ts';
import { withoutRunId, type Html } from '../views/panels.ts';
import type { RunListing } from '../data/catalog.ts';
import { diagramSvg } from './diagram-svg.ts';
import { machineDiagram, type MachineDiagram, type StateBox } from './machine-graph.ts';
import {
  belongsTo,
  instanceState,
  milestones,
  neighbourSteps,
  recentInstances,
  transitionAt,
  type InstanceState,
  type RecordedTransition,
} from './time-travel.ts';

export const RECENT_EVENTS = 10;
const INSTANCES_LISTED = 12;

export interface MachinesQuery {
  step: number;
  /** Whether the step was chosen (time travel) rather than "latest" (follows a live run). */
  pinned: boolean;
  picks: string[];
}

export interface MachinesContext {
  listing: RunListing;
  log: TransitionLog;
  query: MachinesQuery;
}

export function machineKey(entry: MachineEntry): string {
  return entry.machine.id;
}

export function findMachine(key: string): MachineEntry | undefined {
  return MACHINES.find((m) => machineKey(m) === key);
}

function initialPath(entry: MachineEntry): string {
  const target = entry.machine.root.initial?.target?.[0];
  return target ? target.path.join('.') : '';
}

function queryString(query: MachinesQuery, overrides: Partial<MachinesQuery> = {}): string {
  const q = { ...query, ...overrides };
  const params = new URLSearchParams();
  if (q.pinned) params.set('step', String(q.step));
  for (const pick of q.picks) params.append('pick', pick);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function stepLink(ctx: MachinesContext, step: number | null, label: string, rel: string): Html {
  if (step === null || step === ctx.query.step && ctx.query.pinned) return html`<span data-rel="${rel}">${label}</span>`;
  const base = `${runPath(ctx.listing)}/machines`;
  const qs = queryString(ctx.query, { step, pinned: true });
  return html`<a href="${base}${qs}" hx-get="${base}/body${qs}" hx-target="#machines-body" hx-push-url="${base}${qs}" data-rel="${rel}">${label}</a>`;
}

function describeTransition(t: RecordedTransition): string {
  return `${t.actor}: ${t.from} → ${t.to} (${t.event}) at ${formatTime(t.ts)}`;
}

function timeline(ctx: MachinesContext): Html {
  const { log, query } = ctx;
  const total = log.seqs.length;
  const step = query.step;
  const base = `${runPath(ctx.listing)}/machines`;
  const current = step > 0 ? transitionAt(log, step - 1) : undefined;
  const breaker = neighbourSteps(log, 'circuitBreaker', step);
  const jumps = milestones(log, ['session', 'circuitBreaker', 'pipeline'], 20);
  return html`<div class="timeline" data-step="${step}" data-total="${total}">
<span class="step-buttons">${stepLink(ctx, total > 0 ? 0 : null, '« start', 'first')} ${stepLink(ctx, step > 0 ? step - 1 : null, '◀ step back', 'prev')} ${stepLink(ctx, step < total ? step + 1 : null, 'step forward ▶', 'next')} ${stepLink(ctx, total, 'end »', 'last')}</span>
<span class="step-buttons">breaker: ${stepLink(ctx, breaker.previous, '◀ previous change', 'breaker-prev')} ${stepLink(ctx, breaker.next, 'next change ▶', 'breaker-next')}</span>
<form hx-get="${base}/body" hx-target="#machines-body" hx-trigger="change" hx-push-url="true" class="slider">
${query.picks.map((p) => html`<input type="hidden" name="pick" value="${p}">`)}
<input type="range" name="step" min="0" max="${total}" value="${step}" aria-label="step">
</form>
<span class="current-step">step ${step} of ${total}${query.pinned ? '' : ' (latest)'}${current ? ` — ${describeTransition(current)}` : ' — before any transition'}</span>
${query.pinned && isLive(ctx.listing) ? html`<a href="${base}">follow live</a>` : ''}
${jumps.length === 0 ? '' : html`<details class="jumps"><summary>Jump to a session, breaker or pipeline change (${jumps.length})</summary><ul>${jumps.map(
    (t) => html`<li>${stepLink(ctx, t.step, `step ${t.step}`, 'jump')}: ${describeTransition(t)}</li>`,
  )}</ul></details>`}
</div>`;
}

function pickFor(ctx: MachinesContext, entry: MachineEntry, listed: string[]): string | undefined {
  const picked = ctx.query.picks.find((p) => belongsTo(entry, p));
  return picked ?? listed[0];
}

function instanceList(ctx: MachinesContext, entry: MachineEntry, listed: string[], selected: string | undefined): Html {
  if (!entry.perInstance) return html``;
  if (listed.length === 0) return html`<p class="empty-note">No ${entry.title.toLowerCase()} transitions recorded up to this step.</p>`;
  const base = `${runPath(ctx.listing)}/machines`;
  return html`<div class="instances">${listed.map((actor) => {
    const picks = [...ctx.query.picks.filter((p) => !belongsTo(entry, p)), actor];
    const qs = queryString(ctx.query, { picks });
    return html`<a href="${base}${qs}" hx-get="${base}/body${qs}" hx-target="#machines-body" hx-push-url="${base}${qs}" aria-current="${actor === selected ? 'true' : 'false'}" data-actor="${actor}" title="${actor}">${withoutRunId(actor.slice(entry.actor.length) || actor, ctx.listing.runId)}</a>`;
  })}</div>`;
}

function eventsTable(instance: InstanceState): Html {
  if (instance.recent.length === 0) return html`<p class="empty-note">No events yet: in its initial state.</p>`;
  return html`<table class="events"><thead><tr><th>Step</th><th>Time</th><th>Event</th><th>From → to</th></tr></thead><tbody>${instance.recent.map(
    (t) => html`<tr data-step="${t.step}"><td>${t.step}</td><td>${formatTime(t.ts)}</td><td>${t.event}</td><td>${t.from} → ${t.to}</td></tr>`,
  )}</tbody></table>`;
}

/** A machine this run's mode never runs (a backtest has no session): drawn, with nothing highlighted. */
async function notRunSection(ctx: MachinesContext, entry: MachineEntry): Promise<Html> {
  const key = machineKey(entry);
  const diagram = await machineDiagram(entry.machine);
  const base = `${runPath(ctx.listing)}/machines/${encodeURIComponent(key)}/state`;
  const svg = diagramSvg(diagram, {
    current: null,
    last: null,
    stateUrl: (path) => `${base}?path=${encodeURIComponent(path)}`,
    detailTarget: `#state-detail-${key}`,
  });
  return html`<section class="machine" id="machine-${key}" data-machine="${key}" data-actor="" data-current-state="" data-not-run="">
<h2>${entry.title} <code>${entry.actor}</code></h2>
<p class="subtitle">${entry.description} Runs in ${(entry.modes ?? []).join(' and ')} mode only: this ${ctx.listing.run.mode} run has none.</p>
<div class="diagram-wrap">${svg}</div>
<div id="state-detail-${key}" class="state-detail"><p class="empty-note">Click a state to see its transitions.</p></div>
</section>`;
}

export async function machineSection(ctx: MachinesContext, entry: MachineEntry): Promise<Html> {
  if (entry.modes !== undefined && !entry.modes.includes(ctx.listing.run.mode)) return notRunSection(ctx, entry);
  const key = machineKey(entry);
  const diagram = await machineDiagram(entry.machine);
  const { log, query } = ctx;
  const listed = recentInstances(log, entry, query.step, INSTANCES_LISTED);
  const selected = pickFor(ctx, entry, listed);
  if (selected !== undefined && !listed.includes(selected) && entry.perInstance) listed.unshift(selected);
  const instance = selected === undefined ? undefined : instanceState(log, selected, query.step, initialPath(entry), RECENT_EVENTS);
  const last = instance?.recent[0];
  const detailId = `state-detail-${key}`;
  const base = `${runPath(ctx.listing)}/machines/${encodeURIComponent(key)}/state`;
  const svg = diagramSvg(diagram, {
    current: instance?.state ?? (entry.perInstance ? null : initialPath(entry)),
    last: last ? { from: last.from, to: last.to, event: last.event } : null,
    stateUrl: (path) => `${base}?path=${encodeURIComponent(path)}`,
    detailTarget: `#${detailId}`,
  });
  const owner = STATELESS_ACTORS.find((a) => a.owns === entry.actor);
  return html`<section class="machine" id="machine-${key}" data-machine="${key}" data-actor="${selected ?? ''}" data-current-state="${instance?.state ?? ''}">
<h2>${entry.title} <code>${entry.perInstance ? `${entry.actor}*` : entry.actor}</code></h2>
<p class="subtitle">${entry.description}${owner ? ` Owned by the ${owner.actor} actor.` : ''}</p>
${instanceList(ctx, entry, listed, selected)}
<div class="diagram-wrap">${svg}</div>
<div class="layout"><div><p>${selected === undefined ? 'No instance yet.' : html`<code>${selected}</code> is in <strong class="state-name">${instance?.state}</strong> (${instance?.transitions ?? 0} transitions so far)`}</p>
<div id="${detailId}" class="state-detail"><p class="empty-note">Click a state to see its transitions.</p></div></div>
<div><h3>Last ${RECENT_EVENTS} events</h3>${instance ? eventsTable(instance) : ''}</div></div>
</section>`;
}

function statelessTable(): Html {
  return html`<section class="machine stateless"><h2>Stateless actors</h2><p class="subtitle">Hot-path actors built with <code>fromTransition</code>: no states to draw, only the messages the router delivers to them.</p>
<table><thead><tr><th>Actor</th><th>Handles</th><th>Owns</th><th>What it does</th></tr></thead><tbody>${STATELESS_ACTORS.map((a) => {
    const owned = MACHINES.find((m) => m.actor === a.owns);
    return html`<tr data-actor="${a.actor}"><td><code>${a.actor}</code></td><td>${a.receives.join(', ')}</td><td>${owned ? html`<a href="#machine-${machineKey(owned)}">${owned.title}</a>` : '—'}</td><td>${a.description}</td></tr>`;
  })}</tbody></table></section>`;
}

export async function machinesBody(ctx: MachinesContext): Promise<Html> {
  const sections = await Promise.all(MACHINES.map((entry) => machineSection(ctx, entry)));
  return html`${timeline(ctx)}${sections}${statelessTable()}`;
}

export async function machinesPage(ctx: MachinesContext): Promise<Html> {
  const base = runPath(ctx.listing);
  const follow = !ctx.query.pinned && isLive(ctx.listing);
  const qs = queryString(ctx.query);
  const body = html`${runHeader(ctx.listing)}
<div id="machines-live"${follow ? html` hx-ext="sse" sse-connect="${base}/stream"` : ''}>
<div id="machines-body"${follow ? html` hx-get="${base}/machines/body${qs}" hx-trigger="sse:transitions"` : ''}>${await machinesBody(ctx)}</div>
</div>`;
  return layout(`Machines · ${ctx.listing.runId}`, [
    { href: '/runs', label: 'Runs' },
    { href: base, label: 'Dashboard' },
    { href: `${base}/machines`, label: 'Machines', current: true },
  ], body);
}

function transitionRows(edges: MachineDiagram['edges'], which: 'source' | 'target'): Html {
  if (edges.length === 0) return html`<p class="empty-note">None.</p>`;
  return html`<ul>${edges.map(
    (e) => html`<li><code>${e.event}</code>${e.guard ? html` [${e.guard}]` : ''} ${which === 'source' ? `→ ${e.target}` : `from ${e.source}`}${e.actions.length ? ` / ${e.actions.join(', ')}` : ''}</li>`,
  )}</ul>`;
}

export function stateDetail(diagram: MachineDiagram, state: StateBox): Html {
  const outgoing = diagram.edges.filter((e) => e.source === state.path);
  const incoming = diagram.edges.filter((e) => e.target === state.path);
  return html`<div class="state-info" data-state="${state.path}"><h3>${state.path}${state.final ? ' (final)' : ''}</h3>
${state.description ? html`<p>${state.description}</p>` : ''}
${state.entry.length ? html`<p>entry / ${state.entry.join(', ')}</p>` : ''}${state.exit.length ? html`<p>exit / ${state.exit.join(', ')}</p>` : ''}
<h4>Transitions out</h4>${transitionRows(outgoing, 'source')}
<h4>Transitions in</h4>${transitionRows(incoming, 'target')}</div>`;
}
