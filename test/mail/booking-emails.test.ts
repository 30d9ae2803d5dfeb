import pino from 'pino';
import { unixSeconds } from '../../src/clock';
import type { RowDataPacket } from '../../src/db/pool';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { createMailTransport, type MailTransport } from '../../src/mail/transport';
import { createBooking, linkIn } from '../helpers/bookings';
import { createConnector, createMember, createTunnel, type CreatedConnector, selectRows, type TunnelRow } from '../helpers/factories';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
let smtp: SmtpCatcher;
let worker: OutboxWorker;
let transport: MailTransport;
let connector: CreatedConnector;
let tunnel: TunnelRow;

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  t = await createTestContext({ SMTP_URL: smtp.url, MAIL_FROM: 'IBA Logbook <logbook@tunnelflight.test>' });
  transport = createMailTransport(t.config, pino({ level: 'silent' }));
  worker = new OutboxWorker({ pool: t.pool, transport, logger: pino({ level: 'silent' }), clock: t.now, pollIntervalMs: 50 });
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool, { name: 'Windtunnel <script>alert(1)</script> Rotterdam' });
});
afterAll(async () => {
  transport.close(); // else its pooled connection holds the catcher's stop() until it times out
  await t.close();
  await smtp.stop();
});
const flightAt = new Date('2026-11-20T14:30:00.000Z');

beforeEach(() => {
  smtp.messages.length = 0;
  // bookings are accepted for flights within days of the server clock: the clock reads the day after
  t.setNow(new Date('2026-11-21T09:00:00.000Z'));
});

describe('the active e-mail', () => {
  it('reaches a current member through SMTP with who, where, when, minutes and a working link', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, {
      first_name: 'Rusty',
      last_name: 'Lewis <b>bold</b>',
      last_flight_at: new Date('2026-10-01T10:00:00Z'),
      flyer_currency_renewal_at: new Date('2027-03-30T10:00:00Z'),
    });
    const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flightAt), minutes_booked: 9 });
    expect(res.status).toBe(200);
    expect(smtp.messages).toHaveLength(0); // the request did not wait for SMTP

    expect(await worker.runOnce()).toBe(1);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.to).toMatchObject({ value: [{ address: member.email }] });
    expect(mail.from).toMatchObject({ value: [{ address: 'logbook@tunnelflight.test' }] });
    expect(mail.subject).toBe('Your 9 minutes at Windtunnel <script>alert(1)</script> Rotterdam are in your IBA logbook');
    for (const part of [mail.text ?? '', mail.html || '']) {
      expect(part).toContain('Friday, 20 November 2026 at 14:30 UTC');
      expect(part).toMatch(/Minutes/);
      expect(part).toContain('9');
    }
    expect(mail.text).toContain('Rusty Lewis <b>bold</b>');
    expect(mail.text).toContain('Windtunnel <script>alert(1)</script> Rotterdam');
    expect(mail.html).toContain('Windtunnel &lt;script&gt;alert(1)&lt;/script&gt; Rotterdam');
    expect(mail.html).toContain('Rusty Lewis &lt;b&gt;bold&lt;/b&gt;');
    expect(mail.html).not.toContain('<script>');

    // a Message-ID no other message anywhere has, at MAIL_FROM's domain, the one stored with the row
    const [queued] = await selectRows<RowDataPacket>(t.pool, 'SELECT message_id FROM outbox_messages WHERE to_address = ?', [member.email]);
    expect(mail.messageId).toBe(queued.message_id);
    expect(mail.messageId).toMatch(/^<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@tunnelflight\.test>$/);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    // a whole HTML document: language, viewport, the subject as title, the IBA header
    expect(mail.html).toMatch(/^<!doctype html>\s*<html lang="en">\s*<head>/i);
    expect(mail.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(mail.html).toContain('<title>Your 9 minutes at Windtunnel &lt;script&gt;alert(1)&lt;/script&gt; Rotterdam are in your IBA logbook</title>');
    expect(mail.html).toMatch(/<header[^>]*>\s*<p[^>]*><strong[^>]*>IBA<\/strong>&nbsp; International Bodyflight Association<\/p>/);
    expect(mail.html).toContain('<h1 style="font-size: 22px; margin: 0 0 12px;">Your flight is in your logbook</h1>');

    const link = linkIn(mail);
    expect(link.startsWith(`${t.config.APP_BASE_URL}/flight-time/`)).toBe(true);
    expect(mail.html).toContain(`href="${link}"`);
    const page = await t.request().get(new URL(link).pathname);
    expect(page.status).toBe(200);
  });
});

describe('the inactive e-mail', () => {
  it('tells a lapsed member to complete recurrency, and nothing is logged', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, {
      first_name: 'Casey',
      last_flight_at: new Date('2026-01-01T10:00:00Z'),
      flyer_currency_renewal_at: new Date('2026-06-30T10:00:00Z'),
    });
    const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flightAt), minutes_booked: 12 });
    expect(res.status).toBe(200);
    await worker.runOnce();
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.to).toMatchObject({ value: [{ address: member.email }] });
    expect(mail.subject).toBe('Complete your recurrency to log your flight at Windtunnel <script>alert(1)</script> Rotterdam');
    for (const part of [mail.text ?? '', mail.html || '']) {
      expect(part).toContain('complete recurrency');
      expect(part).toContain('Friday, 20 November 2026 at 14:30 UTC');
      expect(part).toContain('12');
      expect(part).not.toContain('/flight-time/');
    }
    expect(await selectRows(t.pool, 'SELECT logbook_entry_id FROM logbook_entries WHERE member_id = ?', [member.member_id])).toHaveLength(0);
    const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT last_flight_at, flyer_currency_renewal_at FROM members WHERE member_id = ?', [member.member_id]);
    expect(row.last_flight_at.toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(row.flyer_currency_renewal_at.toISOString()).toBe('2026-06-30T10:00:00.000Z');
  });
});

describe('flight times in the tunnel\'s local time', () => {
  // expected texts from the system's tz database (TZ=... date), not from the code under test
  const cases = [
    ['America/Denver', '2026-07-15T03:00:00Z', 'Tuesday, 14 July 2026 at 21:00 MDT', 'Thursday, 13 August 2026 at 22:00 MDT'],
    ['America/Denver', '2026-01-13T20:15:00Z', 'Tuesday, 13 January 2026 at 13:15 MST', 'Thursday, 12 February 2026 at 14:15 MST'],
    ['Europe/Amsterdam', '2026-07-14T23:30:00Z', 'Wednesday, 15 July 2026 at 01:30 CEST', 'Friday, 14 August 2026 at 02:30 CEST'],
    ['Europe/Amsterdam', '2026-01-13T07:40:00Z', 'Tuesday, 13 January 2026 at 08:40 CET', 'Thursday, 12 February 2026 at 09:40 CET'],
    // a zone this runtime does not know is shown as UTC, and the booking goes through
    ['Mars/Olympus_Mons', '2026-07-14T07:40:00Z', 'Tuesday, 14 July 2026 at 07:40 UTC', 'Thursday, 13 August 2026 at 08:40 UTC'],
  ];

  it.each(cases)('a booking at a tunnel in %s on %s shows "%s" in the e-mail and on the form', async (timeZone, flightIso, shown, linkExpiry) => {
    const flight = new Date(flightIso);
    const zoned = await createTunnel(t.pool, { name: `Tunnel in ${timeZone}`, time_zone: timeZone });
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date('2025-12-01T10:00:00Z'), flyer_currency_renewal_at: new Date('2027-06-01T10:00:00Z') });
    t.setNow(new Date(flight.getTime() + 60 * 60_000)); // checked in an hour later; the link lasts 30 days from then
    try {
      const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: zoned.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flight) });
      expect(res.status).toBe(200);
      expect(await worker.runOnce()).toBe(1);
      const [mail] = await smtp.waitForMessages(1);
      for (const part of [mail.text ?? '', mail.html || '']) {
        expect(part).toContain(shown);
        expect(part).toContain(`until ${linkExpiry}`);
      }
      const page = await t.request().get(new URL(linkIn(mail)).pathname);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<dt>Flight date</dt><dd>${shown}</dd>`);
    } finally {
      t.setNow(null);
    }
  });
});

describe('currency at the flight time, to the second', () => {
  const bookAt = async (renewal: Date) => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date(renewal.getTime() - 180 * 86_400_000), flyer_currency_renewal_at: renewal });
    const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flightAt) });
    expect(res.status).toBe(200);
    const [outbox] = await selectRows<RowDataPacket>(t.pool, 'SELECT template FROM outbox_messages WHERE to_address = ?', [member.email]);
    const entries = await selectRows(t.pool, 'SELECT logbook_entry_id FROM logbook_entries WHERE member_id = ?', [member.member_id]);
    return { template: outbox.template, entries: entries.length };
  };

  it('logs the flight when the renewal date is one second after the flight', async () => {
    expect(await bookAt(new Date(flightAt.getTime() + 1000))).toEqual({ template: 'logbook/external-time-entry-active', entries: 1 });
  });

  it('does not log it when the renewal date is the flight time itself', async () => {
    expect(await bookAt(flightAt)).toEqual({ template: 'logbook/external-time-entry-inactive', entries: 0 });
  });
});

describe('a tunnel name as long as the column allows', () => {
  it('still books, with the subject cut to fit its column', async () => {
    const longTunnel = await createTunnel(t.pool, { name: `Windtunnel ${'x'.repeat(180)}` });
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date('2026-01-01T10:00:00Z'), flyer_currency_renewal_at: new Date('2026-06-30T10:00:00Z') });
    const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: longTunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flightAt) });
    expect(res.status).toBe(200);
    const [queued] = await selectRows<RowDataPacket>(t.pool, 'SELECT subject FROM outbox_messages WHERE to_address = ?', [member.email]);
    expect(queued.subject.length).toBeLessThanOrEqual(255);
    expect(queued.subject.startsWith('Complete your recurrency to log your flight at Windtunnel xxx')).toBe(true);
  });
});

describe('last flight', () => {
  it('never shortens a renewal date that already lies further ahead', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date('2026-10-01T10:00:00Z'), flyer_currency_renewal_at: new Date('2027-09-01T00:00:00Z') });
    await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flightAt) }).expect(200);
    const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT last_flight_at, flyer_currency_renewal_at FROM members WHERE member_id = ?', [member.member_id]);
    expect(row.last_flight_at.toISOString()).toBe(flightAt.toISOString());
    expect(row.flyer_currency_renewal_at.toISOString()).toBe('2027-09-01T00:00:00.000Z');
  });

  it('moves forward with a later flight, with its renewal date, and never backward', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date('2026-10-01T10:00:00Z'), flyer_currency_renewal_at: new Date('2027-03-30T10:00:00Z') });
    const currency = async () =>
      (await selectRows<RowDataPacket>(t.pool, 'SELECT last_flight_at, flyer_currency_renewal_at FROM members WHERE member_id = ?', [member.member_id]))[0];

    await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flightAt) }).expect(200);
    expect((await currency()).last_flight_at.toISOString()).toBe(flightAt.toISOString());
    expect((await currency()).flyer_currency_renewal_at.toISOString()).toBe('2027-05-19T14:30:00.000Z');

    await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(new Date('2026-11-18T09:00:00Z')) }).expect(200);
    expect((await currency()).last_flight_at.toISOString()).toBe(flightAt.toISOString());
    expect(await selectRows(t.pool, 'SELECT logbook_entry_id FROM logbook_entries WHERE member_id = ?', [member.member_id])).toHaveLength(2);
  });
});
