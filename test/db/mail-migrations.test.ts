import { migrate } from '../../src/db/migrate';
import { createPool, type RowDataPacket } from '../../src/db/pool';
import { createEmptyDatabase, dropTestDatabase, testDatabaseUrl } from '../helpers/database';

/** Upgrading a database that already holds tunnels and e-mails (migrations 020 to 022). */
describe('the time zone and Message-ID migrations on a database in use', () => {
  const url = testDatabaseUrl(`mail_upgrade_${process.env.JEST_WORKER_ID ?? '1'}`);
  afterAll(() => dropTestDatabase(url));

  it('gives existing tunnels UTC, keeps the ids of queued e-mails, and drops the subjects of sent ones', async () => {
    await dropTestDatabase(url);
    await createEmptyDatabase(url);
    // the schema as it was before these migrations: every file numbered below 020
    await migrate(url, '19');
    const pool = createPool(url, { connectionLimit: 1 });
    try {
      await pool.query("INSERT INTO tunnels (tunnel_id, name, fuse_metrix_tunnel_id) VALUES (7, 'Old Tunnel', 77)");
      await pool.query(
        `INSERT INTO outbox_messages (outbox_message_id, template, to_address, subject, html_body, text_body, next_attempt_at, sent_at) VALUES
           (41, 'auth/login-code', 'sent@example.com', 'Your IBA sign-in code: 123456', NULL, NULL, '2026-11-01 10:00:00', '2026-11-01 10:00:01'),
           (42, 'logbook/external-time-entry-active', 'queued@example.com', 'Your 9 minutes at Old Tunnel are in your IBA logbook', '<p>x</p>', 'x', '2026-11-01 10:00:00', NULL)`,
      );

      await migrate(url);

      const [tunnel] = (await pool.query<RowDataPacket[]>('SELECT time_zone FROM tunnels WHERE tunnel_id = 7'))[0];
      expect(tunnel.time_zone).toBe('UTC');
      const [rows] = await pool.query<RowDataPacket[]>('SELECT outbox_message_id, message_id, subject, failed_at FROM outbox_messages ORDER BY outbox_message_id');
      expect(rows).toEqual([
        // the id it was sent with, and no sign-in code left in the database
        { outbox_message_id: 41, message_id: '<outbox-41@iba-fuse-metrix-api>', subject: null, failed_at: null },
        // still to be sent: the id it would have had before, so a resend across the upgrade is recognised
        { outbox_message_id: 42, message_id: '<outbox-42@iba-fuse-metrix-api>', subject: 'Your 9 minutes at Old Tunnel are in your IBA logbook', failed_at: null },
      ]);
    } finally {
      await pool.end();
    }
  });
});
