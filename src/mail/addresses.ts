import { randomUUID } from 'node:crypto';

/** A recipient as nodemailer takes it: a structured address is never split at commas or semicolons. */
export interface Mailbox {
  name?: string;
  address: string;
}

const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** One local part and one domain, with none of the characters that separate, group or quote addresses. */
const ONE_MAILBOX = /^[^\s\x00-\x1f\x7f"(),:;<>@[\\\]]+@([^\s\x00-\x1f\x7f"(),:;<>@[\\\]]+)$/;

/**
 * The domain of the sender address, e.g. "tunnelflight.com" for "IBA Logbook <no-reply@tunnelflight.com>",
 * or null when the value holds no address with a real (dotted) domain.
 */
export function mailDomainOf(from: string): string | null {
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from.trim();
  const domain = ONE_MAILBOX.exec(address.trim())?.[1];
  return domain && DOMAIN.test(domain) ? domain.toLowerCase() : null;
}

/** A Message-ID no other message anywhere carries: a random UUID at the sender's domain. */
export function newMessageId(domain: string): string {
  return `<${randomUUID()}@${domain}>`;
}

/**
 * The stored recipient as exactly one mailbox, or null when it is anything else: a list
 * ("a@x, b@y"), a display name with an address ("Name <a@x>"), a quoted or bracketed form, or
 * something with line breaks. Such a value is refused rather than guessed at.
 */
export function singleMailbox(value: string): Mailbox | null {
  return ONE_MAILBOX.test(value) ? { address: value } : null;
}
