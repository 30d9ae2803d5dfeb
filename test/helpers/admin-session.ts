import { generate } from 'otplib';
import { createAdmin } from '../../src/auth/admin.service';
import type { TestContext } from './test-app';
import { unique } from './factories';

/** The code an authenticator app would show for this secret at this instant. */
export function totpCodeAt(secret: string, at: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000) });
}

export interface AdminSession {
  memberId: number;
  username: string;
  password: string;
  email: string;
  token: string;
  totpSecret: string;
  backupCodes: string[];
}

/**
 * An admin made as admin:create makes one, signed in through the runbook's calls: login, TOTP setup,
 * verify-setup (with platform: ios, so the JWT is in the body). Pins the app clock to `at`.
 */
export async function signedInAdmin(t: TestContext, at = new Date()): Promise<AdminSession> {
  const username = unique('admin');
  const password = 'Correct-Horse-42-battery';
  const email = `${username}@iba.example`;
  const memberId = await createAdmin(t.pool, { username, password, email });
  t.setNow(at);
  const setup = await t.request().post('/api/auth/totp/setup').send({ username, password, member_id: memberId });
  if (setup.status !== 200) throw new Error(`TOTP setup failed: ${setup.status} ${JSON.stringify(setup.body)}`);
  const code = await totpCodeAt(setup.body.secret, at);
  const verified = await t
    .request()
    .post('/api/auth/totp/verify-setup')
    .set('platform', 'ios')
    .send({ username, password, member_id: memberId, code });
  if (verified.status !== 200) throw new Error(`verify-setup failed: ${verified.status} ${JSON.stringify(verified.body)}`);
  return { memberId, username, password, email, token: verified.body.token, totpSecret: setup.body.secret, backupCodes: setup.body.backupCodes };
}
