#!/usr/bin/env -S node --min-semi-space-size=8 --max-semi-space-size=32
import type { Command, CommandIO } from './io.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  serve: { summary: 'run the gateway (what npm start runs)', load: () => import('./commands/serve.js') },
  stats: { summary: 'print /v1/stats totals as a table: [--url http://host:port] [--key KEY] [--window hour|day] [--json]', load: () => import('./commands/stats.js') },
  eval: { summary: 'evaluate the gate on labelled JSON lines: FILE.jsonl [--gate learned|heuristic|length] [--threshold X] [--json]', load: () => import('./commands/eval.js') },
  train: { summary: 'train the learned gate on your labelled lines: DATA.jsonl [--out PATH] [--any-license]', load: () => import('./commands/train.js') },
  calibrate: { summary: 'threshold for a reasoning share: --target-reasoning-share 0.3 < sample.jsonl', load: () => import('./commands/calibrate.js') },
  score: { summary: 'score JSON lines from stdin: {"id","messages"|"prompt"} -> {"id","score","route"}', load: () => import('./commands/score.js') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: thinkgate <command> [options]\n\ncommands:\n${rows.join('\n')}\n\nevery command: --config PATH (or THINKGATE_CONFIG), --help\nexit codes: 0 done, 1 invalid configuration or failure, 2 bad arguments or input\n`;
}

async function main(argv: string[]): Promise<number> {
  const io: CommandIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  const [name = 'serve', ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`thinkgate: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest, io);
}

// A reader that stops early (`thinkgate eval … | head -1`) closes the pipe: end quietly, as Unix tools do, instead of
// an unhandled `write EPIPE`. Nothing more can reach that reader, so there is nothing left worth doing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`thinkgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
