import net from 'node:net';
import { apiEnv, type ApiProcess, startApiProcess } from './helpers/api-process';
import { prepareTestDatabase, testDatabaseUrl } from './helpers/database';

/** The HTTP server's own limits, on a real API process (the defaults, 20 s and 30 s, are in the config test). */
let api: ApiProcess;
beforeAll(async () => {
  await prepareTestDatabase(testDatabaseUrl());
  api = await startApiProcess(apiEnv(testDatabaseUrl(), { HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '3000', HTTP_MAX_CONNECTIONS: '3' }));
});
afterAll(() => api.stop());

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(api.port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with what the server sent and when it closed the socket. */
function closed(socket: net.Socket): Promise<{ received: string; at: number }> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.once('close', () => resolve({ received, at: Date.now() }));
    socket.on('error', () => undefined);
  });
}

describe('the HTTP server', () => {
  it('cuts off a client that sends its headers one byte a second (HTTP_HEADERS_TIMEOUT_MS)', async () => {
    const socket = await connect();
    const done = closed(socket);
    const started = Date.now();
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
    let open = true;
    void done.then(() => (open = false));
    for (let second = 0; second < 10 && open; second++) {
      socket.write('X');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const { received, at } = await done;
    expect(open).toBe(false);
    expect(at - started).toBeLessThan(6000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);

  it('closes connections beyond HTTP_MAX_CONNECTIONS at once, and takes new ones when there is room', async () => {
    // five clients that each started a request and are still sending it
    const sockets = await Promise.all(Array.from({ length: 5 }, () => connect().catch(() => null)));
    const states = sockets.map((socket) => {
      if (!socket) return { open: false };
      const state = { open: true };
      socket.once('close', () => (state.open = false));
      socket.on('error', () => undefined);
      socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
      return state;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const open = states.filter((state) => state.open).length;
    // at most 3 are served (a keep-alive connection of the start-up health check may hold one more slot)
    expect(open).toBeLessThanOrEqual(3);
    expect(open).toBeGreaterThanOrEqual(2);

    for (const socket of sockets) socket?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });
});
