import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * An HMAC secret as the KeyObject jsonwebtoken takes for HS256. Handed a string or a Buffer,
 * jsonwebtoken first tries to read it as a PEM public (verify) or private (sign) key and builds the
 * secret key only when that throws: on this VM the failed attempt cost ~600 µs per token, more than
 * the rest of an OAuth check-in. A KeyObject of type "secret" also rules out reading our secret as an
 * asymmetric key at all.
 */
export function hmacKey(secret: string | Buffer): KeyObject {
  return createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
}
