import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Gate, GateInput } from '../../src/gate/types.js';
import type { Config } from '../../src/config/schema.js';
import { ROOT } from '../lib/fleet.js';
import { median } from '../lib/load.js';

/** Gate scoring cost per request, in-process, on the built gate (`createGate(config.gate)` from dist/). */

const SENTENCES = [
  'Please summarise the following notes for the weekly team meeting.',
  'If 3x + 7 = 22, what is x, and how would you check the answer?',
  'Translate this paragraph into French, keeping the tone informal.',
  'Write a function that merges two sorted arrays in O(n) time.',
  'The quarterly figures show revenue up 12% and costs flat.',
  'Prove that the square root of 2 is irrational, step by step.',
];

export function promptOfSize(bytes: number): string {
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `${SENTENCES[i % SENTENCES.length]} `;
  return text.slice(0, bytes);
}

export interface GateResult {
  gate: string;
  /** µs per request, median of rounds, by prompt size label. */
  microsPerRequest: Record<string, number>;
}

export async function measureGate(rounds: number): Promise<GateResult> {
  const { createGate } = (await import(pathToFileURL(join(ROOT, 'dist', 'gate', 'index.js')).href)) as { createGate: (c: Config['gate']) => Gate };
  const { parseConfig } = (await import(pathToFileURL(join(ROOT, 'dist', 'config', 'load.js')).href)) as { parseConfig: (raw: unknown) => Config };
  const gate = createGate(parseConfig({}).gate);
  const out: Record<string, number> = {};
  for (const [label, bytes] of [['0.5KB', 512], ['2KB', 2048], ['32KB', 32_768]] as const) {
    // Distinct strings per iteration, so a gate that memoises cannot look faster than it is.
    const inputs: GateInput[] = Array.from({ length: 64 }, (_, i) => ({
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: `${i} ${promptOfSize(bytes - 4)}` },
      ],
    }));
    let sink = 0;
    for (let i = 0; i < 500; i++) sink += gate.score(inputs[i % inputs.length] as GateInput).score;
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let n = 0;
      const started = performance.now();
      while (performance.now() - started < 300) {
        for (let i = 0; i < 32; i++) sink += gate.score(inputs[(n + i) % inputs.length] as GateInput).score;
        n += 32;
      }
      samples.push(((performance.now() - started) * 1000) / n);
    }
    if (Number.isNaN(sink)) throw new Error('gate returned NaN');
    out[label] = Math.round(median(samples) * 100) / 100;
  }
  return { gate: gate.name, microsPerRequest: out };
}
