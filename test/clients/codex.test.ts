import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/record.js';
import { codexHome, ensureCodex, runCodexExec, type CodexHome, type CodexInstall } from '../support/codex.js';
import type { RecordedRequest } from '../support/fake-upstream.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { scriptAnswer, scriptToolRoundTrip } from '../support/responses-scripts.js';

/**
 * Codex CLI (`codex exec`, the pinned version in test/support/codex.ts) against the gateway's POST /v1/responses,
 * bridged to the fake chat-only upstreams. Codex sends, on every request (see test/support/responses-codex-request-*.json):
 * stream:true, store:false, `include: ["reasoning.encrypted_content"]`, `client_metadata`, function tools plus a
 * `namespace` tool and a `web_search` tool; it takes items from response.output_item.done and ends a turn only on
 * response.completed. Its retries are off (codexHome), so any misframed stream fails the run.
 */

const MODEL = 'thinkgate-reasoning';

/** Codex's error lines (a failed turn prints `ERROR: …`), listed in full when an assertion fails. */
const codexErrors = (stderr: string): string[] => stderr.split('\n').filter((l) => /ERROR|stream disconnected|error sending request/i.test(l));

type JsonMessage = { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string };
const messagesOf = (r: RecordedRequest | undefined): JsonMessage[] => ((r?.body as { messages?: JsonMessage[] } | undefined)?.messages ?? []);
const toolNamesOf = (r: RecordedRequest | undefined): string[] =>
  (((r?.body as { tools?: { function?: { name?: string } }[] } | undefined)?.tools ?? []).map((t) => t.function?.name ?? '?'));

describe('Codex CLI through /v1/responses', () => {
  let install: CodexInstall = { ok: false, reason: 'not checked yet' };
  let gw: TestGateway;
  const records: RequestRecord[] = [];
  let home: CodexHome | undefined;

  beforeAll(async () => {
    install = await ensureCodex();
    if (!install.ok) {
      console.warn(`Codex CLI tests skipped: ${install.reason}`);
      return;
    }
    gw = await startGateway();
    gw.app.thinkgate.observers.push((record) => void records.push(record));
  }, 900_000);

  afterEach(async () => {
    await home?.close();
    home = undefined;
  });
  afterAll(async () => {
    await gw?.close();
  });

  const upstreamRequests = (): RecordedRequest[] => [...gw.reasoning.chatRequests(), ...gw.direct.chatRequests()];

  it('completes a plain task', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const answer = `Plain answer ${randomUUID().slice(0, 8)}.`;
    scriptAnswer([gw.reasoning, gw.direct], answer, 'The user wants a greeting.');
    const before = { upstream: upstreamRequests().length, records: records.length };
    home = await codexHome(`${gw.url}/v1`, MODEL);

    const res = await runCodexExec(install.bin, home, 'Say hello to the tests.');

    expect(codexErrors(res.stderr)).toEqual([]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(answer);
    // One turn, one upstream call, through the Responses adapter: the task arrived as a user message, and
    // Codex's function tools reached the chat upstream (its web_search tool cannot, and must not break the turn).
    const sent = upstreamRequests().slice(before.upstream);
    expect(sent).toHaveLength(1);
    expect(messagesOf(sent[0]).some((m) => m.role === 'user' && JSON.stringify(m.content).includes('Say hello to the tests.'))).toBe(true);
    expect(toolNamesOf(sent[0])).toContain('exec_command');
    const mine = records.slice(before.records);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 200, outcome: 'completed', stream: true, api: 'responses' });
  });

  it('runs a tool call round trip: exec_command, then the final answer quoting its output', { timeout: 120_000 }, async (ctx) => {
    if (!install.ok) return ctx.skip(install.reason);
    const marker = `codex-tool-${randomUUID().slice(0, 8)}`;
    scriptToolRoundTrip([gw.reasoning, gw.direct], {
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: `echo ${marker}` }),
      callId: 'call_codex_1',
      final: (output) => (output.includes(marker) ? `The command printed ${marker}.` : `The tool output lacked the marker: ${output}`),
      reasoning: 'Run the command, then report.',
    });
    const before = { upstream: upstreamRequests().length, records: records.length };
    home = await codexHome(`${gw.url}/v1`, MODEL);

    const res = await runCodexExec(install.bin, home, 'Run the echo command and tell me what it printed.');

    expect(codexErrors(res.stderr)).toEqual([]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`The command printed ${marker}.`);
    const sent = upstreamRequests().slice(before.upstream);
    expect(sent).toHaveLength(2);
    // The second turn carries the whole history (store:false, no previous_response_id): the assistant's call
    // and the tool's result, mapped from function_call / function_call_output items to chat messages.
    const second = messagesOf(sent[1]);
    const call = second.find((m) => m.role === 'assistant' && m.tool_calls?.some((t) => t.id === 'call_codex_1'));
    expect(call?.tool_calls?.[0]?.function).toMatchObject({ name: 'exec_command', arguments: JSON.stringify({ cmd: `echo ${marker}` }) });
    const result = second.find((m) => m.role === 'tool' && m.tool_call_id === 'call_codex_1');
    expect(JSON.stringify(result?.content)).toContain(marker);
    const mine = records.slice(before.records);
    expect(mine.map((r) => [r.status, r.outcome])).toEqual([
      [200, 'completed'],
      [200, 'completed'],
    ]);
    expect(mine.every((r) => r.api === 'responses')).toBe(true);
  });
});
