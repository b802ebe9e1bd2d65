import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run as calibrate } from '../../src/cli/commands/calibrate.js';
import { run as evaluate } from '../../src/cli/commands/eval.js';
import { run as train } from '../../src/cli/commands/train.js';
import { run as score } from '../../src/cli/commands/score.js';
import { configSchema } from '../../src/config/schema.js';
import { apgr, cpt } from '../../src/gate/metrics.js';
import type { RoutingFigures } from '../../src/gate/evaluation.js';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function invoke(command: typeof evaluate, args: string[], stdinText = '') {
  const stdout = collect();
  const stderr = collect();
  const code = await command(args, { stdin: Readable.from([stdinText]), stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const dir = mkdtempSync(join(tmpdir(), 'gate-cli-'));
const labelled = join(dir, 'labelled.jsonl');
const lines = [
  { prompt: 'Prove that the sum of two even numbers is even.', label: 'reasoning', lang: 'en', source: 'a', license: 'MIT' },
  { prompt: 'How many minutes are in 3.5 hours if each hour has 60 minutes?', label: 'reasoning', lang: 'en', source: 'a', license: 'MIT' },
  { prompt: '证明：两个奇数的和是偶数。', label: 'reasoning', lang: 'zh', source: 'b', license: 'Apache-2.0' },
  { prompt: 'hello there!', label: 'direct', lang: 'en', source: 'c', license: 'MIT' },
  { prompt: 'Translate "thank you" into German.', label: 'direct', lang: 'en', source: 'c', license: 'MIT' },
  { prompt: '你好，今天天气怎么样？', label: 'direct', lang: 'zh', source: 'd', license: 'CC0-1.0' },
];
writeFileSync(labelled, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

describe('thinkgate eval', () => {
  it('prints overall, per-language and per-source figures as JSON', async () => {
    const result = await invoke(evaluate, [labelled, '--gate', 'heuristic', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { overall: { auc: number; n: number }; byLang: Record<string, unknown>; bySource: Record<string, unknown> };
    expect(report.overall.n).toBe(6);
    expect(report.overall.auc).toBe(1);
    expect(Object.keys(report.byLang).sort()).toEqual(['en', 'zh']);
    expect(Object.keys(report.bySource).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('prints a table', async () => {
    const result = await invoke(evaluate, [labelled, '--gate', 'length', '--threshold', '0.3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/gate length, threshold 0.3/);
    expect(result.stdout).toMatch(/lang zh/);
  });

  it('fails with exit 2 on bad arguments and files', async () => {
    expect((await invoke(evaluate, [])).code).toBe(2);
    expect((await invoke(evaluate, [labelled, '--gate', 'magic'])).stderr).toMatch(/--gate must be one of/);
    expect((await invoke(evaluate, [labelled, '--threshold', '7'])).code).toBe(2);
    const missingModel = await invoke(evaluate, [labelled, '--gate', 'learned', '--model', join(dir, 'nope.json')]);
    expect(missingModel.code).toBe(2);
    expect(missingModel.stderr).toMatch(/nope\.json/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"prompt":"x","label":"maybe"}\n');
    expect((await invoke(evaluate, [bad])).stderr).toMatch(/bad\.jsonl:1/);
  });
});

describe('thinkgate eval: defaults, --config, line forms', () => {
  const schemaThreshold = configSchema.parse({}).gate.threshold;

  it('measures at the configured threshold: the schema default, or the one in --config', async () => {
    const plain = JSON.parse((await invoke(evaluate, [labelled, '--json'])).stdout) as { threshold: number; gate: string };
    expect(plain.threshold).toBe(schemaThreshold);
    const config = join(dir, 'gate.yaml');
    writeFileSync(config, 'gate:\n  kind: learned\n  threshold: 0.61\n');
    const configured = await invoke(evaluate, [labelled, '--json', '--config', config]);
    expect(configured.code).toBe(0);
    expect(JSON.parse(configured.stdout)).toMatchObject({ threshold: 0.61, gate: 'learned' });
    const missing = await invoke(evaluate, [labelled, '--config', join(dir, 'absent.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/absent\.yaml: configuration file not found/);
  });

  it('reads {"messages":[…]} lines like score and calibrate do, and names the field a line lacks', async () => {
    const file = join(dir, 'messages.jsonl');
    const asMessages = lines.map(({ prompt, ...rest }) => JSON.stringify({ ...rest, messages: [{ role: 'user', content: prompt }] }));
    writeFileSync(file, asMessages.join('\n') + '\n');
    const fromMessages = JSON.parse((await invoke(evaluate, [file, '--json'])).stdout) as { overall: unknown };
    const fromPrompts = JSON.parse((await invoke(evaluate, [labelled, '--json'])).stdout) as { overall: unknown };
    expect(fromMessages.overall).toEqual(fromPrompts.overall);
    const unlabelled = join(dir, 'unlabelled.jsonl');
    writeFileSync(unlabelled, '{"prompt":"hi"}\n');
    expect((await invoke(evaluate, [unlabelled])).stderr).toMatch(/unlabelled\.jsonl:1: label: expected "reasoning" or "direct"/);
    const noPrompt = join(dir, 'no-prompt.jsonl');
    writeFileSync(noPrompt, '{"label":"direct"}\n');
    expect((await invoke(evaluate, [noPrompt])).stderr).toMatch(/no-prompt\.jsonl:1: expected "prompt" \(a string\) or "messages"/);
  });
});

describe('calibrate and score honour --config', () => {
  it('use the configured gate and threshold', async () => {
    const broken = join(dir, 'broken-model.yaml');
    writeFileSync(broken, `gate:\n  kind: learned\n  modelPath: ${join(dir, 'no-such-model.json')}\n`);
    const calibrated = await invoke(calibrate, ['--target-reasoning-share', '0.5', '--config', broken], '{"prompt":"hi"}\n');
    expect(calibrated.code).toBe(1);
    expect(calibrated.stderr).toContain('no-such-model.json');
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, 'gate:\n  threshold: 1\n');
    const proof = '{"prompt":"Prove that there are infinitely many primes, step by step."}\n';
    expect(JSON.parse((await invoke(score, [], proof)).stdout)).toMatchObject({ route: 'reasoning' });
    expect(JSON.parse((await invoke(score, ['--config', strict], proof)).stdout)).toMatchObject({ route: 'direct' });
  });
});

describe('thinkgate eval --outcomes (RouteLLM-style: both models\' results per prompt)', () => {
  // The weak model fails the proofs and word problems and gets the small talk right: a router that sends the
  // reasoning prompts to the strong model first recovers most of the gap with few calls.
  const outcomeLines = [
    { prompt: 'Prove that the square root of 2 is irrational, step by step.', strong: 1, weak: 0, source: 'maths', lang: 'en' },
    { prompt: 'A train leaves at 3 pm at 60 km/h and another at 4 pm at 90 km/h on the same track. When does the second catch up? Show your working.', strong: 1, weak: 0, source: 'maths', lang: 'en' },
    { prompt: '证明：任意两个奇数之和是偶数，并写出推理过程。', strong: 1, weak: 0, source: 'maths', lang: 'zh' },
    { prompt: 'hello there!', strong: 1, weak: 1, source: 'chat', lang: 'en' },
    { prompt: 'Thanks, that is all.', strong: 1, weak: 1, source: 'chat', lang: 'en' },
    { prompt: '你好', strong: 1, weak: 1, source: 'chat', lang: 'zh' },
    { prompt: 'What is the capital of Japan?', strong: 1, weak: 1, source: 'chat', lang: 'en' },
    { prompt: 'Translate "good morning" into French.', strong: 1, weak: 0.5, source: 'chat', lang: 'en' },
  ];
  const outcomes = join(dir, 'outcomes.jsonl');
  writeFileSync(outcomes, outcomeLines.map((l) => JSON.stringify(l)).join('\n') + '\n');

  it('prints APGR, CPT(50 %), CPT(80 %) and length-only APGR, overall, per language and per source', async () => {
    const result = await invoke(evaluate, [outcomes, '--outcomes', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { overall: RoutingFigures; byLang: Record<string, unknown>; bySource: Record<string, RoutingFigures> };
    expect(report.overall).toMatchObject({ n: 8, strong: 1, weak: 0.5625 });
    // The same figures as RouteLLM's definitions applied to what `thinkgate score` prints for these prompts.
    const scored = (await invoke(score, [], outcomeLines.map((l) => JSON.stringify({ prompt: l.prompt })).join('\n'))).stdout.trim().split('\n');
    const routed = outcomeLines.map((l, i) => ({ score: (JSON.parse(scored[i] ?? '{}') as { score: number }).score, strong: l.strong, weak: l.weak }));
    expect(report.overall.apgr).toBeCloseTo(apgr(routed), 5);
    expect(report.overall.cpt80).toBeCloseTo(cpt(routed, 0.8), 5);
    // Well above random routing (0.5) on prompts this plain; the best order possible here gives 0.777.
    expect(report.overall.apgr).toBeGreaterThan(0.65);
    expect(report.overall.cpt50).toBeLessThanOrEqual(report.overall.cpt80);
    expect(report.overall.lengthApgr).toEqual(expect.any(Number));
    expect(Object.keys(report.byLang).sort()).toEqual(['en', 'zh']);
    expect(Object.keys(report.bySource).sort()).toEqual(['chat', 'maths']);
    // Every maths prompt has the same gain: nothing to order within the slice, so any ranking is random routing.
    expect(report.bySource.maths?.apgr).toBeCloseTo(0.5, 9);
    const table = await invoke(evaluate, [outcomes, '--outcomes']);
    expect(table.stdout).toMatch(/APGR/);
    expect(table.stdout).toMatch(/source maths/);
  });

  it('names the line and the field a line gets wrong', async () => {
    const bad = join(dir, 'bad-outcomes.jsonl');
    writeFileSync(bad, `${JSON.stringify({ prompt: 'hi', strong: 1, weak: 0 })}\n${JSON.stringify({ prompt: 'hi', strong: 2, weak: 0 })}\n`);
    const tooHigh = await invoke(evaluate, [bad, '--outcomes']);
    expect(tooHigh.code).toBe(2);
    expect(tooHigh.stderr).toMatch(/bad-outcomes\.jsonl:2: strong: expected a number from 0 to 1/);
    writeFileSync(bad, `${JSON.stringify({ prompt: 'hi', strong: 1 })}\n`);
    expect((await invoke(evaluate, [bad, '--outcomes'])).stderr).toMatch(/:1: weak: expected a number from 0 to 1/);
    // A labelled file is not an outcome file: the missing field is named, not silently scored.
    expect((await invoke(evaluate, [labelled, '--outcomes'])).stderr).toMatch(/strong: expected a number/);
  });
});

describe('thinkgate score reports what the gateway reports beside a decision', () => {
  it('prints difficulty and reasons on every line, and the tier\'s effort when gate.tiers is configured', async () => {
    const input = '{"id":"p","prompt":"Prove that there are infinitely many primes, step by step."}\n{"id":"h","prompt":"hello there!"}\n';
    const plain = (await invoke(score, [], input)).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const line of plain) {
      expect(line.difficulty).toEqual(expect.any(Number));
      expect(line.difficulty as number).toBeGreaterThanOrEqual(0);
      expect(line.difficulty as number).toBeLessThanOrEqual(1);
      expect(line.reasons).toEqual(expect.arrayContaining([expect.any(String)]));
      expect(line).not.toHaveProperty('effort');
    }
    // Bands that send everything above 0.2 to high effort: the proof is a high-effort prompt, the greeting direct.
    const tiered = join(dir, 'tiers.yaml');
    writeFileSync(tiered, 'gate:\n  tiers:\n    bands:\n      - { from: 0, route: direct }\n      - { from: 0.2, route: reasoning, effort: high }\n');
    const [proof, hello] = (await invoke(score, ['--config', tiered], input)).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(proof).toMatchObject({ id: 'p', route: 'reasoning', effort: 'high' });
    expect(hello).toMatchObject({ id: 'h', route: 'direct' });
    expect(hello).not.toHaveProperty('effort');
  });
});

describe('every subcommand: unknown flags are refused with usage and exit 2', () => {
  it.each([
    ['eval', evaluate, [labelled, '--bogus-flag']],
    ['eval', evaluate, [labelled, '--json=yes']],
    ['calibrate', calibrate, ['--target-reasoning-share', '0.3', '--bogus']],
    ['calibrate', calibrate, ['--target-reasoning-share', '0.3', '--threshold', '0.5']],
    ['train', train, [labelled, '--bogus']],
    ['score', score, ['--bogus-flag']],
    ['score', score, ['--gate', 'bogus']],
    ['score', score, ['stray-argument']],
  ] as const)('%s', async (name, command, args) => {
    const result = await invoke(command, [...args], '{"prompt":"hi"}\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`usage: thinkgate ${name}`);
    expect(result.stdout).toBe('');
  });
});

describe('thinkgate calibrate', () => {
  it('prints the threshold that sends the target share to reasoning', async () => {
    const sample = [
      ...lines.map((l) => JSON.stringify({ prompt: l.prompt })),
      JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Solve 3x + 2 = 11.' }] }] }),
      JSON.stringify({ messages: [{ role: 'user', content: 'thanks' }] }),
    ].join('\n');
    const result = await invoke(calibrate, ['--target-reasoning-share', '0.5'], sample);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { threshold: number; share: number; n: number };
    expect(out.n).toBe(8);
    expect(out.share).toBe(0.5);
    expect(out.threshold).toBeGreaterThan(0);
  });

  it('rejects a missing target and bad lines', async () => {
    expect((await invoke(calibrate, [], '{"prompt":"x"}')).code).toBe(2);
    const bad = await invoke(calibrate, ['--target-reasoning-share', '0.3'], '{"nope":1}\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/stdin:1/);
  });
});

describe('thinkgate train', () => {
  it('writes a deterministic model from permissive lines', async () => {
    const out1 = join(dir, 'm1.json');
    const out2 = join(dir, 'm2.json');
    expect((await invoke(train, [labelled, '--out', out1])).code).toBe(0);
    expect((await invoke(train, [labelled, '--out', out2])).code).toBe(0);
    expect(readFileSync(out1, 'utf8')).toBe(readFileSync(out2, 'utf8'));
    const model = JSON.parse(readFileSync(out1, 'utf8')) as { provenance: { file: string; licenses: string[]; linesUsed: number } };
    expect(model.provenance.file).toBe('labelled.jsonl');
    expect(model.provenance.licenses).toEqual(['Apache-2.0', 'CC0-1.0', 'MIT']);
    expect(model.provenance.linesUsed).toBe(6);
    const scored = await invoke(evaluate, [labelled, '--gate', 'learned', '--model', out1, '--json']);
    expect(scored.code).toBe(0);
  });

  it('says what to pass when no data is given: the data is not in the repository', async () => {
    const result = await invoke(train, []);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATA\.jsonl is required \(the training data is not part of the repository\)/);
    expect(result.stderr).toContain('"license"');
  });

  it('without a permissive "license" field names the field and --any-license; with --any-license trains on your own lines', async () => {
    const own = join(dir, 'own.jsonl');
    writeFileSync(own, lines.map(({ license: _license, ...rest }) => JSON.stringify(rest)).join('\n') + '\n');
    const refused = await invoke(train, [own, '--out', join(dir, 'own.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/none with a permissive "license" field.*--any-license/);
    const out = join(dir, 'own.json');
    const trained = await invoke(train, [own, '--out', out, '--any-license']);
    expect(trained.code).toBe(0);
    const model = JSON.parse(readFileSync(out, 'utf8')) as { provenance: { linesUsed: number; licenses: string[]; anyLicense?: boolean } };
    expect(model.provenance).toMatchObject({ linesUsed: 6, licenses: ['(none)'], anyLicense: true });
    expect((await invoke(evaluate, [own, '--gate', 'learned', '--model', out, '--json'])).code).toBe(0);
  });

  it('trains on the repository\'s own labelled file with --any-license', async () => {
    const out = join(dir, 'fresh.json');
    const result = await invoke(train, ['test/gate/fresh-eval.jsonl', '--out', out, '--any-license']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/wrote .*fresh\.json/);
  });

  it('fails clearly on a missing data file', async () => {
    const result = await invoke(train, [join(dir, 'absent.jsonl'), '--out', join(dir, 'x.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/absent\.jsonl/);
  });
});

describe('JSON lines saved by Windows tools', () => {
  // A UTF-8 byte-order mark before the first line (Notepad, PowerShell's Out-File) and CRLF line ends.
  const windows = (rows: object[]): string => '\uFEFF' + rows.map((r) => JSON.stringify(r)).join('\r\n') + '\r\n';

  it('score, calibrate and eval read the first line like any other', async () => {
    const scored = await invoke(score, [], windows([{ id: 'a', prompt: 'hello' }, { id: 'b', prompt: 'Prove that 7 is prime.' }]));
    expect(scored.code).toBe(0);
    expect(scored.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['a', 'b']);
    const calibrated = await invoke(calibrate, ['--target-reasoning-share', '0.5'], windows(lines.map((l) => ({ prompt: l.prompt }))));
    expect(calibrated.code).toBe(0);
    expect((JSON.parse(calibrated.stdout) as { n: number }).n).toBe(lines.length);
    const file = join(dir, 'windows.jsonl');
    writeFileSync(file, windows(lines));
    const evaluated = await invoke(evaluate, [file, '--json']);
    expect(evaluated.code).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { overall: { n: number } }).overall.n).toBe(lines.length);
  });
});
