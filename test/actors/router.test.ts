// The route table: who receives each message type, and whether a type is heard at all.
import { describe, expect, test } from 'bun:test';
import type { PipelineMessage } from '../../actors/messages.ts';
import { Router, type ActorName } from '../../actors/router.ts';

function attached(present: ActorName[], wants: (name: ActorName, type: PipelineMessage['type']) => boolean = () => true) {
  const received: string[] = [];
  const router = new Router();
  router.attach((name) => (present.includes(name) ? { send: (m) => void received.push(`${name} ${m.type}`) } : undefined), wants);
  return { router, received };
}

describe('the router', () => {
  test('delivers to the listed receivers that exist, in table order', () => {
    const { router, received } = attached(['portfolio', 'risk', 'recorder']);
    router.publish({ type: 'Fill', fillId: 'f', clientOrderId: 'o', ts: 0, symbol: 'X', side: 'buy', qty: 1, price: 1, fee: 0, slippage: 0, purpose: 'entry' });
    expect(received).toEqual(['portfolio Fill', 'risk Fill', 'recorder Fill']);
  });

  test('a type with no receiver left is not heard; one with any receiver is', () => {
    const { router } = attached(['portfolio', 'risk', 'recorder'], (name, type) => !(name === 'recorder' && type === 'PositionMark'));
    expect(router.hears('PositionMark')).toBe(false);
    expect(router.hears('EquitySnapshot')).toBe(true);
    // The alerts actor is absent: RiskEvent still reaches the recorder.
    expect(router.hears('RiskEvent')).toBe(true);
    expect(attached(['portfolio', 'risk', 'recorder']).router.hears('PositionMark')).toBe(true);
  });

  test('before it is attached every type counts as heard, and publishing fails loudly', () => {
    const router = new Router();
    expect(router.hears('PositionMark')).toBe(true);
    expect(() => router.publish({ type: 'EndOfData', ts: 0 })).toThrow('router is not attached: cannot deliver EndOfData');
  });
});
