import net from 'node:net';
import { prepareTestDatabase, testDatabaseUrl } from './helpers/database';
import { apiEnv, startApiProcess } from './helpers/api-process';

describe('SIGTERM', () => {
  it('stops taking connections, finishes the request in flight, closes the pool and exits 0', async () => {
    const databaseUrl = testDatabaseUrl();
    await prepareTestDatabase(databaseUrl);
    const api = await startApiProcess(apiEnv(databaseUrl, { LOG_LEVEL: 'info', MAIL_POLL_INTERVAL_MS: '60000' }));
    const { port } = api;

    // a request whose body is still arriving when the signal comes
    const body = '{"no":"such route body"}';
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.on('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(`POST /health HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const stopped = api.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await new Promise<boolean>((resolve) => {
      const late = net.connect(port, '127.0.0.1');
      late.on('error', () => resolve(true));
      late.on('connect', () => {
        late.destroy();
        resolve(false);
      });
    });
    expect(refused).toBe(true);

    socket.write(body.slice(5));
    await closed; // the server closes the keep-alive socket once the response is sent
    expect(response).toMatch(/^HTTP\/1\.1 404 /);
    expect(response).toContain('{"status":false,"message":"Route not found: POST /health"}');
    await stopped;
    expect(api.child.exitCode).toBe(0);
    expect(api.output()).toContain('stopped cleanly');
  });
});
