import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the presented client secret is one of the connector's active secrets. Compared as
 * SHA-256 digests (equal length whatever was sent) in constant time, and every candidate is compared.
 */
export function clientSecretMatches(presented: string, secrets: readonly string[]): boolean {
  const actual = digest(presented);
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(digest(secret), actual)) matched = true;
  }
  return matched;
}
