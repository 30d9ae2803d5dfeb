import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The partner token: hex HMAC-SHA256 of the request body with the connector's secret, exactly the
 * page's `crypto.createHmac('SHA256', secret).update(JSON.stringify(body)).digest('hex')`.
 */
export function signBody(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

const HEX_TOKEN = /^[0-9a-f]{64}$/;

/**
 * Whether the token is the signature of any of the candidate bodies under this secret. Every
 * candidate is compared in constant time and none is skipped, so the answer's timing says nothing
 * about which candidate (or how much of a token) matched. Hex is compared case-insensitively:
 * clients in other languages often print it in capitals.
 */
export function tokenMatches(token: string, secret: string, candidates: ReadonlyArray<Buffer | string>): boolean {
  const normalised = token.trim().toLowerCase();
  if (!HEX_TOKEN.test(normalised)) return false;
  const actual = Buffer.from(normalised, 'hex');
  let matched = false;
  for (const candidate of candidates) {
    const expected = Buffer.from(signBody(secret, candidate), 'hex');
    if (timingSafeEqual(expected, actual)) matched = true;
  }
  return matched;
}
