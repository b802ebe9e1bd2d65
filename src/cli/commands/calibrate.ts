import { z } from 'zod';
import { thresholdForShare } from '../../gate/metrics.js';
import type { GateInput } from '../../gate/types.js';
import { gateFromArgs } from './gate-choice.js';
import { type CommandIo, numberFlag, parseArgs, readAll, writeLine } from './io.js';

/**
 * `thinkgate calibrate --target-reasoning-share 0.3 [--gate learned|heuristic] [--model PATH] < sample.jsonl`
 * Reads lines `{"messages":[…]}` (optionally with "tools") or `{"prompt":"…"}` and prints
 * `{"threshold":…,"share":…,"n":…}`: the threshold that sends the target share of this sample to reasoning,
 * and the share it actually sends (ties can make it differ slightly).
 */

const USAGE = 'usage: thinkgate calibrate --target-reasoning-share SHARE [--gate learned|heuristic] [--model PATH] < sample.jsonl';

const sampleLine = z.union([
  z.looseObject({ messages: z.array(z.unknown()).min(1), tools: z.array(z.unknown()).optional() }),
  z.looseObject({ prompt: z.string() }),
]);

function toInput(line: z.infer<typeof sampleLine>): GateInput {
  if ('messages' in line) return { messages: line.messages as GateInput['messages'], tools: Array.isArray(line['tools']) ? line['tools'] : undefined };
  return { messages: [{ role: 'user', content: line.prompt }] };
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  try {
    const parsed = parseArgs(args, ['help']);
    if (parsed.flags.has('help')) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    const target = numberFlag(parsed, 'target-reasoning-share', 0, 1);
    if (target === undefined) {
      writeLine(io.stderr, USAGE);
      return 2;
    }
    const gate = gateFromArgs(parsed, 0.5, 'heuristic');
    const scores: number[] = [];
    const lines = (await readAll(io.stdin)).split('\n');
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`stdin:${index + 1}: not valid JSON`);
      }
      const line = sampleLine.safeParse(json);
      if (!line.success) throw new Error(`stdin:${index + 1}: expected {"messages":[…]} or {"prompt":"…"}`);
      scores.push(gate.score(toInput(line.data)).score);
    });
    if (scores.length === 0) throw new Error('no sample lines on stdin');
    const threshold = thresholdForShare(scores, target);
    const share = scores.filter((s) => s >= threshold).length / scores.length;
    writeLine(io.stdout, JSON.stringify({ threshold, share, n: scores.length }));
    return 0;
  } catch (error) {
    writeLine(io.stderr, `calibrate: ${(error as Error).message}`);
    return 2;
  }
}
