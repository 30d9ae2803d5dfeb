import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { unixSeconds } from '../../src/clock';
import type { RowDataPacket } from '../../src/db/pool';
import { formatFlightDate } from '../../src/logbook/flight-date';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { createMailTransport } from '../../src/mail/transport';
import { createBooking, linkIn } from '../helpers/bookings';
import { createConnector, createMember, createTunnel, selectRows } from '../helpers/factories';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

jest.setTimeout(60_000);

let t: TestContext;
let smtp: SmtpCatcher;
let server: http.Server;
let browser: Browser;

beforeAll(async () => {
  // listen first, so APP_BASE_URL (and the link in the e-mail) points at this real port
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  smtp = await startSmtpCatcher();
  t = await createTestContext({ APP_BASE_URL: `http://127.0.0.1:${port}`, SMTP_URL: smtp.url });
  handler = t.app;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await smtp?.stop();
  await t?.close();
});

it('a flyer opens the e-mailed link in Chromium, saves the flight time, and the link is then used', async () => {
  const connector = await createConnector(t.pool);
  const tunnel = await createTunnel(t.pool, { name: 'Windtunnel <b>Rotterdam</b>' });
  const day = 24 * 60 * 60 * 1000;
  // yesterday at 14:30 UTC: bookings are accepted for flights within days of the server clock
  const flightAt = new Date(Math.floor(Date.now() / day) * day - day + 14.5 * 60 * 60 * 1000);
  const member = await createMember(t.pool, t.config.PIN_PEPPER, {
    last_flight_at: new Date(flightAt.getTime() - 50 * day),
    flyer_currency_renewal_at: new Date(flightAt.getTime() + 130 * day),
  });
  const booking = await createBooking(t, connector, {
    member_id: member.member_id,
    tunnel_id: tunnel.fuse_metrix_tunnel_id!,
    flight_date: unixSeconds(flightAt),
    minutes_booked: 9,
  });
  expect(booking.status).toBe(200);

  const worker = new OutboxWorker({
    pool: t.pool,
    transport: createMailTransport(t.config, pino({ level: 'silent' })),
    logger: pino({ level: 'silent' }),
    clock: t.now,
    pollIntervalMs: 50,
  });
  expect(await worker.runOnce()).toBe(1);
  const [mail] = await smtp.waitForMessages(1);
  const link = linkIn(mail);
  expect(link.startsWith(`${t.config.APP_BASE_URL}/flight-time/`)).toBe(true);

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  // no script errors and no CSP violations (the page must work under helmet's CSP without JavaScript)
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
  });

  const opened = await page.goto(link);
  expect(opened?.status()).toBe(200);
  await expect(page.locator('h1').textContent()).resolves.toBe('Update your flight time');
  const details = await page.locator('dl').innerText();
  expect(details).toContain('Windtunnel <b>Rotterdam</b>'); // shown as text, not markup
  expect(details).toContain(formatFlightDate(flightAt));
  expect(details).toMatch(/Minutes booked\s+9/);
  expect(details).toMatch(/In your logbook\s+9 minutes/);

  // the browser's own validation holds the form back outside 1..9
  const input = page.getByLabel('Minutes you actually flew');
  await input.fill('12');
  expect(await input.evaluate((element) => (element as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);

  await input.fill('7');
  const [saved] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save flight time' }).click()]);
  expect(saved?.status()).toBe(200);
  expect(await page.locator('main').innerText()).toContain('Thanks! Your flight time is now 7 minutes.');

  const [row] = await selectRows<RowDataPacket>(
    t.pool,
    'SELECT e.minutes, b.minutes_flown FROM bookings b JOIN logbook_entries e ON e.booking_id = b.booking_id WHERE b.member_id = ?',
    [member.member_id],
  );
  expect(row).toMatchObject({ minutes: 7, minutes_flown: 7 });

  const reopened = await page.goto(link);
  expect(reopened?.status()).toBe(410);
  expect(await page.locator('h1').textContent()).toBe('This link has already been used');
  expect(problems).toEqual([]);
  await page.close();
});
