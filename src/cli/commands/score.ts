import { createInterface } from 'node:readline';
import { type CommandIO, EXIT, commandConfig, parseCommandArgs, runCommand, writeLine } from '../io.js';
import { GATE_OPTIONS, gateFromFlags } from './gate-choice.js';
import { BOM } from '../../core/json-lines.js';
import { gateInputOf } from './lines.js';
import { tierForScore } from '../../gate/tiers.js';

/**
 * `thinkgate score [--gate learned|heuristic] [--threshold X] [--model PATH] [--config PATH]`: JSON lines in
 * (`{"id","messages"}` or `{"id","prompt"}`), one `{"id","score","route"}` out per line, in order, with what the
 * running gateway reports beside a decision: `difficulty` (0..1 within the prompt's domain, when the gate has
 * one), `reasons` (the features that weighed most) and, when `gate.tiers` is configured, the tier's `effort`.
 * A bad line
 * answers `{"id","error"}` and the run goes on; the exit code is then 2. One gate for the whole run, the
 * configuration's unless a flag says otherwise.
 */

const USAGE = 'usage: thinkgate score [--gate learned|heuristic] [--threshold X] [--model PATH] [--config PATH] < lines.jsonl';

export function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand('score', USAGE, io, async () => {
    const { values } = parseCommandArgs(args, GATE_OPTIONS);
    if (values.help === true) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    const config = commandConfig(values.config);
    const { gate } = gateFromFlags(values, config, ['learned', 'heuristic']);
    const tiers = config.gate.tiers;
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    let out = '';
    let failures = 0;
    let lineNo = 0;
    for await (const read of lines) {
      lineNo++;
      // A UTF-8 byte-order mark (Windows editors write one) is not part of the first line's JSON.
      const line = lineNo === 1 && read.charCodeAt(0) === BOM ? read.slice(1) : read;
      if (line.trim() === '') continue;
      let id: unknown = null;
      try {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (err) {
          // Such a line has no id to answer with, so the error names the input line (1-based, blank lines counted).
          throw new Error(`line ${lineNo}: not valid JSON (${(err as Error).message})`);
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`line ${lineNo}: not a JSON object`);
        id = (parsed as { id?: unknown }).id ?? null;
        const d = gate.score(gateInputOf(parsed));
        const effort = tiers === undefined ? undefined : tierForScore(d.score, tiers).effort;
        const difficulty = d.difficulty === undefined ? undefined : Number(d.difficulty.toFixed(6));
        out += `${JSON.stringify({ id, score: Number(d.score.toFixed(6)), route: d.route, difficulty, effort, reasons: d.reasons })}\n`;
      } catch (err) {
        failures++;
        out += `${JSON.stringify({ id, error: err instanceof Error ? err.message : String(err) })}\n`;
      }
      // Batch writes: one syscall per ~64 KB, not per line, so 100k lines take seconds.
      if (out.length > 65_536) {
        if (!io.stdout.write(out)) await new Promise((r) => io.stdout.once('drain', r));
        out = '';
      }
    }
    if (out.length > 0) io.stdout.write(out);
    if (failures === 0) return EXIT.ok;
    writeLine(io.stderr, `thinkgate score: ${failures} line(s) could not be scored (see their "error")`);
    return EXIT.badInput;
  });
}
