import type { FakeUpstream } from './fake-upstream.js';
import type { FakeResponsesUpstream } from './responses-upstream.js';

/**
 * Scripts for the fake upstreams (chat ones and the native Responses one) that make them answer like a model driving an agent: the first turn asks
 * for a tool call, and once the tool's result comes back (a `tool` message answering that call), a final message
 * that quotes it. Real clients (Codex, the Agents SDK, LangChain) then run their whole loop through the gateway.
 */

export interface ToolRoundTrip {
  /** Name of the tool the fake model calls (must be one the client offered). */
  name: string;
  /** JSON text of the call's arguments. */
  arguments: string;
  callId: string;
  /** The final answer, given the tool message's content. */
  final: (toolOutput: string) => string;
  /** Reasoning the fake model sends with each turn (exercises reasoning items). */
  reasoning?: string;
}

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_call_id?: string;
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? (content as { text?: string }[]).map((p) => p.text ?? '').join('')
      : JSON.stringify(content ?? '');

/** Makes each of `fakes` play `trip`: a call to `trip.name` first, the final answer after its tool result. */
export function scriptToolRoundTrip(fakes: FakeUpstream[], trip: ToolRoundTrip): void {
  for (const fake of fakes) {
    fake.scenario = (body) => {
      const messages = (body.messages as ChatMessage[] | undefined) ?? [];
      const result = messages.find((m) => m.role === 'tool' && m.tool_call_id === trip.callId);
      const reasoning = trip.reasoning !== undefined ? { reasoning: trip.reasoning } : {};
      if (result !== undefined) return { kind: 'answer', answer: { content: trip.final(textOf(result.content)), ...reasoning } };
      return { kind: 'answer', answer: { content: '', toolCalls: [{ id: trip.callId, name: trip.name, arguments: trip.arguments }], ...reasoning } };
    };
  }
}

/** Makes each of `fakes` answer every request with `text` (and `reasoning`, when given). */
export function scriptAnswer(fakes: FakeUpstream[], text: string, reasoning?: string): void {
  for (const fake of fakes) {
    fake.scenario = () => ({ kind: 'answer', answer: { content: text, ...(reasoning !== undefined ? { reasoning } : {}) } });
  }
}

/** `trip` for the fake native Responses upstream: the call first, the final answer once a function_call_output for it arrives. */
export function scriptNativeToolRoundTrip(fake: FakeResponsesUpstream, trip: ToolRoundTrip): void {
  fake.scenario = (body) => {
    const input = Array.isArray(body.input) ? (body.input as { type?: string; call_id?: string; output?: unknown }[]) : [];
    const result = input.find((i) => i.type === 'function_call_output' && i.call_id === trip.callId);
    const reasoning = trip.reasoning !== undefined ? { reasoning: trip.reasoning } : {};
    if (result !== undefined) return { kind: 'answer', answer: { text: trip.final(textOf(result.output)), ...reasoning } };
    return { kind: 'answer', answer: { toolCalls: [{ callId: trip.callId, name: trip.name, arguments: trip.arguments }], ...reasoning } };
  };
}

/** Makes the fake native Responses upstream answer every request with `text` (and a reasoning summary, when given). */
export function scriptNativeAnswer(fake: FakeResponsesUpstream, text: string, reasoning?: string): void {
  fake.scenario = () => ({ kind: 'answer', answer: { text, ...(reasoning !== undefined ? { reasoning } : {}) } });
}
