import type { RowDataPacket } from '../../src/db/pool';
import { retryOnConflict, withRetriedTransaction } from '../../src/db/retry';
import { selectRows } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await t.pool.query('CREATE TABLE IF NOT EXISTS retry_counters (id INT NOT NULL PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB');
});
afterAll(async () => {
  await t.pool.query('DROP TABLE IF EXISTS retry_counters');
  await t.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withRetriedTransaction', () => {
  it('runs a transaction that lost a real deadlock again, so both writers get through', async () => {
    await t.pool.query('DELETE FROM retry_counters');
    await t.pool.query('INSERT INTO retry_counters (id, n) VALUES (1, 0), (2, 0)');
    let attempts = 0;
    // two transactions lock the two rows in opposite order: InnoDB rolls one back with 1213
    const increment = (first: number, second: number) =>
      withRetriedTransaction(t.pool, async (connection) => {
        attempts += 1;
        await connection.query('UPDATE retry_counters SET n = n + 1 WHERE id = ?', [first]);
        await sleep(100);
        await connection.query('UPDATE retry_counters SET n = n + 1 WHERE id = ?', [second]);
      });
    await Promise.all([increment(1, 2), increment(2, 1)]);
    expect(attempts).toBe(3);
    const rows = await selectRows<RowDataPacket>(t.pool, 'SELECT id, n FROM retry_counters ORDER BY id');
    expect(rows.map((row) => Number(row.n))).toEqual([2, 2]);
  });
});

describe('retryOnConflict', () => {
  const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });

  it('gives up after six attempts and passes the conflict on', async () => {
    let attempts = 0;
    await expect(
      retryOnConflict(async () => {
        attempts += 1;
        throw deadlock();
      }),
    ).rejects.toMatchObject({ errno: 1213 });
    expect(attempts).toBe(6);
  });

  it('does not repeat work that failed for any other reason', async () => {
    let attempts = 0;
    await expect(
      retryOnConflict(async () => {
        attempts += 1;
        throw Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062 });
      }),
    ).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(attempts).toBe(1);
  });
});
