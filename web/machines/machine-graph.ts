// A machine definition → states and transitions (from xstate/graph) → a layout (ELK, layered) the SVG view
// draws. Nothing here is hand-drawn: change a machine file and its diagram changes with it.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';

export interface Point {
  x: number;
  y: number;
}

export interface StateBox {
  /** Dotted path from the root, as recorded in state_transitions (`halted.drawdown`). */
  path: string;
  label: string;
  parent: string | null;
  compound: boolean;
  final: boolean;
  description: string | null;
  entry: string[];
  exit: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TransitionEdge {
  id: string;
  /** State paths; a targetless transition is a self-loop. */
  source: string;
  target: string;
  event: string;
  guard: string | null;
  actions: string[];
  points: Point[];
  label: { x: number; y: number; lines: string[] } | null;
}

export interface InitialMarker {
  parent: string;
  points: Point[];
  dot: Point;
}

export interface MachineDiagram {
  id: string;
  width: number;
  height: number;
  states: StateBox[];
  edges: TransitionEdge[];
  initials: InitialMarker[];
}

const CHAR_WIDTH = 7;
const LINE_HEIGHT = 14;
const STATE_HEIGHT = 34;
const INITIAL_PREFIX = '__initial__:';

type Described = { type?: unknown; name?: unknown };

/** A readable name for an action or guard: a string, `{ type }`, or a built-in (assign, emit) / inline function. */
export function describeImplementation(item: unknown): string {
  if (typeof item === 'string') return item;
  if (typeof item === 'function' || (typeof item === 'object' && item !== null)) {
    const { type, name } = item as Described;
    if (typeof type === 'string') return type.replace(/^xstate\./, '');
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'inline';
}

function eventLabel(eventType: string): string {
  if (eventType === '') return 'always';
  const delayed = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (delayed) return `after ${delayed[1]}`;
  return eventType;
}

function pathOf(node: AnyStateNode): string {
  return node.path.join('.');
}

function labelLines(edge: Pick<TransitionEdge, 'event' | 'guard' | 'actions'>): string[] {
  const lines = [edge.guard ? `${edge.event} [${edge.guard}]` : edge.event];
  if (edge.actions.length > 0) lines.push(`/ ${edge.actions.join(', ')}`);
  return lines;
}

function labelSize(lines: string[]): { width: number; height: number } {
  return { width: Math.max(...lines.map((l) => l.length)) * CHAR_WIDTH + 6, height: lines.length * LINE_HEIGHT };
}

interface Collected {
  states: Map<string, Omit<StateBox, 'x' | 'y' | 'width' | 'height'>>;
  edges: Omit<TransitionEdge, 'points' | 'label'>[];
  rootId: string;
}

function collect(machine: AnyStateMachine): Collected {
  const states: Collected['states'] = new Map();
  const edges: Collected['edges'] = [];
  const visit = (graph: DirectedGraphNode, parent: string | null) => {
    const node = graph.stateNode;
    const path = pathOf(node);
    const isRoot = node.path.length === 0;
    if (!isRoot) {
      states.set(path, {
        path,
        label: node.key,
        parent,
        compound: graph.children.length > 0,
        final: node.type === 'final',
        description: node.description ?? null,
        entry: node.entry.map(describeImplementation),
        exit: node.exit.map(describeImplementation),
      });
    }
    for (const edge of graph.edges) {
      // Machine-level transitions have no state box to start from; the state panel lists them instead.
      if (isRoot) continue;
      const guard = edge.transition.guard === undefined ? null : describeImplementation(edge.transition.guard);
      edges.push({
        id: edge.id,
        source: path,
        target: pathOf(edge.target),
        event: eventLabel(edge.transition.eventType),
        guard,
        actions: edge.transition.actions.map(describeImplementation),
      });
    }
    for (const child of graph.children) visit(child, isRoot ? null : path);
  };
  visit(toDirectedGraph(machine), null);
  return { states, edges, rootId: machine.id };
}

function initialChildOf(machine: AnyStateMachine, parentPath: string | null): string | null {
  const node = parentPath === null ? machine.root : machine.getStateNodeById(`${machine.id}.${parentPath}`);
  const target = node.initial?.target?.[0];
  return target ? pathOf(target) : null;
}

function elkGraph(machine: AnyStateMachine, collected: Collected): ElkNode {
  const nodes = new Map<string, ElkNode>();
  const root: ElkNode = {
    id: '__root__',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.spacing.nodeNodeBetweenLayers': '50',
      'elk.spacing.nodeNode': '30',
      'elk.spacing.edgeLabel': '3',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: [],
    edges: [],
  };
  const childrenOf = (parent: string | null) => (parent === null ? root : nodes.get(parent)!).children!;
  for (const state of collected.states.values()) {
    const node: ElkNode = state.compound
      ? { id: state.path, children: [], layoutOptions: { 'elk.padding': '[top=30,left=14,bottom=14,right=14]' } }
      : { id: state.path, width: Math.max(80, state.label.length * CHAR_WIDTH + 28), height: STATE_HEIGHT };
    nodes.set(state.path, node);
    childrenOf(state.parent).push(node);
  }
  const parents: (string | null)[] = [null, ...[...collected.states.values()].filter((s) => s.compound).map((s) => s.path)];
  for (const parent of parents) {
    const initial = initialChildOf(machine, parent);
    if (initial === null) continue;
    const id = INITIAL_PREFIX + (parent ?? '');
    childrenOf(parent).push({ id, width: 10, height: 10 });
    root.edges!.push({ id: `${id}->`, sources: [id], targets: [initial] });
  }
  for (const edge of collected.edges) {
    const lines = labelLines(edge);
    const elkEdge: ElkExtendedEdge = {
      id: edge.id,
      sources: [edge.source],
      targets: [edge.target],
      labels: [{ text: lines.join('\n'), ...labelSize(lines) }],
    };
    root.edges!.push(elkEdge);
  }
  return root;
}

function flatten(node: ElkNode, out: Map<string, ElkNode>): Map<string, ElkNode> {
  for (const child of node.children ?? []) {
    out.set(child.id, child);
    flatten(child, out);
  }
  return out;
}

function edgePoints(edge: ElkExtendedEdge): Point[] {
  return (edge.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
}

// elk.bundled.js sets a global `onmessage` when it sees no DOM (meant for a web worker); in Bun that
// handler keeps the process alive after the last request. The bundled engine never uses it.
delete (globalThis as { onmessage?: unknown }).onmessage;
const elk = new ELK();

export async function layoutMachine(machine: AnyStateMachine): Promise<MachineDiagram> {
  const collected = collect(machine);
  const laidOut = await elk.layout(elkGraph(machine, collected));
  const boxes = flatten(laidOut, new Map());
  const elkEdges = new Map((laidOut.edges ?? []).map((e) => [e.id, e]));
  const states: StateBox[] = [...collected.states.values()].map((s) => {
    const box = boxes.get(s.path)!;
    return { ...s, x: box.x ?? 0, y: box.y ?? 0, width: box.width ?? 0, height: box.height ?? 0 };
  });
  const edges: TransitionEdge[] = collected.edges.map((e) => {
    const laid = elkEdges.get(e.id);
    const label = laid?.labels?.[0];
    return {
      ...e,
      points: laid ? edgePoints(laid) : [],
      label: label ? { x: label.x ?? 0, y: label.y ?? 0, lines: labelLines(e) } : null,
    };
  });
  const initials: InitialMarker[] = [];
  for (const [id, box] of boxes) {
    if (!id.startsWith(INITIAL_PREFIX)) continue;
    const edge = elkEdges.get(`${id}->`);
    initials.push({
      parent: id.slice(INITIAL_PREFIX.length),
      dot: { x: (box.x ?? 0) + 5, y: (box.y ?? 0) + 5 },
      points: edge ? edgePoints(edge) : [],
    });
  }
  return { id: collected.rootId, width: laidOut.width ?? 0, height: laidOut.height ?? 0, states, edges, initials };
}

const cache = new WeakMap<AnyStateMachine, Promise<MachineDiagram>>();

/** Layouts depend only on the definition, so each machine is laid out once per process. */
export function machineDiagram(machine: AnyStateMachine): Promise<MachineDiagram> {
  let diagram = cache.get(machine);
  if (diagram === undefined) {
    diagram = layoutMachine(machine);
    cache.set(machine, diagram);
  }
  return diagram;
}
