import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/record.js';
import { codexHome, ensureCodex, runCodexExec, type CodexHome, type CodexInstall } from '../support/codex.js';
import type { RecordedRequest, Scenario } from '../support/fake-upstream.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { scriptAnswer, scriptNativeAnswer, scriptNativeToolRoundTrip, scriptToolRoundTrip } from '../support/responses-scripts.js';
import { clientTestConfig, startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/responses-upstream.js';

/**
 * Codex CLI (`codex exec`, the pinned version in test/support/codex.ts) against the gateway's POST /v1/responses,
 * bridged to a fake chat-only upstream (model thinkgate-reasoning) and forwarded to a fake native Responses
 * upstream (thinkgate-direct, `api: responses`, which refuses unpersisted reasoning items under store:false as
 * OpenAI does). Codex sends, on every request (see test/support/responses-codex-request-*.json):
 * stream:true, store:false, `include: ["reasoning.encrypted_content"]`, `client_metadata`, function tools plus a
 * `namespace` tool and a `web_search` tool; it takes items from response.output_item.done and ends a turn only on
 * response.completed. Its retries are off (codexHome), so any misframed stream fails the run.
 */

/** Whether a chat request is a first turn or carries a tool's result. */
const scriptedTurn = (body: Record<string, unknown>): 'first' | 'result' =>
  ((body.messages as { role: string }[] | undefined) ?? []).some((m) => m.role === 'tool') ? 'result' : 'first';

/** Codex's error lines (a failed turn prints `ERROR: …`), listed in full when an assertion fails. */
const codexErrors = (stderr: string): string[] => stderr.split('\n').filter((l) => /ERROR|stream disconnected|error sending request/i.test(l));

type JsonMessage = { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string };
const messagesOf = (r: RecordedRequest | undefined): JsonMessage[] => ((r?.body as { messages?: JsonMessage[] } | undefined)?.messages ?? []);
const toolNamesOf = (r: RecordedRequest | undefined): string[] =>
  (((r?.body as { tools?: { name?: string; function?: { name?: string } }[] } | undefined)?.tools ?? []).map((t) => t.function?.name ?? t.name ?? '?'));
type Item = { type?: string; role?: string; call_id?: string; name?: string; arguments?: string; output?: unknown; content?: unknown };
const inputOf = (r: RecordedRequest | undefined): Item[] => ((r?.body as { input?: Item[] } | undefined)?.input ?? []);

describe('Codex CLI through /v1/responses', () => {
  let install: CodexInstall = { ok: false, reason: 'not checked yet' };
  let gw: TestGateway;
  let native: FakeResponsesUpstream;
  const records: RequestRecord[] = [];
  let home: CodexHome | undefined;

  beforeAll(async () => {
    install = await ensureCodex();
    if (!install.ok) {
      console.warn(`Codex CLI tests skipped: ${install.reason}`);
      return;
    }
    native = await startFakeResponsesUpstream();
    gw = await startGateway(() => clientTestConfig(native, 'direct'));
    gw.app.thinkgate.observers.push((record) => void records.push(record));
  }, 900_000);

  afterEach(async () => {
    await home?.close();
    home = undefined;
  });
  afterAll(async () => {
    await gw?.close();
    await native?.close();
  });

  /** Runs `codex exec` with `prompt` against the gateway as `model`; returns its stdout and the requests/records it caused. */
  async function codexRun(model: string, prompt: string): Promise<{ stdout: string; chat: RecordedRequest[]; native: RecordedRequest[]; records: RequestRecord[] }> {
    if (!install.ok) throw new Error(install.reason);
    const before = { chat: gw.reasoning.chatRequests().length, native: native.responsesRequests().length, records: records.length };
    home = await codexHome(`${gw.url}/v1`, model);
    const res = await runCodexExec(install.bin, home, prompt);
    expect(codexErrors(res.stderr)).toEqual([]);
    expect(res.code).toBe(0);
    return {
      stdout: res.stdout,
      chat: gw.reasoning.chatRequests().slice(before.chat),
      native: native.responsesRequests().slice(before.native),
      records: records.slice(before.records),
    };
  }

  const completed = (n: number, route: string): unknown[] => Array.from({ length: n }, () => ({ status: 200, outcome: 'completed', stream: true, api: 'responses', route }));
  const summary = (rs: RequestRecord[]): unknown[] => rs.map((r) => ({ status: r.status, outcome: r.outcome, stream: r.stream, api: r.api, route: r.route }));

  it('completes a plain task over a chat upstream', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const answer = `Plain answer ${randomUUID().slice(0, 8)}.`;
    scriptAnswer([gw.reasoning], answer, 'The user wants a greeting.');
    const run = await codexRun('thinkgate-reasoning', 'Say hello to the tests.');
    expect(run.stdout).toContain(answer);
    // One turn, one upstream call: the task arrived as a user message, and Codex's function tools reached the chat
    // upstream (its namespace and web_search tools must not break the turn).
    expect(run.chat).toHaveLength(1);
    expect(messagesOf(run.chat[0]).some((m) => m.role === 'user' && JSON.stringify(m.content).includes('Say hello to the tests.'))).toBe(true);
    expect(toolNamesOf(run.chat[0])).toContain('exec_command');
    expect(summary(run.records)).toEqual(completed(1, 'reasoning'));
  });

  it('runs an exec_command round trip over a chat upstream', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const marker = `codex-tool-${randomUUID().slice(0, 8)}`;
    scriptToolRoundTrip([gw.reasoning], {
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: `echo ${marker}` }),
      callId: 'call_codex_1',
      final: (output) => (output.includes(marker) ? `The command printed ${marker}.` : `The tool output lacked the marker: ${output}`),
      reasoning: 'Run the command, then report.',
    });
    const run = await codexRun('thinkgate-reasoning', 'Run the echo command and tell me what it printed.');
    expect(run.stdout).toContain(`The command printed ${marker}.`);
    expect(run.chat).toHaveLength(2);
    // The second turn carries the whole history (store:false, no previous_response_id): the assistant's call
    // and the tool's result, mapped from function_call / function_call_output items to chat messages.
    const second = messagesOf(run.chat[1]);
    const call = second.find((m) => m.role === 'assistant' && m.tool_calls?.some((t) => t.id === 'call_codex_1'));
    expect(call?.tool_calls?.[0]?.function).toMatchObject({ name: 'exec_command', arguments: JSON.stringify({ cmd: `echo ${marker}` }) });
    const result = second.find((m) => m.role === 'tool' && m.tool_call_id === 'call_codex_1');
    expect(JSON.stringify(result?.content)).toContain(marker);
    expect(summary(run.records)).toEqual(completed(2, 'reasoning'));
  });

  it('completes a plain task over a native Responses upstream (forwarded with store:false)', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const answer = `Native answer ${randomUUID().slice(0, 8)}.`;
    scriptNativeAnswer(native, answer, 'A greeting is wanted.');
    const run = await codexRun('thinkgate-direct', 'Say hello natively.');
    expect(run.stdout).toContain(answer);
    expect(run.native).toHaveLength(1);
    expect(run.native[0]?.body).toMatchObject({ model: 'native-model', store: false, stream: true });
    expect(inputOf(run.native[0]).some((i) => i.role === 'user' && JSON.stringify(i.content).includes('Say hello natively.'))).toBe(true);
    expect(toolNamesOf(run.native[0])).toContain('exec_command');
    expect(summary(run.records)).toEqual(completed(1, 'direct'));
  });

  it('runs an exec_command round trip over a native Responses upstream, reasoning carried across turns', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const marker = `codex-native-${randomUUID().slice(0, 8)}`;
    scriptNativeToolRoundTrip(native, {
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: `echo ${marker}` }),
      callId: 'call_codex_native',
      final: (output) => (output.includes(marker) ? `Natively printed ${marker}.` : `The tool output lacked the marker: ${output}`),
      reasoning: 'Run it, then report.',
    });
    const run = await codexRun('thinkgate-direct', 'Run the echo command and report.');
    expect(run.stdout).toContain(`Natively printed ${marker}.`);
    // Turn two reached the native upstream with the call and its output as Responses items (and any reasoning item
    // usable under store:false: the fake refuses it otherwise, as OpenAI does).
    expect(run.native).toHaveLength(2);
    const second = inputOf(run.native[1]);
    expect(second.find((i) => i.type === 'function_call')).toMatchObject({ call_id: 'call_codex_native', name: 'exec_command' });
    expect(JSON.stringify(second.find((i) => i.type === 'function_call_output' && i.call_id === 'call_codex_native')?.output)).toContain(marker);
    expect(summary(run.records)).toEqual(completed(2, 'direct'));
  });

  it('finishes a session whose second turn falls back from the chat tier to the native one', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const marker = `codex-fallback-${randomUUID().slice(0, 8)}`;
    const trip = {
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: `echo ${marker}` }),
      callId: 'call_codex_fallback',
      final: (output: string) => (output.includes(marker) ? `After fallback: ${marker}.` : `The tool output lacked the marker: ${output}`),
      reasoning: 'Run it first.',
    };
    // Turn one: the chat tier asks for the tool (its reasoning item has no encrypted_content: a chat upstream has
    // none). Turn two: the chat tier fails, the gateway falls back to the native tier with Codex's history, which
    // must not carry that reasoning item by id under store:false (OpenAI, like the fake, would answer 404).
    scriptToolRoundTrip([gw.reasoning], trip);
    const scripted = gw.reasoning.scenario;
    gw.reasoning.scenario = (body, i) => (scriptedTurn(body) === 'result' ? { kind: 'status', status: 500 } : scripted(body, i));
    scriptNativeToolRoundTrip(native, trip);
    const run = await codexRun('thinkgate-reasoning', 'Run the echo command and report.');
    expect(run.stdout).toContain(`After fallback: ${marker}.`);
    expect(run.native).toHaveLength(1);
    expect(run.records.map((r) => [r.status, r.route, r.fallback])).toEqual([
      [200, 'reasoning', false],
      [200, 'direct', true],
    ]);
  });

  it('reports failures in a form Codex understands: an upstream 400 by its code, a cut stream by response.failed', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const bin = install.bin;
    const failWith = async (scenario: Scenario): Promise<string[]> => {
      for (const fake of [gw.reasoning, gw.direct]) fake.scenario = () => scenario;
      await home?.close();
      home = await codexHome(`${gw.url}/v1`, 'thinkgate-reasoning');
      const res = await runCodexExec(bin, home, 'This will fail.');
      expect(res.code).not.toBe(0);
      return codexErrors(res.stderr);
    };
    // OpenAI's code for an over-long prompt, passed through: Codex tells the user its context window is full.
    const tooLong = { error: { message: 'This model maximum context length is 8192 tokens.', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } };
    expect((await failWith({ kind: 'status', status: 400, body: tooLong })).join('\n')).toMatch(/context window/);
    // A stream that breaks after it began ends in response.failed, whose message Codex shows.
    const partial = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'par' }, finish_reason: null }] });
    expect((await failWith({ kind: 'sse', events: [partial], cut: true })).join('\n')).toMatch(/stream disconnected before completion: .*upstream/);
  });
});

