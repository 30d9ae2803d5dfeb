import { createHash, createHmac } from 'node:crypto';

/**
 * The shape of the generated benchmark data, shared by the generator (which writes it) and the load
 * process (which builds requests against it), so both agree without reading the database.
 */
export const BENCH_DATABASE_NAME = 'iba_bench';
export const MEMBER_COUNT = 100_000;
export const TUNNEL_COUNT = 25;
/** FuzeMetrix tunnel ids are FM_TUNNEL_ID_BASE + 1 .. + TUNNEL_COUNT. */
export const FM_TUNNEL_ID_BASE = 1000;
/** Admins with TOTP turned on, each with their own secret, so every verify-totp request is a fresh, valid code. */
export const ADMIN_COUNT = 20_000;
export const ADMIN_MEMBER_ID_BASE = 1_000_000;
export const ADMIN_PASSWORD = 'bench-admin-password-42';
/** Purchase ids of generated bookings stay below this; the load uses ids above it. */
export const GENERATED_PURCHASE_ID_LIMIT = 1_000_000_000;

export const PARTNER_PATHS = {
  validatePin: '/api/external/fuse-metrix/validate-pin',
  getMember: '/api/external/fuse-metrix/get-member',
  createBooking: '/api/external/fuse-metrix/create-booking',
} as const;

export const BENCH_CONNECTOR = { clientId: 'b3nchc0nnect0r00b3nchc0nnect0r00', secret: 'YmVuY2gtY29ubmVjdG9yLXNlY3JldA==', email: 'bench@example.com' };

/** Each member's PIN, derived from the id: five digits for a tenth of the members, six for the rest. */
export function pinFor(memberId: number): string {
  const mixed = (memberId * 2654435761) % 4294967296;
  return memberId % 10 === 0 ? String(10000 + (mixed % 90000)) : String(100000 + (mixed % 900000));
}

export const adminUsername = (index: number) => `bench-admin-${index}`;

/** The API's SECRETS_KEY for a bench database, derived from its PIN pepper, so --reuse-data needs no second file. */
export function benchSecretsKey(pinPepper: string): Buffer {
  return createHash('sha256').update(`bench secrets key\n${pinPepper}`).digest();
}

/** Deterministic base32 TOTP secret per admin (20 bytes, as authenticator apps expect). */
export function totpSecretFor(index: number): string {
  const bytes = createHmac('sha256', 'bench-totp-seed').update(String(index)).digest().subarray(0, 20);
  return base32(bytes);
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
