import pino from 'pino';
import type { RowDataPacket } from '../../src/db/pool';
import { newMessageId } from '../../src/mail/addresses';
import { OutboxWorker, retryDelayMs } from '../../src/mail/outbox-worker';
import { insertOutboxMessage } from '../../src/mail/outbox.model';
import { createMailTransport, type MailTransport } from '../../src/mail/transport';
import { selectRows } from '../helpers/factories';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

const silent = pino({ level: 'silent' });
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());
beforeEach(() => t.pool.query('DELETE FROM outbox_messages'));

const queue = async (count: number, now: Date) => {
  for (let i = 0; i < count; i += 1) {
    await insertOutboxMessage(
      t.pool,
      { messageId: newMessageId('tunnelflight.test'), template: 'test/plain', to: `flyer${i}@example.com`, subject: `Message ${i}`, html: `<p>Body ${i}</p>`, text: `Body ${i}` },
      now,
    );
  }
};
const transports: MailTransport[] = [];
/** Closes the workers' pooled SMTP connections first: one left open holds the catcher's stop() until it times out. */
const stopCatcher = (smtp: SmtpCatcher) => {
  transports.splice(0).forEach((transport) => transport.close());
  return smtp.stop();
};
const workerFor = (smtpUrl: string) => {
  const transport = createMailTransport({ ...t.config, SMTP_URL: smtpUrl }, silent);
  transports.push(transport);
  return new OutboxWorker({ pool: t.pool, transport, logger: silent, clock: t.now, pollIntervalMs: 20, batchSize: 5 });
};

describe('retry back-off', () => {
  it('grows from 5 seconds and is capped at 15 minutes', () => {
    expect([0, 1, 2, 3].map(retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(20)).toBe(15 * 60_000);
  });
});

describe('the outbox worker', () => {
  it('starts no send once too little of the lease is left, so no other worker can claim and send it again', async () => {
    const smtp = await startSmtpCatcher();
    try {
      const start = new Date('2026-11-23T10:00:00.000Z');
      t.setNow(start);
      await queue(5, start);
      // an SMTP server that takes two minutes per message (the clock moves as each send starts)
      const transport = createMailTransport({ ...t.config, SMTP_URL: smtp.url }, silent);
      transports.push(transport);
      const slow: MailTransport = {
        send: (message) => {
          t.setNow(new Date(t.now().getTime() + 2 * 60_000));
          return transport.send(message);
        },
        close: () => transport.close(),
      };
      // a 5-minute lease: sends may start until 3 minutes in, so the first two go and the rest wait
      const worker = new OutboxWorker({ pool: t.pool, transport: slow, logger: silent, clock: t.now, pollIntervalMs: 20, batchSize: 5 });
      expect(await worker.runOnce()).toBe(2);
      expect(await smtp.waitForMessages(2)).toHaveLength(2);
      const rows = await selectRows<RowDataPacket>(t.pool, 'SELECT sent_at IS NOT NULL AS sent, attempts, last_error FROM outbox_messages ORDER BY outbox_message_id');
      expect(rows).toEqual([
        { sent: 1, attempts: 0, last_error: null },
        { sent: 1, attempts: 0, last_error: null },
        ...Array.from({ length: 3 }, () => ({ sent: 0, attempts: 0, last_error: null })),
      ]);
      // once the lease is over, the rest are claimed again and sent, each once
      t.setNow(new Date(start.getTime() + 5 * 60_000 + 1000));
      expect(await workerFor(smtp.url).runOnce()).toBe(3);
      expect((await smtp.waitForMessages(5)).map((mail) => mail.subject).sort()).toEqual(['Message 0', 'Message 1', 'Message 2', 'Message 3', 'Message 4']);
    } finally {
      await stopCatcher(smtp);
    }
  });

  it('keeps messages while SMTP is down, records the error, and delivers each once when it is back', async () => {
    const smtp = await startSmtpCatcher();
    const port = smtp.port;
    await smtp.stop();
    const start = new Date('2026-11-23T10:00:00.000Z');
    t.setNow(start);
    await queue(3, start);
    const worker = workerFor(`smtp://127.0.0.1:${port}`);

    expect(await worker.runOnce()).toBe(0);
    const failed = await selectRows<RowDataPacket>(t.pool, 'SELECT attempts, last_error, next_attempt_at, sent_at, text_body FROM outbox_messages');
    expect(failed).toHaveLength(3);
    for (const row of failed) {
      expect(row).toMatchObject({ attempts: 1, sent_at: null });
      expect(row.last_error).toMatch(/ECONNREFUSED/);
      expect(row.next_attempt_at.getTime()).toBe(start.getTime() + 5_000);
      expect(row.text_body).toMatch(/^Body /);
    }
    // not due yet: nothing is tried again
    expect(await worker.runOnce()).toBe(0);
    expect((await selectRows<RowDataPacket>(t.pool, 'SELECT MAX(attempts) AS attempts FROM outbox_messages'))[0].attempts).toBe(1);

    // a second failure waits twice as long
    t.setNow(new Date(start.getTime() + 5_000));
    await worker.runOnce();
    const again = await selectRows<RowDataPacket>(t.pool, 'SELECT attempts, next_attempt_at FROM outbox_messages');
    expect(again.every((row) => row.attempts === 2 && row.next_attempt_at.getTime() === start.getTime() + 15_000)).toBe(true);

    const back = await startSmtpCatcher(port);
    try {
      t.setNow(new Date(start.getTime() + 15_000));
      expect(await worker.runOnce()).toBe(3);
      expect(await worker.runOnce()).toBe(0);
      const received = await back.waitForMessages(3);
      expect(received.map((mail) => mail.subject).sort()).toEqual(['Message 0', 'Message 1', 'Message 2']);
      // subject and body are dropped once sent; what operators need (template, recipient, when) stays
      const sent = await selectRows<RowDataPacket>(t.pool, 'SELECT sent_at, template, to_address, subject, html_body, text_body, last_error FROM outbox_messages');
      for (const row of sent) {
        expect(row).toMatchObject({ template: 'test/plain', subject: null, html_body: null, text_body: null, last_error: null });
        expect(row.sent_at).toBeInstanceOf(Date);
        expect(row.to_address).toMatch(/^flyer\d@example\.com$/);
      }
    } finally {
      t.setNow(null);
      await stopCatcher(back);
    }
  });

  it('sends each message exactly once when two workers share one outbox', async () => {
    const smtp = await startSmtpCatcher();
    try {
      await queue(40, new Date(Date.now() - 1000));
      const first = workerFor(smtp.url);
      const second = workerFor(smtp.url);
      first.start();
      second.start();
      await smtp.waitForMessages(40, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await Promise.all([first.stop(), second.stop()]);
      const subjects = smtp.messages.map((mail) => mail.subject);
      expect(subjects).toHaveLength(40);
      expect(new Set(subjects).size).toBe(40);
      const [unsent] = await selectRows<RowDataPacket>(t.pool, 'SELECT COUNT(*) AS n FROM outbox_messages WHERE sent_at IS NULL');
      expect(Number(unsent.n)).toBe(0);
    } finally {
      await stopCatcher(smtp);
    }
  });
});

describe('without SMTP_URL', () => {
  it('writes each e-mail as an .eml file and logs its links', async () => {
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'iba-outbox-'));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const transport = createMailTransport({ ...t.config, SMTP_URL: undefined, MAIL_OUTBOX_DIR: directory }, logger);
    await transport.send({ messageId: '<outbox-1@test>', to: { address: 'flyer@example.com' }, subject: 'Your flight', html: '<p>hi</p>', text: 'Update: http://localhost:3000/flight-time/abc123' });
    const files = await fs.readdir(directory);
    expect(files).toHaveLength(1);
    const eml = await fs.readFile(path.join(directory, files[0]), 'utf8');
    expect(eml).toContain('To: flyer@example.com');
    expect(eml).toContain('Subject: Your flight');
    expect(eml).toContain('Message-ID: <outbox-1@test>');
    expect(eml).toContain('Auto-Submitted: auto-generated');
    expect(lines.join('')).toContain('http://localhost:3000/flight-time/abc123');

    // in production the one-time links stay out of the logs
    lines.length = 0;
    const production = createMailTransport({ ...t.config, NODE_ENV: 'production', SMTP_URL: undefined, MAIL_OUTBOX_DIR: directory }, logger);
    await production.send({ messageId: '<outbox-2@test>', to: { address: 'flyer@example.com' }, subject: 'Your flight', html: '<p>hi</p>', text: 'Update: http://localhost:3000/flight-time/def456' });
    expect(lines.join('')).toContain('e-mail written to file');
    expect(lines.join('')).not.toContain('def456');
    await fs.rm(directory, { recursive: true });
  });
});

describe('a crash between sending and marking sent', () => {
  it('sends the message again after its lease with the same Message-ID, so receivers can tell it is one e-mail', async () => {
    const smtp = await startSmtpCatcher();
    // the database refuses to mark the message sent, as if the process died right after the SMTP exchange
    await t.pool.query(
      "CREATE TRIGGER test_outbox_mark_fails BEFORE UPDATE ON outbox_messages FOR EACH ROW BEGIN IF NEW.sent_at IS NOT NULL THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'died before marking'; END IF; END",
    );
    const start = new Date('2026-11-23T10:00:00.000Z');
    try {
      t.setNow(start);
      await queue(1, start);
      const worker = workerFor(smtp.url);
      await expect(worker.runOnce()).rejects.toThrow(/died before marking/);
      const [first] = await smtp.waitForMessages(1);
      await t.pool.query('DROP TRIGGER test_outbox_mark_fails');

      expect(await worker.runOnce()).toBe(0); // still leased to the worker that "died"
      t.setNow(new Date(start.getTime() + 5 * 60_000));
      expect(await worker.runOnce()).toBe(1);
      const [, second] = await smtp.waitForMessages(2);

      const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT message_id, sent_at FROM outbox_messages');
      expect(row.message_id).toMatch(/^<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@tunnelflight\.test>$/);
      expect(first.messageId).toBe(row.message_id);
      expect(second.messageId).toBe(row.message_id);
      expect(row.sent_at).toBeInstanceOf(Date);
    } finally {
      await t.pool.query('DROP TRIGGER IF EXISTS test_outbox_mark_fails');
      t.setNow(null);
      await stopCatcher(smtp);
    }
  });
});
