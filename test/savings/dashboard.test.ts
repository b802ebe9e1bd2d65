import { mkdir } from 'node:fs/promises';
import type { Series } from '../../src/savings/series.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The dashboard in headless Chromium: a scripted series of requests, then the totals as the page shows them.
 * Prices: fake-chat 1 in / 2 out, fake-reasoner 4 in / 8 out ($/M); every answer reports 10 prompt + 20 completion
 * tokens (12 of them reasoning on the reasoning fake). The screenshot goes to test-output/dashboard.png.
 */
describe('GET /dashboard in headless Chromium', () => {
  let gw: TestGateway;
  let browser: Browser;
  beforeAll(async () => {
    gw = await startGateway(() => ({
      pricing: { 'fake-chat': { input: 1, output: 2 }, 'fake-reasoner': { input: 4, output: 8 } },
      savings: { minSamples: 2 },
    }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    // Chromium's first start on a busy 2-core machine can take longer than the default hook time.
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('sends a browser at the root to the page, and tells an API client where the endpoints are', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/`);
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.close();
    const res = await fetch(`${gw.url}/`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; endpoints: Record<string, string> };
    expect(body.object).toBe('thinkgate');
    // Every path it lists is served (a GET or, for the POST endpoints, not a 404).
    for (const path of Object.values(body.endpoints)) {
      const r = await fetch(`${gw.url}${path}`);
      await r.arrayBuffer();
      expect(r.status, path).not.toBe(404);
    }
  });

  it('serves a self-contained page under a strict CSP, with uPlot from this gateway', async () => {
    const res = await fetch(`${gw.url}/dashboard`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    // Every body is read: an unread one leaves its request running in undici's pool until garbage collection
    // cancels it, and undici then opens a new connection for it that never carries a request.
    const uplot = await fetch(`${gw.url}/dashboard/uplot.js`);
    expect(uplot.headers.get('content-type')).toContain('javascript');
    expect(await uplot.text()).toContain('uPlot');
    expect((await (await fetch(`${gw.url}/dashboard/uplot.css`)).text()).length).toBeGreaterThan(500);
  });

  it('shows the totals of a scripted series of requests', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(gw.url)) offsite.push(r.url());
    });
    await page.goto(`${gw.url}/dashboard?interval=250`);
    await page.waitForSelector('#status.ok');

    const ask = (model: string, content: string, stream = false) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content }] }),
      }).then((r) => r.text());
    // 3 reasoning (teach the factor: 20 / 8 = 2.5 after 2 samples), then 6 direct, 1 failure.
    for (const q of ['prove the lemma', 'plan the schedule', 'find the bug']) {
      await ask('thinkgate-reasoning', q);
      await new Promise((r) => setTimeout(r, 150));
    }
    for (const q of ['hi', 'translate hello', 'capital of France?', 'thanks!', 'summarise this', 'good morning']) {
      await ask('thinkgate-direct', q, q.length % 2 === 0);
      await new Promise((r) => setTimeout(r, 150));
    }
    gw.direct.scenario = () => ({ kind: 'status', status: 503 });
    await ask('thinkgate-direct', 'this one fails');
    // Locators, not page functions: the page's CSP forbids evaluating strings, and the tsconfig has no DOM types.
    await expect.poll(() => page.locator('#kpi-requests').textContent(), { timeout: 10_000 }).toBe('10');

    const value = (id: string): Promise<number> => page.locator(`#${id}`).getAttribute('data-value').then(Number);
    // Spend: 3 × (10×4 + 20×8) + 6 × (10×1 + 20×2) = 600 + 300 = 900 $/M·tok → $0.0009.
    expect(await value('kpi-cost')).toBe(0.0009);
    // Always-reasoning per direct answer: 10×4 + (20 × 2.5)×8 = 440 → saved 390 each; 6 × 390 = 2340 → $0.00234.
    expect(await value('kpi-saved')).toBe(0.00234);
    expect(await value('kpi-always')).toBe(0.00324);
    // Tokens saved per direct answer: 20 × 1.5 = 30 → 180.
    expect(await value('kpi-tokens-saved')).toBe(180);
    expect(await value('route-reasoning')).toBe(3);
    expect(await value('route-direct')).toBe(7);
    expect(await value('route-errors')).toBe(1);
    expect(await page.locator('[data-testid="recent-row"]').count()).toBe(10);
    expect(await page.locator('#recent tr').first().textContent()).toContain('503');
    expect(await page.locator('#expansion').textContent()).toContain('2.50 learned');
    expect(await page.locator('#chart-cost canvas').count()).toBe(1);

    await expect.poll(async () => Number(await page.locator('body').getAttribute('data-polls')), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await mkdir('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/dashboard.png', fullPage: true });
    expect(errors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
  });
});

/**
 * A known history on a clock the test moves (three days ago, yesterday, the last 30 minutes), then the page in
 * Chromium: the charts come from the ledger's buckets, not from what the page saw since it opened. The screenshot
 * (test-output/dashboard-history.png) is what docs/dashboard.png shows.
 */
describe('the dashboard draws the ledger\'s history', () => {
  const MIN = 60_000;
  const DAY = 86_400_000;
  let gw: TestGateway;
  let browser: Browser;
  let fixed: number | null = null;
  const start = Date.now();

  beforeAll(async () => {
    gw = await startGateway(
      () => ({ pricing: { 'fake-chat': { input: 1, output: 2 }, 'fake-reasoner': { input: 4, output: 8 } }, savings: { minSamples: 2 } }),
      { clock: () => fixed ?? Date.now() },
    );
    const ask = async (model: string, content: string): Promise<void> => {
      await (await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
      })).text();
    };
    const history: [number, string][] = [
      [start - 3 * DAY, 'thinkgate-reasoning'], [start - 3 * DAY + MIN, 'thinkgate-reasoning'], [start - 3 * DAY + 2 * MIN, 'thinkgate-direct'],
      [start - DAY, 'thinkgate-direct'], [start - DAY + MIN, 'thinkgate-reasoning'], [start - DAY + 2 * MIN, 'thinkgate-direct'],
    ];
    for (let i = 0; i <= 6; i++) {
      history.push([start - 30 * MIN + i * 5 * MIN, 'thinkgate-direct']);
      if (i % 2 === 0) history.push([start - 30 * MIN + i * 5 * MIN + 1_000, 'thinkgate-reasoning']);
    }
    for (const [at, model] of history) {
      fixed = at;
      await ask(model, `question at ${at}`);
    }
    fixed = null;
    await (await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"auto"}' })).text();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const series = async (window: string): Promise<Series> => (await (await fetch(`${gw.url}/v1/stats/series?window=${window}`)).json()) as Series;

  it('serves the series from the ledger: all time by day, the last hour by minute', async () => {
    const all = await series('all');
    expect(all.slotSeconds).toBe(86_400);
    expect(all.points[0]!.t).toBe(Math.floor((start - 3 * DAY) / DAY) * 86_400);
    expect(all.points.at(-1)).toMatchObject({ requests: 17, rejected: 1 });
    const hour = await series('hour');
    expect(hour.slotSeconds).toBe(60);
    expect(hour.points.at(-1)).toMatchObject({ requests: 11, rejected: 1 });
    expect(hour.points[0]!.requests).toBe(0);
    expect((await fetch(`${gw.url}/v1/stats/series?window=week`)).status).toBe(400);
  });

  it('shows it in Chromium: history in the charts, labels that fit, no failed request', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${gw.url}/dashboard?interval=300`);
    await page.waitForSelector('#status.ok');
    // "All time" (the default): one point per day since three days ago: start + 4 day ends (3 whole days and today).
    await expect.poll(() => page.locator('body').getAttribute('data-series-points'), { timeout: 10_000 }).toBe('5');
    expect(await page.locator('#charts-window').textContent()).toBe('one point per day');
    expect(await page.locator('#kpi-requests').getAttribute('data-value')).toBe('17');
    // Rejected: the body without messages, and the series request for an unknown window in the test above.
    expect(await page.locator('#route-rejected').getAttribute('data-value')).toBe('2');
    // The route name and its latency figures sit side by side or wrap, never on top of each other. The page keeps
    // these rows while their figures stay the same (no request comes in here): a box is null only if a poll
    // replaced the row between locating and measuring it, which the page must not do.
    const rows = await page.locator('.lat .name').all();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const name = await row.locator('span').nth(0).boundingBox();
      const figures = await row.locator('span').nth(1).boundingBox();
      expect(name).not.toBeNull();
      expect(figures).not.toBeNull();
      expect(name!.x + name!.width <= figures!.x || figures!.y >= name!.y + name!.height).toBe(true);
    }
    await mkdir('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/dashboard-history.png', fullPage: true });

    await page.locator('button[data-window="hour"]').click();
    await expect.poll(() => page.locator('#charts-window').textContent(), { timeout: 10_000 }).toBe('one point per 1 min');
    expect(Number(await page.locator('body').getAttribute('data-series-points'))).toBeGreaterThanOrEqual(60);
    await expect.poll(() => page.locator('#kpi-requests').getAttribute('data-value'), { timeout: 10_000 }).toBe('11');
    await page.screenshot({ path: 'test-output/dashboard-hour.png', fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
