import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../config';

/**
 * Secrets the server must read back (TOTP secrets, connector secrets) are stored encrypted with
 * AES-256-GCM under SECRETS_KEY, as one self-describing string:
 *
 *   enc1:<key id>:<iv>:<ciphertext + tag>      (iv and ciphertext in base64url)
 *
 * The key id (8 hex digits derived from the key, never the key) says which key sealed the value, so
 * SECRETS_KEY can be replaced: the old key moves to SECRETS_OLD_KEYS, values sealed with it still
 * open, and `npm run secrets:rotate-key` re-seals every row under the new one.
 *
 * Each value is sealed for a context (e.g. `members.totp_secret:42`), authenticated but not stored:
 * a sealed value copied into another row or column does not open there.
 *
 * A stored value that is not in this format is a plain legacy value (rows from before encryption,
 * or inserted by hand): it is returned as is, flagged for re-sealing.
 */
const FORMAT = 'enc1';
const SEALED = /^enc1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface RevealedSecret {
  value: string;
  /** Plain (never sealed) or sealed under an old key: write it back sealed under the current key. */
  needsReseal: boolean;
}

/** A sealed value that cannot be opened: its key is not configured, or it was altered or moved. */
export class UnreadableSecretError extends Error {}

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(
    private readonly currentKey: Buffer,
    oldKeys: readonly Buffer[] = [],
  ) {
    if (currentKey.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.currentKeyId = keyIdOf(currentKey);
    this.keys.set(this.currentKeyId, currentKey);
    for (const key of oldKeys) {
      if (key.length !== 32) throw new Error('SecretBox needs 32-byte keys');
      if (!this.keys.has(keyIdOf(key))) this.keys.set(keyIdOf(key), key);
    }
  }

  static fromConfig(config: Pick<Config, 'SECRETS_KEY' | 'SECRETS_OLD_KEYS'>): SecretBox {
    return new SecretBox(config.SECRETS_KEY, config.SECRETS_OLD_KEYS);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, iv);
    cipher.setAAD(aadFor(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}:${this.currentKeyId}:${iv.toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  reveal(stored: string, context: string): RevealedSecret {
    const match = SEALED.exec(stored);
    if (!match) {
      // a sealed value cut short or mangled must not pass for a plain secret (and be sealed as one)
      if (stored.startsWith(`${FORMAT}:`)) throw new UnreadableSecretError('a sealed secret is damaged: it does not have the sealed form');
      return { value: stored, needsReseal: true };
    }
    const [, keyId, ivText, sealedText] = match;
    const key = this.keys.get(keyId);
    if (!key) throw new UnreadableSecretError(`a secret is sealed with key ${keyId}, which is neither SECRETS_KEY nor in SECRETS_OLD_KEYS`);
    const sealed = Buffer.from(sealedText, 'base64url');
    if (sealed.length < TAG_BYTES) throw new UnreadableSecretError('a sealed secret is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(aadFor(context));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      return { value: plaintext.toString('utf8'), needsReseal: keyId !== this.currentKeyId };
    } catch {
      throw new UnreadableSecretError(`a secret sealed with key ${keyId} does not open for ${context}: altered, or copied from another row`);
    }
  }

  isSealedWithCurrentKey(stored: string): boolean {
    return SEALED.exec(stored)?.[1] === this.currentKeyId;
  }
}

/** The stored prefix of every value sealed under a key: lets SQL find the rows that still need re-sealing. */
export function sealedPrefix(keyId: string): string {
  return `${FORMAT}:${keyId}:`;
}

function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('iba secret-box key id').digest('hex').slice(0, 8);
}

function aadFor(context: string): Buffer {
  return Buffer.from(`${FORMAT}|${context}`, 'utf8');
}
