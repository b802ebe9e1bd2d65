import { z } from 'zod';
import { forEachJsonLine as forEachLine } from '../../core/json-lines.js';
import type { LabelledPrompt } from '../../gate/augment.js';
import type { GateInput } from '../../gate/types.js';
import { InputError } from '../io.js';

/**
 * The JSON-lines formats the gate's subcommands read, one object per line:
 *
 * - a prompt line (`score`, `calibrate`): `{"prompt":"…"}` or `{"messages":[…chat messages…],"tools"?:[…]}`,
 *   optionally with `"id"`;
 * - a labelled line (`eval`, `train`): a prompt line plus `"label":"reasoning"|"direct"`, and optionally
 *   `"lang"` (slices the report), `"source"` (slices the report; balances training), `"category"` and `"license"`
 *   (an SPDX id; `train` uses only permissively licensed lines unless `--any-license`);
 * - an outcome line (`eval --outcomes`): a prompt line plus `"strong"` and `"weak"`, each model's result on the
 *   prompt from 0 to 1 (RouteLLM's per-prompt outcomes: 1 right, 0 wrong, or a judge's score scaled to 0..1), and
 *   optionally `"lang"` and `"source"`.
 *
 * Both forms mean the same to the gate: a prompt is one user message.
 */

const messagesShape = z.array(z.looseObject({ role: z.string(), content: z.unknown().optional() })).min(1, 'messages must not be empty');
const promptLine = z.looseObject({
  prompt: z.string().optional(),
  messages: messagesShape.optional(),
  tools: z.array(z.unknown()).optional(),
});

/** The gate input of a prompt line; throws `InputError` naming what is missing. */
export function gateInputOf(json: unknown): GateInput {
  const parsed = promptLine.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'invalid'}`);
  }
  const { prompt, messages, tools } = parsed.data;
  if (messages !== undefined) return { messages: messages as GateInput['messages'], tools };
  if (prompt !== undefined) return { messages: [{ role: 'user', content: prompt }], tools };
  throw new InputError('expected "prompt" (a string) or "messages" (an array of chat messages)');
}

/** Text of the last user turn (for training and for the report's rows). */
export function userText(input: GateInput): string {
  for (let i = input.messages.length - 1; i >= 0; i--) {
    const m = input.messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('\n');
  }
  return '';
}

const labelFields = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  label: z.enum(['reasoning', 'direct'], { error: 'label: expected "reasoning" or "direct"' }),
  lang: z.string().default('unknown'),
  source: z.string().default('unknown'),
  category: z.string().optional(),
  license: z.string().optional(),
});

export interface LabelledLine {
  row: LabelledPrompt;
  input: GateInput;
}

/**
 * Parses a JSON-lines file of prompt lines with extra `fields`, one result per line from `build`; an `InputError`
 * names the file, the line and the field.
 */
function parsePromptLines<F extends z.ZodType, T>(text: string, fileName: string, fields: F, build: (input: GateInput, data: z.output<F>, where: string) => T): T[] {
  const out: T[] = [];
  forEachJsonLine(text, fileName, (json, lineNo) => {
    const where = `${fileName}:${lineNo}`;
    let input: GateInput;
    try {
      input = gateInputOf(json);
    } catch (err) {
      throw new InputError(`${where}: ${(err as Error).message}`);
    }
    const parsed = fields.safeParse(json);
    if (!parsed.success) throw new InputError(`${where}: ${parsed.error.issues[0]?.message ?? 'invalid line'}`);
    out.push(build(input, parsed.data, where));
  });
  return out;
}

/** Parses a labelled JSON-lines file; an `InputError` names the file, the line and the field. */
export function parseLabelledLines(text: string, fileName: string): LabelledLine[] {
  return parsePromptLines(text, fileName, labelFields, (input, { id, label, lang, source, category, license }, where) => ({
    row: { id: id ?? where, prompt: userText(input), label, lang, source, category, license },
    input,
  }));
}

/** Calls `each` per non-blank JSON line of `text` with its 1-based number; an `InputError` names `name:line` otherwise. */
export function forEachJsonLine(text: string, name: string, each: (json: unknown, lineNo: number) => void): void {
  forEachLine(text, name, each, (message) => new InputError(message));
}

const unitResult = (model: string) =>
  z.number({ error: `${model}: expected a number from 0 to 1 (the ${model} model's result on this prompt)` }).min(0, `${model}: expected a number from 0 to 1`).max(1, `${model}: expected a number from 0 to 1`);
const outcomeFields = z.looseObject({
  strong: unitResult('strong'),
  weak: unitResult('weak'),
  lang: z.string().default('unknown'),
  source: z.string().default('unknown'),
});

export interface OutcomeLine {
  input: GateInput;
  strong: number;
  weak: number;
  lang: string;
  source: string;
}

/** Parses an outcome JSON-lines file; an `InputError` names the file, the line and the field. */
export function parseOutcomeLines(text: string, fileName: string): OutcomeLine[] {
  return parsePromptLines(text, fileName, outcomeFields, (input, fields) => ({ input, ...fields }));
}
