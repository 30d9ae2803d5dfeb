import { spawnSync } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, workerCount } from '../src/config';
import { apiEnv, type ApiProcess, startApiProcess } from './helpers/api-process';
import { prepareTestDatabase, testDatabaseUrl } from './helpers/database';
import { parseExposition } from './helpers/metrics-scrape';

/** WEB_CONCURRENCY=2: a primary and two API worker processes (node:cluster) behind one port. */

interface LogLine {
  msg: string;
  pid: number;
  role?: string;
  workerPid?: number;
  req?: { id: string };
}

const logLines = (api: ApiProcess): LogLine[] =>
  api
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/** GET /health/live on a connection of its own (no keep-alive), so the primary hands each to the next worker. */
function getLive(url: string, requestId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/health/live`, { agent: false, headers: { 'x-request-id': requestId } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** A GET on a connection of its own, answering status and body. */
function get(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}${path}`, { agent: false, headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Waits until the log shows what `found` looks for (lines are written in chunks, at least every second). */
async function waitForLog<T>(api: ApiProcess, found: (lines: LogLine[]) => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const result = found(logLines(api));
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`no ${what} in the log:\n${api.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const listeningPids = (lines: LogLine[]) => lines.filter((line) => line.msg.startsWith('IBA API listening')).map((line) => line.pid);

/** The pids of the processes that logged these requests, once every one of them is logged. */
function servingPids(api: ApiProcess, requestIds: string[]): Promise<Set<number>> {
  return waitForLog(
    api,
    (lines) => {
      const served = lines.filter((line) => line.req && requestIds.includes(line.req.id));
      return served.length === requestIds.length ? new Set(served.map((line) => line.pid)) : undefined;
    },
    `a log line for each of ${requestIds[0]}...`,
  );
}

const METRICS_TOKEN = 'metrics-token-for-the-two-worker-test-0123456789';

describe('WEB_CONCURRENCY=2', () => {
  let api: ApiProcess;
  beforeAll(async () => {
    const databaseUrl = testDatabaseUrl();
    await prepareTestDatabase(databaseUrl);
    api = await startApiProcess(apiEnv(databaseUrl, { LOG_LEVEL: 'info', WEB_CONCURRENCY: '2', MAIL_POLL_INTERVAL_MS: '60000', METRICS_TOKEN }));
  }, 60_000);
  afterAll(() => api.kill());

  it('answers requests from two worker processes, neither of them the primary', async () => {
    const workers = await waitForLog(api, (lines) => (listeningPids(lines).length === 2 ? listeningPids(lines) : undefined), 'two listening workers');
    expect(workers).not.toContain(api.child.pid);
    const requestIds = Array.from({ length: 20 }, (_, i) => `two-workers-${i}`);
    for (const id of requestIds) expect(await getLive(api.url, id)).toBe(200);

    const servedBy = await servingPids(api, requestIds);
    expect([...servedBy].sort()).toEqual([...workers].sort());
  });

  it('starts a new worker when one dies, and keeps answering', async () => {
    const [victim] = listeningPids(logLines(api));
    process.kill(victim, 'SIGKILL');
    // the third worker ever to listen
    const replacement = await waitForLog(api, (lines) => listeningPids(lines)[2], 'replacement worker');
    expect(replacement).not.toBe(victim);
    expect(logLines(api)).toContainEqual(expect.objectContaining({ role: 'primary', msg: 'a worker died: starting a new one', workerPid: victim }));

    const requestIds = Array.from({ length: 12 }, (_, i) => `after-restart-${i}`);
    for (const id of requestIds) expect(await getLive(api.url, id)).toBe(200);
    const servedBy = await servingPids(api, requestIds);
    expect(servedBy.has(victim)).toBe(false);
    expect(servedBy.has(replacement)).toBe(true);
  });

  it('answers /metrics for both workers together, whichever worker gets the scrape', async () => {
    const requestIds = Array.from({ length: 10 }, (_, i) => `counted-${i}`);
    for (const id of requestIds) expect(await getLive(api.url, id)).toBe(200);
    const scrapes = [];
    for (let i = 0; i < 4; i++) {
      const res = await get(api.url, '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(res.status).toBe(200);
      scrapes.push(parseExposition(res.body));
    }
    const live = { route: '/health/live', method: 'GET', status_code: '200' };
    const counts = scrapes.map((scrape) => scrape.value('http_request_duration_seconds_count', live));
    // every request the two workers now running answered (the killed worker's figures died with it), in every scrape
    expect(counts[0]).toBeGreaterThanOrEqual(12 + requestIds.length);
    expect(new Set(counts).size).toBe(1);
    for (const scrape of scrapes) expect(scrape.value('iba_db_pool_limit')).toBe(2 * 10);
    for (const scrape of scrapes) expect(scrape.value('iba_outbox_queued_messages')).toBe(0);
  });

  it('passes SIGTERM to both workers, which stop cleanly, and the primary exits 0', async () => {
    const lines = logLines(api);
    const workers = listeningPids(lines).slice(-2);
    await api.stop();
    expect(api.child.exitCode).toBe(0);
    const after = logLines(api);
    expect(after.filter((line) => line.msg === 'stopped cleanly').map((line) => line.pid).sort()).toEqual([...workers].sort());
    expect(after[after.length - 1]).toMatchObject({ role: 'primary', pid: api.child.pid, msg: 'all workers stopped cleanly' });
  });
});

describe('a worker that fails before serving', () => {
  it('stops the service: one line naming the reason, exit code 1, no restarts', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', WEB_CONCURRENCY: '2', DATABASE_URL: 'mysql://iba:iba@127.0.0.1:1/iba' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: DATABASE_URL cannot be reached \(127\.0\.0\.1:1\/iba\): ECONNREFUSED$/)]);
    const primaryLines = result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
    expect(primaryLines.map((line) => line.msg)).toEqual(['starting 2 API worker processes', 'a worker failed before serving: stopping', 'shutting down: passing the signal to every worker', 'all workers stopped, not all cleanly']);
  });
});

describe('WEB_CONCURRENCY', () => {
  const environment = { NODE_ENV: 'test', DATABASE_URL: 'mysql://iba:iba@127.0.0.1:3306/iba' };

  it('defaults to one worker per core in production and to one in development and tests', () => {
    expect(workerCount({ NODE_ENV: 'production', WEB_CONCURRENCY: undefined })).toBe(os.availableParallelism());
    expect(workerCount({ NODE_ENV: 'development', WEB_CONCURRENCY: undefined })).toBe(1);
    expect(workerCount(loadConfig(environment))).toBe(1);
    expect(workerCount(loadConfig({ ...environment, WEB_CONCURRENCY: '' }))).toBe(1);
  });

  it('takes a number of workers, and refuses what is not one', () => {
    expect(workerCount(loadConfig({ ...environment, WEB_CONCURRENCY: '3' }))).toBe(3);
    expect(workerCount({ NODE_ENV: 'production', WEB_CONCURRENCY: 1 })).toBe(1);
    for (const bad of ['0', 'two', '1.5', '65']) expect(() => loadConfig({ ...environment, WEB_CONCURRENCY: bad })).toThrow(/^Invalid configuration: WEB_CONCURRENCY /);
  });
});
