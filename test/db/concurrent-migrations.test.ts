import { migrate } from '../../src/db/migrate';
import type { RowDataPacket } from '../../src/db/pool';
import { createPool } from '../../src/db/pool';
import { createEmptyDatabase, dropTestDatabase, testDatabaseUrl } from '../helpers/database';

describe('migrations from two processes at once', () => {
  const url = testDatabaseUrl(`concurrent_${process.env.JEST_WORKER_ID ?? '1'}`);

  afterAll(() => dropTestDatabase(url));

  it('apply every file exactly once on a fresh database', async () => {
    await dropTestDatabase(url);
    await createEmptyDatabase(url);

    const [first, second] = await Promise.all([migrate(url), migrate(url)]);
    const appliedTotal = [...first.applied, ...second.applied].sort();
    expect(new Set(appliedTotal).size).toBe(appliedTotal.length);
    expect(first.version).toBe(second.version);

    const pool = createPool(url, { connectionLimit: 1 });
    try {
      const [roles] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM roles');
      expect(Number(roles[0].n)).toBe(4);
    } finally {
      await pool.end();
    }
  });
});
