import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { TRAIN_FRAMES, framedCopies } from '../../gate/augment.js';
import { DEFAULT_TRAIN_OPTIONS, TRAINING_SCRIPT_VERSION, isPermissiveLicense, modelFileFromWeights, trainGateWeights, trainingRows } from '../../gate/training.js';
import { type CommandIO, InputError, UsageError, commandConfig, parseCommandArgs, runCommand, writeLine } from '../io.js';
import { parseLabelledLines } from './lines.js';

/**
 * `thinkgate train DATA.jsonl [--out PATH] [--any-license] [--config PATH]`: trains the learned gate on the
 * labelled lines of DATA and writes the weights with their provenance (file name, sha256, licences, sources).
 * Deterministic: same data → byte-identical file. Without `--any-license` only lines whose `license` is a
 * permissive SPDX id are used (the shipped weights must be redistributable); `--any-license` trains on every line,
 * for a model of your own traffic that you keep to yourself. `--out` defaults to the configuration's `gate.modelPath`.
 */

const USAGE = `usage: thinkgate train DATA.jsonl [--out PATH] [--any-license] [--config PATH]

DATA.jsonl: one labelled prompt per line, e.g.
  {"prompt":"Prove that √2 is irrational.","label":"reasoning","lang":"en","source":"my-app","license":"MIT"}
  {"messages":[{"role":"user","content":"hi"}],"label":"direct","source":"my-app"}
"label" is required ("reasoning" or "direct"); "lang", "source", "category" and "license" (an SPDX id) are optional.
Without --any-license only lines with a permissive "license" (MIT, Apache-2.0, BSD, CC-BY, CC-BY-SA, CC0) are used.
The data the shipped config/gate-model.json was trained on is not part of the repository: its "provenance" field
names the file, its sha256, licences and sources. Details: docs/gate.md.`;

export function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand('train', USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { out: { type: 'string' }, 'any-license': { type: 'boolean' } }, 1);
    if (values.help === true) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    const file = positionals[0];
    if (file === undefined) throw new UsageError('DATA.jsonl is required (the training data is not part of the repository)');
    const anyLicense = values['any-license'] === true;
    const dataPath = resolve(file);
    const outPath = resolve(values.out ?? commandConfig(values.config).gate.modelPath);
    let text: string;
    try {
      text = readFileSync(dataPath, 'utf8');
    } catch (err) {
      throw new InputError(`cannot read ${dataPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const rows = parseLabelledLines(text, basename(dataPath)).map((l) => l.row);
    const permitted = anyLicense ? rows : rows.filter((r) => isPermissiveLicense(r.license));
    for (const label of ['reasoning', 'direct'] as const) {
      if (permitted.some((r) => r.label === label)) continue;
      const unlicensed = anyLicense ? 0 : rows.filter((r) => r.label === label).length;
      throw new InputError(
        unlicensed > 0
          ? `${basename(dataPath)} has ${unlicensed} "${label}" line(s) but none with a permissive "license" field; add one (e.g. "license":"MIT") or pass --any-license to train on your own data`
          : `${basename(dataPath)} has no "${label}" line: training needs both labels`,
      );
    }
    const options = DEFAULT_TRAIN_OPTIONS;
    // The same framed copies trainingRows adds to the permitted lines, over the lines chosen here.
    const train = anyLicense ? [...rows, ...framedCopies(rows, TRAIN_FRAMES, options.frameShare, options.seed)] : trainingRows(rows, options);
    const weights = trainGateWeights(train, options);
    const model = modelFileFromWeights(weights, options, {
      provenance: {
        file: basename(dataPath),
        sha256: createHash('sha256').update(text).digest('hex'),
        lines: rows.length,
        linesUsed: permitted.length,
        augmentedLines: train.length - permitted.length,
        licenses: [...new Set(permitted.map((r) => r.license ?? '(none)'))].sort(),
        sources: [...new Set(permitted.map((r) => r.source))].sort(),
        ...(anyLicense ? { anyLicense: true } : {}),
      },
      scriptVersion: TRAINING_SCRIPT_VERSION,
      hyperparameters: options,
    });
    try {
      mkdirSync(dirname(outPath), { recursive: true });
      writeFileSync(outPath, JSON.stringify(model) + '\n');
    } catch (err) {
      throw new Error(`cannot write ${outPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    writeLine(io.stdout, `train: wrote ${outPath} (${permitted.length} lines + ${train.length - permitted.length} framed copies, ${weights.ngramIndices.length} non-zero n-gram weights)`);
    return 0;
  });
}
