import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The `openai` package's own directory: its ES modules run in the browser as published. */
const SDK_DIR = dirname(createRequire(import.meta.url).resolve('openai'));

/**
 * The page's script (plain browser JavaScript): the SDK as published, one chat completion read with its headers, and
 * one Responses stream.
 */
const PAGE_SCRIPT = `
import { OpenAI } from '/openai/client.mjs';
window.runSdk = async (baseURL) => {
  const client = new OpenAI({ baseURL, apiKey: 'sk-browser', dangerouslyAllowBrowser: true, maxRetries: 0 });
  const chat = await client.chat.completions
    .create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'hi from a page' }] })
    .withResponse();
  const final = await client.responses.stream({ model: 'thinkgate-direct', input: 'hi again' }).finalResponse();
  return { content: chat.data.choices[0].message.content, route: chat.response.headers.get('x-thinkgate-route'), text: final.output_text };
};
`;

/**
 * A page origin: `/` is a page that loads the SDK, `/openai/*` the SDK's files. Its origin is the one the gateway's
 * `cors.origins` allows, so what the browser sends to the gateway is a real cross-origin request with its preflight.
 */
async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>app</title><script type="module">${PAGE_SCRIPT}</script>`);
      return;
    }
    const file = normalize(join(SDK_DIR, path.replace(/^\/openai\//, '')));
    if (!path.startsWith('/openai/') || !file.startsWith(SDK_DIR)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { server, origin: `http://127.0.0.1:${port}` };
}

/**
 * The official SDK in headless Chromium (`dangerouslyAllowBrowser`), from an origin `cors.origins` lists: the
 * browser's preflight names every header the SDK sends (its `x-stainless-*` platform headers among them), and the
 * gateway must allow them all, or the browser never sends the request.
 */
describe('the openai SDK in a browser, through CORS', () => {
  let gw: TestGateway;
  let page: { server: Server; origin: string };
  let browser: Browser;
  beforeAll(async () => {
    page = await startPageServer();
    gw = await startGateway(() => ({ cors: { origins: [page.origin] } }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await new Promise((resolve) => page?.server.close(resolve));
  });

  it('chat completions and a Responses stream work from the page, and the page reads the x-thinkgate-* headers', async () => {
    const tab = await browser.newPage();
    try {
      await tab.goto(`${page.origin}/`);
      await tab.waitForFunction('typeof window.runSdk === "function"');
      const result: unknown = await tab.evaluate(`runSdk(${JSON.stringify(`${gw.url}/v1`)})`);
      expect(result).toEqual({ content: 'echo: hi from a page', route: 'direct', text: 'echo: hi again' });
    } finally {
      await tab.close();
    }
  });
});
