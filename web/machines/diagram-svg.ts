// A laid-out machine as inline SVG: states (compound ones as frames), transitions with their event, guard
// and actions, the initial markers, and the highlights of the actor being inspected.
import { html } from 'hono/html';
import type { Html } from '../views/panels.ts';
import type { MachineDiagram, Point, StateBox, TransitionEdge } from './machine-graph.ts';

export interface Highlight {
  /** Path of the actor's current state. */
  current: string | null;
  /** The actor's last transition, drawn in a distinct colour. */
  last: { from: string; to: string; event: string } | null;
  /** hx-get URL for a state's details (`{path}` is replaced), and the element it fills. */
  stateUrl: (path: string) => string;
  detailTarget: string;
}

const round = (n: number) => Math.round(n * 10) / 10;

function pathData(points: Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)} ${round(p.y)}`).join(' ');
}

function isAncestor(path: string, of: string | null): boolean {
  return of !== null && of.startsWith(`${path}.`);
}

function stateClasses(state: StateBox, current: string | null): string {
  const classes = ['state'];
  if (state.compound) classes.push('compound');
  if (state.final) classes.push('final');
  if (state.path === current) classes.push('current');
  else if (isAncestor(state.path, current)) classes.push('active');
  if (state.path === current && /(^|\.)halted(\.|$)/.test(state.path)) classes.push('halted-state');
  return classes.join(' ');
}

function stateShape(state: StateBox, h: Highlight): Html {
  const label = state.compound
    ? html`<text x="${round(state.x + 10)}" y="${round(state.y + 18)}">${state.label}</text>`
    : html`<text x="${round(state.x + state.width / 2)}" y="${round(state.y + state.height / 2 + 4)}" text-anchor="middle">${state.label}</text>`;
  const inner = state.final
    ? html`<rect class="inner" x="${round(state.x + 3)}" y="${round(state.y + 3)}" width="${round(state.width - 6)}" height="${round(state.height - 6)}" rx="6"/>`
    : '';
  return html`<g class="${stateClasses(state, h.current)}" data-state="${state.path}" hx-get="${h.stateUrl(state.path)}" hx-target="${h.detailTarget}" tabindex="0" role="button">
<title>${state.path}${state.description ? ` — ${state.description}` : ''}</title>
<rect x="${round(state.x)}" y="${round(state.y)}" width="${round(state.width)}" height="${round(state.height)}" rx="${state.compound ? 10 : 8}"/>${inner}${label}</g>`;
}

function isLast(edge: TransitionEdge, last: Highlight['last']): boolean {
  return last !== null && edge.source === last.from && edge.target === last.to;
}

function edgeShape(edge: TransitionEdge, markerId: string, last: Highlight['last']): Html {
  const [first, second] = edge.label?.lines ?? [];
  const label = edge.label;
  return html`<g class="edge${isLast(edge, last) ? ' last' : ''}" data-source="${edge.source}" data-target="${edge.target}" data-event="${edge.event}">
<path d="${pathData(edge.points)}" marker-end="url(#${markerId})"/>
${label && first !== undefined ? html`<text x="${round(label.x + 3)}" y="${round(label.y + 11)}">${first}</text>` : ''}
${label && second !== undefined ? html`<text class="actions" x="${round(label.x + 3)}" y="${round(label.y + 25)}">${second}</text>` : ''}
</g>`;
}

export function diagramSvg(diagram: MachineDiagram, h: Highlight): Html {
  const markerId = `arrow-${diagram.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  // Frames first so the states inside them are drawn (and clicked) on top; edges last so labels stay legible.
  const ordered = [...diagram.states].sort((a, b) => Number(b.compound) - Number(a.compound) || a.path.split('.').length - b.path.split('.').length);
  return html`<svg class="diagram" data-machine-id="${diagram.id}" viewBox="0 0 ${round(diagram.width)} ${round(diagram.height)}" width="${round(diagram.width)}" height="${round(diagram.height)}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${diagram.id} state machine">
<defs><marker id="${markerId}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#6b7280"/></marker></defs>
${ordered.map((s) => stateShape(s, h))}
${diagram.initials.map(
    (i) => html`<g class="initial" data-initial-of="${i.parent}"><circle cx="${round(i.dot.x)}" cy="${round(i.dot.y)}" r="5"/><path d="${pathData(i.points)}" marker-end="url(#${markerId})"/></g>`,
  )}
${diagram.edges.map((e) => edgeShape(e, markerId, h.last))}
</svg>`;
}
