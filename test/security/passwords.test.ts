import { hashPassword, passwordMatches, passwordWeakness } from '../../src/security/passwords';

describe('passwordWeakness', () => {
  it.each([
    ['Short-1', 'Password is too weak: use at least 12 characters'],
    ['abcdefghijklmnop', 'Password is too weak: mix at least two of lower case, upper case, digits and symbols'],
    ['123456789012', 'Password is too weak: mix at least two of lower case, upper case, digits and symbols'],
    ['my-iba-admin-2026', 'Password is too weak: it must not contain the username'],
    ['x'.repeat(100) + 'Y'.repeat(29), 'Password is too long: use at most 128 characters'],
  ])('refuses %j', (password, reason) => {
    expect(passwordWeakness(password, 'IBA-Admin')).toBe(reason);
  });

  it.each(['Tunnel-Admin-2026', 'correct horse battery staple 7', 'UPPER and lower'])('accepts %j', (password) => {
    expect(passwordWeakness(password, 'iba-admin')).toBeNull();
  });
});

describe('hashPassword / passwordMatches', () => {
  it('stores argon2id hashes with a random salt and checks them', async () => {
    const first = await hashPassword('Tunnel-Admin-2026');
    const second = await hashPassword('Tunnel-Admin-2026');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
    expect(await passwordMatches('Tunnel-Admin-2026', first)).toBe(true);
    expect(await passwordMatches('tunnel-admin-2026', first)).toBe(false);
  });

  it('answers false, never throws, for a missing or malformed stored hash', async () => {
    expect(await passwordMatches('anything', null)).toBe(false);
    expect(await passwordMatches('anything', 'not-a-hash')).toBe(false);
  });
});
