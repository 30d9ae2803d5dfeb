import { Argon2Gate } from '../../src/security/argon2-gate';
import { createTestContext, type TestContext } from '../helpers/test-app';

describe('Argon2Gate', () => {
  it('runs at most maxRunning at once, queues at most maxWaiting, and refuses the rest with a 503 at once', async () => {
    const gate = new Argon2Gate(2, 3);
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const work = () =>
      new Promise<string>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        releases.push(() => {
          running -= 1;
          resolve('done');
        });
      });
    const outcomes = Array.from({ length: 7 }, () => gate.run(work).then((value) => value, (error: { status: number; extra: unknown }) => ({ status: error.status, extra: error.extra })));
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(2);
    // 2 running + 3 waiting; the 6th and 7th are refused without waiting
    const refused = await Promise.race([Promise.all([outcomes[5], outcomes[6]]), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 100))]);
    expect(refused).toEqual([
      { status: 503, extra: { retryAfterSeconds: 2 } },
      { status: 503, extra: { retryAfterSeconds: 2 } },
    ]);
    while (releases.length > 0 || running > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(outcomes.slice(0, 5))).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(peak).toBe(2);
  });
});

describe('a flood of sign-ins', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ ARGON2_MAX_WAITING: '0' });
  });
  afterAll(() => t.close());

  it('gets 503 with Retry-After in the status envelope beyond ARGON2_MAX_WAITING, never a 500, and sign-in works afterwards', async () => {
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => t.request().post('/api/auth/login').send({ username: `flood-${i}`, password: 'Not-the-password-1' })),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.every((status) => status === 401 || status === 503)).toBe(true);
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThanOrEqual(2);
    const busy = answers.find((res) => res.status === 503)!;
    expect(busy).toBeDefined();
    expect(busy.body).toEqual({ status: false, message: 'Too many sign-ins in progress: please retry in a moment', retryAfterSeconds: 2 });
    expect(busy.headers['retry-after']).toBe('2');

    const after = await t.request().post('/api/auth/login').send({ username: 'flood-0', password: 'Not-the-password-1' });
    expect(after.status).toBe(401);
  });
});
