import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { apiEnv, freePort, startApiProcess } from './helpers/api-process';
import { prepareTestDatabase, testDatabaseUrl } from './helpers/database';

/**
 * Request logs are written asynchronously in chunks. These tests drive the real server process and
 * check that the buffered lines are not lost when it stops: not on SIGTERM, not on a crash.
 */

interface LogLine {
  level: number;
  msg: string;
  pid: number;
  req?: { id: string; method: string; path: string };
  res?: { statusCode: number };
  err?: { message: string; code?: string; stack?: string };
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

async function getLive(url: string, requestId: string): Promise<void> {
  const response = await fetch(`${url}/health/live`, { headers: { 'x-request-id': requestId } });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe(requestId);
}

let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = testDatabaseUrl();
  await prepareTestDatabase(databaseUrl);
});

describe('request log lines', () => {
  it('of the last requests before SIGTERM are all written, before the "stopped cleanly" line', async () => {
    const api = await startApiProcess(apiEnv(databaseUrl, { LOG_LEVEL: 'info', MAIL_POLL_INTERVAL_MS: '60000' }));
    const requestIds = ids('before-sigterm', 60);
    for (let i = 0; i < requestIds.length; i += 10) await Promise.all(requestIds.slice(i, i + 10).map((id) => getLive(api.url, id)));
    // at once: the last lines are still in the buffer (written in chunks, or within a second)
    await api.stop();
    expect(api.child.exitCode).toBe(0);

    const lines = logLines(api.output());
    const logged = lines.filter((line) => line.req && requestIds.includes(line.req.id));
    expect(logged.map((line) => line.req!.id).sort()).toEqual(requestIds);
    for (const line of logged) expect(line).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', path: '/health/live' }, res: { statusCode: 200 } });
    const stopped = lines.findIndex((line) => line.msg === 'stopped cleanly');
    expect(stopped).toBeGreaterThan(lines.indexOf(logged[logged.length - 1]));
  });

  it('are written when the process crashes (uncaught exception), followed by the exception, and it exits 1', async () => {
    const api = await startApiProcess(
      apiEnv(databaseUrl, { LOG_LEVEL: 'info', MAIL_POLL_INTERVAL_MS: '60000', CRASH_AFTER_REQUESTS: '12' }),
      undefined,
      { nodeArgs: ['--require', path.join(__dirname, 'fixtures', 'crash-after-requests.cjs')] },
    );
    const requestIds = ids('before-crash', 12);
    await Promise.all(requestIds.map((id) => getLive(api.url, id)));
    await api.exited;
    expect(api.child.exitCode).toBe(1);

    const lines = logLines(api.output());
    const logged = lines.filter((line) => line.req && requestIds.includes(line.req.id));
    expect(logged.map((line) => line.req!.id).sort()).toEqual(requestIds);
    const fatal = lines[lines.length - 1];
    expect(fatal).toMatchObject({ level: 60, msg: 'uncaught exception: exiting', err: { message: 'simulated bug: thrown from a timer' } });
    expect(fatal.err?.stack).toContain('crash-after-requests.cjs');
  });

  it('end with the reason when the port is taken at start-up, and the process exits 1', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, resolve));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: path.resolve(__dirname, '..'),
        env: { PATH: process.env.PATH ?? '', ...apiEnv(databaseUrl, { LOG_LEVEL: 'info' }), PORT: String(port) },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).toBe(1);
      const lines = logLines(result.stdout);
      const fatal = lines[lines.length - 1];
      expect(fatal).toMatchObject({ level: 60, msg: 'uncaught exception: exiting' });
      expect(fatal.err?.message).toMatch(/^listen EADDRINUSE: address already in use .*:\d+$/);
    } finally {
      blocker.close();
    }
  });
});
