import { ensureLeaseTable, releaseLease, tryAcquireLease } from '../../src/db/lease';
import { createPool, type Pool } from '../../src/db/pool';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await ensureLeaseTable(t.pool);
});
afterAll(() => t.close());
beforeEach(() => t.pool.query('DELETE FROM leases'));

const MINUTE = 60_000;
const start = new Date('2026-12-01T10:00:00.000Z');
const at = (minutes: number) => new Date(start.getTime() + minutes * MINUTE);

describe('database leases', () => {
  it('ensureLeaseTable is safe to run again', async () => {
    await ensureLeaseTable(t.pool);
    await ensureLeaseTable(t.pool);
  });

  it('go to the first taker; others are refused until it expires, then the next taker gets it', async () => {
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10 * MINUTE, at(0))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10 * MINUTE, at(5))).toBe(false);
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10 * MINUTE, at(9.99))).toBe(false);
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10 * MINUTE, at(10))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10 * MINUTE, at(11))).toBe(false);
  });

  it('are renewed by their holder, which moves the expiry', async () => {
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10 * MINUTE, at(0))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10 * MINUTE, at(8))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10 * MINUTE, at(12))).toBe(false);
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10 * MINUTE, at(18))).toBe(true);
  });

  it('are released only by their holder', async () => {
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10 * MINUTE, at(0))).toBe(true);
    await releaseLease(t.pool, 'job', 'b');
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10 * MINUTE, at(1))).toBe(false);
    await releaseLease(t.pool, 'job', 'a');
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10 * MINUTE, at(1))).toBe(true);
  });

  it('are independent by name', async () => {
    expect(await tryAcquireLease(t.pool, 'one', 'a', 10 * MINUTE, at(0))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'two', 'b', 10 * MINUTE, at(0))).toBe(true);
  });

  it('have one winner when many processes try at the same moment', async () => {
    const pools: Pool[] = Array.from({ length: 8 }, () => createPool(t.config.DATABASE_URL, { connectionLimit: 1 }));
    try {
      for (let round = 0; round < 5; round++) {
        await t.pool.query('DELETE FROM leases');
        const won = await Promise.all(pools.map((pool, i) => tryAcquireLease(pool, 'race', `holder-${i}`, 10 * MINUTE, at(round))));
        expect(won.filter(Boolean)).toHaveLength(1);
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
