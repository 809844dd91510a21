// The visualiser draws each registered machine from its definition, highlights recorded states at any step,
// and explains a clicked state.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { getStateNodes, toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { MACHINES } from '../../actors/machine-registry.ts';
import { orderMachine } from '../../machines/execution/order.machine.ts';
import { circuitBreakerMachine } from '../../machines/risk/circuit-breaker.machine.ts';
import { sessionMachine } from '../../machines/session/session.machine.ts';
import { createDashboard, type Dashboard } from '../../web/app.ts';
import { describeImplementation, layoutMachine } from '../../web/machines/machine-graph.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { buildSmallRun, insertRun, rowWriter, T0 } from '../support/dashboard-db.ts';
import { tempDir } from '../support/real-data.ts';

const dir = tempDir('qs-dash-machines-');
let dashboard: Dashboard;

beforeAll(() => {
  buildSmallRun(join(dir, 'paper.db'));
  dashboard = createDashboard({ dbPath: join(dir, 'paper.db'), backtestsDir: join(dir, 'none') });
});
afterAll(() => dashboard?.close());

async function body(path: string): Promise<string> {
  const response = await dashboard.app.request(`http://localhost/runs/main/small-run${path}`);
  expect(response.status).toBe(200);
  return response.text();
}

function sectionTag(html: string, key: string): string {
  return new RegExp(`<section class="machine" id="machine-${key}"[^>]*>`).exec(html)?.[0] ?? '';
}

function edgeCount(node: DirectedGraphNode, isRoot = true): number {
  return (isRoot ? 0 : node.edges.length) + node.children.reduce((n, child) => n + edgeCount(child, false), 0);
}

describe('diagrams from the machine definitions', () => {
  test('lays out every state and every transition of each registered machine', async () => {
    for (const entry of MACHINES) {
      const diagram = await layoutMachine(entry.machine);
      const paths = getStateNodes(entry.machine.root).map((n) => n.path.join('.'));
      expect(diagram.states.map((s) => s.path).sort()).toEqual(paths.sort());
      expect(diagram.edges.length).toBe(edgeCount(toDirectedGraph(entry.machine)));
      for (const edge of diagram.edges) expect(edge.points.length).toBeGreaterThanOrEqual(2);
      for (const state of diagram.states) {
        expect(state.x + state.width).toBeLessThanOrEqual(diagram.width);
        expect(state.y + state.height).toBeLessThanOrEqual(diagram.height);
      }
    }
  });

  test('nests child states inside their parent frame', async () => {
    const diagram = await layoutMachine(circuitBreakerMachine);
    const halted = diagram.states.find((s) => s.path === 'halted')!;
    expect(halted.compound).toBe(true);
    for (const child of diagram.states.filter((s) => s.parent === 'halted')) {
      expect(child.x).toBeGreaterThan(halted.x);
      expect(child.y).toBeGreaterThan(halted.y);
      expect(child.x + child.width).toBeLessThan(halted.x + halted.width);
      expect(child.y + child.height).toBeLessThan(halted.y + halted.height);
    }
  });

  test('labels each transition with its event, guard and actions, as the machine file names them', async () => {
    const diagram = await layoutMachine(orderMachine);
    const guarded = diagram.edges.find((e) => e.source === 'working' && e.target === 'filled')!;
    expect(guarded).toMatchObject({ event: 'FILL', guard: 'completesOrder', actions: ['recordFill', 'announce'] });
    const selfLoop = diagram.edges.find((e) => e.source === 'partiallyFilled' && e.target === 'partiallyFilled');
    expect(selfLoop?.event).toBe('FILL');
    expect(diagram.states.filter((s) => s.final).map((s) => s.path).sort()).toEqual(['cancelled', 'filled', 'rejected']);
  });

  test('names built-in and inline implementations readably', () => {
    expect(describeImplementation('recordTrip')).toBe('recordTrip');
    expect(describeImplementation({ type: 'announce', params: {} })).toBe('announce');
    expect(describeImplementation(Object.assign(() => undefined, { type: 'xstate.assign' }))).toBe('assign');
    expect(describeImplementation(function namedGuard() {})).toBe('namedGuard');
    expect(describeImplementation(() => undefined)).toBe('inline');
  });
});

describe('the machines page', () => {
  test('draws one diagram per registered machine and lists the stateless actors with what they handle', async () => {
    const page = await body('/machines');
    expect(page.match(/<svg class="diagram"/g)?.length).toBe(MACHINES.length);
    for (const entry of MACHINES) expect(page).toContain(`data-machine-id="${entry.machine.id}"`);
    expect(page).toMatch(/<tr data-actor="risk">.*?EquitySnapshot.*?href="#machine-circuitBreaker"/s);
    expect(page).toMatch(/<tr data-actor="executor">.*?Order.*?href="#machine-order"/s);
    expect(page).toMatch(/<tr data-actor="strategy">.*?href="#machine-strategyPhase"/s);
  });

  test('highlights the current state of each actor at the latest step', async () => {
    const page = await body('/machines');
    expect(sectionTag(page, 'circuitBreaker')).toContain('data-current-state="halted.dailyLoss"');
    expect(page).toMatch(/<g class="state current halted-state" data-state="halted.dailyLoss"/);
    expect(page).toMatch(/<g class="state compound active" data-state="halted"/);
    expect(sectionTag(page, 'order')).toContain('data-actor="order:ord-1" data-current-state="working"');
    expect(sectionTag(page, 'pipeline')).toContain('data-current-state="running"');
  });

  test('steps back to before the trip, where the breaker is still trading', async () => {
    // Recorded order: pipeline START (step 1), breaker trip (step 2), order accepted (step 3).
    const atStart = await body('/machines/body?step=1');
    expect(atStart).toContain('step 1 of 3');
    expect(sectionTag(atStart, 'circuitBreaker')).toContain('data-current-state="trading"');
    const atTrip = await body('/machines/body?step=2');
    expect(sectionTag(atTrip, 'circuitBreaker')).toContain('data-current-state="halted.dailyLoss"');
    expect(atTrip).toMatch(/<g class="edge last" data-source="trading" data-target="halted.dailyLoss"/);
    expect(atTrip).toMatch(/<a href="\/runs\/main\/small-run\/machines\?step=3"[^>]*data-rel="next"/);
  });

  test('clamps a step outside the log to its ends', async () => {
    expect(await body('/machines/body?step=-5')).toContain('step 0 of 3');
    expect(await body('/machines/body?step=99')).toContain('step 3 of 3');
  });

  test('lists the last events each actor received, newest first', async () => {
    const page = await body('/machines/body?step=3');
    expect(page).toMatch(/<tr data-step="2"><td>2<\/td><td>2024-01-01 00:30Z<\/td><td>breaker_tripped<\/td><td>trading → halted.dailyLoss<\/td><\/tr>/);
    expect(page).toMatch(/<tr data-step="3"><td>3<\/td><td>[^<]+<\/td><td>ACCEPT<\/td><td>submitted → working<\/td><\/tr>/);
  });

  test('shows a clicked state with the transitions that leave and enter it', async () => {
    const page = await body('/machines');
    expect(page).toContain('hx-get="/runs/main/small-run/machines/circuitBreaker/state?path=halted.drawdown" hx-target="#state-detail-circuitBreaker"');
    const detail = await body('/machines/circuitBreaker/state?path=halted.drawdown');
    expect(detail).toMatch(/Transitions out.*<code>RESET<\/code> → trading \/ clearTrip, announce/s);
    expect(detail).toMatch(/Transitions in.*<code>TRIP_DRAWDOWN<\/code> from trading.*<code>TRIP_DRAWDOWN<\/code> from halted.dailyLoss/s);
    expect((await dashboard.app.request('http://localhost/runs/main/small-run/machines/circuitBreaker/state?path=nope')).status).toBe(404);
  });

  test('follows a running run live unless a step is pinned', async () => {
    const live = await body('/machines');
    expect(live).toContain('sse-connect="/runs/main/small-run/stream"');
    expect(live).toContain('hx-trigger="sse:transitions"');
    const pinned = await body('/machines?step=1');
    expect(pinned).not.toContain('sse-connect=');
    expect(pinned).toContain('follow live');
  });

  test('/machines opens the visualiser of the default run', async () => {
    const response = await dashboard.app.request('http://localhost/machines');
    expect(response.headers.get('location')).toBe('/runs/main/small-run/machines');
  });
});

describe('the session and the kill switch', () => {
  test('registers the session machine under the actor the runtime records it as', () => {
    expect(MACHINES.find((m) => m.actor === 'session')?.machine).toBe(sessionMachine);
  });

  test('the breaker diagram has the manual halt, entered by MANUAL_HALT and left by RESUME', async () => {
    const diagram = await layoutMachine(circuitBreakerMachine);
    expect(diagram.states.map((s) => s.path)).toContain('halted.manual');
    expect(diagram.edges.find((e) => e.source === 'trading' && e.target === 'halted.manual')?.event).toBe('MANUAL_HALT');
    expect(diagram.edges.find((e) => e.source === 'halted.manual' && e.target === 'trading')?.event).toBe('RESUME');
    const page = await body('/machines');
    expect(page).toMatch(/<g class="state[^"]*" data-state="halted.manual"/);
  });

  test("highlights a paper session's recorded state and the breaker's manual halt", async () => {
    const path = join(dir, 'session.db');
    const db = openDb(path);
    insertRun(db, { id: 'paper-1' });
    const write = rowWriter(db);
    const moves: [string, string, string, string][] = [
      ['session', 'starting', 'warmingUp', 'WARM_UP'],
      ['session', 'warmingUp', 'trading', 'READY'],
      ['circuitBreaker', 'trading', 'halted.manual', 'MANUAL_HALT'],
      ['session', 'trading', 'halted', 'HALT'],
    ];
    moves.forEach(([actor, from, to, event], i) => write('state_transitions', { run_id: 'paper-1', ts: T0 + i * 60_000, actor, from_state: from, to_state: to, event }));
    closeDb(db);
    const paper = createDashboard({ dbPath: path, backtestsDir: join(dir, 'none') });
    try {
      const page = await (await paper.app.request('http://localhost/runs/main/paper-1/machines')).text();
      expect(sectionTag(page, 'session')).toContain('data-actor="session" data-current-state="halted"');
      expect(sectionTag(page, 'circuitBreaker')).toContain('data-current-state="halted.manual"');
      expect(page).toMatch(/<tr data-step="4"><td>4<\/td><td>[^<]+<\/td><td>HALT<\/td><td>trading → halted<\/td><\/tr>/);
      const before = await (await paper.app.request('http://localhost/runs/main/paper-1/machines/body?step=2')).text();
      expect(sectionTag(before, 'session')).toContain('data-current-state="trading"');
    } finally {
      paper.close();
    }
  });

  test('a backtest draws the session machine with nothing highlighted: it has no session', async () => {
    const path = join(dir, 'bt.db');
    const db = openDb(path);
    insertRun(db, { id: 'bt-only', mode: 'backtest', status: 'finished' });
    closeDb(db);
    const bt = createDashboard({ dbPath: path, backtestsDir: join(dir, 'none') });
    try {
      const page = await (await bt.app.request('http://localhost/runs/main/bt-only/machines')).text();
      expect(sectionTag(page, 'session')).toContain('data-current-state=""');
      expect(page).toContain('this backtest run has none');
      expect(page.match(/<svg class="diagram"/g)?.length).toBe(MACHINES.length);
    } finally {
      bt.close();
    }
  });
});
