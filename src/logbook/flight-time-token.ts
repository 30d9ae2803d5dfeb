import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe. Only its SHA-256 is stored. */
export function newFlightTimeToken(): { token: string; tokenHash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashFlightTimeToken(token) };
}

export function hashFlightTimeToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function flightTimeLinkUrl(appBaseUrl: string, token: string): string {
  return `${appBaseUrl}/flight-time/${token}`;
}
