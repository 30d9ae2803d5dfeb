import type { Queryable, ResultSetHeader } from '../db/pool';

export interface NewBooking {
  connectorId: number;
  memberId: number;
  tunnelId: number;
  purchaseId: number;
  productId: number;
  purchasedAt: Date;
  flightAt: Date;
  checkinAt: Date;
  minutesBooked: number;
}

/**
 * Inserts a FuzeMetrix booking. A purchase FuzeMetrix already sent, through any of its connectors,
 * fails with ER_DUP_ENTRY on uq_bookings_partner_purchase: the key, not a read before the write, is
 * what rules out doubles.
 */
export async function insertBooking(db: Queryable, booking: NewBooking): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO bookings (connector_id, member_id, tunnel_id, purchase_id, product_id, purchased_at, flight_at, checkin_at, minutes_booked)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      booking.connectorId,
      booking.memberId,
      booking.tunnelId,
      booking.purchaseId,
      booking.productId,
      booking.purchasedAt,
      booking.flightAt,
      booking.checkinAt,
      booking.minutesBooked,
    ],
  );
  return result.insertId;
}
