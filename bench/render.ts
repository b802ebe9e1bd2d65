import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/fleet.js';
import { renderSummary, updateDocs, type BenchResults } from './lib/report.js';

/** `node --import tsx bench/render.ts bench/results/<date>.json`: re-renders the docs/benchmarks.md table from a results file. */
const file = process.argv[2];
if (file === undefined) throw new Error('usage: bench/render.ts RESULTS.json');
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const summary = renderSummary(results);
updateDocs(join(ROOT, 'docs', 'benchmarks.md'), summary);
process.stdout.write(`${summary}\n`);
