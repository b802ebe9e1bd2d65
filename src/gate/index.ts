import type { Config } from '../config/schema.js';
import type { Gate, GateInput } from './types.js';

// Interim length-only gate until the feature-based gate lands (replaced wholesale by src/gate/).
export function createGate(cfg: Config['gate']): Gate {
  return {
    name: 'length',
    score(input: GateInput) {
      const last = [...input.messages].reverse().find((m) => m.role === 'user');
      const text = typeof last?.content === 'string' ? last.content : '';
      const score = Math.min(1, text.length / 400);
      return { score, route: score >= cfg.threshold ? 'reasoning' : 'direct', reasons: ['length'] };
    },
  };
}
export type { Gate, GateDecision, GateInput, Route } from './types.js';
