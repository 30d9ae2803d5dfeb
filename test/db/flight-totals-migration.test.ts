import { migrate } from '../../src/db/migrate';
import { createPool, type RowDataPacket } from '../../src/db/pool';
import { createEmptyDatabase, dropTestDatabase, testDatabaseUrl } from '../helpers/database';

/** Upgrading a database whose members already have logbooks (migration 050). */
describe('the flight-total migration on a database in use', () => {
  const url = testDatabaseUrl(`flight_totals_upgrade_${process.env.JEST_WORKER_ID ?? '1'}`);
  afterAll(() => dropTestDatabase(url));

  it("sets every member's total to the sum of their logbook and leaves updated_at alone", async () => {
    await dropTestDatabase(url);
    await createEmptyDatabase(url);
    await migrate(url, '49');
    const pool = createPool(url, { connectionLimit: 1 });
    try {
      await pool.query("INSERT INTO tunnels (tunnel_id, name) VALUES (1, 'Old Tunnel')");
      await pool.query(
        `INSERT INTO members (member_id, email, role_id, screen_name, first_name, last_name, updated_at) VALUES
           (1, 'one@example.com', 2, 'One', 'One', 'Flyer', '2026-01-02 03:04:05.000'),
           (2, 'two@example.com', 2, 'Two', 'Two', 'Flyer', '2026-01-02 03:04:05.000'),
           (3, 'never@example.com', 2, 'Never', 'Never', 'Flown', '2026-01-02 03:04:05.000')`,
      );
      await pool.query(
        `INSERT INTO logbook_entries (member_id, tunnel_id, flight_at, minutes, source) VALUES
           (1, 1, '2025-04-08 07:40:00', 20, 'manual'), (1, 1, '2025-05-08 07:40:00', 33, 'manual'), (2, 1, '2025-06-08 07:40:00', 600, 'manual')`,
      );

      await migrate(url);

      const [rows] = await pool.query<RowDataPacket[]>('SELECT member_id, total_flight_minutes, updated_at FROM members ORDER BY member_id');
      const updatedAt = new Date('2026-01-02T03:04:05.000Z');
      expect(rows).toEqual([
        { member_id: 1, total_flight_minutes: 53, updated_at: updatedAt },
        { member_id: 2, total_flight_minutes: 600, updated_at: updatedAt },
        { member_id: 3, total_flight_minutes: 0, updated_at: updatedAt },
      ]);
    } finally {
      await pool.end();
    }
  });
});
