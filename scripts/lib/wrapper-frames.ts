import { readFileSync } from 'node:fs';
import { HELD_OUT_FRAMES } from '../../src/gate/augment.js';

/** A direct-task frame around a prompt ("Translate this into German: {p}"). */
export type Frame = (p: string) => string;

/** Seed of the frame choice for the wrapper sets: the same prompts get the same frames in every script. */
export const FRAME_SEED = 7;

/** Frames of a JSON-lines file whose lines carry `frame` with `{p}` where the prompt goes (test/gate/wrapper-frames-*.jsonl). */
export function readFrames(path: string): Frame[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { frame: string }).frame)
    .map((frame) => (p: string) => frame.replace('{p}', () => p));
}

/**
 * The wrapper frame sets the gate's evaluation scripts report (paths relative to the repository root): the code's
 * HELD_OUT_FRAMES, the v4 frames used while writing cues, and the v4 and v5 frames kept out of cue writing
 * (docs/gate.md, fourth pass).
 */
export function wrapperFrameSets(): Array<[string, readonly Frame[]]> {
  return [
    ['held-out frames (code)', HELD_OUT_FRAMES],
    ['v4 dev frames', readFrames('test/gate/wrapper-frames-v4-dev.jsonl')],
    ['v4 holdout frames', readFrames('test/gate/wrapper-frames-v4-holdout.jsonl')],
    ['v5 holdout frames', readFrames('test/gate/wrapper-frames-v5-holdout.jsonl')],
  ];
}
