import { createHeuristicGate } from '../../gate/heuristic.js';
import { createLearnedGate, loadGateModel } from '../../gate/learned.js';
import { createLengthGate } from '../../gate/length.js';
import type { Gate } from '../../gate/types.js';
import { type ParsedArgs, stringFlag } from './io.js';

/** `--gate learned|heuristic|length` and `--model PATH`, shared by eval and calibrate. */
export const GATE_KINDS = ['learned', 'heuristic', 'length'] as const;
export type GateKind = (typeof GATE_KINDS)[number];
export const DEFAULT_MODEL_PATH = 'config/gate-model.json';

export function gateFromArgs(parsed: ParsedArgs, threshold: number, defaultKind: GateKind): Gate {
  const kind = stringFlag(parsed, 'gate') ?? defaultKind;
  if (!(GATE_KINDS as readonly string[]).includes(kind)) throw new Error(`--gate must be one of ${GATE_KINDS.join(', ')}, got ${kind}`);
  if (kind === 'learned') return createLearnedGate({ model: loadGateModel(stringFlag(parsed, 'model') ?? DEFAULT_MODEL_PATH), threshold });
  if (kind === 'length') return createLengthGate({ threshold });
  return createHeuristicGate({ threshold });
}
