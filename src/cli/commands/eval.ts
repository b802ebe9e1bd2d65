import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { metricsReport, type ScoredRow } from '../../gate/evaluation.js';
import type { GateMetrics } from '../../gate/metrics.js';
import { type CommandIO, InputError, UsageError, commandConfig, parseCommandArgs, runCommand, writeLine } from '../io.js';
import { GATE_OPTIONS, gateFromFlags } from './gate-choice.js';
import { parseLabelledLines } from './lines.js';

/**
 * `thinkgate eval FILE.jsonl [--gate learned|heuristic|length] [--model PATH] [--threshold X] [--json] [--config PATH]`
 * Scores labelled lines (`{"prompt"|"messages", "label", "lang"?, "source"?}`, see ./lines.ts) and prints AUC,
 * accuracy, reasoning recall, direct kept and savings at 95% recall, overall, per language and per source. The gate
 * and threshold default to the configuration's (so the figures describe the running gateway's operating point).
 */

const USAGE = 'usage: thinkgate eval FILE.jsonl [--gate learned|heuristic|length] [--model PATH] [--threshold X] [--json] [--config PATH]';

function formatted(value: number): string {
  return Number.isNaN(value) ? '–' : value.toFixed(3);
}

function row(label: string, m: GateMetrics): string {
  return `${label.padEnd(32)} ${String(m.n).padStart(5)} ${formatted(m.auc).padStart(6)} ${formatted(m.accuracy).padStart(6)} ${formatted(m.reasoningRecall).padStart(7)} ${formatted(m.directKept).padStart(7)} ${formatted(m.savingsAt95).padStart(7)}`;
}

export function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand('eval', USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { ...GATE_OPTIONS, json: { type: 'boolean' } }, 1);
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
