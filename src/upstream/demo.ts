import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { upstreamSchema, type UpstreamConfig } from '../config/schema.js';
import { demoChoices } from './demo-answers.js';
import { SSE_DONE, sseData } from './sse.js';

/**
 * The embedded demo upstreams: two simulated OpenAI-compatible servers on loopback, so that a fresh
 * `npm start` answers without any provider. The "reasoning" one thinks aloud (reasoning_content), uses more
 * tokens and is slower; the "direct" one answers at once. Answers say plainly that they are simulated; they honour
 * `tools`, `n` and `response_format` (./demo-answers.ts), so tool-calling and JSON apps see real shapes.
 */

interface DemoProfile {
  model: string;
  reasoning: boolean;
  /** Delay between stream chunks, to feel like the real thing. */
  chunkDelayMs: number;
}

const PROFILES: Record<'reasoning' | 'direct', DemoProfile> = {
  reasoning: { model: 'demo-reasoner', reasoning: true, chunkDelayMs: 15 },
  direct: { model: 'demo-chat', reasoning: false, chunkDelayMs: 5 },
};

const approxTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

/** Pieces of a tool call's arguments as a stream sends them (a few characters each). */
function pieces(text: string, size = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function handleChat(profile: DemoProfile, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const id = `chatcmpl-demo-${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const choices = demoChoices(profile, body, id.slice(-6));
  const promptTokens = approxTokens(JSON.stringify(body.messages ?? ''));
  const reasoningTokens = choices.reduce((sum, c) => sum + (c.reasoning === '' ? 0 : approxTokens(c.reasoning)), 0);
  const answerTokens = choices.reduce((sum, c) => sum + approxTokens((c.content ?? '') + c.toolCalls.map((t) => t.function.name + t.function.arguments).join('')), 0);
  const completionTokens = answerTokens + reasoningTokens;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens_details: { reasoning_tokens: reasoningTokens },
  };
  if (body.stream !== true) {
    await sleep(profile.chunkDelayMs * 10);
    const out = choices.map((c, index) => {
      const message: Record<string, unknown> = { role: 'assistant', content: c.content };
      if (c.reasoning !== '') message.reasoning_content = c.reasoning;
      if (c.toolCalls.length > 0) message.tool_calls = c.toolCalls;
      return { index, message, finish_reason: c.finishReason, logprobs: null };
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, object: 'chat.completion', created, model: profile.model, choices: out, usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (index: number, delta: Record<string, unknown>, finish: string | null = null): string =>
    sseData(JSON.stringify({ id, object: 'chat.completion.chunk', created, model: profile.model, choices: [{ index, delta, finish_reason: finish, logprobs: null }] }));
  // Choices one after the other: every chunk names its choice `index`, as the spec allows.
  for (const [index, c] of choices.entries()) {
    res.write(chunk(index, { role: 'assistant', content: c.toolCalls.length > 0 ? null : '' }));
    for (const w of words(c.reasoning)) {
      if (res.destroyed) return;
      await sleep(profile.chunkDelayMs);
      res.write(chunk(index, { reasoning_content: w }));
    }
    for (const w of words(c.content ?? '')) {
      if (res.destroyed) return;
      await sleep(profile.chunkDelayMs);
      res.write(chunk(index, { content: w }));
    }
    for (const [k, call] of c.toolCalls.entries()) {
      res.write(chunk(index, { tool_calls: [{ index: k, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
      for (const piece of pieces(call.function.arguments)) {
        if (res.destroyed) return;
        await sleep(profile.chunkDelayMs);
        res.write(chunk(index, { tool_calls: [{ index: k, function: { arguments: piece } }] }));
      }
    }
    res.write(chunk(index, {}, c.finishReason));
  }
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage === true) {
    res.write(sseData(JSON.stringify({ id, object: 'chat.completion.chunk', created, model: profile.model, choices: [], usage })));
  }
  res.end(SSE_DONE);
}

function route(profile: DemoProfile) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: profile.model, object: 'model', created: 0, owned_by: 'thinkgate-demo' }] }));
        return;
      }
      if (req.method === 'POST' && url === '/v1/chat/completions') {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error', param: null, code: null } }));
          return;
        }
        handleChat(profile, body, res).catch(() => res.destroy());
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `demo upstream does not serve ${req.method} ${url}`, type: 'not_found_error', param: null, code: null } }));
    });
  };
}

export interface DemoUpstreams {
  reasoning: UpstreamConfig;
  direct: UpstreamConfig;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Parsed through the schema so every default (timeouts, retry, breaker…) applies to the demo upstreams too. */
const demoUpstreamConfig = (port: number, model: string): UpstreamConfig =>
  upstreamSchema.parse({ baseUrl: `http://127.0.0.1:${port}/v1`, model, connections: 64 });

export async function startDemoUpstreams(): Promise<DemoUpstreams> {
  const servers = { reasoning: createServer(route(PROFILES.reasoning)), direct: createServer(route(PROFILES.direct)) };
  const [rPort, dPort] = await Promise.all([listen(servers.reasoning), listen(servers.direct)]);
  return {
    reasoning: demoUpstreamConfig(rPort, PROFILES.reasoning.model),
    direct: demoUpstreamConfig(dPort, PROFILES.direct.model),
    async close() {
      await Promise.all(
        Object.values(servers).map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })),
      );
    },
  };
}
