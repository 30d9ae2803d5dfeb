import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { unixSeconds } from '../../src/clock';
import type { RowDataPacket } from '../../src/db/pool';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { renderEmail } from '../../src/mail/templates';
import { createMailTransport } from '../../src/mail/transport';
import { accessibilityViolations } from '../helpers/axe';
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

const sendQueuedEmails = async () => {
  const transport = createMailTransport(t.config, pino({ level: 'silent' }));
  const worker = new OutboxWorker({ pool: t.pool, transport, logger: pino({ level: 'silent' }), clock: t.now, pollIntervalMs: 50 });
  try {
    return await worker.runOnce();
  } finally {
    transport.close(); // else its pooled connection holds the catcher's stop() until it times out
  }
};

/** A page that records script errors and CSP violations (the pages must work under helmet's CSP without JavaScript). */
async function watchedPage() {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  return { page, problems };
}

const currentMember = () =>
  createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date('2026-06-01T10:00:00Z'), flyer_currency_renewal_at: new Date('2027-06-01T10:00:00Z') });

it('a flyer opens the e-mailed link in Chromium, saves the flight time, and the link is then used; every page passes axe', async () => {
  const connector = await createConnector(t.pool);
  const tunnel = await createTunnel(t.pool, { name: 'Windtunnel <b>Rotterdam</b>', time_zone: 'Europe/Amsterdam' });
  const member = await currentMember();
  // the app's clock reads an hour after the flight, for the whole test: bookings are accepted within days of it
  t.setNow(new Date('2026-11-20T15:30:00Z'));
  const booking = await createBooking(t, connector, {
    member_id: member.member_id,
    tunnel_id: tunnel.fuse_metrix_tunnel_id!,
    flight_date: unixSeconds(new Date('2026-11-20T14:30:00Z')),
    minutes_booked: 9,
  });
  expect(booking.status).toBe(200);

  expect(await sendQueuedEmails()).toBe(1);
  const [mail] = await smtp.waitForMessages(1);
  expect(mail.text).toContain('Friday, 20 November 2026 at 15:30 CET');
  const link = linkIn(mail);
  expect(link.startsWith(`${t.config.APP_BASE_URL}/flight-time/`)).toBe(true);

  const { page, problems } = await watchedPage();
  const opened = await page.goto(link);
  expect(opened?.status()).toBe(200);
  await expect(page.title()).resolves.toBe('Update your flight time · IBA logbook');
  await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
  await expect(page.getByRole('banner').innerText()).resolves.toContain('International Bodyflight Association');
  await expect(page.locator('h1').textContent()).resolves.toBe('Update your flight time');
  const details = await page.locator('dl').innerText();
  expect(details).toContain('Windtunnel <b>Rotterdam</b>'); // shown as text, not markup
  expect(details).toContain('Friday, 20 November 2026 at 15:30 CET');
  expect(details).toMatch(/Minutes booked\s+9/);
  expect(details).toMatch(/In your logbook\s+9 minutes/);
  expect(await accessibilityViolations(page)).toEqual([]);

  // the hint is what a screen reader reads with the input
  const input = page.getByLabel('Minutes you actually flew');
  await expect(input.getAttribute('aria-describedby')).resolves.toBe('minutes-hint');
  await expect(page.locator('#minutes-hint').innerText()).resolves.toBe('A whole number from 1 to 9. You can save it once.');

  // the browser's own validation holds the form back outside 1..9
  await input.fill('12');
  expect(await input.evaluate((element) => (element as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);

  // a browser that does not validate sends it anyway: the server's answer names the problem, tied to the input
  await page.locator('form').evaluate((form) => {
    (form as unknown as { noValidate: boolean }).noValidate = true;
  });
  const [rejected] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save flight time' }).click()]);
  expect(rejected?.status()).toBe(422);
  await expect(page.getByRole('alert').innerText()).resolves.toBe('Please enter the minutes you flew as a whole number from 1 to 9.');
  await expect(input.getAttribute('aria-describedby')).resolves.toBe('minutes-error minutes-hint');
  await expect(input.getAttribute('aria-invalid')).resolves.toBe('true');
  expect(await accessibilityViolations(page)).toEqual([]);

  await input.fill('7');
  const [saved] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save flight time' }).click()]);
  expect(saved?.status()).toBe(200);
  expect(await page.locator('main').innerText()).toContain('Thanks! Your flight time is now 7 minutes.');
  expect(await page.locator('main').innerText()).toContain('Friday, 20 November 2026 at 15:30 CET');
  expect(await accessibilityViolations(page)).toEqual([]);

  const [row] = await selectRows<RowDataPacket>(
    t.pool,
    'SELECT e.minutes, b.minutes_flown FROM bookings b JOIN logbook_entries e ON e.booking_id = b.booking_id WHERE b.member_id = ?',
    [member.member_id],
  );
  expect(row).toMatchObject({ minutes: 7, minutes_flown: 7 });

  const reopened = await page.goto(link);
  expect(reopened?.status()).toBe(410);
  expect(await page.locator('h1').textContent()).toBe('This link has already been used');
  expect(await accessibilityViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});

it('a Denver booking shows Denver local time, MDT in summer, in the e-mail received and on the page', async () => {
  const connector = await createConnector(t.pool);
  const tunnel = await createTunnel(t.pool, { name: 'Indoor Skydiving Denver', time_zone: 'America/Denver' });
  const member = await currentMember();
  // 03:00 UTC on 15 July is still the evening of the 14th in Denver (expected text from TZ=America/Denver date)
  t.setNow(new Date('2026-07-15T04:00:00Z'));
  const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(new Date('2026-07-15T03:00:00Z')) });
  expect(res.status).toBe(200);
  smtp.messages.length = 0;
  expect(await sendQueuedEmails()).toBe(1);
  const [mail] = await smtp.waitForMessages(1);
  expect(mail.text).toContain('Date:     Tuesday, 14 July 2026 at 21:00 MDT');

  const { page, problems } = await watchedPage();
  expect((await page.goto(linkIn(mail)))?.status()).toBe(200);
  expect(await page.locator('dl').innerText()).toMatch(/Flight date\s+Tuesday, 14 July 2026 at 21:00 MDT/);
  expect(problems).toEqual([]);
  await page.close();
});

describe('the e-mails, opened in Chromium', () => {
  const emails = [
    ['the active e-mail', 'logbook/external-time-entry-active'],
    ['the inactive e-mail', 'logbook/external-time-entry-inactive'],
    ['the sign-in code', 'auth/login-code'],
  ] as const;
  const params = {
    firstName: 'Rusty',
    memberName: 'Rusty Lewis',
    tunnelName: 'Demo Windtunnel Rotterdam',
    flightDate: 'Tuesday, 8 April 2025 at 09:40 CEST',
    minutesBooked: 9,
    link: 'https://iba.example/flight-time/abc',
    linkExpiresOn: 'Thursday, 8 May 2025 at 09:40 CEST',
    code: '123456',
    validMinutes: 10,
  };

  it.each(emails)('%s has a titled, English HTML part with a viewport, the IBA header and no axe violation', async (_name, templateId) => {
    const { subject, html } = renderEmail(templateId, params);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.setContent(html);
    await expect(page.title()).resolves.toBe(subject);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(page.locator('meta[name=viewport]').getAttribute('content')).resolves.toBe('width=device-width, initial-scale=1');
    await expect(page.getByRole('banner').innerText()).resolves.toContain('International Bodyflight Association');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});
