import { mkdir } from 'node:fs/promises';
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
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('serves a self-contained page under a strict CSP, with uPlot from this gateway', async () => {
    const res = await fetch(`${gw.url}/dashboard`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${gw.url}/dashboard/uplot.js`)).headers.get('content-type')).toContain('javascript');
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
