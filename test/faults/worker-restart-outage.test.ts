import { migrate } from '../../src/db/migrate';
import { apiEnv, type ApiProcess, startApiProcess } from '../helpers/api-process';
import { MariaDbInstance } from '../helpers/mariadb-instance';

/**
 * WEB_CONCURRENCY=2 and a worker dies while the database is down: its replacement cannot start until
 * the database is back. The primary must keep the service up (the other worker answers) and retry,
 * not stop everything as it does when no worker could ever start.
 */

const DATABASE = 'iba_worker_outage';
let db: MariaDbInstance;
let api: ApiProcess;

beforeAll(async () => {
  db = await MariaDbInstance.create(DATABASE);
  await migrate(db.url(DATABASE));
  api = await startApiProcess(apiEnv(db.url(DATABASE), { LOG_LEVEL: 'info', WEB_CONCURRENCY: '2' }));
}, 120_000);
afterAll(async () => {
  await api?.stop();
  await db?.kill();
});

const workerPids = () => [...api.output().matchAll(/"pid":(\d+)[^\n]*"msg":"IBA API listening/g)].map((match) => Number(match[1]));

async function until<T>(found: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await found();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${api.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const liveStatus = () => fetch(`${api.url}/health/live`, { signal: AbortSignal.timeout(5000) }).then((res) => res.status, () => 0);

it('keeps serving and starts the replacement once the database is back', async () => {
  const [first, second] = await until(() => (workerPids().length === 2 ? workerPids() : undefined), 'two workers listening');
  await db.kill();
  process.kill(first, 'SIGKILL');
  // the replacement fails to start (no database) at least once, and the primary stays
  await until(() => (/"msg":"a worker died: starting a new one"[\s\S]*"msg":"a worker died: starting a new one"/.test(api.output()) ? true : undefined), 'a failed replacement being retried');
  expect(api.output()).not.toContain('a worker failed before serving: stopping');
  expect(await liveStatus()).toBe(200);

  await db.start();
  const replacement = await until(() => workerPids().find((pid) => pid !== first && pid !== second), 'a replacement worker listening');
  expect(replacement).toBeGreaterThan(0);
  expect(await liveStatus()).toBe(200);
}, 180_000);
