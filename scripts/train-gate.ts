/** npm run train:gate [-- DATA.jsonl --out config/gate-model.json]: see src/cli/commands/train.ts. */
import { run } from '../src/cli/commands/train.js';

process.exitCode = await run(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
