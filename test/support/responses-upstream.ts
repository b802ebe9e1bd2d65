import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ConfigInput } from '../../src/config/schema.js';
import { closeFakeServer, listenFakeServer, recordRequest, sleep, split, type RecordedRequest } from './fake-upstream.js';

/**
 * A fake NATIVE Responses API upstream on loopback (port 0) for tests: answers `POST /v1/responses` as OpenAI does,
 * as one JSON response object or, with `stream: true`, as SSE events (`event: <type>` + `data: <json>`, each with
 * `sequence_number` from 0, response.created … response.completed, no `[DONE]`), with reasoning items, messages,
 * function calls and usage (reasoning items carry `encrypted_content` when the request includes
 * `reasoning.encrypted_content`); records every request (so tests can check `store`, the model, the input the
 * gateway rebuilt); refuses, as OpenAI does, a `store: false` request whose input names a reasoning item by id
 * without its `encrypted_content`; and misbehaves on demand (HTTP errors, response.failed, an `error` event, a
 * cut stream, a hang).
 *
 * Event order and shapes follow OpenAI's streaming reference for the Responses API; the objects validate against
 * the SDK's types (test/clients/responses-upstream.test.ts checks this with test/support/responses-schema.ts).
 */

export interface ResponsesAnswerSpec {
  /** Assistant message text; omitted or '' with tool calls: no message item. */
  text?: string;
  /** Reasoning summary text: a reasoning item before the message. */
  reasoning?: string;
  toolCalls?: { callId: string; name: string; arguments: string }[];
  /** Model named in the response (default: the request's model). */
  model?: string;
  usage?: { input_tokens: number; output_tokens: number; reasoning_tokens?: number; cached_tokens?: number };
  /** 'incomplete' ends with response.incomplete and `incomplete_details.reason: max_output_tokens`. */
  status?: 'completed' | 'incomplete';
  /** Characters per text/argument delta (default 4). */
  chunkSize?: number;
}

export type ResponsesScenario =
  | { kind: 'answer'; answer: ResponsesAnswerSpec; delayMs?: number; chunkDelayMs?: number }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Streams: response.created, in_progress, then response.failed with this error. JSON: HTTP 500 with it. */
  | { kind: 'failed'; code?: string; message?: string }
  /** Streams: response.created, then an `error` event, then ends (as OpenAI does for a mid-stream error). */
  | { kind: 'error-event'; code?: string; message?: string }
  /** Streams the answer's first `afterEvents` events, then destroys the connection (no response.completed). */
  | { kind: 'cut'; answer: ResponsesAnswerSpec; afterEvents: number };

export interface FakeResponsesUpstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Decides how to answer each POST /responses; default: a message echoing the last user text. */
  scenario: (body: Record<string, unknown>, index: number) => ResponsesScenario;
  /** The POST /responses requests received, in order. */
  responsesRequests(): RecordedRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** The last user text in a Responses `input` (a string, or the last user message's text parts). */
export function lastUserText(body: Json): string {
  const input = body.input;
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as Json;
    if (item.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) {
      return (item.content as Json[]).filter((p) => p.type === 'input_text').map((p) => String(p.text)).join('');
    }
  }
  return '';
}

function usageOf(a: ResponsesAnswerSpec): Json {
  const u = a.usage ?? { input_tokens: 10, output_tokens: 20, reasoning_tokens: a.reasoning !== undefined ? 12 : 0 };
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_tokens ?? 0, cache_write_tokens: 0 },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0 },
    total_tokens: u.input_tokens + u.output_tokens,
  };
}

/** What stands for OpenAI's opaque `encrypted_content` of a reasoning item: recognisable, never decrypted. */
export const encryptedReasoning = (text: string): string => `enc_fake_${Buffer.from(text).toString('base64')}`;

/** True when the request asked for reasoning items' `encrypted_content` (`include: ["reasoning.encrypted_content"]`). */
const wantsEncrypted = (body: Json): boolean => Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content');

/**
 * The output items of an answer, complete, with stable ids (`rs_<n>_0`, `msg_<n>_1`, `fc_<n>_<i>`). A reasoning
 * item carries `encrypted_content` when `encrypted` (the request included `reasoning.encrypted_content`), as OpenAI's.
 */
export function outputItems(a: ResponsesAnswerSpec, n: number, encrypted = false): Json[] {
  const items: Json[] = [];
  if (a.reasoning !== undefined) {
    const item: Json = { id: `rs_${n}_0`, type: 'reasoning', summary: [{ type: 'summary_text', text: a.reasoning }] };
    if (encrypted) item.encrypted_content = encryptedReasoning(a.reasoning);
    items.push(item);
  }
  if (a.text !== undefined && (a.text !== '' || a.toolCalls === undefined)) {
    const status = a.status === 'incomplete' ? 'incomplete' : 'completed';
    items.push({ id: `msg_${n}_1`, type: 'message', role: 'assistant', status, content: [{ type: 'output_text', text: a.text, annotations: [], logprobs: [] }] });
  }
  (a.toolCalls ?? []).forEach((t, i) => {
    items.push({ id: `fc_${n}_${i + 2}`, type: 'function_call', status: 'completed', call_id: t.callId, name: t.name, arguments: t.arguments });
  });
  return items;
}

/** A response object as OpenAI sends it (`status` in_progress: no output, usage null). */
export function responseObject(body: Json, a: ResponsesAnswerSpec, n: number, status: string): Json {
  const done = status !== 'in_progress';
  const reasoning = (body.reasoning as Json | undefined) ?? {};
  return {
    id: `resp_fake_${n}`,
    object: 'response',
    created_at: 1_700_000_000 + n,
    status,
    background: false,
    completed_at: status === 'completed' ? 1_700_000_001 + n : null,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    model: a.model ?? body.model ?? 'fake-responses-model',
    output: done ? outputItems(a, n, wantsEncrypted(body)) : [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: 0,
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: done ? usageOf(a) : null,
    user: null,
    metadata: body.metadata ?? {},
  };
}

/** The events of one streamed answer, in OpenAI's order, numbered from 0. */
export function answerEvents(body: Json, a: ResponsesAnswerSpec, n: number): Json[] {
  const size = a.chunkSize ?? 4;
  const events: Json[] = [];
  const emit = (type: string, fields: Json): void => void events.push({ type, sequence_number: events.length, ...fields });
  emit('response.created', { response: responseObject(body, a, n, 'in_progress') });
  emit('response.in_progress', { response: responseObject(body, a, n, 'in_progress') });
  outputItems(a, n, wantsEncrypted(body)).forEach((item, output_index) => {
    const item_id = item.id as string;
    if (item.type === 'reasoning') {
      const text = a.reasoning ?? '';
      const part = { type: 'summary_text', text };
      emit('response.output_item.added', { output_index, item: { ...item, summary: [] } });
      emit('response.reasoning_summary_part.added', { item_id, output_index, summary_index: 0, part: { ...part, text: '' } });
      for (const delta of split(text, size)) emit('response.reasoning_summary_text.delta', { item_id, output_index, summary_index: 0, delta });
      emit('response.reasoning_summary_text.done', { item_id, output_index, summary_index: 0, text });
      emit('response.reasoning_summary_part.done', { item_id, output_index, summary_index: 0, part });
    } else if (item.type === 'message') {
      const text = a.text ?? '';
      const part = { type: 'output_text', text, annotations: [], logprobs: [] };
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      emit('response.content_part.added', { item_id, output_index, content_index: 0, part: { ...part, text: '' } });
      for (const delta of split(text, size)) emit('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] });
      emit('response.output_text.done', { item_id, output_index, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { item_id, output_index, content_index: 0, part });
    } else {
      const args = item.arguments as string;
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of split(args, size)) emit('response.function_call_arguments.delta', { item_id, output_index, delta });
      emit('response.function_call_arguments.done', { item_id, output_index, name: item.name, arguments: args });
    }
    emit('response.output_item.done', { output_index, item });
  });
  const status = a.status ?? 'completed';
  emit(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: responseObject(body, a, n, status) });
  return events;
}

/** Events of a stream that fails after it began: created, in_progress, response.failed. */
export function failedEvents(body: Json, n: number, code: string, message: string): Json[] {
  const started = responseObject(body, {}, n, 'in_progress');
  return [
    { type: 'response.created', sequence_number: 0, response: started },
    { type: 'response.in_progress', sequence_number: 1, response: started },
    { type: 'response.failed', sequence_number: 2, response: { ...started, status: 'failed', error: { code, message } } },
  ];
}

const frame = (ev: Json): string => `event: ${String(ev.type)}\ndata: ${JSON.stringify(ev)}\n\n`;

async function writeEvents(res: ServerResponse, events: Json[], chunkDelayMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  for (const ev of events) {
    if (res.destroyed) return;
    res.write(frame(ev));
    if (chunkDelayMs > 0) await sleep(chunkDelayMs);
  }
}

const errorBody = (status: number, message: string, code: string | null): Json => ({
  error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code },
});

/**
 * OpenAI keeps no items when `store` is false, so an input reasoning item can only be used through its
 * `encrypted_content`; one sent by id alone is answered 404 with this message (the API's own wording).
 */
export function unpersistedItem(body: Json): string | null {
  if (body.store !== false || !Array.isArray(body.input)) return null;
  for (const item of body.input as Json[]) {
    if (item.type === 'reasoning' && typeof item.id === 'string' && typeof item.encrypted_content !== 'string') {
      return `Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`;
    }
  }
  return null;
}

async function respond(s: ResponsesScenario, body: Json, n: number, res: ServerResponse): Promise<void> {
  const stream = body.stream === true;
  const missing = s.kind === 'answer' ? unpersistedItem(body) : null;
  if (missing !== null) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: missing, type: 'invalid_request_error', param: 'input', code: null } }));
    return;
  }
  switch (s.kind) {
    case 'hang':
      return;
    case 'status':
      res.writeHead(s.status, { 'content-type': 'application/json', ...s.headers });
      res.end(JSON.stringify(s.body ?? errorBody(s.status, `fake failure ${s.status}`, null)));
      return;
    case 'failed': {
      const code = s.code ?? 'server_error';
      const message = s.message ?? 'The model failed to generate a response.';
      if (!stream) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody(500, message, code)));
        return;
      }
      await writeEvents(res, failedEvents(body, n, code, message));
      res.end();
      return;
    }
    case 'error-event': {
      const started = responseObject(body, {}, n, 'in_progress');
      await writeEvents(res, [
        { type: 'response.created', sequence_number: 0, response: started },
        { type: 'error', sequence_number: 1, code: s.code ?? 'server_error', message: s.message ?? 'fake mid-stream error', param: null },
      ]);
      res.end();
      return;
    }
    case 'cut':
      await writeEvents(res, answerEvents(body, s.answer, n).slice(0, s.afterEvents));
      // Let what was written reach the client first: a cut after data, not instead of it.
      await sleep(50);
      res.destroy();
      return;
    case 'answer':
      if (s.delayMs) await sleep(s.delayMs);
      if (!stream) {
        const final = responseObject(body, s.answer, n, s.answer.status ?? 'completed');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(final));
        return;
      }
      await writeEvents(res, answerEvents(body, s.answer, n), s.chunkDelayMs);
      res.end();
  }
}

/** Starts the fake on 127.0.0.1, port 0; `url` ends in `/v1` like an OpenAI base URL. */
export async function startFakeResponsesUpstream(opts: { reasoning?: string } = {}): Promise<FakeResponsesUpstream> {
  const requests: RecordedRequest[] = [];
  let index = 0;
  const fake: FakeResponsesUpstream = {
    url: '',
    port: 0,
    requests,
    scenario: (body) => ({
      kind: 'answer',
      answer: { text: `echo: ${lastUserText(body)}`, ...(opts.reasoning !== undefined ? { reasoning: opts.reasoning } : {}) },
    }),
    responsesRequests: () => requests.filter((r) => r.method === 'POST' && r.url.endsWith('/responses')),
    close: () => closeFakeServer(server),
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    recordRequest(req, res, (record) => {
      requests.push(record);
      if (req.method === 'POST' && req.url?.endsWith('/responses')) {
        const body = (typeof record.body === 'object' && record.body !== null ? record.body : {}) as Json;
        const n = index++;
        respond(fake.scenario(body, n), body, n, res).catch(() => res.destroy());
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody(404, `fake responses upstream: no route ${req.method ?? ''} ${req.url ?? ''}`, null)));
    });
  });
  return Object.assign(fake, await listenFakeServer(server));
}

/**
 * Gateway config for the real-client tests: `tier` served by `fake` as an `api: responses` upstream (model
 * `native-model`), the other tier by startGateway's chat fake (which also turns event-loop shedding off: the client
 * library runs in the gateway's own process).
 */
export function clientTestConfig(fake: FakeResponsesUpstream, tier: 'reasoning' | 'direct'): ConfigInput {
  return {
    upstreams: { [tier]: { baseUrl: fake.url, model: 'native-model', api: 'responses', apiKey: 'sk-native' } },
  };
}
