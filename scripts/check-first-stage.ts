/**
 * npx tsx scripts/check-first-stage.ts [DEV.jsonl …] — for each file, the share of prompts the shipped gate decides in
 * its first stage (a long turn scored on a window, see DEFAULT_FIRST_STAGE in src/gate/decide.ts) and, among the long
 * prompts it decides there, how many a whole read would have routed the other way.
 */
import { readFileSync } from 'node:fs';
import { configSchema } from '../src/config/schema.js';
import { parseLabelledJsonl } from '../src/gate/evaluation.js';
import { DEFAULT_FIRST_STAGE } from '../src/gate/decide.js';
import { createLearnedGate, loadGateModel } from '../src/gate/learned.js';

const config = configSchema.parse({}).gate;
const model = loadGateModel(config.modelPath);
const twoStage = createLearnedGate({ model, threshold: config.threshold });
const whole = createLearnedGate({ model, threshold: config.threshold, firstStage: null });
const window = DEFAULT_FIRST_STAGE.bounds.headChars + DEFAULT_FIRST_STAGE.bounds.tailChars;
const files = process.argv.length > 2 ? process.argv.slice(2) : ['../shared/gate-data/dev.jsonl', 'test/gate/fresh-eval.jsonl', 'test/gate/fresh-holdout.jsonl'];
for (const file of files) {
  const rows = parseLabelledJsonl(readFileSync(file, 'utf8'), file);
  let first = 0;
  let long = 0;
  let differs = 0;
  for (const row of rows) {
    const input = { messages: [{ role: 'user' as const, content: row.prompt }] };
    const decision = twoStage.score(input);
    if (decision.stage !== 1) continue;
    first++;
    if (row.prompt.length <= window) continue;
    long++;
    if (whole.score(input).route !== decision.route) differs++;
  }
  console.log(`${file}: ${rows.length} prompts; first stage decides ${((100 * first) / rows.length).toFixed(1)} % (${long} of them long); routed differently from a whole read: ${differs}`);
}
