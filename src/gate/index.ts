import type { Config } from '../config/schema.js';
import { createThresholdController, type ThresholdController } from './controller.js';
import type { ThresholdSource } from './decide.js';
import { createHeuristicGate } from './heuristic.js';
import { createLearnedGate, loadGateModel } from './learned.js';
import type { TextBounds } from './text.js';
import { defaultTiers, type TiersConfig } from './tiers.js';
import type { Gate } from './types.js';

export type GateConfig = Config['gate'];

export { createHeuristicGate, scoreTurnHeuristically } from './heuristic.js';
export { createLearnedGate, loadGateModel, type GateModel } from './learned.js';
export { createLengthGate } from './length.js';
export { createThresholdController, type ControllerConfig, type ControllerState, type ThresholdController } from './controller.js';
export { defaultTiers, tierForScore, type TierChoice, type TiersConfig } from './tiers.js';
export { computeMetrics, rocAuc, thresholdForRecall, thresholdForShare, type GateMetrics } from './metrics.js';
export { viewConversation, type ConversationView } from './text.js';
export type { Gate, GateDecision, GateInput, Route } from './types.js';
export type { ThresholdSource } from './decide.js';

export function boundsFor(maxScoredChars: number): TextBounds {
  const headChars = Math.ceil((maxScoredChars * 2) / 3);
  return { headChars, tailChars: maxScoredChars - headChars };
}

export interface CreateGateOptions {
  /** Live threshold, e.g. a controller's `effectiveThreshold`; defaults to `gateConfig.threshold`. */
  threshold?: ThresholdSource;
}

/**
 * Builds the configured gate. The learned gate loads its weights now, at startup: a missing or corrupt file
 * throws an Error naming the file rather than failing on the first request.
 */
export function createGate(gateConfig: GateConfig, options: CreateGateOptions = {}): Gate {
  const threshold = options.threshold ?? gateConfig.threshold;
  const bounds = boundsFor(gateConfig.maxScoredChars);
  if (gateConfig.kind === 'learned') return createLearnedGate({ model: loadGateModel(gateConfig.modelPath), threshold, bounds });
  return createHeuristicGate({ threshold, bounds });
}

/** The online controller the `gate` section asks for (target share and/or hourly budget; plain threshold otherwise). */
export function createControllerFromConfig(gateConfig: GateConfig, clock: () => number = Date.now): ThresholdController {
  return createThresholdController(
    {
      baseThreshold: gateConfig.threshold,
      targetReasoningShare: gateConfig.targetReasoningShare,
      window: gateConfig.controllerWindow,
      reasoningBudget: gateConfig.reasoningBudget,
    },
    clock,
  );
}

/** Configured tiers, or the default bands around the threshold. */
export function tiersFromConfig(gateConfig: GateConfig): TiersConfig {
  return gateConfig.tiers ?? defaultTiers(gateConfig.threshold);
}
