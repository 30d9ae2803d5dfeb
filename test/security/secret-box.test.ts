import { randomBytes } from 'node:crypto';
import { SecretBox, UnreadableSecretError } from '../../src/security/secret-box';

const key = randomBytes(32);
const box = new SecretBox(key);
const CONTEXT = 'members.totp_secret:42';

describe('SecretBox (AES-256-GCM)', () => {
  it('seals to a versioned envelope with the key id, a fresh IV each time, and opens it again', () => {
    const first = box.seal('JBSWY3DPEHPK3PXP', CONTEXT);
    const second = box.seal('JBSWY3DPEHPK3PXP', CONTEXT);
    expect(first).toMatch(new RegExp(`^enc1:${box.currentKeyId}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$`));
    expect(first).not.toBe(second);
    expect(first).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.reveal(first, CONTEXT)).toEqual({ value: 'JBSWY3DPEHPK3PXP', needsReseal: false });
    expect(box.isSealedWithCurrentKey(first)).toBe(true);
  });

  it('does not open a value moved to another row, altered, or sealed with a key it does not have', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', CONTEXT);
    expect(() => box.reveal(sealed, 'members.totp_secret:43')).toThrow(UnreadableSecretError);
    const flipped = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BA' : 'AA');
    expect(() => box.reveal(flipped, CONTEXT)).toThrow(UnreadableSecretError);
    expect(() => new SecretBox(randomBytes(32)).reveal(sealed, CONTEXT)).toThrow(/sealed with key [0-9a-f]{8}, which is neither SECRETS_KEY nor in SECRETS_OLD_KEYS/);
  });

  it('does not take a damaged sealed value (cut short, a part lost) for a plain secret', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', CONTEXT);
    for (const damaged of [sealed.slice(0, sealed.lastIndexOf(':')), `enc1:${box.currentKeyId}:`, 'enc1:']) {
      expect(() => box.reveal(damaged, CONTEXT)).toThrow(UnreadableSecretError);
    }
  });

  it('opens values sealed with an old key and flags them for re-sealing under the new one', () => {
    const rotated = new SecretBox(randomBytes(32), [key]);
    expect(rotated.currentKeyId).not.toBe(box.currentKeyId);
    const old = box.seal('JBSWY3DPEHPK3PXP', CONTEXT);
    expect(rotated.reveal(old, CONTEXT)).toEqual({ value: 'JBSWY3DPEHPK3PXP', needsReseal: true });
    expect(rotated.reveal(rotated.seal('x', CONTEXT), CONTEXT)).toEqual({ value: 'x', needsReseal: false });
  });

  it('passes a plain legacy value through, flagged for sealing', () => {
    expect(box.reveal('JBSWY3DPEHPK3PXP', CONTEXT)).toEqual({ value: 'JBSWY3DPEHPK3PXP', needsReseal: true });
    expect(box.isSealedWithCurrentKey('JBSWY3DPEHPK3PXP')).toBe(false);
  });
});
