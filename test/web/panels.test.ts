// Panel rendering details that the route tests do not pin down.
import { describe, expect, test } from 'bun:test';
import type { FillRow } from '../../web/data/queries.ts';
import { fillsPanel, withoutRunId } from '../../web/views/panels.ts';

const RUN = 'paper-20261201-061348-969a04';

function fill(fillId: string): FillRow {
  return { seq: 1, fillId, clientOrderId: `${RUN}-14`, ts: 0, symbol: 'BTC/USD', side: 'buy', qty: 1, price: 100, fee: 0.1, slippage: 0, purpose: 'entry' };
}

describe('order and fill ids on their run page', () => {
  test('drop the run id the page already shows, keeping the whole id in the title and the data attribute', async () => {
    const body = String(await fillsPanel([fill(`${RUN}-14-sl-f26`)], RUN));
    expect(body).toContain(`<td class="id" title="${RUN}-14-sl-f26">…-14-sl-f26</td>`);
    expect(body).toContain(`data-fill="${RUN}-14-sl-f26"`);
  });

  test('an id that does not start with the run id (a venue id, another run) is shown whole', async () => {
    const body = String(await fillsPanel([fill('binance-8843112'), fill(`${RUN}x-1`)], RUN));
    expect(body).toContain('<td class="id" title="binance-8843112">binance-8843112</td>');
    expect(body).toContain(`<td class="id" title="${RUN}x-1">${RUN}x-1</td>`);
  });

  test('the machines page names order instances the same way', () => {
    expect(withoutRunId(`${RUN}-105-sl`, RUN)).toBe('…-105-sl');
    expect(withoutRunId('ord-1', RUN)).toBe('ord-1');
    expect(withoutRunId(RUN, RUN)).toBe(RUN);
  });
});
