import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible upstream on loopback (port 0) for tests: records every request, answers chat
 * completions as JSON or SSE in the reasoning dialects (`reasoning_content`, `reasoning`, `<think>` tags),
 * and can misbehave on demand (status codes, hangs, cut streams, malformed bodies, slow chunks).
 */

export type ReasoningDialect = 'reasoning_content' | 'reasoning' | 'think' | 'none';

export interface AnswerSpec {
  content: string;
  reasoning?: string;
  dialect?: ReasoningDialect;
  toolCalls?: { id: string; name: string; arguments: string }[];
  refusal?: string;
  finishReason?: string;
  model?: string;
  usage?: { prompt_tokens: number; completion_tokens: number; reasoning_tokens?: number };
  /** Characters per streamed content/reasoning delta (default 4): small, so tags and words split across chunks. */
  chunkSize?: number;
}

export type Scenario =
  | { kind: 'answer'; answer: AnswerSpec; delayMs?: number; chunkDelayMs?: number }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'raw'; status: number; contentType: string; text: string }
  /** Accepts the request and never answers (until the connection closes). */
  | { kind: 'hang' }
  /** Answers as one server dialect does: `json` for non-stream requests, `sse` (the exact bytes, in these writes) for streams. */
  | { kind: 'dialect'; json: unknown; sse: string[]; cut?: boolean; beforeHeaders?: boolean }
  /**
   * Streams these SSE `data:` payloads as given, then ends (or cuts the connection). `holdOpen`: never ends the
   * response after them (a relay that keeps it open past `[DONE]`), writing an SSE comment every `pingMs` if given.
   */
  | { kind: 'sse'; events: string[]; chunkDelayMs?: number; cut?: boolean; raw?: boolean; holdOpen?: { pingMs?: number } };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
  /** Resolves when the client closed the connection before the response ended. */
  aborted: Promise<void>;
  wasAborted: boolean;
  /** The fake finished writing its response. */
  finished: boolean;
}

export interface FakeUpstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Decides how to answer each chat request; default: an answer echoing the last user message. */
  scenario: (body: Record<string, unknown>, index: number) => Scenario;
  chatRequests(): RecordedRequest[];
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `text` cut into pieces of `size` characters: the deltas a fake streams. Shared by the fake upstreams. */
export function split(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function lastUserContent(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
}

function usageOf(a: AnswerSpec): Record<string, unknown> {
  const u = a.usage ?? { prompt_tokens: 10, completion_tokens: 20, reasoning_tokens: a.reasoning ? 12 : 0 };
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0 },
  };
}

/** The message an upstream speaking `dialect` would send. */
export function completionBody(a: AnswerSpec, model: string): Record<string, unknown> {
  const dialect = a.dialect ?? 'reasoning_content';
  const message: Record<string, unknown> = { role: 'assistant', content: a.content };
  if (a.reasoning !== undefined) {
    if (dialect === 'think') message.content = `<think>\n${a.reasoning}\n</think>\n\n${a.content}`;
    else if (dialect !== 'none') message[dialect] = a.reasoning;
  }
  if (a.toolCalls) {
    message.tool_calls = a.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
    if (a.content === '') message.content = null;
  }
  if (a.refusal !== undefined) message.refusal = a.refusal;
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: a.model ?? model,
    choices: [{ index: 0, message, finish_reason: a.finishReason ?? (a.toolCalls ? 'tool_calls' : 'stop'), logprobs: null }],
    usage: usageOf(a),
  };
}

/** The SSE `data:` payloads an upstream speaking `dialect` would stream. */
export function streamEvents(a: AnswerSpec, model: string, includeUsage: boolean): string[] {
  const dialect = a.dialect ?? 'reasoning_content';
  const size = a.chunkSize ?? 4;
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model: a.model ?? model };
  const ev = (delta: Record<string, unknown>, finish: string | null = null): string =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const events = [ev({ role: 'assistant', content: '' })];
  if (a.reasoning !== undefined) {
    if (dialect === 'think') {
      for (const piece of split(`<think>\n${a.reasoning}\n</think>\n\n`, size)) events.push(ev({ content: piece }));
    } else if (dialect !== 'none') {
      for (const piece of split(a.reasoning, size)) events.push(ev({ [dialect]: piece }));
    }
  }
  for (const piece of split(a.content, size)) events.push(ev({ content: piece }));
  if (a.toolCalls) {
    a.toolCalls.forEach((t, index) => {
      events.push(ev({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] }));
      for (const piece of split(t.arguments, size)) events.push(ev({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
  }
  if (a.refusal !== undefined) events.push(ev({ refusal: a.refusal }));
  events.push(ev({}, a.finishReason ?? (a.toolCalls ? 'tool_calls' : 'stop')));
  if (includeUsage) events.push(JSON.stringify({ ...base, choices: [], usage: usageOf(a) }));
  events.push('[DONE]');
  return events;
}

async function respond(scenario: Scenario, body: Record<string, unknown>, res: ServerResponse, model: string): Promise<void> {
  switch (scenario.kind) {
    case 'status':
      if (scenario.delayMs) await sleep(scenario.delayMs);
      res.writeHead(scenario.status, { 'content-type': 'application/json', ...scenario.headers });
      res.end(JSON.stringify(scenario.body ?? { error: { message: `fake failure ${scenario.status}`, type: 'server_error', param: null, code: null } }));
      return;
    case 'raw':
      res.writeHead(scenario.status, { 'content-type': scenario.contentType });
      res.end(scenario.text);
      return;
    case 'hang':
      return;
    case 'dialect': {
      if (scenario.beforeHeaders) {
        // The request was read; the connection closes before a status line.
        res.destroy();
        return;
      }
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const text = JSON.stringify(scenario.json);
        if (!scenario.cut) {
          res.end(text);
          return;
        }
        // Headers and half the answer, then a reset: the upstream was answering when it went away.
        res.write(text.slice(0, text.length >> 1));
        await sleep(50);
        res.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const write of scenario.sse) {
        if (res.destroyed) return;
        res.write(write);
        // Separate writes reach the gateway as separate reads: frames split where the dialect splits them.
        await sleep(1);
      }
      if (scenario.cut) {
        await sleep(50);
        res.destroy();
      } else res.end();
      return;
    }
    case 'sse': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of scenario.events) {
        if (res.destroyed) return;
        res.write(scenario.raw ? e : `data: ${e}\n\n`);
        if (scenario.chunkDelayMs) await sleep(scenario.chunkDelayMs);
      }
      if (scenario.holdOpen !== undefined) {
        const pingMs = scenario.holdOpen.pingMs;
        if (pingMs !== undefined) {
          const ping = setInterval(() => res.write(': ping\n\n'), pingMs);
          res.once('close', () => clearInterval(ping));
        }
        return;
      }
      if (scenario.cut) {
        // Let what was written reach the client first: a cut after data, not instead of it.
        await sleep(50);
        res.destroy();
      } else res.end();
      return;
    }
    case 'answer': {
      if (scenario.delayMs) await sleep(scenario.delayMs);
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completionBody(scenario.answer, model)));
        return;
      }
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of streamEvents(scenario.answer, model, includeUsage)) {
        if (res.destroyed) return;
        res.write(`data: ${e}\n\n`);
        if (scenario.chunkDelayMs) await sleep(scenario.chunkDelayMs);
      }
      res.end();
    }
  }
}

/**
 * Reads one request into a `RecordedRequest` (body parsed as JSON when it is JSON, `aborted` settled when the
 * client leaves before the response ends) and hands it to `then` once the body is in. Shared by the fake upstreams.
 */
export function recordRequest(req: IncomingMessage, res: ServerResponse, then: (record: RecordedRequest) => void): void {
  const chunks: Buffer[] = [];
  let resolveAborted: () => void = () => {};
  const record: RecordedRequest = {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    body: undefined,
    rawBody: '',
    aborted: new Promise<void>((r) => (resolveAborted = r)),
    wasAborted: false,
    finished: false,
  };
  res.on('finish', () => (record.finished = true));
  res.on('close', () => {
    if (!res.writableFinished) {
      record.wasAborted = true;
      resolveAborted();
    }
  });
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    record.rawBody = Buffer.concat(chunks).toString('utf8');
    try {
      record.body = record.rawBody === '' ? undefined : JSON.parse(record.rawBody);
    } catch {
      record.body = record.rawBody;
    }
    then(record);
  });
}

/**
 * Starts a fake's server on 127.0.0.1, port 0 (the system picks a free port); `url` ends in `/v1` like an OpenAI
 * base URL. Shared by the fake upstreams.
 */
export async function listenFakeServer(server: Server): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}/v1` };
}

/** Stops a fake's server, dropping open connections first (a hung or streaming answer would hold `close` forever). */
export async function closeFakeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

export async function startFakeUpstream(opts: { model?: string; dialect?: ReasoningDialect; reasoning?: string } = {}): Promise<FakeUpstream> {
  const model = opts.model ?? 'fake-model';
  const requests: RecordedRequest[] = [];
  let chatIndex = 0;
  const fake: FakeUpstream = {
    url: '',
    port: 0,
    requests,
    scenario: (body) => ({
      kind: 'answer',
      answer: { content: `echo: ${lastUserContent(body)}`, ...(opts.reasoning !== undefined ? { reasoning: opts.reasoning } : {}), dialect: opts.dialect ?? 'reasoning_content' },
    }),
    chatRequests: () => requests.filter((r) => r.url.endsWith('/chat/completions')),
    close: () => closeFakeServer(server),
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    recordRequest(req, res, (record) => {
      requests.push(record);
      if (req.method === 'POST' && req.url?.endsWith('/chat/completions')) {
        const body = (record.body ?? {}) as Record<string, unknown>;
        respond(fake.scenario(body, chatIndex++), body, res, model).catch(() => res.destroy());
        return;
      }
      if (req.method === 'GET' && req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created: 0, owned_by: 'fake' }] }));
        return;
      }
      // Any other path: echo what arrived, so pass-through tests can check method, path, headers and body.
      res.writeHead(200, { 'content-type': 'application/json', 'x-fake-upstream': 'yes' });
      res.end(JSON.stringify({ echoed: { method: req.method, url: req.url, body: record.body, authorization: req.headers.authorization ?? null } }));
    });
  });
  return Object.assign(fake, await listenFakeServer(server));
}
