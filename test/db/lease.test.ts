import { ensureLeaseTable, releaseLease, tryAcquireLease } from '../../src/db/lease';
import type { RowDataPacket } from '../../src/db/pool';
import { selectRows } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await ensureLeaseTable(t.pool);
});
afterAll(() => t.close());

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe('leases on one server', () => {
  it('go to exactly one of twenty holders asking at once', async () => {
    const won = await Promise.all(Array.from({ length: 20 }, (_, i) => tryAcquireLease(t.pool, 'contended', `holder-${i}`, 60_000, at(0))));
    expect(won.filter(Boolean)).toHaveLength(1);
    const rows = await selectRows<RowDataPacket>(t.pool, "SELECT holder FROM leases WHERE name = 'contended'");
    expect(rows.map((row) => row.holder)).toEqual([`holder-${won.indexOf(true)}`]);
  });

  it('are renewed by their holder, refused to others until expired, then taken over', async () => {
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10_000, at(0))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10_000, at(5_000))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10_000, at(14_999))).toBe(false);
    expect(await tryAcquireLease(t.pool, 'job', 'b', 10_000, at(15_000))).toBe(true);
    expect(await tryAcquireLease(t.pool, 'job', 'a', 10_000, at(16_000))).toBe(false);
  });

  it('are free again once released, and only their holder releases them', async () => {
    expect(await tryAcquireLease(t.pool, 'release', 'a', 60_000, at(0))).toBe(true);
    await releaseLease(t.pool, 'release', 'b');
    expect(await tryAcquireLease(t.pool, 'release', 'b', 60_000, at(1))).toBe(false);
    await releaseLease(t.pool, 'release', 'a');
    expect(await tryAcquireLease(t.pool, 'release', 'b', 60_000, at(2))).toBe(true);
  });
});
