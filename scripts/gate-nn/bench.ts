import { performance } from 'node:perf_hooks';
import { DEFAULT_FIRST_STAGE, type TurnScorer, decide } from '../../src/gate/decide.js';
import { ngramScore } from '../../src/gate/features.js';
import { type GateModel, scoreTurnWithModel } from '../../src/gate/learned.js';
import { boundText } from '../../src/gate/text.js';
import { collectBuckets, newScratch } from './embedding-bag.js';

/** An n-gram half: text → logit. */
export type Half = (text: string) => number;

/** Fixed text, as bench/gate.bench.ts builds its prompts: runs are comparable. */
const EN_UNIT = 'A shop sells pencils at 3 for $1 and pens at $2 each. If Maria buys 12 pencils and some pens for $14 in total, how many pens did she buy? Please explain. ';
const ZH_UNIT = '商店里铅笔每3支1元，钢笔每支2元。小红买了12支铅笔和一些钢笔，一共花了14元，她买了几支钢笔？请说明理由。';
const PROMPT_BYTES = 2048;

function ofBytes(unit: string): string {
  let text = '';
  while (Buffer.byteLength(text) < PROMPT_BYTES) text += unit;
  while (Buffer.byteLength(text) > PROMPT_BYTES) text = text.slice(0, -1);
  return text;
}

/** Median µs of `run` over `iterations` calls after 300 warm-up calls. */
function medianMicros(run: () => void, iterations = 3000): string {
  for (let i = 0; i < 300; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    run();
    samples.push((performance.now() - start) * 1000);
  }
  samples.sort((a, b) => a - b);
  return (samples[Math.floor(samples.length / 2)] ?? Number.NaN).toFixed(1);
}

/**
 * The shipped LR read through features.ts's callback walk, as the MLP reads its buckets: beside the shipped
 * ngramScore (the same walk inlined), it shows what the walk itself costs, which an MLP in src/ would save too.
 */
export function lrByCallbackWalk(shipped: GateModel): Half {
  const scratch = newScratch();
  return (text) => {
    const n = collectBuckets(text, { bucketBits: shipped.bucketBits, orders: shipped.ngramOrders, words: false }, scratch);
    let sum = 0;
    for (let k = 0; k < n; k++) sum += shipped.ngramTable.codes[scratch.buckets[k] ?? 0] ?? 0;
    return shipped.ngramBias + (n === 0 ? 0 : (sum * shipped.ngramTable.scale) / Math.sqrt(n));
  };
}

/**
 * Prints a markdown table: per contender ([name, half or undefined for the shipped LR, weights' size]), the median µs
 * of a whole two-stage decision on 2 KB English and Chinese prompts, and of the half alone on the first-stage window.
 */
export function benchHalves(shipped: GateModel, contenders: ReadonlyArray<readonly [string, Half | undefined, string]>, threshold: number): void {
  const shippedHalf: Half = (text) => shipped.ngramBias + ngramScore(text, shipped.ngramTable, shipped.bucketBits, shipped.ngramOrders);
  const window = DEFAULT_FIRST_STAGE.bounds.headChars + DEFAULT_FIRST_STAGE.bounds.tailChars;
  console.log(`node ${process.version}; median µs, 2 KB prompts (first stage: the ${window}-char window)\n`);
  console.log('| gate | weights | decision EN | decision ZH | n-gram half on the window EN | ZH |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, half, size] of contenders) {
    const scorer: TurnScorer = (text, context) => scoreTurnWithModel(shipped, text, context, half);
    const decisions = [EN_UNIT, ZH_UNIT].map((unit) => {
      const input = { messages: [{ role: 'user' as const, content: ofBytes(unit) }] };
      return medianMicros(() => decide(scorer, input, { threshold, firstStage: DEFAULT_FIRST_STAGE }));
    });
    const halves = [EN_UNIT, ZH_UNIT].map((unit) => {
      const text = boundText(ofBytes(unit), DEFAULT_FIRST_STAGE.bounds);
      const own = half ?? shippedHalf;
      return medianMicros(() => own(text));
    });
    console.log(`| ${name} | ${size} | ${decisions.join(' | ')} | ${halves.join(' | ')} |`);
  }
}
