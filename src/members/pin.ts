import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * PINs are five or six digits, so a slow hash adds little: the lockout stops online guessing and the
 * server-side pepper makes a stolen table useless on its own. HMAC-SHA256 keeps check-ins cheap.
 */
export function hashPin(pin: string, pepper: string): string {
  return createHmac('sha256', pepper).update(pin, 'utf8').digest('hex');
}

/** Constant-time comparison of a PIN against a stored hash. */
export function pinMatches(pin: string, storedHash: string | null, pepper: string): boolean {
  if (!storedHash) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashPin(pin, pepper), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
