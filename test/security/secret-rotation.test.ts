import { randomBytes } from 'node:crypto';
import pino from 'pino';
import supertest from 'supertest';
import { createAdmin } from '../../src/auth/admin.service';
import { newTotpSecret } from '../../src/auth/totp';
import { createApp } from '../../src/app';
import type { RowDataPacket } from '../../src/db/pool';
import { SecretBox } from '../../src/security/secret-box';
import { totpCodeAt } from '../helpers/admin-session';
import { runCliScript } from '../helpers/cli';
import { selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext, testConfig } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const PASSWORD = 'Correct-Horse-42-battery';
const T0 = new Date('2026-05-04T09:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const context = (memberId: number) => `members.totp_secret:${memberId}`;

/** An admin with TOTP on and the secret stored as given (plain, as before encryption, or sealed). */
async function adminWithTotp(stored: (memberId: number, secret: string) => string) {
  const username = unique('admin');
  const memberId = await createAdmin(t.pool, { username, password: PASSWORD, email: `${username}@iba.example` });
  const secret = newTotpSecret();
  await t.pool.query('UPDATE members SET totp_secret = ?, totp_enabled = TRUE WHERE member_id = ?', [stored(memberId, secret), memberId]);
  return { memberId, username, secret };
}

const storedSecret = async (memberId: number) =>
  (await selectRows<RowDataPacket>(t.pool, 'SELECT totp_secret FROM members WHERE member_id = ?', [memberId]))[0].totp_secret as string;

const verifyTotp = (app: Parameters<typeof supertest>[0], admin: { memberId: number; username: string }, code: string) =>
  supertest(app).post('/api/auth/verify-totp').send({ username: admin.username, password: PASSWORD, member_id: admin.memberId, code });

describe('TOTP secrets at rest', () => {
  it('keeps a plain secret from before encryption working, and seals it the first time it is used', async () => {
    const admin = await adminWithTotp((_id, secret) => secret);
    t.setNow(T0);
    expect((await verifyTotp(t.app, admin, await totpCodeAt(admin.secret, T0))).status).toBe(200);
    const sealed = await storedSecret(admin.memberId);
    expect(sealed).toMatch(/^enc1:/);
    expect(SecretBox.fromConfig(t.config).reveal(sealed, context(admin.memberId))).toEqual({ value: admin.secret, needsReseal: false });
    t.setNow(at(30));
    expect((await verifyTotp(t.app, admin, await totpCodeAt(admin.secret, at(30)))).status).toBe(200);
  });

  it('does not accept a sealed secret copied from another member (it does not open in that row)', async () => {
    const box = SecretBox.fromConfig(t.config);
    const victim = await adminWithTotp((id, secret) => box.seal(secret, context(id)));
    const attacker = await adminWithTotp((id, secret) => box.seal(secret, context(id)));
    await t.pool.query('UPDATE members SET totp_secret = ? WHERE member_id = ?', [await storedSecret(attacker.memberId), victim.memberId]);
    t.setNow(T0);
    const res = await verifyTotp(t.app, victim, await totpCodeAt(attacker.secret, T0));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ status: false, message: 'Internal server error' });
  });
});

describe('npm run secrets:rotate-key', () => {
  // each test starts with no TOTP secrets but its own
  beforeEach(() => t.pool.query('UPDATE members SET totp_enabled = FALSE, totp_secret = NULL'));

  it('re-seals every TOTP secret (plain, under an old key, already current) under the new key; sign-in works with the new key alone', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const oldBox = new SecretBox(oldKey);
    const plain = await adminWithTotp((_id, secret) => secret);
    const underOldKey = await adminWithTotp((id, secret) => oldBox.seal(secret, context(id)));
    const newBox = new SecretBox(newKey);
    const alreadyCurrent = await adminWithTotp((id, secret) => newBox.seal(secret, context(id)));
    const currentBefore = await storedSecret(alreadyCurrent.memberId);

    const result = await runCliScript('src/cli/rotate-secrets-key.ts', [], t.config.DATABASE_URL, {
      env: { SECRETS_KEY: newKey.toString('base64'), SECRETS_OLD_KEYS: `${oldKey.toString('hex')}` },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`members.totp_secret: 2 re-encrypted under key ${newBox.currentKeyId}`);
    expect(result.stdout).toContain(`Every secret is sealed with key ${newBox.currentKeyId}; SECRETS_OLD_KEYS can be emptied.`);

    for (const admin of [plain, underOldKey, alreadyCurrent]) {
      const stored = await storedSecret(admin.memberId);
      expect(newBox.isSealedWithCurrentKey(stored)).toBe(true);
      expect(newBox.reveal(stored, context(admin.memberId)).value).toBe(admin.secret);
    }
    expect(await storedSecret(alreadyCurrent.memberId)).toBe(currentBefore);

    const app = createApp({ config: testConfig({ SECRETS_KEY: newKey.toString('hex') }), pool: t.pool, logger: pino({ level: 'silent' }), clock: () => T0 });
    for (const admin of [plain, underOldKey, alreadyCurrent]) {
      expect((await verifyTotp(app, admin, await totpCodeAt(admin.secret, T0))).status).toBe(200);
    }
  });

  it('stops and says which key is missing when a secret is sealed with a key it was not given', async () => {
    const lostKey = randomBytes(32);
    await adminWithTotp((id, secret) => new SecretBox(lostKey).seal(secret, context(id)));
    const result = await runCliScript('src/cli/rotate-secrets-key.ts', [], t.config.DATABASE_URL, { env: { SECRETS_KEY: randomBytes(32).toString('hex') } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`Not done: a secret is sealed with key ${new SecretBox(lostKey).currentKeyId}, which is neither SECRETS_KEY nor in SECRETS_OLD_KEYS`);
  });
});
