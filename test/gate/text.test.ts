import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/core/conversation.js';
import { DEFAULT_TEXT_BOUNDS, boundText, contentText, viewConversation } from '../../src/gate/text.js';

describe('boundText', () => {
  it('keeps short text unchanged', () => {
    expect(boundText('hello')).toBe('hello');
  });

  it('keeps head and tail of long text', () => {
    const text = 'H'.repeat(20_000) + 'middle' + 'T'.repeat(20_000);
    const bounded = boundText(text);
    expect(bounded.length).toBeLessThanOrEqual(DEFAULT_TEXT_BOUNDS.headChars + DEFAULT_TEXT_BOUNDS.tailChars + 3);
    expect(bounded.startsWith('H')).toBe(true);
    expect(bounded.endsWith('T')).toBe(true);
    expect(bounded).not.toContain('middle');
  });
});

describe('contentText', () => {
  it('joins text parts and skips others', () => {
    expect(contentText([{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }])).toBe('a\nb');
  });

  it('bounds many parts without joining them all', () => {
    const parts = Array.from({ length: 10_000 }, (_, i) => ({ type: 'text', text: `part ${i} `.repeat(20) }));
    const text = contentText(parts);
    expect(text.length).toBeLessThanOrEqual(DEFAULT_TEXT_BOUNDS.headChars + DEFAULT_TEXT_BOUNDS.tailChars + 3);
    expect(text.startsWith('part 0 ')).toBe(true);
    expect(text.endsWith('part 9999 ')).toBe(true);
  });

  it('returns empty text for null, numbers and objects', () => {
    expect(contentText(null)).toBe('');
    expect(contentText(7)).toBe('');
    expect(contentText({ text: 'x' })).toBe('');
  });
});

describe('viewConversation', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'Be terse.' },
    { role: 'user', content: 'Solve x^2 = 4' },
    { role: 'assistant', content: 'x = ±2', reasoning_content: 'x^2 = 4 so x = 2 or -2' },
    { role: 'user', content: [{ type: 'text', text: 'why?' }] },
  ];

  it('finds the last and previous user turns, system prompt and tools', () => {
    const view = viewConversation({ messages, tools: [{ type: 'function' }] });
    expect(view.lastUserText).toBe('why?');
    expect(view.previousUserText).toBe('Solve x^2 = 4');
    expect(view.previousAssistantReasoned).toBe(true);
    expect(view.systemText).toBe('Be terse.');
    expect(view.hasSystem).toBe(true);
    expect(view.userTurns).toBe(2);
    expect(view.hasTools).toBe(true);
  });

  it('handles a conversation without user turns', () => {
    const view = viewConversation({ messages: [{ role: 'system', content: 'x' }] });
    expect(view.lastUserText).toBe('');
    expect(view.userTurns).toBe(0);
    expect(view.hasTools).toBe(false);
  });
});
