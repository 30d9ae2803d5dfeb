import pino from 'pino';
import { unixSeconds } from '../../src/clock';
import type { RowDataPacket } from '../../src/db/pool';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { createMailTransport } from '../../src/mail/transport';
import { createBooking, linkIn } from '../helpers/bookings';
import { createConnector, createMember, createTunnel, type CreatedConnector, selectRows, type TunnelRow } from '../helpers/factories';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
let smtp: SmtpCatcher;
let worker: OutboxWorker;
let connector: CreatedConnector;
let tunnel: TunnelRow;

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  t = await createTestContext({ SMTP_URL: smtp.url, MAIL_FROM: 'IBA Logbook <logbook@tunnelflight.test>' });
  worker = new OutboxWorker({ pool: t.pool, transport: createMailTransport(t.config, pino({ level: 'silent' })), logger: pino({ level: 'silent' }), clock: t.now, pollIntervalMs: 50 });
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool, { name: 'Windtunnel <script>alert(1)</script> Rotterdam' });
});
afterAll(async () => {
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

    const [queued] = await selectRows<RowDataPacket>(t.pool, 'SELECT outbox_message_id FROM outbox_messages WHERE to_address = ?', [member.email]);
    expect(mail.messageId).toBe(`<outbox-${queued.outbox_message_id}@iba-fuse-metrix-api>`);

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
