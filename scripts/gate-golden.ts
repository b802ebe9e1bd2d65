/**
 * Golden check for gate refactors that must not change behaviour.
 *
 *   npx tsx scripts/gate-golden.ts write /tmp/gate-golden.json    # before the change
 *   npx tsx scripts/gate-golden.ts check /tmp/gate-golden.json    # after: exit 1 on any difference
 *
 * Scores every prompt of dev.jsonl (path: GATE_DEV_DATA or /work/shared/gate-data/dev.jsonl, skipped if missing),
 * test/gate/fresh-eval.jsonl and test/gate/fresh-holdout.jsonl with the heuristic and the learned gate (threshold
 * 0.35, config defaults otherwise) and records score, route and reasons. To exercise the code paths short prompts do
 * not reach, it also scores synthetic variants: each prompt upper-cased, and long texts made by joining consecutive
 * prompts (edges, head/tail bounds), and records the raw cue counts of every text.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { configSchema } from '../src/config/schema.js';
import { cueCounts } from '../src/gate/cues.js';
import { parseLabelledJsonl } from '../src/gate/evaluation.js';
import { createGate } from '../src/gate/index.js';
import type { Gate } from '../src/gate/types.js';

const TOLERANCE = 1e-12;

interface Entry {
  key: string;
  heuristic: { score: number; route: string; reasons: string[] };
  learned: { score: number; route: string; reasons: string[] };
  counts: number[];
}

function gateOf(kind: 'heuristic' | 'learned'): Gate {
  const gate = configSchema.parse({ gate: { kind, threshold: 0.35, modelPath: 'config/gate-model.json' } }).gate;
  return createGate(gate);
}

function texts(): Array<[string, string]> {
  const devPath = process.env['GATE_DEV_DATA'] ?? '/work/shared/gate-data/dev.jsonl';
  const files = [devPath, 'test/gate/fresh-eval.jsonl', 'test/gate/fresh-holdout.jsonl'].filter((f) => {
    if (existsSync(f)) return true;
    console.error(`skipping missing ${f}`);
    return false;
  });
  const out: Array<[string, string]> = [];
  for (const file of files) {
    const rows = parseLabelledJsonl(readFileSync(file, 'utf8'), file);
    rows.forEach((row, i) => {
      out.push([`${file}#${i}`, row.prompt]);
      out.push([`${file}#${i}:upper`, row.prompt.toUpperCase()]);
    });
    // Long texts: 8 and 40 consecutive prompts joined by newlines (past the edges and the 12 KB head/tail bounds).
    for (const group of [8, 40]) {
      for (let i = 0; i + group <= rows.length; i += group) {
        out.push([`${file}#${i}+${group}`, rows.slice(i, i + group).map((r) => r.prompt).join('\n')]);
      }
    }
  }
  return out;
}

function run(): Entry[] {
  const heuristic = gateOf('heuristic');
  const learned = gateOf('learned');
  return texts().map(([key, text]) => {
    const input = { messages: [{ role: 'user' as const, content: text }] };
    const h = heuristic.score(input);
    const l = learned.score(input);
    return {
      key,
      heuristic: { score: h.score, route: h.route, reasons: h.reasons },
      learned: { score: l.score, route: l.route, reasons: l.reasons },
      counts: Array.from(cueCounts(text)),
    };
  });
}

function compare(golden: Entry[], current: Entry[]): string[] {
  const problems: string[] = [];
  if (golden.length !== current.length) problems.push(`entry count ${golden.length} → ${current.length}`);
  const n = Math.min(golden.length, current.length);
  for (let i = 0; i < n && problems.length < 50; i++) {
    const g = golden[i] as Entry;
    const c = current[i] as Entry;
    if (g.key !== c.key) {
      problems.push(`#${i}: key ${g.key} → ${c.key}`);
      continue;
    }
    for (const kind of ['heuristic', 'learned'] as const) {
      if (Math.abs(g[kind].score - c[kind].score) >= TOLERANCE) problems.push(`${g.key} ${kind}: score ${g[kind].score} → ${c[kind].score}`);
      if (g[kind].route !== c[kind].route) problems.push(`${g.key} ${kind}: route ${g[kind].route} → ${c[kind].route}`);
      if (g[kind].reasons.join(',') !== c[kind].reasons.join(',')) problems.push(`${g.key} ${kind}: reasons ${g[kind].reasons.join(',')} → ${c[kind].reasons.join(',')}`);
    }
    if (g.counts.join(',') !== c.counts.join(',')) problems.push(`${g.key}: cue counts ${g.counts.join(',')} → ${c.counts.join(',')}`);
  }
  return problems;
}

const [mode, path] = process.argv.slice(2);
if ((mode !== 'write' && mode !== 'check') || path === undefined) {
  console.error('usage: npx tsx scripts/gate-golden.ts write|check FILE.json');
  process.exit(2);
}
const current = run();
if (mode === 'write') {
  writeFileSync(path, JSON.stringify(current));
  console.log(`wrote ${current.length} entries to ${path}`);
} else {
  const golden = JSON.parse(readFileSync(path, 'utf8')) as Entry[];
  const problems = compare(golden, current);
  if (problems.length > 0) {
    for (const p of problems) console.log(p);
    console.log(`golden check FAILED (${problems.length}${problems.length >= 50 ? '+' : ''} differences)`);
    process.exit(1);
  }
  console.log(`golden check OK: ${current.length} entries, scores |Δ| < ${TOLERANCE}, routes, reasons and cue counts identical`);
}
