import { createHmac } from 'node:crypto';
import type { Pool } from '../../src/db/pool';
import { createConnector, type CreatedConnector, createMember, type CreatedMember, createTunnel, type TunnelRow, selectRows } from './factories';
import type { RowDataPacket } from '../../src/db/pool';

/**
 * For tests that drive a real API process over HTTP: partner calls signed exactly as the public page
 * says (fetch, no supertest), and the rows a burst of bookings needs.
 */

export interface Answer {
  status: number;
  contentType: string;
  body: Record<string, unknown> | null;
  /** Set when no HTTP answer came back at all (connection refused or reset). */
  failure?: string;
}

export async function signedFetch(baseUrl: string, connector: CreatedConnector, path: string, payload: unknown, timeoutMs = 15_000): Promise<Answer> {
  const body = JSON.stringify(payload);
  const token = createHmac('SHA256', connector.secret).update(body).digest('hex');
  try {
    const response = await fetch(baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'client-id': connector.clientId, token },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    return { status: response.status, contentType, body: /json/.test(contentType) ? (JSON.parse(text) as Record<string, unknown>) : null };
  } catch (error) {
    return { status: 0, contentType: '', body: null, failure: String((error as Error).cause ?? error) };
  }
}

export interface BookingWorld {
  tunnel: TunnelRow;
  connector: CreatedConnector;
  /** Current flyers (active currency), one per booking the test will make, each with their own e-mail address. */
  members: CreatedMember[];
}

export async function createBookingWorld(pool: Pool, pinPepper: string, memberCount: number): Promise<BookingWorld> {
  const tunnel = await createTunnel(pool);
  const connector = await createConnector(pool);
  const members: CreatedMember[] = [];
  for (let i = 0; i < memberCount; i++) members.push(await createMember(pool, pinPepper));
  return { tunnel, connector, members };
}

export const CREATE_BOOKING = '/api/external/fuse-metrix/create-booking';

export function bookingPayload(world: BookingWorld, memberIndex: number, purchaseId: number) {
  const now = Math.floor(Date.now() / 1000);
  return {
    member_id: world.members[memberIndex].member_id,
    purchase_id: purchaseId,
    purchase_date: now - 3600,
    flight_date: now,
    minutes_booked: 9,
    product_id: 12893,
    tunnel_id: world.tunnel.fuse_metrix_tunnel_id,
    checkin_time: now,
  };
}

/** Runs tasks with at most `concurrency` in flight, until `next` returns null. */
export async function runConcurrently<T>(concurrency: number, next: () => (() => Promise<T>) | null): Promise<T[]> {
  const results: T[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let task = next(); task; task = next()) results.push(await task());
    }),
  );
  return results;
}

export interface BookingCompleteness {
  bookingId: number;
  purchaseId: number;
  memberEmail: string;
  hasLogbookEntry: boolean;
  hasFlightTimeLink: boolean;
  outboxMessages: number;
}

/** Every booking of a connector with what must have been written with it: entry, link and one queued e-mail. */
export async function bookingCompleteness(pool: Pool, connectorId: number): Promise<BookingCompleteness[]> {
  const rows = await selectRows<RowDataPacket>(
    pool,
    `SELECT b.booking_id, b.purchase_id, m.email,
            (SELECT COUNT(*) FROM logbook_entries l WHERE l.booking_id = b.booking_id) AS entries,
            (SELECT COUNT(*) FROM flight_time_links f WHERE f.booking_id = b.booking_id) AS links,
            (SELECT COUNT(*) FROM outbox_messages o WHERE o.to_address = m.email) AS messages
       FROM bookings b JOIN members m ON m.member_id = b.member_id
      WHERE b.connector_id = ?`,
    [connectorId],
  );
  return rows.map((row) => ({
    bookingId: Number(row.booking_id),
    purchaseId: Number(row.purchase_id),
    memberEmail: String(row.email),
    hasLogbookEntry: Number(row.entries) === 1,
    hasFlightTimeLink: Number(row.links) === 1,
    outboxMessages: Number(row.messages),
  }));
}
