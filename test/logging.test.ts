import { createHmac } from 'node:crypto';
import { createPool } from '../src/db/pool';
import { createConnector, createMember } from './helpers/factories';
import { prepareTestDatabase, testDatabaseUrl } from './helpers/database';
import { apiEnv, startApiProcess } from './helpers/api-process';
import { testConfig } from './helpers/test-app';

/**
 * Drives a real server process with requests full of secrets (PINs, passwords, TOTP and e-mail codes,
 * HMAC tokens, JWT-looking tokens, one-time link tokens) and reads everything it logged.
 */
describe('request logs', () => {
  it('are one JSON line per request with its request id and client address, and never contain a secret', async () => {
    const config = testConfig();
    await prepareTestDatabase(config.DATABASE_URL);
    const pool = createPool(testDatabaseUrl(), { connectionLimit: 2 });
    const member = await createMember(pool, config.PIN_PEPPER, { pin: '918273' });
    const connector = await createConnector(pool, { secret: 'connector-secret-value-5566' });
    await pool.end();

    const server = await startApiProcess(apiEnv(config.DATABASE_URL, { LOG_LEVEL: 'trace', MAIL_POLL_INTERVAL_MS: '60000' }));
    const secrets = ['918273', 'Sup3r-Secret-Passw0rd', '424242', 'eyJhbGciOiJIUzI1NiJ9.secret-jwt.sig', 'one-time-link-token-abcdef0123456789', 'connector-secret-value-5566'];
    const post = (path: string, body: object, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    try {
      const pinBody = { member_id: member.member_id, member_pin: '918273' };
      const token = createHmac('sha256', connector.secret).update(JSON.stringify(pinBody)).digest('hex');
      secrets.push(token);
      const responses = await Promise.all([
        post('/api/external/fuse-metrix/validate-pin', pinBody, { 'client-id': connector.clientId, token }),
        post('/api/auth/login', { username: 'admin', password: 'Sup3r-Secret-Passw0rd' }),
        post('/api/auth/verify-totp', { username: 'admin', password: 'Sup3r-Secret-Passw0rd', member_id: 1, code: '424242' }),
        fetch(`${server.url}/api/external/fuse-metrix/op/`, { headers: { token: 'eyJhbGciOiJIUzI1NiJ9.secret-jwt.sig' } }),
        fetch(`${server.url}/flight-time/one-time-link-token-abcdef0123456789`),
      ]);
      const requestIds = responses.map((response) => response.headers.get('x-request-id'));
      // lines are buffered (written in chunks, or within a second); the shutdown writes what is left
      await server.stop();

      const lines = server.output().trim().split('\n');
      const requestLines = lines.map((line) => JSON.parse(line)).filter((entry) => entry.req);
      for (const id of requestIds) expect(requestLines.some((entry) => entry.req.id === id)).toBe(true);
      // every request line names the client's address
      for (const entry of requestLines) expect(entry.req.ip).toBe('127.0.0.1');
      for (const secret of secrets) expect(server.output()).not.toContain(secret);
      expect(server.output()).toContain('/flight-time/[redacted]');
    } finally {
      await server.stop();
    }
  });
});
