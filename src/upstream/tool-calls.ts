import type { AssistantMessage, ToolCallDelta } from '../core/types.js';

/**
 * Gives tool-call deltas what the official SDK needs to fold them, for servers that leave it out: an `index` on
 * every delta (some OpenAI-compatible endpoints omit it; a new `id` then starts a new call, a delta without one
 * continues the last), a `type` on a call's first delta, and `arguments` as a JSON string (some servers send an
 * object). Deltas that already have all of it are left untouched, so the common case re-serialises nothing.
 */
export class ToolCallDeltaRepair {
  private readonly choices = new Map<number, { last: number; byId: Map<string, number>; typed: Set<number> }>();

  /** Repairs one choice's tool-call deltas in place; true when something changed. */
  apply(choiceIndex: number, calls: ToolCallDelta[]): boolean {
    let state = this.choices.get(choiceIndex);
    if (state === undefined) {
      state = { last: -1, byId: new Map(), typed: new Set() };
      this.choices.set(choiceIndex, state);
    }
    let changed = false;
    for (const call of calls) {
      if (typeof call.index !== 'number') {
        const known = typeof call.id === 'string' && call.id !== '' ? state.byId.get(call.id) : undefined;
        const startsNew = typeof call.id === 'string' && call.id !== '' && known === undefined;
        call.index = known ?? (startsNew || state.last < 0 ? state.last + 1 : state.last);
        changed = true;
      }
      if (typeof call.id === 'string' && call.id !== '') state.byId.set(call.id, call.index);
      state.last = Math.max(state.last, call.index);
      if (!state.typed.has(call.index)) {
        state.typed.add(call.index);
        if (typeof call.type !== 'string' || call.type === '') {
          call.type = 'function';
          changed = true;
        }
      }
      const fn = call.function as { arguments?: unknown } | undefined;
      if (fn !== undefined && fn.arguments !== undefined && fn.arguments !== null && typeof fn.arguments !== 'string') {
        fn.arguments = JSON.stringify(fn.arguments);
        changed = true;
      }
    }
    return changed;
  }
}

/** The same repairs on a complete message: `type` set, `arguments` a string. */
export function repairToolCalls(message: AssistantMessage): void {
  if (!Array.isArray(message.tool_calls)) return;
  for (const call of message.tool_calls as unknown as Record<string, unknown>[]) {
    if (typeof call.type !== 'string' || call.type === '') call.type = 'function';
    const fn = call.function as { arguments?: unknown } | undefined;
    if (fn !== undefined && fn.arguments !== undefined && fn.arguments !== null && typeof fn.arguments !== 'string') fn.arguments = JSON.stringify(fn.arguments);
  }
}
