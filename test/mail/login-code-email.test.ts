import pino from 'pino';
import type { RowDataPacket } from '../../src/db/pool';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { createMailTransport } from '../../src/mail/transport';
import { hashPassword } from '../../src/security/passwords';
import { createMember, selectRows, unique } from '../helpers/factories';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

const silent = pino({ level: 'silent' });
let t: TestContext;
let smtp: SmtpCatcher;

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  t = await createTestContext({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});

describe('the e-mailed sign-in code', () => {
  it('is in the body only, never in the subject, and nothing of it is kept once sent', async () => {
    const username = unique('flyer');
    const password = 'Flyer-password-2026';
    const flyer = await createMember(t.pool, t.config.PIN_PEPPER, { username, password_hash: await hashPassword(password), first_name: 'Robin' });
    const login = await t.request().post('/api/auth/login').send({ username, password });
    expect(login.body).toMatchObject({ status: true, requiresOtp: true });

    const transport = createMailTransport(t.config, silent);
    const worker = new OutboxWorker({ pool: t.pool, transport, logger: silent, clock: t.now, pollIntervalMs: 50 });
    expect(await worker.runOnce()).toBe(1);
    transport.close();
    const [mail] = await smtp.waitForMessages(1);
    const code = /sign-in code is:\s+(\d{6})/.exec(mail.text ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(mail.subject).toBe('Your IBA sign-in code');
    expect(mail.html).toContain(`>${code}</p>`);
    for (const [name, value] of mail.headers) expect(`${name}: ${JSON.stringify(value)}`).not.toContain(code!);

    const [row] = await selectRows<RowDataPacket>(
      t.pool,
      'SELECT template, to_address, message_id, subject, html_body, text_body, sent_at FROM outbox_messages WHERE to_address = ?',
      [flyer.email],
    );
    expect(row).toMatchObject({ template: 'auth/login-code', to_address: flyer.email, message_id: mail.messageId, subject: null, html_body: null, text_body: null });
    expect(row.sent_at).toBeInstanceOf(Date);
  });
});
