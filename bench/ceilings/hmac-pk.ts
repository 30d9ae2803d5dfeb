/** Ceiling 2: checks the HMAC token, then reads one member by primary key with mysql2. */
import { createPool, type RowDataPacket } from '../../src/db/pool';
import { BENCH_CONNECTOR } from '../lib/bench-data';
import { ceilingApp, hmacCheck, listen } from './ceiling-app';

const pool = createPool(process.env.DATABASE_URL ?? '', { connectionLimit: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const app = ceilingApp();
app.post('/ceiling', hmacCheck(BENCH_CONNECTOR.secret), async (req, res) => {
  const [rows] = await pool.execute<RowDataPacket[]>('SELECT member_id, pin_hash FROM members WHERE member_id = ?', [Number(req.body.member_id)]);
  if (rows.length === 0) {
    res.status(422).json({ valid: false, message: 'Member not found' });
    return;
  }
  res.json({ valid: true, message: 'Member validated successfully' });
});
listen(app);
