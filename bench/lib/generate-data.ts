import { createHash } from 'node:crypto';
import type { Pool, PoolConnection } from '../../src/db/pool';
import { hashPin } from '../../src/members/pin';
import { TOTP_SECRET_COLUMN } from '../../src/security/encrypted-columns';
import { hashPassword } from '../../src/security/passwords';
import { SecretBox } from '../../src/security/secret-box';
import {
  ADMIN_COUNT,
  ADMIN_MEMBER_ID_BASE,
  ADMIN_PASSWORD,
  adminUsername,
  BENCH_CONNECTOR,
  benchSecretsKey,
  FM_TUNNEL_ID_BASE,
  MEMBER_COUNT,
  pinFor,
  TUNNEL_COUNT,
  totpSecretFor,
} from './bench-data';

const DAY_MS = 24 * 60 * 60 * 1000;
const CURRENCY_DAYS = 180;
const MEMBER_CHUNK = 2000;
const ROW_CHUNK = 4000;

export interface GeneratedCounts {
  members: number;
  admins: number;
  tunnels: number;
  bookings: number;
  logbookEntries: number;
  flightTimeLinks: number;
  outboxMessages: number;
}

/** A small seeded PRNG (mulberry32), so every run generates the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEVELS = ['None', 'Level 1', 'Level 2', 'Level 3', 'Level 4', 'Pro'];
const FIRST_NAMES = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Eva', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Noor', 'Olga', 'Pablo'];
const LAST_NAMES = ['Smith', 'García', 'Müller', 'Rossi', 'Nakamura', 'Okafor', 'Larsen', 'Dubois', 'Kowalski', 'Silva', 'Novak', 'Haddad'];

/**
 * Fills a freshly migrated database with a year of realistic traffic: 100,000 members (PIN hashes with
 * the API's pepper; a tenth never flown, three tenths lapsed, the rest current), tunnels with
 * FuzeMetrix ids, the bench connector, about 300,000 bookings with their logbook entries, used links and
 * sent e-mails, and admins with TOTP on. Multi-row INSERTs with the checks the rows cannot fail switched
 * off for the session keep it to well under a minute.
 */
export async function generateBenchData(pool: Pool, pinPepper: string, now: Date): Promise<GeneratedCounts> {
  const connection = await pool.getConnection();
  try {
    await connection.query('SET foreign_key_checks = 0, unique_checks = 0');
    const counts: GeneratedCounts = { members: 0, admins: 0, tunnels: 0, bookings: 0, logbookEntries: 0, flightTimeLinks: 0, outboxMessages: 0 };
    counts.tunnels = await insertTunnels(connection);
    const [connector] = await connection.query<import('mysql2').ResultSetHeader>(
      'INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES (?, 1, ?, ?, UNIX_TIMESTAMP())',
      [BENCH_CONNECTOR.email, BENCH_CONNECTOR.secret, BENCH_CONNECTOR.clientId],
    );
    const connectorId = connector.insertId;

    const rand = random(20251123);
    const nowMs = now.getTime();
    let bookingId = 0;
    let purchaseId = 0;
    let linkId = 0;
    let outboxId = 0;
    for (let start = 1; start <= MEMBER_COUNT; start += MEMBER_CHUNK) {
      const members: unknown[][] = [];
      const bookings: unknown[][] = [];
      const entries: unknown[][] = [];
      const links: unknown[][] = [];
      const outbox: unknown[][] = [];
      for (let memberId = start; memberId < Math.min(start + MEMBER_CHUNK, MEMBER_COUNT + 1); memberId++) {
        const kind = rand();
        const flights: number[] = [];
        if (kind >= 0.1) {
          const lapsed = kind < 0.4;
          const lastFlight = lapsed ? nowMs - (181 + rand() * 180) * DAY_MS : nowMs - rand() * 179 * DAY_MS;
          const heavy = !lapsed && rand() < 0.02;
          const count = heavy ? 40 + Math.floor(rand() * 80) : lapsed ? 1 + Math.floor(rand() * 3) : 1 + Math.floor(rand() * 5);
          flights.push(lastFlight);
          const earliest = nowMs - 365 * DAY_MS;
          for (let i = 1; i < count; i++) flights.push(earliest + rand() * (lastFlight - earliest));
        }
        const lastFlightAt = flights.length ? new Date(Math.floor(flights[0] / 1000) * 1000) : null;
        const first = FIRST_NAMES[memberId % FIRST_NAMES.length];
        const last = LAST_NAMES[(memberId >> 4) % LAST_NAMES.length];
        const email = `flyer${memberId}@bench.example.com`;
        const member = [
          memberId, null, email, null, hashPin(pinFor(memberId), pinPepper), 2 + (memberId % 3), `${first} ${last} ${memberId}`, first, last,
          new Date(Date.UTC(1960 + (memberId % 45), memberId % 12, 1 + (memberId % 28))), 1 + (memberId % TUNNEL_COUNT),
          memberId % 17 === 0, memberId % 5 === 0 ? 'Paid' : 'Not required', rand() < 0.7 ? 'Yes' : 'No',
          LEVELS[memberId % LEVELS.length], LEVELS[(memberId >> 2) % LEVELS.length], LEVELS[(memberId >> 3) % LEVELS.length],
          lastFlightAt, lastFlightAt && new Date(lastFlightAt.getTime() + CURRENCY_DAYS * DAY_MS),
        ];
        let totalMinutes = 0;
        for (const flight of flights) {
          const flightAt = new Date(Math.floor(flight / 1000) * 1000);
          const tunnelId = 1 + Math.floor(rand() * TUNNEL_COUNT);
          const minutes = 2 + Math.floor(rand() * 28);
          totalMinutes += minutes;
          bookingId++;
          purchaseId++;
          bookings.push([bookingId, connectorId, memberId, tunnelId, purchaseId, 10000 + (purchaseId % 500), new Date(flightAt.getTime() - 3 * DAY_MS), flightAt, flightAt, minutes, rand() < 0.3 ? Math.max(1, minutes - 1) : null]);
          entries.push([bookingId, memberId, tunnelId, bookingId, flightAt, minutes, 'fuse_metrix']);
          linkId++;
          const linkExpires = new Date(flightAt.getTime() + 30 * DAY_MS);
          links.push([linkId, bookingId, createHash('sha256').update(`bench-link-${bookingId}`).digest(), linkExpires, rand() < 0.4 ? flightAt : null]);
          outboxId++;
          // sent e-mails, as the worker leaves them: no subject or body
          outbox.push([outboxId, `<bench-${outboxId}@bench.invalid>`, 'logbook/external-time-entry-active', email, null, 1, flightAt, flightAt]);
        }
        // the running total get-member answers from, as the booking transaction keeps it
        members.push([...member, totalMinutes]);
      }
      await insertRows(connection, 'members', MEMBER_COLUMNS, members);
      await insertRows(connection, 'bookings', BOOKING_COLUMNS, bookings);
      await insertRows(connection, 'logbook_entries', ENTRY_COLUMNS, entries);
      await insertRows(connection, 'flight_time_links', LINK_COLUMNS, links);
      await insertRows(connection, 'outbox_messages', OUTBOX_COLUMNS, outbox);
      counts.members += members.length;
      counts.bookings += bookings.length;
      counts.logbookEntries += entries.length;
      counts.flightTimeLinks += links.length;
      counts.outboxMessages += outbox.length;
    }
    counts.admins = await insertAdmins(connection, new SecretBox(benchSecretsKey(pinPepper)));
    await connection.query('SET foreign_key_checks = 1, unique_checks = 1');
    await connection.query('ANALYZE TABLE members, bookings, logbook_entries, flight_time_links, outbox_messages, fuse_metrix, tunnels');
    return counts;
  } finally {
    connection.release();
  }
}

const MEMBER_COLUMNS = [
  'member_id', 'username', 'email', 'password_hash', 'pin_hash', 'role_id', 'screen_name', 'first_name', 'last_name', 'date_of_birth',
  'home_tunnel_id', 'is_coach', 'payment_status', 'flyer_level1', 'flyer_static', 'flyer_dynamic', 'flyer_formation', 'last_flight_at',
  'flyer_currency_renewal_at', 'total_flight_minutes',
];
const BOOKING_COLUMNS = [
  'booking_id', 'connector_id', 'member_id', 'tunnel_id', 'purchase_id', 'product_id', 'purchased_at', 'flight_at', 'checkin_at', 'minutes_booked', 'minutes_flown',
];
const ENTRY_COLUMNS = ['logbook_entry_id', 'member_id', 'tunnel_id', 'booking_id', 'flight_at', 'minutes', 'source'];
const LINK_COLUMNS = ['flight_time_link_id', 'booking_id', 'token_hash', 'expires_at', 'used_at'];
const OUTBOX_COLUMNS = ['outbox_message_id', 'message_id', 'template', 'to_address', 'subject', 'attempts', 'next_attempt_at', 'sent_at'];

async function insertRows(connection: PoolConnection, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROW_CHUNK) {
    await connection.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [rows.slice(i, i + ROW_CHUNK)]);
  }
}

async function insertTunnels(connection: PoolConnection): Promise<number> {
  const rows: unknown[][] = [];
  for (let i = 1; i <= TUNNEL_COUNT; i++) rows.push([i, `Bench Tunnel ${i}`, FM_TUNNEL_ID_BASE + i]);
  await insertRows(connection, 'tunnels', ['tunnel_id', 'name', 'fuse_metrix_tunnel_id'], rows);
  return rows.length;
}

/**
 * Admins share one password hash (hashing 20,000 times would only slow the set-up), each has a TOTP
 * secret, sealed as the API stores it (a plain one would be sealed on first use: a write per request).
 */
async function insertAdmins(connection: PoolConnection, secrets: SecretBox): Promise<number> {
  const passwordHash = await hashPassword(ADMIN_PASSWORD);
  const rows: unknown[][] = [];
  for (let i = 0; i < ADMIN_COUNT; i++) {
    const memberId = ADMIN_MEMBER_ID_BASE + i;
    const sealedSecret = secrets.seal(totpSecretFor(i), TOTP_SECRET_COLUMN.context(memberId));
    rows.push([memberId, adminUsername(i), `${adminUsername(i)}@bench.example.com`, passwordHash, 1, `Admin ${i}`, 'Bench', `Admin ${i}`, sealedSecret, true]);
  }
  await insertRows(connection, 'members', ['member_id', 'username', 'email', 'password_hash', 'role_id', 'screen_name', 'first_name', 'last_name', 'totp_secret', 'totp_enabled'], rows);
  return rows.length;
}
