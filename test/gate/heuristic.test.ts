import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/core/conversation.js';
import { createHeuristicGate } from '../../src/gate/heuristic.js';
import { CHINESE_CASES, ENGLISH_CASES } from './prompts.js';

const gate = createHeuristicGate({ threshold: 0.5 });
const ask = (content: ChatMessage['content']) => gate.score({ messages: [{ role: 'user', content } as ChatMessage] });

describe('heuristic gate routing table', () => {
  it('has at least 60 cases, half of them Chinese', () => {
    expect(ENGLISH_CASES.length + CHINESE_CASES.length).toBeGreaterThanOrEqual(60);
    expect(CHINESE_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each([...ENGLISH_CASES, ...CHINESE_CASES])('$route: $prompt', ({ prompt, route }) => {
    const decision = ask(prompt);
    expect(decision.route).toBe(route);
    expect(decision.score).toBeGreaterThanOrEqual(0);
    expect(decision.score).toBeLessThanOrEqual(1);
  });
});

describe('heuristic gate reasons', () => {
  it('names the cues in snake_case', () => {
    const decision = ask('Translate this equation into French: x^2 + 3x - 4 = 0');
    expect(decision.reasons[0]).toBe('intent_translate');
    for (const reason of decision.reasons) expect(reason).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('explains maths and code', () => {
    expect(ask('Prove that there are infinitely many primes.').reasons).toContain('proof');
    expect(ask('```python\ndef f(x):\n    return x[0] + 1\n```\nWhy does this crash on an empty list?').reasons).toContain('code_syntax');
    expect(ask('what is 2+2').reasons[0]).toBe('trivial_arithmetic');
  });

  it('scores a translated maths problem far below the problem itself', () => {
    const problem = '一个数的3倍加上5等于20，求这个数，并写出解题过程。';
    expect(ask(`请把这道题翻译成英文：${problem}`).score).toBeLessThan(ask(problem).score);
  });

  it('treats a passage followed by a plain lookup question as direct, but not a passage followed by a problem', () => {
    const passage =
      '长城是中国古代的军事防御工程，修筑历史可上溯到西周时期，春秋战国时期各国也都修筑了长城。秦灭六国后，把原来各国的长城连接起来，西起临洮，东至辽东，绵延一万余里。明朝是最后一个大规模修筑长城的朝代，今天人们所看到的长城多是此时修筑的。据国家文物局2012年的测量，历代长城总长度为21196.18千米。若以每年修缮100千米计算，全部修缮一遍需要很长时间，因此保护工作分期进行。'.repeat(2);
    const lookup = ask(`${passage}\n明朝是否修筑过长城？`);
    expect(lookup.route).toBe('direct');
    expect(lookup.reasons).toContain('passage_lookup');
    expect(ask(`${passage}\n如果每年修缮100千米，全部修缮一遍至少需要多少年？`).route).toBe('reasoning');
  });

  it('follows a live threshold', () => {
    let threshold = 0.99;
    const live = createHeuristicGate({ threshold: () => threshold });
    const prompt = 'Solve for x: 3x^2 - 5x + 2 = 0';
    expect(live.score({ messages: [{ role: 'user', content: prompt }] }).route).toBe('direct');
    threshold = 0.2;
    expect(live.score({ messages: [{ role: 'user', content: prompt }] }).route).toBe('reasoning');
  });
});

describe('heuristic gate on bad input', () => {
  it('treats an empty conversation or empty text as direct', () => {
    expect(gate.score({ messages: [] })).toEqual({ score: 0, route: 'direct', reasons: ['empty_prompt'], need: 0, difficulty: 0, stage: 1 });
    expect(ask('   ').route).toBe('direct');
    expect(gate.score({ messages: [{ role: 'system', content: 'You are helpful.' }] }).route).toBe('direct');
  });

  it('ignores image parts and reads the text parts', () => {
    const decision = ask([
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      { type: 'text', text: 'Prove that the sum of two odd numbers is even.' },
    ]);
    expect(decision.route).toBe('reasoning');
    expect(ask([{ type: 'image_url', image_url: { url: 'https://example.com/x.png' } }]).route).toBe('direct');
  });

  it('survives lone surrogates and emoji-only prompts', () => {
    for (const text of ['\ud800', '\udfff abc \ud83d', '😀😀😀', '🙂', '\u0000\u0001']) {
      const decision = ask(text);
      expect(Number.isFinite(decision.score)).toBe(true);
      expect(decision.route).toBe('direct');
    }
  });

  it('scores a 10 MB prompt by its head and tail', () => {
    const huge = 'Prove that the square root of 2 is irrational. ' + 'lorem ipsum '.repeat(900_000);
    expect(huge.length).toBeGreaterThan(10_000_000);
    const decision = ask(huge);
    expect(decision.route).toBe('reasoning');
    expect(decision.reasons).toContain('proof');
  });

  it('does not throw on malformed messages that slipped past validation', () => {
    const messages = [null, 42, { role: 'user' }, { role: 'user', content: { text: 'x' } }] as unknown as ChatMessage[];
    expect(gate.score({ messages }).route).toBe('direct');
  });
});
