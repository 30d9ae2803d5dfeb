import { migrate } from '../../src/db/migrate';
import type { RowDataPacket } from '../../src/db/pool';
import { createMember, createTunnel, selectRows } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('migrations', () => {
  it('are recorded in the database and safe to run again', async () => {
    const again = await migrate(t.config.DATABASE_URL);
    expect(again.applied).toEqual([]);
    const versions = await selectRows<RowDataPacket>(t.pool, 'SELECT version FROM schemaversion WHERE version > 0 ORDER BY version');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(again.version).toBe(Math.max(...versions.map((row) => Number(row.version))));
  });

  it('seed role 1 as the admin role', async () => {
    const [admin] = await selectRows<RowDataPacket>(t.pool, 'SELECT role_name FROM roles WHERE role_id = 1');
    expect(admin.role_name).toBe('Admin');
  });
});

describe('the runbook direct-SQL shortcut', () => {
  it('runs its INSERT INTO fuse_metrix statement verbatim and its DELETE too', async () => {
    await t.pool.query(
      "INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES ('partner@example.com', 1, 'GENERATED_SECRET', 'GENERATED_CLIENT_ID', UNIX_TIMESTAMP());",
    );
    const [row] = await selectRows<RowDataPacket>(t.pool, "SELECT * FROM fuse_metrix WHERE clientId = 'GENERATED_CLIENT_ID'");
    expect(row).toMatchObject({ email: 'partner@example.com', created_by: 1, secret: 'GENERATED_SECRET' });
    expect(Math.abs(Number(row.created_at) - Date.now() / 1000)).toBeLessThan(60);
    await t.pool.query("DELETE FROM fuse_metrix WHERE clientId = 'GENERATED_CLIENT_ID';");
    expect(await selectRows(t.pool, "SELECT id FROM fuse_metrix WHERE clientId = 'GENERATED_CLIENT_ID'")).toHaveLength(0);
  });
});

describe('the database refuses bad rows', () => {
  const refuses = (sql: string, params: unknown[]) => expect(t.pool.query(sql, params)).rejects.toMatchObject({ code: expect.any(String) });

  it('refuses a second connector with the same clientId', async () => {
    await t.pool.query("INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES ('a@example.com', 1, 's1', 'dup-client', 1)");
    await refuses("INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES ('b@example.com', 1, 's2', 'dup-client', 2)", []);
  });

  it('refuses a member with an unknown role, a duplicate e-mail, or a renewal before the last flight', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    await refuses(
      "INSERT INTO members (email, role_id, screen_name, first_name, last_name) VALUES ('x@example.com', 99, 'x', 'x', 'x')",
      [],
    );
    await refuses("INSERT INTO members (email, role_id, screen_name, first_name, last_name) VALUES (?, 2, 'x', 'x', 'x')", [member.email]);
    await refuses(
      "INSERT INTO members (email, role_id, screen_name, first_name, last_name, last_flight_at, flyer_currency_renewal_at) VALUES ('y@example.com', 2, 'y', 'y', 'y', '2025-04-08 07:40:00', '2025-01-01 00:00:00')",
      [],
    );
  });

  it('refuses a duplicate booking for one connector and purchase id, and non-positive minutes', async () => {
    const tunnel = await createTunnel(t.pool);
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const [connector] = await t.pool.query<import('mysql2').ResultSetHeader>(
      "INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES ('c@example.com', 1, 's', 'booking-client', 1)",
    );
    const insert = 'INSERT INTO bookings (connector_id, member_id, tunnel_id, purchase_id, product_id, purchased_at, flight_at, checkin_at, minutes_booked) VALUES (?, ?, ?, ?, 1, NOW(), NOW(), NOW(), ?)';
    await t.pool.query(insert, [connector.insertId, member.member_id, tunnel.tunnel_id, 555, 9]);
    await refuses(insert, [connector.insertId, member.member_id, tunnel.tunnel_id, 555, 9]);
    await refuses(insert, [connector.insertId, member.member_id, tunnel.tunnel_id, 556, 0]);
  });

  it('refuses a logbook entry for a member that does not exist', async () => {
    const tunnel = await createTunnel(t.pool);
    await refuses("INSERT INTO logbook_entries (member_id, tunnel_id, flight_at, minutes, source) VALUES (999999, ?, NOW(), 5, 'manual')", [tunnel.tunnel_id]);
  });
});

describe('tunnel time zones and outbox rows', () => {
  const refuses = (sql: string, params: unknown[]) => expect(t.pool.query(sql, params)).rejects.toMatchObject({ code: expect.any(String) });
  const queued = (messageId: string, subject: string | null) =>
    t.pool.query(
      "INSERT INTO outbox_messages (message_id, template, to_address, subject, html_body, text_body, next_attempt_at) VALUES (?, 'test/plain', 'a@example.com', ?, '<p>x</p>', 'x', NOW())",
      [messageId, subject],
    );

  it('gives a tunnel UTC unless told otherwise, and refuses what cannot be a zone name', async () => {
    await t.pool.query("INSERT INTO tunnels (name) VALUES ('Zone-less Tunnel')");
    const [tunnel] = await selectRows<RowDataPacket>(t.pool, "SELECT time_zone FROM tunnels WHERE name = 'Zone-less Tunnel'");
    expect(tunnel.time_zone).toBe('UTC');
    await refuses("INSERT INTO tunnels (name, time_zone) VALUES ('Empty zone', '')", []);
    await refuses("INSERT INTO tunnels (name, time_zone) VALUES ('Odd zone', 'Europe/Amsterdam; DROP')", []);
    await refuses("INSERT INTO tunnels (name, time_zone) VALUES ('No zone', NULL)", []);
  });

  it('refuses an unsent e-mail without a subject or Message-ID, a Message-ID used twice, and a message both sent and failed', async () => {
    await refuses("INSERT INTO outbox_messages (template, to_address, subject, html_body, text_body, next_attempt_at) VALUES ('t', 'a@example.com', 's', 'h', 't', NOW())", []);
    await refuses("INSERT INTO outbox_messages (message_id, template, to_address, subject, html_body, text_body, next_attempt_at) VALUES ('<no-subject@x.test>', 't', 'a@example.com', NULL, 'h', 't', NOW())", []);
    await queued('<once@x.test>', 'Hello');
    await expect(queued('<once@x.test>', 'Hello again')).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    await refuses("UPDATE outbox_messages SET sent_at = NOW(), failed_at = NOW() WHERE message_id = '<once@x.test>'", []);
  });
});
