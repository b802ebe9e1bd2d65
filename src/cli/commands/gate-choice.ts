import type { Config } from '../../config/schema.js';
import { createGate } from '../../gate/index.js';
import { createLengthGate } from '../../gate/length.js';
import type { Gate } from '../../gate/types.js';
import { InputError, choiceFlag, numberFlag } from '../io.js';

/**
 * `--gate learned|heuristic|length`, `--threshold X` and `--model PATH`, shared by score, eval and calibrate.
 * Each falls back to the configuration (`gate.kind`, `gate.threshold`, `gate.modelPath`), whose defaults are the
 * schema's: offline figures are measured at the operating point the running gateway uses.
 */
export const GATE_KINDS = ['learned', 'heuristic', 'length'] as const;
export type GateKind = (typeof GATE_KINDS)[number];

export const GATE_OPTIONS = {
  gate: { type: 'string' },
  threshold: { type: 'string' },
  model: { type: 'string' },
} as const;

export interface GateFlags {
  gate?: string | undefined;
  threshold?: string | undefined;
  model?: string | undefined;
}

export interface GateChoice {
  gate: Gate;
  threshold: number;
}

export function gateFromFlags(flags: GateFlags, config: Config, kinds: readonly GateKind[] = GATE_KINDS): GateChoice {
  const kind = choiceFlag(flags.gate, 'gate', kinds) ?? config.gate.kind;
  const threshold = numberFlag(flags.threshold, 'threshold', 0, 1) ?? config.gate.threshold;
  if (kind === 'length') return { gate: createLengthGate({ threshold }), threshold };
  // The gateway's own factory, so that the offline gate reads turns exactly as the running one does.
  try {
    return { gate: createGate({ ...config.gate, kind, threshold, modelPath: flags.model ?? config.gate.modelPath }), threshold };
  } catch (err) {
    if (flags.model === undefined) throw err;
    throw new InputError(`--model ${flags.model}: ${(err as Error).message}`);
  }
}
