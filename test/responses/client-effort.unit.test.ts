import { describe, expect, it } from 'vitest';
import { decideRoute } from '../../src/routing/decide.js';
import { configSchema } from '../../src/config/schema.js';
import type { Gate, Route } from '../../src/gate/types.js';

/** `routing.clientEffort`: obey routes by the client's effort; hint lets the gate route and passes the effort on. */

const gateSaying = (route: Route): Gate => ({ name: 'fixed', score: () => ({ score: route === 'reasoning' ? 0.9 : 0.1, route, reasons: [] }) });
const routing = (clientEffort: 'obey' | 'hint') => configSchema.parse({ routing: { clientEffort } }).routing;
const request = (effort: 'none' | 'high') => ({ messages: [{ role: 'user' as const, content: 'hi' }], reasoning_effort: effort });

describe('routing.clientEffort', () => {
  it('obey (default): the effort decides the route', () => {
    expect(configSchema.parse({}).routing.clientEffort).toBe('obey');
    expect(decideRoute(request('high'), undefined, routing('obey'), gateSaying('direct'))).toMatchObject({ route: 'reasoning', source: 'effort', effort: 'high' });
    expect(decideRoute(request('none'), undefined, routing('obey'), gateSaying('reasoning'))).toMatchObject({ route: 'direct', source: 'effort' });
  });

  it('hint: the gate decides; the effort goes along only to reasoning', () => {
    expect(decideRoute(request('high'), undefined, routing('hint'), gateSaying('direct'))).toMatchObject({ route: 'direct', source: 'gate', effort: undefined });
    expect(decideRoute(request('high'), undefined, routing('hint'), gateSaying('reasoning'))).toMatchObject({ route: 'reasoning', source: 'gate', effort: 'high' });
    expect(decideRoute(request('none'), undefined, routing('hint'), gateSaying('reasoning'))).toMatchObject({ route: 'reasoning', source: 'gate', effort: undefined });
  });
});
