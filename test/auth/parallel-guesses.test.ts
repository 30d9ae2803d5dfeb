import type { RowDataPacket } from '../../src/db/pool';
import { createAdmin } from '../../src/auth/admin.service';
import { AttemptLimiter } from '../../src/security/attempt-limiter';
import { totpCodeAt } from '../helpers/admin-session';
import { createMember, selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Attack (review): the TOTP and e-mailed-code limits were checked before the code and counted after
 * it, so guesses sent in parallel all passed the check. Now each guess is counted before it is judged,
 * one after the other. Requests come from different addresses (a trusted proxy on loopback), so the
 * password throttle, which counts per address, stays out of the way.
 */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ TRUST_PROXY: 'loopback' });
});
afterAll(() => t.close());

const PASSWORD = 'Correct-Horse-42-battery';
const T0 = new Date('2026-05-04T09:00:10Z');

describe('guesses sent in parallel', () => {
  it('AttemptLimiter.begin lets exactly maxFailures of a burst through, whatever the member, counter made or not', async () => {
    const limiter = new AttemptLimiter('email_otp', { maxFailures: 5, windowMs: 60_000, lockMs: 60_000 });
    const member = await createMember(t.pool, t.config.PIN_PEPPER, {});
    const attempts = await Promise.all(Array.from({ length: 30 }, () => limiter.begin(t.pool, member.member_id, T0)));
    expect(attempts.filter((attempt) => attempt.lockedForSeconds === 0)).toHaveLength(5);
    expect(attempts.filter((attempt) => attempt.lockedForSeconds === 60)).toHaveLength(25);
    expect(attempts.filter((attempt) => attempt.locksIfWrong)).toHaveLength(1);
    const [counter] = await selectRows<RowDataPacket>(t.pool, "SELECT failures FROM auth_attempts WHERE member_id = ? AND kind = 'email_otp'", [member.member_id]);
    expect(counter.failures).toBe(5);
  });

  it('verify-totp judges five wrong codes of a parallel burst and refuses the rest; the right code then waits out the lock', async () => {
    const username = unique('admin');
    const memberId = await createAdmin(t.pool, { username, password: PASSWORD, email: `${username}@iba.example` });
    t.setNow(T0);
    const setup = await t.request().post('/api/auth/totp/setup').send({ username, password: PASSWORD, member_id: memberId });
    const enrolled = await t.request().post('/api/auth/totp/verify-setup').send({ username, password: PASSWORD, member_id: memberId, code: await totpCodeAt(setup.body.secret, T0) });
    expect(enrolled.status).toBe(200);

    const later = new Date(T0.getTime() + 60_000);
    t.setNow(later);
    const right = await totpCodeAt(setup.body.secret, later);
    const wrong = right === '000000' ? '111111' : '000000';
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.request().post('/api/auth/verify-totp').set('X-Forwarded-For', `198.51.100.${i + 1}`).send({ username, password: PASSWORD, member_id: memberId, code: wrong }),
      ),
    );
    expect(guesses.filter((res) => res.status === 401)).toHaveLength(5);
    expect(guesses.filter((res) => res.status === 429)).toHaveLength(7);
    const locked = await t.request().post('/api/auth/verify-totp').set('X-Forwarded-For', '198.51.100.99').send({ username, password: PASSWORD, member_id: memberId, code: right });
    expect(locked.status).toBe(429);
  });
});
