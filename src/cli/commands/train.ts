import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseLabelledJsonl } from '../../gate/evaluation.js';
import { DEFAULT_TRAIN_OPTIONS, TRAINING_SCRIPT_VERSION, isPermissiveLicense, modelFileFromWeights, trainGateWeights, trainingRows } from '../../gate/training.js';
import { type CommandIo, parseArgs, stringFlag, writeLine } from './io.js';

/**
 * `thinkgate train [DATA.jsonl] [--out config/gate-model.json]`: trains the learned gate on the permissive-licence
 * lines of DATA and writes the weights with their provenance. Deterministic: same data → byte-identical file.
 */

export const DEFAULT_TRAINING_DATA = '../shared/gate-data/dev.jsonl';
export const DEFAULT_MODEL_OUT = 'config/gate-model.json';

export async function run(args: string[], io: CommandIo): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed.flags.has('help')) {
    writeLine(io.stdout, 'usage: thinkgate train [DATA.jsonl] [--out config/gate-model.json]');
    return 0;
  }
  const dataPath = resolve(parsed.positional[0] ?? DEFAULT_TRAINING_DATA);
  const outPath = resolve(stringFlag(parsed, 'out') ?? DEFAULT_MODEL_OUT);
  let text: string;
  try {
    text = readFileSync(dataPath, 'utf8');
  } catch (error) {
    writeLine(io.stderr, `train: cannot read ${dataPath}: ${(error as Error).message}`);
    return 2;
  }
  let rows;
  try {
    rows = parseLabelledJsonl(text, basename(dataPath));
  } catch (error) {
    writeLine(io.stderr, `train: ${(error as Error).message}`);
    return 2;
  }
  const permitted = rows.filter((r) => isPermissiveLicense(r.license));
  if (permitted.length === 0 || !permitted.some((r) => r.label === 'reasoning') || !permitted.some((r) => r.label === 'direct')) {
    writeLine(io.stderr, `train: ${dataPath} has no permissively licensed lines of both labels`);
    return 2;
  }
  const options = DEFAULT_TRAIN_OPTIONS;
  const train = trainingRows(rows, options);
  const weights = trainGateWeights(train, options);
  const model = modelFileFromWeights(weights, options, {
    provenance: {
      file: basename(dataPath),
      sha256: createHash('sha256').update(text).digest('hex'),
      lines: rows.length,
      linesUsed: permitted.length,
      augmentedLines: train.length - permitted.length,
      licenses: [...new Set(permitted.map((r) => r.license ?? ''))].sort(),
      sources: [...new Set(permitted.map((r) => r.source))].sort(),
    },
    scriptVersion: TRAINING_SCRIPT_VERSION,
    hyperparameters: options,
  });
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, JSON.stringify(model) + '\n');
  writeLine(io.stdout, `train: wrote ${outPath} (${permitted.length} lines + ${train.length - permitted.length} framed copies, ${weights.ngramIndices.length} non-zero n-gram weights)`);
  return 0;
}
