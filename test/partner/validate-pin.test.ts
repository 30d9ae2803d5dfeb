import type { RowDataPacket } from '../../src/db/pool';
import { createConnector, createMember, selectRows, type CreatedConnector } from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const OK = { valid: true, message: 'Member validated successfully' };
const MINUTE = 60_000;

let t: TestContext;
let connector: CreatedConnector;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
});
afterAll(() => t.close());

const validatePin = (body: unknown) => signedPost(t.request(), connector, VALIDATE_PIN, body);

async function pinAttempts(memberId: number) {
  return selectRows<RowDataPacket>(t.pool, "SELECT failures, locked_until FROM auth_attempts WHERE member_id = ? AND kind = 'pin'", [memberId]);
}

describe('POST /api/external/fuse-metrix/validate-pin', () => {
  it("answers 200 'Member validated successfully' for the right PIN, with the page's exact body", async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    const res = await validatePin({ member_id: member.member_id, member_pin: '67510' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('writes nothing for a right PIN with no earlier failures', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    await validatePin({ member_id: member.member_id, member_pin: '67510' }).expect(200);
    expect(await pinAttempts(member.member_id)).toEqual([]);
  });

  it('accepts the PIN as a JSON number and the member id as a numeric string', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    const res = await validatePin({ member_id: String(member.member_id), member_pin: 67510 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('accepts five- and six-digit PINs', async () => {
    const six = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '012345' });
    await validatePin({ member_id: six.member_id, member_pin: '012345' }).expect(200);
  });

  it("answers 422 'Member not found' for an unknown member", async () => {
    const res = await validatePin({ member_id: 999_999_999, member_pin: '67510' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Member not found' });
  });

  it("answers 422 'Invalid PIN' for a wrong PIN and counts the failure", async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    const res = await validatePin({ member_id: member.member_id, member_pin: '67511' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid PIN' });
    expect(await pinAttempts(member.member_id)).toEqual([expect.objectContaining({ failures: 1, locked_until: null })]);
  });

  it("answers 422 'Invalid PIN' for a member who has no PIN set", async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: null });
    const res = await validatePin({ member_id: member.member_id, member_pin: '00000' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid PIN' });
  });

  it("answers 422 'Missing required fields: member_id, member_pin' for an empty body, in the page's order", async () => {
    const res = await validatePin({});
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Missing required fields: member_id, member_pin' });
  });

  it('names only the missing field', async () => {
    const res = await validatePin({ member_pin: '67510' });
    expect(res.body).toEqual({ valid: false, message: 'Missing required fields: member_id' });
    const blank = await validatePin({ member_id: 60649, member_pin: '  ' });
    expect(blank.body).toEqual({ valid: false, message: 'Missing required fields: member_pin' });
  });

  it.each([['abc'], [0], [-5], [1.5], ['60649abc'], [true], [{ id: 1 }]])("answers 422 'Invalid member ID' for member_id %j", async (memberId) => {
    const res = await validatePin({ member_id: memberId, member_pin: '67510' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid member ID' });
  });

  it.each([['1234'], ['1234567'], ['12a45'], [1234]])("answers the page's 'Invalid PIN' for the PIN %j of the wrong form, and counts it as a wrong guess", async (pin) => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    const res = await validatePin({ member_id: member.member_id, member_pin: pin });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid PIN' });
    expect(await pinAttempts(member.member_id)).toEqual([expect.objectContaining({ failures: 1 })]);
  });

  it('locks the member after 5 PINs of the wrong length, as after any 5 wrong PINs', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    for (const pin of ['1', '12', '123', '1234', '1234567']) {
      expect((await validatePin({ member_id: member.member_id, member_pin: pin })).body).toEqual({ valid: false, message: 'Invalid PIN' });
    }
    const locked = await validatePin({ member_id: member.member_id, member_pin: '67510' });
    expect(locked.status).toBe(429);
  });

  it.each([[true], [['67510']], [{ pin: '67510' }]])("answers 'Invalid PIN' for a member_pin that is not text or a number (%j)", async (pin) => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    const res = await validatePin({ member_id: member.member_id, member_pin: pin });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid PIN' });
  });

  describe('PIN lockout', () => {
    afterEach(() => t.setNow(null));

    it('answers 429 after 5 wrong PINs within 15 minutes, even for the right PIN, until the lock passes', async () => {
      const start = new Date('2030-01-01T10:00:00Z');
      t.setNow(start);
      const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
      for (let attempt = 1; attempt <= 5; attempt++) {
        t.setNow(new Date(start.getTime() + attempt * MINUTE));
        const wrong = await validatePin({ member_id: member.member_id, member_pin: '00000' });
        expect(wrong.body).toEqual({ valid: false, message: 'Invalid PIN' });
      }

      t.setNow(new Date(start.getTime() + 6 * MINUTE));
      const locked = await validatePin({ member_id: member.member_id, member_pin: '67510' });
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({ valid: false, message: 'Too many invalid PIN attempts. Try again in 14 minutes', retryAfterSeconds: 840 });
      expect(locked.headers['retry-after']).toBe('840');

      t.setNow(new Date(start.getTime() + 5 * MINUTE + 1000));
      const justLocked = await validatePin({ member_id: member.member_id, member_pin: '67510' });
      expect(justLocked.body.message).toBe('Too many invalid PIN attempts. Try again in 15 minutes');

      t.setNow(new Date(start.getTime() + 20 * MINUTE + 1000));
      const afterLock = await validatePin({ member_id: member.member_id, member_pin: '67510' });
      expect(afterLock.status).toBe(200);
      expect(afterLock.body).toEqual(OK);
      expect(await pinAttempts(member.member_id)).toEqual([]);
    });

    it('resets the count when the right PIN comes before the fifth failure', async () => {
      const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
      for (let attempt = 0; attempt < 4; attempt++) await validatePin({ member_id: member.member_id, member_pin: '00000' }).expect(422);
      await validatePin({ member_id: member.member_id, member_pin: '67510' }).expect(200);
      expect(await pinAttempts(member.member_id)).toEqual([]);

      for (let attempt = 0; attempt < 4; attempt++) await validatePin({ member_id: member.member_id, member_pin: '00000' }).expect(422);
      const res = await validatePin({ member_id: member.member_id, member_pin: '67510' });
      expect(res.status).toBe(200);
    });

    it('starts a new count when earlier failures are older than 15 minutes', async () => {
      const start = new Date('2030-02-01T10:00:00Z');
      t.setNow(start);
      const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
      for (let attempt = 0; attempt < 4; attempt++) await validatePin({ member_id: member.member_id, member_pin: '00000' }).expect(422);
      t.setNow(new Date(start.getTime() + 16 * MINUTE));
      for (let attempt = 0; attempt < 4; attempt++) await validatePin({ member_id: member.member_id, member_pin: '00000' }).expect(422);
      await validatePin({ member_id: member.member_id, member_pin: '67510' }).expect(200);
    });

    it('locks one member only', async () => {
      const guessed = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
      const other = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
      for (let attempt = 0; attempt < 5; attempt++) await validatePin({ member_id: guessed.member_id, member_pin: '00000' });
      await validatePin({ member_id: guessed.member_id, member_pin: '67510' }).expect(429);
      await validatePin({ member_id: other.member_id, member_pin: '67510' }).expect(200);
    });

    it('judges only 5 of 20 wrong PINs sent at once; the other 15 are refused with 429', async () => {
      const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
      const guesses = Array.from({ length: 20 }, (_, index) => String(10000 + index));
      const answers = await Promise.all(guesses.map((pin) => validatePin({ member_id: member.member_id, member_pin: pin })));
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses.filter((status) => status === 422)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(15);
      expect(await pinAttempts(member.member_id)).toEqual([expect.objectContaining({ failures: 5 })]);
    });
  });
});
