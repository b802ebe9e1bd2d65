import { thresholdForShare } from '../../gate/metrics.js';
import { type CommandIO, InputError, UsageError, commandConfig, numberFlag, parseCommandArgs, readAll, runCommand, writeLine } from '../io.js';
import { GATE_OPTIONS, gateFromFlags } from './gate-choice.js';
import { forEachJsonLine, gateInputOf } from './lines.js';

/**
 * `thinkgate calibrate --target-reasoning-share 0.3 [--gate learned|heuristic] [--model PATH] [--config PATH] < sample.jsonl`
 * Reads prompt lines `{"messages":[…]}` (optionally with "tools") or `{"prompt":"…"}` and prints
 * `{"threshold":…,"share":…,"n":…}`: the threshold that sends the target share of this sample to reasoning,
 * and the share it actually sends (ties can make it differ slightly). The gate defaults to the configuration's.
 */

const USAGE = 'usage: thinkgate calibrate --target-reasoning-share SHARE [--gate learned|heuristic] [--model PATH] [--config PATH] < sample.jsonl';

export function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand('calibrate', USAGE, io, async () => {
    const { values } = parseCommandArgs(args, { gate: GATE_OPTIONS.gate, model: GATE_OPTIONS.model, 'target-reasoning-share': { type: 'string' } });
    if (values.help === true) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    const target = numberFlag(values['target-reasoning-share'], 'target-reasoning-share', 0, 1);
    if (target === undefined) throw new UsageError('--target-reasoning-share is required');
    const { gate } = gateFromFlags(values, commandConfig(values.config), ['learned', 'heuristic']);
    const scores: number[] = [];
    forEachJsonLine(await readAll(io.stdin), 'stdin', (json, lineNo) => {
      try {
        scores.push(gate.score(gateInputOf(json)).score);
      } catch (err) {
        throw new InputError(`stdin:${lineNo}: ${(err as Error).message}`);
      }
    });
    if (scores.length === 0) throw new InputError('no sample lines on stdin');
    const threshold = thresholdForShare(scores, target);
    const share = scores.filter((s) => s >= threshold).length / scores.length;
    writeLine(io.stdout, JSON.stringify({ threshold, share, n: scores.length }));
    return 0;
  });
}
