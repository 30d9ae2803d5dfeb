import pino from 'pino';
import { unixSeconds } from '../../src/clock';
import type { RowDataPacket } from '../../src/db/pool';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { createMailTransport, type MailTransport } from '../../src/mail/transport';
import { createBooking } from '../helpers/bookings';
import { createConnector, createMember, createTunnel, type CreatedConnector, selectRows, type TunnelRow, unique } from '../helpers/factories';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * An e-mail column is only checked for an "@" by the schema, so it may hold "a@x, b@y". Such a value
 * must reach one mailbox or none, never two: the envelope the SMTP server receives is the proof.
 */

const silent = pino({ level: 'silent' });
let t: TestContext;
let smtp: SmtpCatcher;
let worker: OutboxWorker;
let transport: MailTransport;
let connector: CreatedConnector;
let tunnel: TunnelRow;

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  t = await createTestContext({ SMTP_URL: smtp.url });
  transport = createMailTransport(t.config, silent);
  worker = new OutboxWorker({ pool: t.pool, transport, logger: silent, clock: t.now, pollIntervalMs: 50 });
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool);
});
afterAll(async () => {
  transport.close(); // else its pooled connection holds the catcher's stop() until it times out
  await t.close();
  await smtp.stop();
});
beforeEach(() => {
  smtp.messages.length = 0;
});

const bookFor = async (email: string) => {
  const member = await createMember(t.pool, t.config.PIN_PEPPER, { email });
  const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(new Date()) - 3600 });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ valid: true, message: 'Booking created successfully' });
  return member;
};

const outboxRow = async (email: string) =>
  (await selectRows<RowDataPacket>(t.pool, 'SELECT attempts, last_error, sent_at, failed_at, next_attempt_at FROM outbox_messages WHERE to_address = ?', [email]))[0];

describe('an e-mail column that holds more than one address', () => {
  const victim = () => `${unique('flyer')}@example.com`;
  const cases: Array<[string, () => string]> = [
    ['a comma-separated list', () => `${victim()}, attacker@evil.test`],
    ['a semicolon-separated list', () => `${victim()};attacker@evil.test`],
    ['a display name with another address', () => `${victim()} <attacker@evil.test>`],
    ['a header smuggled after a line break', () => `${victim()}\r\nBcc: attacker@evil.test`],
    ['a quoted local part hiding a comma', () => `"${victim()}, attacker"@evil.test`],
  ];

  it.each(cases)('%s: the booking is saved, the e-mail is refused and parked, and no mailbox receives it', async (_name, makeEmail) => {
    const hostile = makeEmail();
    const plain = `${unique('flyer')}@example.com`;
    await bookFor(hostile);
    await bookFor(plain);

    // one batch holds both: the refused one does not stop the other
    expect(await worker.runOnce()).toBe(1);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.envelope.rcptTo).toEqual([plain]);
    expect(mail.to).toMatchObject({ value: [{ address: plain }] });

    const refused = await outboxRow(hostile);
    expect(refused).toMatchObject({ attempts: 1, sent_at: null, last_error: 'refused: the recipient is not one e-mail address' });
    expect(refused.failed_at).toBeInstanceOf(Date);
    expect(await selectRows(t.pool, 'SELECT logbook_entry_id FROM logbook_entries e JOIN members m ON m.member_id = e.member_id WHERE m.email = ?', [hostile])).toHaveLength(1);

    // parked, not retried: an hour later nothing is claimed and nothing more is received
    t.setNow(new Date(Date.now() + 60 * 60_000));
    try {
      expect(await worker.runOnce()).toBe(0);
    } finally {
      t.setNow(null);
    }
    expect(await outboxRow(hostile)).toMatchObject({ attempts: 1, sent_at: null });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages.flatMap((received) => received.envelope.rcptTo)).not.toContain('attacker@evil.test');
  });
});

describe('the transport', () => {
  it('hands nodemailer a structured address: even unchecked, a list in it never becomes two recipients', async () => {
    const unchecked = createMailTransport(t.config, silent);
    const outcome = await unchecked
      .send({ messageId: '<structured@tunnelflight.test>', to: { address: 'flyer@example.com, attacker@evil.test' }, subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' })
      .then(
        () => 'sent',
        (error: Error) => error.message,
      )
      .finally(() => unchecked.close());
    // nodemailer quotes it into one odd mailbox ("flyer@example.com, attacker"@evil.test), which this server refuses
    expect(outcome).toMatch(/^sent$|recipients were rejected/);
    for (const received of smtp.messages) expect(received.envelope.rcptTo).toHaveLength(1);
    expect(smtp.messages.flatMap((received) => received.envelope.rcptTo)).not.toContain('attacker@evil.test');
    expect(smtp.messages.flatMap((received) => received.envelope.rcptTo)).not.toContain('flyer@example.com');
  });
});
