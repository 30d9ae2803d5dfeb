import { createHmac, timingSafeEqual } from 'node:crypto';

/** The partner token: hex HMAC-SHA256 of the body string, keyed with the connector's secret. */
export function signBody(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of a presented token against the HMACs of each candidate body under each secret. */
export function tokenMatches(token: string, secrets: string[], bodies: Array<string | Buffer>): boolean {
  const presented = Buffer.from(token.toLowerCase(), 'utf8');
  let matched = false;
  for (const secret of secrets) {
    for (const body of bodies) {
      const expected = Buffer.from(signBody(secret, body), 'utf8');
      if (expected.length === presented.length && timingSafeEqual(expected, presented)) matched = true;
    }
  }
  return matched;
}
