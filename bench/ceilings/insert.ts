/** Ceiling 3 (for create-booking): checks the HMAC token, then inserts two rows in one transaction. */
import { createPool, type ResultSetHeader, withTransaction } from '../../src/db/pool';
import { BENCH_CONNECTOR, FM_TUNNEL_ID_BASE } from '../lib/bench-data';
import { ceilingApp, hmacCheck, listen } from './ceiling-app';

const pool = createPool(process.env.DATABASE_URL ?? '', { connectionLimit: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
// no connector: the ceiling's rows stay outside the (connector_id, purchase_id) key the API's bookings use
const CONNECTOR_ID = null;
const app = ceilingApp();
app.post('/ceiling', hmacCheck(BENCH_CONNECTOR.secret), async (req, res) => {
  const body = req.body as Record<string, number>;
  const tunnelId = body.tunnel_id - FM_TUNNEL_ID_BASE;
  const flightAt = new Date(body.flight_date * 1000);
  await withTransaction(pool, async (connection) => {
    const [booking] = await connection.execute<ResultSetHeader>(
      `INSERT INTO bookings (connector_id, member_id, tunnel_id, purchase_id, product_id, purchased_at, flight_at, checkin_at, minutes_booked)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [CONNECTOR_ID, body.member_id, tunnelId, body.purchase_id, body.product_id, new Date(body.purchase_date * 1000), flightAt, new Date(body.checkin_time * 1000), body.minutes_booked],
    );
    await connection.execute(
      `INSERT INTO logbook_entries (member_id, tunnel_id, booking_id, flight_at, minutes, source) VALUES (?, ?, ?, ?, ?, 'fuse_metrix')`,
      [body.member_id, tunnelId, booking.insertId, flightAt, body.minutes_booked],
    );
  });
  res.json({ valid: true, message: 'Booking created successfully' });
});
listen(app);
