import { describe, expect, it } from 'vitest';
import type { ToolCallDelta } from '../../src/core/types.js';
import { repairToolCalls, ToolCallDeltaRepair } from '../../src/upstream/tool-calls.js';

const delta = (d: Record<string, unknown>): ToolCallDelta => d as unknown as ToolCallDelta;

describe('ToolCallDeltaRepair', () => {
  it('leaves complete deltas alone (nothing to re-serialise)', () => {
    const r = new ToolCallDeltaRepair();
    expect(r.apply(0, [delta({ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } })])).toBe(false);
    expect(r.apply(0, [delta({ index: 0, function: { arguments: '{}' } })])).toBe(false);
  });

  it('gives index-less deltas an index: a new id starts a call, no id continues the last', () => {
    const r = new ToolCallDeltaRepair();
    const calls = [
      delta({ id: 'a', type: 'function', function: { name: 'f', arguments: '{"x"' } }),
      delta({ function: { arguments: ':1}' } }),
      delta({ id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } }),
      delta({ id: 'a', function: { arguments: '' } }),
    ];
    for (const c of calls) r.apply(0, [c]);
    expect(calls.map((c) => c.index)).toEqual([0, 0, 1, 0]);
    // Choices are apart: another choice starts at 0.
    const other = delta({ id: 'z', type: 'function', function: { name: 'h', arguments: '' } });
    r.apply(1, [other]);
    expect(other.index).toBe(0);
  });

  it('types a call on its first delta and turns object arguments into JSON text', () => {
    const r = new ToolCallDeltaRepair();
    const first = delta({ index: 0, id: 'a', function: { name: 'f', arguments: { path: 'x' } } });
    expect(r.apply(0, [first])).toBe(true);
    expect(first).toEqual({ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"path":"x"}' } });
  });

  it('repairs a complete message the same way', () => {
    const message = { role: 'assistant' as const, content: null, tool_calls: [{ id: 'a', function: { name: 'f', arguments: { q: 1 } } }] as never };
    repairToolCalls(message);
    expect(message.tool_calls).toEqual([{ id: 'a', type: 'function', function: { name: 'f', arguments: '{"q":1}' } }]);
  });
});
