import { createInterface } from 'node:readline';
import { ConfigError, loadConfig } from '../../config/load.js';
import { createGate } from '../../gate/index.js';
import { isRecord } from '../../core/types.js';
import type { ChatMessage } from '../../core/conversation.js';
import { flagString, parseFlags, type CommandIO } from '../io.js';

/**
 * `thinkgate score`: JSON lines in (`{"id","messages"}` or `{"id","prompt"}`), one `{"id","score","route"}` out per
 * line, in order. A bad line answers `{"id","error"}` and the run goes on. One gate for the whole run.
 */
export async function run(args: string[], io: CommandIO): Promise<number> {
  const { flags } = parseFlags(args);
  let gate;
  try {
    const { config } = loadConfig({ path: flagString(flags, 'config') });
    gate = createGate(config.gate);
  } catch (err) {
    io.stderr.write(`thinkgate score: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let out = '';
  let failures = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let id: unknown = null;
    try {
      const parsed: unknown = JSON.parse(line);
      if (!isRecord(parsed)) throw new Error('line is not a JSON object');
      id = parsed.id ?? null;
      let messages: ChatMessage[];
      if (Array.isArray(parsed.messages)) messages = parsed.messages as ChatMessage[];
      else if (typeof parsed.prompt === 'string') messages = [{ role: 'user', content: parsed.prompt }];
      else throw new Error('expected "messages" (array) or "prompt" (string)');
      const d = gate.score({ messages, tools: Array.isArray(parsed.tools) ? parsed.tools : undefined });
      out += `${JSON.stringify({ id, score: Number(d.score.toFixed(6)), route: d.route })}\n`;
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
  if (failures > 0) io.stderr.write(`thinkgate score: ${failures} line(s) could not be scored\n`);
  return 0;
}
