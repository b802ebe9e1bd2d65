#!/usr/bin/env node
/**
 * Builds dist/ only when it is missing or older than its sources, so that `npm start` starts the built server at
 * once (about a second) instead of compiling on every start (15 s or more). Runs as `prepare` (after `npm ci`) and
 * `prestart`. Sources: every file under src/, tsconfig.json, tsconfig.build.json and package-lock.json.
 * Exit 0 when dist/ is current or was built; tsc's exit code when the build fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = join(root, 'dist', 'cli', 'main.js');

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

function newestSource() {
  let newest = Math.max(...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => mtime(join(root, f))));
  for (const entry of readdirSync(join(root, 'src'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, mtime(join(entry.parentPath, entry.name)));
  }
  return newest;
}

const built = mtime(output);
if (built >= 0 && built >= newestSource()) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write(`thinkgate: ${built < 0 ? 'dist/ is missing' : 'dist/ is older than src/'} and TypeScript is not installed: run npm ci (with dev dependencies), then npm start\n`);
  process.exit(built < 0 ? 1 : 0);
}
process.stderr.write(`thinkgate: building dist/ (${built < 0 ? 'not built yet' : 'src/ changed since the last build'})…\n`);
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
