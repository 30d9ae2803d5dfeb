import pino from 'pino';
import { signAccessToken } from '../../src/auth/jwt';
import type { RowDataPacket } from '../../src/db/pool';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { newMessageId } from '../../src/mail/addresses';
import { insertOutboxMessage } from '../../src/mail/outbox.model';
import { createMailTransport } from '../../src/mail/transport';
import { type AdminSession, signedInAdmin } from '../helpers/admin-session';
import { createMember, selectRows } from '../helpers/factories';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * E-mails that cannot be delivered are parked as failed after MAIL_MAX_ATTEMPTS attempts or
 * MAIL_MAX_AGE_HOURS, never claimed again, listed in /op and re-queued from there (audited).
 */

const FAILED = '/api/external/fuse-metrix/op/outbox/failed';
const requeuePath = (id: number | string) => `/api/external/fuse-metrix/op/outbox/${id}/requeue`;
const HOUR = 3_600_000;
const silent = pino({ level: 'silent' });

let t: TestContext;
let admin: AdminSession;
let closedSmtpUrl: string;

beforeAll(async () => {
  t = await createTestContext();
  admin = await signedInAdmin(t);
  t.setNow(null);
  const smtp = await startSmtpCatcher();
  closedSmtpUrl = smtp.url;
  await smtp.stop();
});
afterAll(() => t.close());
beforeEach(async () => {
  t.setNow(null);
  await t.pool.query('DELETE FROM outbox_messages');
  await t.pool.query('DELETE FROM admin_audit');
});

const SECRET_LINK = 'http://localhost:3000/flight-time/very-secret-one-time-token';

async function queueMessage(now: Date, to = 'flyer@example.com'): Promise<number> {
  return insertOutboxMessage(
    t.pool,
    { messageId: newMessageId('tunnelflight.test'), template: 'logbook/external-time-entry-active', to, subject: 'Your 9 minutes at Somewhere', html: `<a href="${SECRET_LINK}">link</a>`, text: `Link: ${SECRET_LINK}` },
    now,
  );
}

/** One worker pass at the app clock's "now", through smtpUrl, giving up as configured. */
async function workerPass(smtpUrl: string, limits: { maxAttempts?: number; maxAgeMs?: number }): Promise<number> {
  const transport = createMailTransport({ ...t.config, SMTP_URL: smtpUrl }, silent);
  try {
    return await new OutboxWorker({ pool: t.pool, transport, logger: silent, clock: t.now, pollIntervalMs: 20, ...limits }).runOnce();
  } finally {
    transport.close();
  }
}

const row = async (id: number) =>
  (await selectRows<RowDataPacket>(t.pool, 'SELECT attempts, last_error, failed_at, sent_at, requeued_at, next_attempt_at, text_body FROM outbox_messages WHERE outbox_message_id = ?', [id]))[0];

const asAdmin = (request: ReturnType<ReturnType<TestContext['request']>['get']>) => request.set('token', admin.token);

describe('parking undeliverable e-mails', () => {
  it('parks a message after MAIL_MAX_ATTEMPTS failed attempts, with its last error and body, and never claims it again', async () => {
    const start = new Date('2026-12-01T10:00:00.000Z');
    t.setNow(start);
    const id = await queueMessage(start);
    for (let attempt = 1; attempt <= 2; attempt++) {
      await workerPass(closedSmtpUrl, { maxAttempts: 3 });
      expect(await row(id)).toMatchObject({ attempts: attempt, failed_at: null });
      t.setNow(new Date(t.now().getTime() + 60_000));
    }
    await workerPass(closedSmtpUrl, { maxAttempts: 3 });
    const parked = await row(id);
    expect(parked).toMatchObject({ attempts: 3, sent_at: null, text_body: `Link: ${SECRET_LINK}` });
    expect(parked.failed_at).toEqual(t.now());
    expect(parked.last_error).toMatch(/ECONNREFUSED/);

    // even with SMTP back and days later, the worker leaves a parked message alone
    const smtp = await startSmtpCatcher();
    try {
      t.setNow(new Date(start.getTime() + 72 * HOUR));
      expect(await workerPass(smtp.url, { maxAttempts: 3 })).toBe(0);
      expect(smtp.messages).toHaveLength(0);
      expect((await row(id)).attempts).toBe(3);
    } finally {
      await smtp.stop();
    }
  });

  it('parks a message that fails when it has been queued for MAIL_MAX_AGE_HOURS, and keeps retrying a younger one', async () => {
    const start = new Date('2026-12-01T10:00:00.000Z');
    const old = await queueMessage(start, 'old@example.com');
    const young = await queueMessage(new Date(start.getTime() + 40 * HOUR), 'young@example.com');
    t.setNow(new Date(start.getTime() + 48 * HOUR));
    await workerPass(closedSmtpUrl, { maxAttempts: 200, maxAgeMs: 48 * HOUR });
    expect(await row(old)).toMatchObject({ attempts: 1, failed_at: t.now() });
    expect(await row(young)).toMatchObject({ attempts: 1, failed_at: null });
  });
});

describe('GET /api/external/fuse-metrix/op/outbox/failed', () => {
  it('lists failed e-mails for an admin without subject or body, and records who looked', async () => {
    const start = new Date('2026-12-01T10:00:00.000Z');
    t.setNow(start);
    const failedId = await queueMessage(start, 'bounced@example.com');
    await queueMessage(start, 'waiting@example.com');
    await t.pool.query('UPDATE outbox_messages SET attempts = 7, last_error = ?, failed_at = ? WHERE outbox_message_id = ?', ['550 mailbox unavailable', new Date(start.getTime() + HOUR), failedId]);

    const res = await asAdmin(t.request().get(FAILED));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      status: true,
      message: 'Failed e-mails fetched successfully',
      total: 1,
      data: [
        {
          id: failedId,
          state: 'failed',
          template: 'logbook/external-time-entry-active',
          to: 'bounced@example.com',
          attempts: 7,
          last_error: '550 mailbox unavailable',
          created_at: start.toISOString(),
          requeued_at: null,
          next_attempt_at: start.toISOString(),
          failed_at: new Date(start.getTime() + HOUR).toISOString(),
          sent_at: null,
        },
      ],
    });
    expect(res.text).not.toContain('very-secret-one-time-token');
    expect(res.text).not.toContain('Your 9 minutes');
    const audit = await selectRows<RowDataPacket>(t.pool, 'SELECT actor_member_id, action, target_id, detail FROM admin_audit');
    expect(audit).toEqual([{ actor_member_id: admin.memberId, action: 'outbox-list-failed', target_id: null, detail: '1 of 1 failed e-mails' }]);
  });

  it('honours ?limit= and refuses a bad one with 422', async () => {
    const now = new Date();
    for (let i = 0; i < 3; i++) {
      const id = await queueMessage(now, `f${i}@example.com`);
      await t.pool.query('UPDATE outbox_messages SET failed_at = ? WHERE outbox_message_id = ?', [new Date(now.getTime() + i * 1000), id]);
    }
    const two = await asAdmin(t.request().get(`${FAILED}?limit=2`));
    expect(two.body.total).toBe(3);
    expect(two.body.data.map((m: { to: string }) => m.to)).toEqual(['f2@example.com', 'f1@example.com']);
    for (const bad of ['0', '501', 'abc', '-1', '1.5']) {
      const res = await asAdmin(t.request().get(`${FAILED}?limit=${bad}`));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ status: false, message: 'limit must be an integer from 1 to 500' });
    }
  });

  it('is for admins only: 401 without a token, 403 for a member who is not an admin', async () => {
    const none = await t.request().get(FAILED);
    expect(none.status).toBe(401);
    expect(none.body.status).toBe(false);
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const flyerToken = signAccessToken(t.config, { memberId: member.member_id, roleId: 2 }, new Date());
    const flyer = await t.request().get(FAILED).set('token', flyerToken);
    expect(flyer.status).toBe(403);
    expect(await selectRows(t.pool, 'SELECT * FROM admin_audit')).toEqual([]);
  });
});

describe('POST /api/external/fuse-metrix/op/outbox/:id/requeue', () => {
  let smtp: SmtpCatcher;
  beforeEach(async () => {
    smtp = await startSmtpCatcher();
  });
  afterEach(() => smtp.stop());

  it('puts a failed e-mail back in the queue, audited, and the worker delivers it once', async () => {
    const queuedAt = new Date(Date.now() - 72 * HOUR);
    const id = await queueMessage(queuedAt, 'second-chance@example.com');
    t.setNow(new Date(queuedAt.getTime() + HOUR));
    await workerPass(closedSmtpUrl, { maxAttempts: 1 });
    expect((await row(id)).failed_at).not.toBeNull();

    t.setNow(null);
    const res = await asAdmin(t.request().post(requeuePath(id)));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: true, message: 'E-mail re-queued successfully', data: { id, state: 'queued', attempts: 0, failed_at: null, to: 'second-chance@example.com' } });
    const requeued = await row(id);
    expect(requeued).toMatchObject({ attempts: 0, failed_at: null });
    expect(requeued.requeued_at).not.toBeNull();
    expect(requeued.last_error).toMatch(/ECONNREFUSED/);
    const audit = await selectRows<RowDataPacket>(t.pool, "SELECT actor_member_id, target_id, detail FROM admin_audit WHERE action = 'outbox-requeue'");
    expect(audit).toEqual([{ actor_member_id: admin.memberId, target_id: id, detail: expect.stringMatching(/^logbook\/external-time-entry-active after 1 attempts; last error: .*ECONNREFUSED/) }]);

    // queued 72 hours ago, but the age limit counts from the re-queue: a failure now does not park it at once
    await workerPass(closedSmtpUrl, { maxAttempts: 200, maxAgeMs: 48 * HOUR });
    expect(await row(id)).toMatchObject({ attempts: 1, failed_at: null });

    t.setNow(new Date(Date.now() + 60_000));
    expect(await workerPass(smtp.url, { maxAttempts: 200, maxAgeMs: 48 * HOUR })).toBe(1);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.text).toContain(SECRET_LINK);
    expect(await workerPass(smtp.url, {})).toBe(0);
    expect(smtp.messages).toHaveLength(1);
  });

  it('answers 409 for an e-mail that is queued or sent, 404 for an unknown one, 422 for a malformed id; nothing audited', async () => {
    const queued = await queueMessage(new Date());
    const sent = await queueMessage(new Date());
    await t.pool.query('UPDATE outbox_messages SET sent_at = NOW(3), html_body = NULL, text_body = NULL WHERE outbox_message_id = ?', [sent]);

    const queuedRes = await asAdmin(t.request().post(requeuePath(queued)));
    expect(queuedRes.status).toBe(409);
    expect(queuedRes.body).toEqual({ status: false, message: 'Only failed e-mails can be re-queued: this one is queued for sending' });
    const sentRes = await asAdmin(t.request().post(requeuePath(sent)));
    expect(sentRes.status).toBe(409);
    expect(sentRes.body).toEqual({ status: false, message: 'Only failed e-mails can be re-queued: this one is already sent' });
    const unknown = await asAdmin(t.request().post(requeuePath(999_999_999)));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ status: false, message: 'E-mail not found' });
    for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      const res = await asAdmin(t.request().post(requeuePath(bad)));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ status: false, message: 'id must be a positive integer' });
    }
    expect(await selectRows(t.pool, 'SELECT * FROM admin_audit')).toEqual([]);
  });

  it('needs an admin token', async () => {
    const id = await queueMessage(new Date());
    await t.pool.query('UPDATE outbox_messages SET failed_at = NOW(3) WHERE outbox_message_id = ?', [id]);
    expect((await t.request().post(requeuePath(id))).status).toBe(401);
    expect((await row(id)).failed_at).not.toBeNull();
  });
});

describe('the routes beside the connector console', () => {
  it('are not swallowed by the console: its own paths and its 404 still answer as before', async () => {
    expect((await asAdmin(t.request().get(FAILED))).status).toBe(200);
    const unknownConsolePath = await asAdmin(t.request().get('/api/external/fuse-metrix/op/outbox/other'));
    expect(unknownConsolePath.status).toBe(404);
    expect(unknownConsolePath.body.status).toBe(false);
    const connectorList = await asAdmin(t.request().get('/api/external/fuse-metrix/op'));
    expect(connectorList.status).toBe(200);
  });
});
