/**
 * npx tsx bench/gate.bench.ts [config/gate-model.json]
 * Median µs per gate.score() for 0.5 / 2 / 32 KB prompts in English and Chinese (plus a 1 MB worst case),
 * after warm-up. Prompts are built from fixed text, so runs are comparable. Each gate with its first stage (a long
 * turn read through a window; the stage that decided is printed) and, for comparison, reading every turn whole.
 */
import { performance } from 'node:perf_hooks';
import { createHeuristicGate } from '../src/gate/heuristic.js';
import { createLearnedGate, loadGateModel } from '../src/gate/learned.js';
import type { Gate } from '../src/gate/types.js';

const EN_UNIT =
  'A shop sells pencils at 3 for $1 and pens at $2 each. If Maria buys 12 pencils and some pens for $14 in total, how many pens did she buy? Please explain. ';
const ZH_UNIT = '商店里铅笔每3支1元，钢笔每支2元。小红买了12支铅笔和一些钢笔，一共花了14元，她买了几支钢笔？请说明理由。';

function promptOfBytes(unit: string, bytes: number): string {
  let text = '';
  while (Buffer.byteLength(text) < bytes) text += unit;
  // Cut by characters until under the byte budget (CJK is 3 bytes a character in UTF-8).
  while (Buffer.byteLength(text) > bytes) text = text.slice(0, -1);
  return text;
}

function medianMicros(gate: Gate, prompt: string, iterations: number): string {
  const input = { messages: [{ role: 'user' as const, content: prompt }] };
  const stage = gate.score(input).stage ?? 1;
  for (let i = 0; i < Math.min(200, iterations); i++) gate.score(input);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    gate.score(input);
    samples.push((performance.now() - start) * 1000);
  }
  samples.sort((a, b) => a - b);
  return `${(samples[Math.floor(samples.length / 2)] ?? Number.NaN).toFixed(1)} (stage ${stage})`;
}

const modelPath = process.argv[2] ?? 'config/gate-model.json';
const model = loadGateModel(modelPath);
const threshold = 0.35;
const gates: Array<[string, Gate]> = [
  ['heuristic', createHeuristicGate({ threshold })],
  ['heuristic, whole turn', createHeuristicGate({ threshold, firstStage: null })],
  ['learned (default)', createLearnedGate({ model, threshold })],
  ['learned, whole turn', createLearnedGate({ model, threshold, firstStage: null })],
];
const sizes: Array<[string, number, number]> = [
  ['0.5 KB', 512, 3000],
  ['2 KB', 2048, 2000],
  ['32 KB', 32 * 1024, 300],
  ['1 MB', 1024 * 1024, 200],
];
console.log(`node ${process.version}; median µs per score()`);
console.log('| gate | size | EN µs | ZH µs |');
console.log('|---|---|---|---|');
for (const [name, gate] of gates) {
  for (const [label, bytes, iterations] of sizes) {
    const en = medianMicros(gate, promptOfBytes(EN_UNIT, bytes), iterations);
    const zh = medianMicros(gate, promptOfBytes(ZH_UNIT, bytes), iterations);
    console.log(`| ${name} | ${label} | ${en} | ${zh} |`);
  }
}
