import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { metricsReport, parseLabelledJsonl, scoreRows } from '../../gate/evaluation.js';
import type { GateMetrics } from '../../gate/metrics.js';
import { gateFromArgs } from './gate-choice.js';
import { type CommandIo, numberFlag, parseArgs, writeLine } from './io.js';

/**
 * `thinkgate eval FILE.jsonl [--gate learned|heuristic|length] [--model PATH] [--threshold X] [--json]`
 * Scores labelled prompts and prints AUC, accuracy, reasoning recall, direct kept and savings at 95% recall,
 * overall, per language and per source. Exit 0 on success, 2 on bad input.
 */

const USAGE = 'usage: thinkgate eval FILE.jsonl [--gate learned|heuristic|length] [--model PATH] [--threshold X] [--json]';

function formatted(value: number): string {
  return Number.isNaN(value) ? '–' : value.toFixed(3);
}

function row(label: string, m: GateMetrics): string {
  return `${label.padEnd(32)} ${String(m.n).padStart(5)} ${formatted(m.auc).padStart(6)} ${formatted(m.accuracy).padStart(6)} ${formatted(m.reasoningRecall).padStart(7)} ${formatted(m.directKept).padStart(7)} ${formatted(m.savingsAt95).padStart(7)}`;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  try {
    const parsed = parseArgs(args, ['json', 'help']);
    if (parsed.flags.has('help')) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    const file = parsed.positional[0];
    if (file === undefined) {
      writeLine(io.stderr, USAGE);
      return 2;
    }
    const threshold = numberFlag(parsed, 'threshold', 0, 1) ?? 0.5;
    const gate = gateFromArgs(parsed, threshold, 'heuristic');
    const rows = parseLabelledJsonl(readFileSync(file, 'utf8'), basename(file));
    const report = metricsReport(scoreRows(gate, rows), threshold);
    if (parsed.flags.has('json')) {
      writeLine(io.stdout, JSON.stringify({ gate: gate.name, threshold, file: basename(file), ...report }));
      return 0;
    }
    writeLine(io.stdout, `gate ${gate.name}, threshold ${threshold}, ${rows.length} prompts from ${basename(file)}`);
    writeLine(io.stdout, `${'slice'.padEnd(32)} ${'n'.padStart(5)} ${'AUC'.padStart(6)} ${'acc'.padStart(6)} ${'recall'.padStart(7)} ${'kept'.padStart(7)} ${'sav@95'.padStart(7)}`);
    writeLine(io.stdout, row('all', report.overall));
    for (const [lang, m] of Object.entries(report.byLang)) writeLine(io.stdout, row(`lang ${lang}`, m));
    for (const [source, m] of Object.entries(report.bySource)) writeLine(io.stdout, row(`source ${source}`, m));
    return 0;
  } catch (error) {
    writeLine(io.stderr, `eval: ${(error as Error).message}`);
    return 2;
  }
}
