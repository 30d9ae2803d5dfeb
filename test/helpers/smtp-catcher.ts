import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A received message, parsed, with the SMTP envelope it came in: who the server was asked to deliver it to. */
export type ReceivedMail = ParsedMail & { envelope: { mailFrom: string; rcptTo: string[] } };

export interface SmtpCatcher {
  /** smtp://127.0.0.1:PORT, for SMTP_URL */
  url: string;
  port: number;
  /** Every message received so far, parsed. */
  messages: ReceivedMail[];
  waitForMessages: (count: number, timeoutMs?: number) => Promise<ReceivedMail[]>;
  stop: () => Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives. Pass a port to come back on the same one. */
export async function startSmtpCatcher(port = 0): Promise<SmtpCatcher> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const envelope = {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
      };
      simpleParser(stream)
        .then((parsed) => {
          messages.push(Object.assign(parsed, { envelope }));
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${actualPort}`,
    port: actualPort,
    messages,
    async waitForMessages(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} e-mails, received ${messages.length}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return messages;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
