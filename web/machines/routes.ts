// /runs/:source/:runId/machines — the visualiser page, its body partial (time-travel steps swap only this),
// and a state's transitions.
import { Hono, type Context } from 'hono';
import { extendTransitions } from '../data/run-tail.ts';
import { runContext, type DashboardState } from '../partials.ts';
import { machineDiagram } from './machine-graph.ts';
import { findMachine, machinesBody, machinesPage, stateDetail, type MachinesContext } from './machines-page.ts';
import { clampStep } from './time-travel.ts';

function machinesContext(c: Context, state: DashboardState): MachinesContext | undefined {
  const ctx = runContext(state, { source: c.req.param('source')!, runId: c.req.param('runId')! });
  if (ctx === undefined) return undefined;
  const log = ctx.tails.transitions;
  extendTransitions(ctx.db, ctx.listing.runId, log);
  const stepParam = c.req.query('step');
  const requested = stepParam === undefined || stepParam === '' ? undefined : Number(stepParam);
  const picks = c.req.queries('pick') ?? [];
  return {
    listing: ctx.listing,
    log,
    query: { step: clampStep(log, requested), pinned: requested !== undefined, picks: picks.slice(0, 8) },
  };
}

export function machineRoutes(state: DashboardState): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const ctx = machinesContext(c, state);
    if (ctx === undefined) return c.text('run not found', 404);
    return c.html(await machinesPage(ctx));
  });
  app.get('/body', async (c) => {
    const ctx = machinesContext(c, state);
    if (ctx === undefined) return c.text('run not found', 404);
    return c.html(await machinesBody(ctx));
  });
  app.get('/:machine/state', async (c) => {
    const entry = findMachine(c.req.param('machine'));
    if (entry === undefined) return c.text('no such machine', 404);
    const diagram = await machineDiagram(entry.machine);
    const box = diagram.states.find((s) => s.path === c.req.query('path'));
    if (box === undefined) return c.text('no such state', 404);
    return c.html(stateDetail(diagram, box));
  });
  return app;
}
