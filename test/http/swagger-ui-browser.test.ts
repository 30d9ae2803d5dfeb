import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { createTestContext, type TestContext } from '../helpers/test-app';

jest.setTimeout(60_000);

/**
 * Swagger UI's "Try it out" in Chromium, with the docs opened on another host name than APP_BASE_URL
 * names (127.0.0.1 against localhost): the document's server URL is relative, so the call goes to the
 * host the page came from and helmet's CSP (connect-src 'self') lets it through.
 */
let t: TestContext;
let server: http.Server;
let browser: Browser;
let docsOrigin: string;

beforeAll(async () => {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  t = await createTestContext({ APP_BASE_URL: `http://localhost:${port}` });
  handler = t.app;
  docsOrigin = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.close();
});

it('runs "Try it out" for GET /health/live from the host the docs were opened on', async () => {
  const page = await browser.newPage();
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Failed to fetch/i.test(message.text())) blocked.push(message.text());
  });
  await page.goto(`${docsOrigin}/api/docs/`);
  const operation = page.locator('#operations-Health-liveness');
  await operation.locator('.opblock-summary').click();
  await operation.locator('.try-out__btn').click();
  await operation.locator('.execute').click();

  await operation.locator('.live-responses-table tbody .response-col_status').first().waitFor();
  expect(await operation.locator('.request-url pre').innerText()).toBe(`${docsOrigin}/health/live`);
  expect(await operation.locator('.live-responses-table tbody .response-col_status').first().innerText()).toBe('200');
  expect(await operation.locator('.live-responses-table tbody .response-col_description pre').first().innerText()).toContain('"status": true');
  expect(blocked).toEqual([]);
});
