import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { metricsReport, outcomesReport, type RoutingFigures, type ScoredRow } from '../../gate/evaluation.js';
import { createLengthGate } from '../../gate/length.js';
import type { GateMetrics } from '../../gate/metrics.js';
import type { Gate } from '../../gate/types.js';
import { type CommandIO, InputError, UsageError, commandConfig, parseCommandArgs, runCommand, writeLine } from '../io.js';
import { GATE_OPTIONS, gateFromFlags } from './gate-choice.js';
import { parseLabelledLines, parseOutcomeLines } from './lines.js';

/**
 * `thinkgate eval FILE.jsonl [--gate learned|heuristic|length] [--model PATH] [--threshold X] [--json] [--config PATH]`
 * Scores labelled lines (`{"prompt"|"messages", "label", "lang"?, "source"?}`, see ./lines.ts) and prints AUC,
 * accuracy, reasoning recall, direct kept and savings at 95% recall, overall, per language and per source. The gate
 * and threshold default to the configuration's (so the figures describe the running gateway's operating point).
 *
 * With `--outcomes`, the lines carry both models' results on each prompt instead of a label (`{"prompt"|"messages",
 * "strong", "weak"}`, see ./lines.ts) and the report is RouteLLM's (Ong et al. 2024, §5.1): APGR of ranking by the
 * printed score, CPT(50 %) and CPT(80 %), and the APGR of ranking by length alone beside it.
 */

const USAGE = 'usage: thinkgate eval FILE.jsonl [--outcomes] [--gate learned|heuristic|length] [--model PATH] [--threshold X] [--json] [--config PATH]';

function formatted(value: number): string {
  return Number.isNaN(value) ? '–' : value.toFixed(3);
}

function outcomeRow(label: string, m: RoutingFigures): string {
  return `${label.padEnd(32)} ${String(m.n).padStart(5)} ${formatted(m.strong).padStart(7)} ${formatted(m.weak).padStart(7)} ${formatted(m.apgr).padStart(6)} ${formatted(m.cpt50).padStart(6)} ${formatted(m.cpt80).padStart(6)} ${formatted(m.lengthApgr).padStart(7)}`;
}

/** `eval --outcomes`: the routing report of `text`'s outcome lines. */
function reportOutcomes(text: string, file: string, gate: Gate, threshold: number, json: boolean, io: CommandIO): number {
  const lines = parseOutcomeLines(text, basename(file));
  const length = createLengthGate({ threshold });
  const report = outcomesReport(
    lines.map((l) => ({ score: gate.score(l.input).score, lengthScore: length.score(l.input).score, strong: l.strong, weak: l.weak, lang: l.lang, source: l.source })),
  );
  if (json) {
    writeLine(io.stdout, JSON.stringify({ gate: gate.name, file: basename(file), ...report }));
    return 0;
  }
  writeLine(io.stdout, `gate ${gate.name}, ${lines.length} prompts with both models' results from ${basename(file)} (APGR: 0.5 = random; CPT: share of calls to the strong model)`);
  writeLine(io.stdout, `${'slice'.padEnd(32)} ${'n'.padStart(5)} ${'strong'.padStart(7)} ${'weak'.padStart(7)} ${'APGR'.padStart(6)} ${'CPT50'.padStart(6)} ${'CPT80'.padStart(6)} ${'lenAPGR'.padStart(7)}`);
  writeLine(io.stdout, outcomeRow('all', report.overall));
  for (const [lang, m] of Object.entries(report.byLang)) writeLine(io.stdout, outcomeRow(`lang ${lang}`, m));
  for (const [source, m] of Object.entries(report.bySource)) writeLine(io.stdout, outcomeRow(`source ${source}`, m));
  return 0;
}

function row(label: string, m: GateMetrics): string {
  return `${label.padEnd(32)} ${String(m.n).padStart(5)} ${formatted(m.auc).padStart(6)} ${formatted(m.accuracy).padStart(6)} ${formatted(m.reasoningRecall).padStart(7)} ${formatted(m.directKept).padStart(7)} ${formatted(m.savingsAt95).padStart(7)}`;
}

export function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand('eval', USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { ...GATE_OPTIONS, json: { type: 'boolean' }, outcomes: { type: 'boolean' } }, 1);
    if (values.help === true) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    const file = positionals[0];
    if (file === undefined) throw new UsageError('a labelled FILE.jsonl is required');
    const config = commandConfig(values.config);
    const { gate, threshold } = gateFromFlags(values, config);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (values.outcomes === true) return reportOutcomes(text, file, gate, threshold, values.json === true, io);
    const lines = parseLabelledLines(text, basename(file));
    const scored: ScoredRow[] = lines.map(({ row, input }) => ({ row, score: gate.score(input).score }));
    const report = metricsReport(scored, threshold);
    if (values.json === true) {
      writeLine(io.stdout, JSON.stringify({ gate: gate.name, threshold, file: basename(file), ...report }));
      return 0;
    }
    writeLine(io.stdout, `gate ${gate.name}, threshold ${threshold}, ${lines.length} prompts from ${basename(file)}`);
    writeLine(io.stdout, `${'slice'.padEnd(32)} ${'n'.padStart(5)} ${'AUC'.padStart(6)} ${'acc'.padStart(6)} ${'recall'.padStart(7)} ${'kept'.padStart(7)} ${'sav@95'.padStart(7)}`);
    writeLine(io.stdout, row('all', report.overall));
    for (const [lang, m] of Object.entries(report.byLang)) writeLine(io.stdout, row(`lang ${lang}`, m));
    for (const [source, m] of Object.entries(report.bySource)) writeLine(io.stdout, row(`source ${source}`, m));
    return 0;
  });
}
