/**
 * Ceiling 2 without Express: the same HMAC check and primary-key read on Node's own http server, the
 * body read by hand. The floor under the check-in lane, which also runs without Express (shown, not
 * judged: the ceilings are Express apps).
 */
import { createPool, type RowDataPacket } from '../../src/db/pool';
import { BENCH_CONNECTOR } from '../lib/bench-data';
import { listen, tokenSignsBody } from './ceiling-app';

const pool = createPool(process.env.DATABASE_URL ?? '', { connectionLimit: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

function answer(res: import('node:http').ServerResponse, status: number, body: object): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': bytes.length }).end(bytes);
}

listen((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return answer(res, 200, { status: true });
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks);
    if (!tokenSignsBody(BENCH_CONNECTOR.secret, raw, req.headers.token)) return answer(res, 403, { valid: false, message: 'Your token does not match' });
    const body = JSON.parse(raw.toString('utf8')) as { member_id?: unknown };
    const [rows] = await pool.execute<RowDataPacket[]>('SELECT member_id, pin_hash FROM members WHERE member_id = ?', [Number(body.member_id)]);
    if (rows.length === 0) return answer(res, 422, { valid: false, message: 'Member not found' });
    answer(res, 200, { valid: true, message: 'Member validated successfully' });
  });
});
