/**
 * Scaling out, measured: create-booking and validate-pin throughput of one API process on the private
 * single MariaDB, of one API process on the Galera cluster (through HAProxy), and of two API processes
 * on two different cluster nodes; then what a node failure costs two API processes under a steady
 * create-booking load (SIGKILL of one node, restart, rejoin).
 *
 *   npx tsx bench/cluster.ts [--duration=10] [--warmup=3] [--connections=20] [--reuse-data] [--only=throughput|failure]
 *
 * Starts what it needs (scripts/db.sh start, scripts/cluster.sh up), builds the API and starts it as
 * `npm start` does. The data is the main bench's (bench/lib/generate-data.ts) in a database
 * `iba_scale` on each. Prints a table and writes bench/results/cluster.json.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { signBody } from '../src/connectors/hmac';
import { PROJECT_ROOT } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import type { LoadResult, LoadSpec, TargetSpec } from './load';
import { BENCH_CONNECTOR, FM_TUNNEL_ID_BASE, GENERATED_PURCHASE_ID_LIMIT, MEMBER_COUNT, TUNNEL_COUNT } from './lib/bench-data';
import { serverDatabaseUrl } from './lib/database';
import { startCommand } from './lib/deployed-api';
import { generateBenchData } from './lib/generate-data';
import { freePort, runNode, type ServerProcess, startServerProcess } from './lib/processes';
import { startSmtpSink } from './lib/smtp-sink';

const option = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const settings = {
  durationSeconds: Number(option('duration') ?? 10),
  warmupSeconds: Number(option('warmup') ?? 3),
  connections: Number(option('connections') ?? 20),
  failureSeconds: Number(option('failure-seconds') ?? 30),
};
const reuseData = process.argv.includes('--reuse-data');
/** --only=throughput or --only=failure runs one half. */
const only = option('only');
const DATABASE = 'iba_scale';
const PIN_PEPPER = 'bench-scale-pin-pepper-0123456789';
const log = (message: string) => process.stderr.write(`[bench:cluster] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function clusterUrls(): Record<string, string> {
  const output = execFileSync(path.join(PROJECT_ROOT, 'scripts', 'cluster.sh'), ['up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return Object.fromEntries(output.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
}

async function prepareDatabase(serverUrl: string): Promise<string> {
  const url = withDatabase(serverUrl, DATABASE);
  const admin = await mysql.createConnection({ uri: withDatabase(serverUrl, '') });
  try {
    const [exists] = await admin.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [DATABASE]);
    if (reuseData && exists.length > 0) return url;
    await admin.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await admin.query(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  await migrate(url);
  const pool = createPool(url, { connectionLimit: 1 });
  try {
    const started = Date.now();
    const counts = await generateBenchData(pool, PIN_PEPPER, new Date());
    log(`generated ${counts.members} members and ${counts.bookings} bookings in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await pool.end();
  }
  return url;
}

async function startApi(databaseUrl: string, smtpUrl: string): Promise<ServerProcess> {
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PIN_PEPPER,
    SMTP_URL: smtpUrl,
    APP_BASE_URL: 'https://bench.example.com',
  };
  // as deployed: npm start's node flags, request logs at the default level
  const [, ...args] = startCommand();
  return startServerProcess(args, env, await freePort());
}

type Endpoint = 'validate-pin' | 'create-booking';
let purchaseIds = GENERATED_PURCHASE_ID_LIMIT + Math.floor(Math.random() * 1_000_000) * 1000;

/** Loads each API from its own load process at once (connections split between them); returns the summed rate. */
async function loadApis(apis: ServerProcess[], endpoint: Endpoint) {
  const results = await Promise.all(
    apis.map((api) => {
      const target: TargetSpec = { name: endpoint, url: api.url, path: `/api/external/fuse-metrix/${endpoint}`, body: endpoint, purchaseIdStart: (purchaseIds += 10_000_000), adminStart: 0 };
      const spec: LoadSpec = { targets: [target], connections: Math.round(settings.connections / apis.length), durationSeconds: settings.durationSeconds, warmupSeconds: settings.warmupSeconds, slices: 1 };
      return runNode(['--import', 'tsx', 'bench/load.ts'], { BENCH_SPEC: JSON.stringify(spec) }).then((output) => JSON.parse(output.trim().split('\n').pop() ?? '')[endpoint] as LoadResult);
    }),
  );
  return {
    requestsPerSecond: Math.round(results.reduce((sum, r) => sum + r.requestsPerSecond, 0)),
    latencyP50: Math.max(...results.map((r) => r.latencyP50)),
    latencyP99: Math.max(...results.map((r) => r.latencyP99)),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

async function measure(name: string, apis: ServerProcess[]) {
  const rows = [];
  for (const endpoint of ['validate-pin', 'create-booking'] as Endpoint[]) {
    log(`${name}: ${endpoint}`);
    rows.push({ setup: name, endpoint, ...(await loadApis(apis, endpoint)) });
  }
  return rows;
}

interface Answer {
  api: number;
  at: number;
  status: number;
}

/**
 * A steady create-booking load on both APIs (8 requests in flight each) while node 2 (the second
 * API's node) is killed and started again. Returns what the failure cost each API.
 */
async function nodeFailure(apis: ServerProcess[]) {
  // past every purchase id the throughput runs used
  purchaseIds += 10_000_000;
  const answers: Answer[] = [];
  let stop = false;
  const started = Date.now();
  const client = async (api: number) => {
    while (!stop) {
      const now = Math.floor(Date.now() / 1000);
      const id = purchaseIds++;
      const body = JSON.stringify({
        member_id: 1 + Math.floor(Math.random() * MEMBER_COUNT),
        purchase_id: id,
        purchase_date: now - 86_400,
        flight_date: now,
        minutes_booked: 5,
        product_id: 12893,
        tunnel_id: FM_TUNNEL_ID_BASE + 1 + (id % TUNNEL_COUNT),
        checkin_time: now,
      });
      const headers = { 'content-type': 'application/json', 'client-id': BENCH_CONNECTOR.clientId, token: signBody(BENCH_CONNECTOR.secret, body) };
      const status = await fetch(`${apis[api].url}/api/external/fuse-metrix/create-booking`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) })
        .then(async (response) => (await response.arrayBuffer(), response.status))
        .catch(() => 0);
      answers.push({ api, at: Date.now() - started, status });
      if (status !== 200) await sleep(100);
    }
  };
  const load = Promise.all([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1].map(client));
  await sleep(8_000);
  const killedAt = Date.now() - started;
  execFileSync(path.join(PROJECT_ROOT, 'scripts', 'cluster.sh'), ['kill-node', '2'], { stdio: 'ignore' });
  await sleep(5_000);
  const restartAt = Date.now() - started;
  execFileSync(path.join(PROJECT_ROOT, 'scripts', 'cluster.sh'), ['start-node', '2'], { stdio: 'ignore' });
  const syncedAt = Date.now() - started;
  await sleep(Math.max(0, settings.failureSeconds * 1000 - syncedAt));
  stop = true;
  await load;

  const perApi = [0, 1].map((api) => {
    const mine = answers.filter((a) => a.api === api);
    const successes = mine.filter((a) => a.status === 200).map((a) => a.at);
    let longestGapMs = 0;
    let gapEndsAtMs = 0;
    for (let i = 1; i < successes.length; i++) {
      if (successes[i] - successes[i - 1] > longestGapMs) [longestGapMs, gapEndsAtMs] = [successes[i] - successes[i - 1], successes[i]];
    }
    const rate = (from: number, to: number) => Math.round((mine.filter((a) => a.status === 200 && a.at >= from && a.at < to).length * 1000) / Math.max(1, to - from));
    return {
      api: api === 0 ? 'API on node 1' : 'API on node 2 (killed)',
      requests: mine.length,
      ok: successes.length,
      unavailable503: mine.filter((a) => a.status === 503).length,
      other: Object.fromEntries(
        [...new Set(mine.filter((a) => a.status !== 200 && a.status !== 503).map((a) => a.status))].map((status) => [status || 'no answer', mine.filter((a) => a.status === status).length]),
      ),
      longestGapWithoutSuccessMs: longestGapMs,
      gapMs: `${gapEndsAtMs - longestGapMs}-${gapEndsAtMs}`,
      bookingsPerSecondBefore: rate(0, killedAt),
      bookingsPerSecondWhileDown: rate(killedAt, syncedAt),
      bookingsPerSecondAfter: rate(syncedAt, settings.failureSeconds * 1000),
    };
  });
  // bookings answered 200 in each second of the run, per API
  const seconds = Math.ceil(settings.failureSeconds);
  const timeline = [0, 1].map((api) =>
    Array.from({ length: seconds }, (_, second) => answers.filter((a) => a.api === api && a.status === 200 && Math.floor(a.at / 1000) === second).length).join(' '),
  );
  return { killedAtMs: killedAt, restartAtMs: restartAt, syncedAtMs: syncedAt, restartToSyncedMs: syncedAt - restartAt, perApi, timeline };
}

async function main(): Promise<void> {
  log('starting the single server and the cluster');
  const single = await prepareDatabase(serverDatabaseUrl());
  const urls = clusterUrls();
  await prepareDatabase(withDatabase(urls.NODE1_URL, ""));
  log('building the API');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  const smtp = await startSmtpSink();

  const rows = [];
  if (only !== 'failure') {
    const apis = [await startApi(single, smtp.url)];
    rows.push(...(await measure('one API, single server', apis)));
    await Promise.all(apis.map((api) => api.stop()));
    const apiOnCluster = [await startApi(withDatabase(urls.HAPROXY_NODE1_FIRST_URL, DATABASE), smtp.url)];
    rows.push(...(await measure('one API, cluster via HAProxy', apiOnCluster)));
    await Promise.all(apiOnCluster.map((api) => api.stop()));
  }
  const apis = await Promise.all([1, 2].map((n) => startApi(withDatabase(urls[`HAPROXY_NODE${n}_FIRST_URL`], DATABASE), smtp.url)));
  if (only !== 'failure') rows.push(...(await measure('two APIs, nodes 1 and 2 via HAProxy', apis)));
  let failure = null;
  if (only !== 'throughput') {
    log('node failure under a steady create-booking load');
    failure = await nodeFailure(apis).catch((error: unknown) => {
      log(`API output:\n${apis.map((api) => api.output()).join('\n')}`);
      throw error;
    });
    if (failure.perApi.some((api) => Object.keys(api.other).length > 0)) log(`API output:\n${apis.map((api) => api.output()).join('\n')}`);
  }
  await Promise.all(apis.map((api) => api.stop()));
  await smtp.close();

  if (rows.length) console.table(rows);
  if (failure) {
    console.log(`node 2 killed at ${failure.killedAtMs} ms, restarted at ${failure.restartAtMs} ms, Synced again at ${failure.syncedAtMs} ms`);
    console.table(failure.perApi);
    console.log(`bookings answered per second:\n  node 1 API: ${failure.timeline[0]}\n  node 2 API: ${failure.timeline[1]}`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    settings,
    throughput: rows,
    nodeFailure: failure,
  };
  fs.mkdirSync(path.join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
  if (!only) fs.writeFileSync(path.join(PROJECT_ROOT, 'bench', 'results', 'cluster.json'), `${JSON.stringify(report, null, 2)}\n`);
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });

