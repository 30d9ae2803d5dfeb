import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { type Config, isDevelopmentMode } from '../config';
import type { Logger } from '../logger';
import type { Mailbox } from './addresses';

export interface OutgoingEmail {
  /** Stable per outbox row, so a receiver can recognise a resend after a crash between send and mark. */
  messageId: string;
  /** Structured, so nodemailer never reads it as a list of recipients. */
  to: Mailbox;
  subject: string;
  html: string;
  text: string;
}

/** Where e-mails go: an SMTP server, or .eml files for local development. */
export interface MailTransport {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

const SMTP_TIMEOUT_MS = 15_000;

/** E-mails the outbox worker sends at once, each on its own pooled SMTP connection. */
export const SEND_CONCURRENCY = 4;

/** Every e-mail here is sent by the system, not a person: auto-responders and vacation replies keep quiet (RFC 3834). */
const AUTOMATIC_HEADERS = { 'Auto-Submitted': 'auto-generated' };

function nodemailerMessage(from: string, email: OutgoingEmail) {
  return { from, ...email, to: { name: email.to.name ?? '', address: email.to.address }, headers: AUTOMATIC_HEADERS };
}

export function createMailTransport(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'MAIL_OUTBOX_DIR' | 'NODE_ENV'>, logger: Logger): MailTransport {
  if (config.SMTP_URL) return smtpTransport(config.SMTP_URL, config.MAIL_FROM);
  return emlFileTransport(config.MAIL_OUTBOX_DIR, config.MAIL_FROM, logger, isDevelopmentMode(config));
}

function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    // reuse SMTP connections across messages instead of a new connection + EHLO per e-mail
    pool: true,
    maxConnections: SEND_CONCURRENCY,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(email) {
      await transporter.sendMail(nodemailerMessage(from, email));
    },
    close: () => transporter.close(),
  };
}

/**
 * Without SMTP (development and tests only: SMTP_URL is required otherwise): each e-mail becomes an
 * .eml file (open it in any mail client). With NODE_ENV development or test its links are logged too,
 * so the flight-time form can be clicked straight from the terminal; otherwise they are one-time
 * secrets and stay out of the logs.
 */
function emlFileTransport(directory: string, from: string, logger: Logger, logLinks: boolean): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(email) {
      const info = await builder.sendMail(nodemailerMessage(from, email));
      await fs.mkdir(directory, { recursive: true });
      const file = path.join(directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^\w.-]/g, '')}.eml`);
      await fs.writeFile(file, info.message as Buffer);
      const links = logLinks ? (email.text.match(/https?:\/\/\S+/g) ?? []) : undefined;
      logger.info({ file, to: email.to.address, subject: email.subject, links }, 'e-mail written to file (no SMTP_URL configured)');
    },
    close: () => undefined,
  };
}
