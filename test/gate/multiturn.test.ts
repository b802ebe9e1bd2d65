import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/core/conversation.js';
import { createHeuristicGate } from '../../src/gate/heuristic.js';
import { createLearnedGate, loadGateModel } from '../../src/gate/learned.js';
import type { Gate } from '../../src/gate/types.js';

const gates: Gate[] = [
  createHeuristicGate({ threshold: 0.5 }),
  createLearnedGate({ model: loadGateModel('config/gate-model.json'), threshold: 0.35 }),
];

function conversation(first: string, answer: string, followUp: string, reasoning?: string): ChatMessage[] {
  const assistant: ChatMessage = reasoning === undefined ? { role: 'assistant', content: answer } : { role: 'assistant', content: answer, reasoning_content: reasoning };
  return [{ role: 'user', content: first }, assistant, { role: 'user', content: followUp }];
}

const hardEn = 'Prove that for every integer n, n^3 - n is divisible by 6.';
const hardZh = '甲、乙、丙三人中只有一人说了真话，甲说乙在说谎，乙说丙在说谎，丙说甲和乙都在说谎，请推理谁说了真话？';
const easyEn = 'What is the capital of France?';
const easyZh = '法国的首都是哪里？';

describe.each(gates.map((g) => [g.name, g] as const))('%s gate across turns', (_name, gate) => {
  const route = (messages: ChatMessage[]) => gate.score({ messages }).route;

  it.each(['yes, go on', 'why?', 'continue', 'and then?'])('keeps "%s" on reasoning after a hard English exchange', (followUp) => {
    expect(route(conversation(hardEn, 'n^3 - n = (n-1)n(n+1) …', followUp))).toBe('reasoning');
  });

  it.each(['继续', '然后呢？', '为什么？', '接着说'])('keeps "%s" on reasoning after a hard Chinese exchange', (followUp) => {
    expect(route(conversation(hardZh, '丙说了真话……', followUp))).toBe('reasoning');
  });

  it('keeps a follow-up on reasoning when the previous answer carried reasoning, even if the question looked easy', () => {
    expect(route(conversation('Which is bigger, 9.11 or 9.9?', '9.9', 'why?', 'compare the tenths digit: 9 > 1'))).toBe('reasoning');
    expect(route(conversation('9.11和9.9哪个大？', '9.9更大', '为什么？', '比较十分位'))).toBe('reasoning');
  });

  it.each([
    ['thanks!', hardEn],
    ['Thank you so much', hardEn],
    ['谢谢', hardZh],
    ['好的，谢谢！', hardZh],
  ])('sends "%s" direct even after a hard exchange', (followUp, first) => {
    const decision = gate.score({ messages: conversation(first, '…', followUp, 'long derivation') });
    expect(decision.route).toBe('direct');
    expect(decision.reasons[0]).toBe('closing_thanks');
  });

  it('lets a follow-up of an easy exchange go direct', () => {
    expect(route(conversation(easyEn, 'Paris.', 'why?'))).toBe('direct');
    expect(route(conversation(easyZh, '巴黎。', '为什么？'))).toBe('direct');
  });

  it('scores a new hard question on its own merits after an easy exchange', () => {
    expect(route(conversation(easyEn, 'Paris.', 'Now prove that the sum of the first n odd numbers is n^2.'))).toBe('reasoning');
    expect(route(conversation(easyZh, '巴黎。', '证明：前n个奇数的和等于n的平方。'))).toBe('reasoning');
  });
});
