/**
 * npx tsx scripts/score-blind.ts [SET.jsonl PAIRS.jsonl] — scores a hand-written blind set (default
 * test/gate/fresh-blind-v4.jsonl, written after the fourth-pass changes; fresh-blind-v3.jsonl is the third pass's) and
 * its within-domain pairs (is the harder prompt of each pair scored higher?) with the shipped default gate, the
 * heuristic and the length baseline. Lines with "category": "wrapper" (direct tasks around reasoning material) are
 * also reported on their own. Scored once for docs/gate.md.
 */
import { readFileSync } from 'node:fs';
import { configSchema } from '../src/config/schema.js';
import { parseLabelledJsonl, scoreRows } from '../src/gate/evaluation.js';
import { createHeuristicGate } from '../src/gate/heuristic.js';
import { createGate } from '../src/gate/index.js';
import { createLengthGate } from '../src/gate/length.js';
import { computeMetrics } from '../src/gate/metrics.js';

const config = configSchema.parse({}).gate;
const threshold = config.threshold;
const [setPath = 'test/gate/fresh-blind-v4.jsonl', pairsPath = 'test/gate/fresh-blind-v4-pairs.jsonl'] = process.argv.slice(2);
const rows = parseLabelledJsonl(readFileSync(setPath, 'utf8'), setPath);
const pairs = readFileSync(pairsPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { id: string; easier: string; harder: string });
const gates = [createGate(config), createHeuristicGate({ threshold }), createLengthGate({ threshold })];
const f = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
console.log(`threshold ${threshold}; ${rows.length} prompts, ${pairs.length} pairs\n`);
console.log('| gate | AUC all / en / zh | recall @thr | direct kept @thr | wrappers routed direct | direct kept @95% recall | harder of a pair scored higher |');
console.log('|---|---|---|---|---|---|---|');
for (const gate of gates) {
  const scored = scoreRows(gate, rows);
  const m = (lang?: string) => computeMetrics(scored.filter((s) => lang === undefined || s.row.lang === lang).map((s) => ({ score: s.score, reasoning: s.row.label === 'reasoning' })), threshold);
  const all = m();
  const score = (p: string): number => gate.score({ messages: [{ role: 'user', content: p }] }).score;
  const ordered = pairs.filter((p) => score(p.harder) > score(p.easier)).length;
  const wrappers = scored.filter((s) => s.row.category === 'wrapper');
  const wrappersDirect = wrappers.filter((s) => s.score < threshold).length;
  console.log(
    `| ${gate.name} | ${f(all.auc)} / ${f(m('en').auc)} / ${f(m('zh').auc)} | ${f(all.reasoningRecall)} | ${f(all.directKept)} | ${wrappersDirect}/${wrappers.length} | ${f(all.savingsAt95)} | ${ordered}/${pairs.length} |`,
  );
}
const shipped = gates[0];
if (shipped !== undefined) {
  console.log('\nmisrouted by the shipped gate:');
  for (const s of scoreRows(shipped, rows)) {
    if ((s.score >= threshold) !== (s.row.label === 'reasoning')) console.log(`- ${s.row.category ?? s.row.label} scored ${f(s.score)}: ${s.row.prompt.slice(0, 90)}`);
  }
}
