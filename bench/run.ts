/**
 * npm run bench: fresh bench database with a year of generated data, the built API as a child process,
 * three ceiling servers, autocannon from a separate process against each, one table with the ratios,
 * the targets checked, and bench/results/latest.json written. Options:
 *   --duration=10  --warmup=3  --connections=50  --pool=<DATABASE_POOL_SIZE>
 *   --only=validate-pin,get-member   run a subset (ceilings are run only when needed)
 *   --reuse-data                     keep the existing iba_bench database (faster when iterating)
 *   --profile                        run each endpoint on its own API process with node --cpu-prof,
 *                                    profiles in bench/results/profiles/ (git-ignored)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { PROJECT_ROOT } from '../src/config';
import { createPool } from '../src/db/pool';
import { benchDatabaseUrl, recreateBenchDatabase, serverDatabaseUrl } from './lib/database';
import { generateBenchData, type GeneratedCounts } from './lib/generate-data';
import { freePort, readCpuMs, RssSampler, runNode, type ServerProcess, startServerProcess } from './lib/processes';
import { startSmtpSink } from './lib/smtp-sink';
import type { BodyKind, LoadResult, LoadSpec, TargetSpec } from './load';

type CeilingName = 'json' | 'hmac-pk' | 'insert';

interface EndpointDef {
  name: BodyKind;
  path: string;
  ceiling: CeilingName;
  /** Partner endpoints carry the latency target. */
  partner: boolean;
}

const ENDPOINTS: EndpointDef[] = [
  { name: 'validate-pin', path: '/api/external/fuse-metrix/validate-pin', ceiling: 'hmac-pk', partner: true },
  // the same check-in signed the two other ways: the price of the replay store and of the fresh connector read
  { name: 'validate-pin:timestamped', path: '/api/external/fuse-metrix/validate-pin', ceiling: 'hmac-pk', partner: true },
  { name: 'validate-pin:oauth', path: '/api/external/fuse-metrix/validate-pin', ceiling: 'hmac-pk', partner: true },
  { name: 'get-member', path: '/api/external/fuse-metrix/get-member', ceiling: 'hmac-pk', partner: true },
  { name: 'create-booking', path: '/api/external/fuse-metrix/create-booking', ceiling: 'insert', partner: true },
  { name: 'verify-totp', path: '/api/auth/verify-totp', ceiling: 'json', partner: false },
];

const CEILINGS: Record<CeilingName, { file: string; body: BodyKind; description: string }> = {
  json: { file: 'bench/ceilings/json.ts', body: 'validate-pin', description: 'bare Express route answering JSON' },
  'hmac-pk': { file: 'bench/ceilings/hmac-pk.ts', body: 'validate-pin', description: 'Express + HMAC check + one primary-key read (mysql2)' },
  insert: { file: 'bench/ceilings/insert.ts', body: 'create-booking', description: 'Express + HMAC check + two INSERTs in one transaction' },
};

const TARGETS = { pkRatio: 0.7, insertRatio: 0.6, p99Ms: 50, rssBytes: 200 * 1024 * 1024 };
const API_PURCHASE_ID_START = 1_100_000_000;
const MB = 1024 * 1024;

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a === `--${name}` || a.startsWith(prefix));
  if (!arg) return undefined;
  return arg === `--${name}` ? 'true' : arg.slice(prefix.length);
}

const settings = {
  durationSeconds: Number(option('duration') ?? 10),
  warmupSeconds: Number(option('warmup') ?? 3),
  connections: Number(option('connections') ?? 50),
  poolSize: Number(option('pool') ?? process.env.DATABASE_POOL_SIZE ?? 10),
  slices: Number(option('slices') ?? 5),
};
const only = option('only')?.split(',');
const profile = option('profile') === 'true';
const reuseData = option('reuse-data') === 'true';

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** CPU per request (µs) of the server under test and of the database during the measured run. */
interface CpuSplit {
  serverUsPerRequest: number | null;
  databaseUsPerRequest: number | null;
  loaderUsPerRequest: number;
}

type Measured = LoadResult & { cpu: CpuSplit };

interface PairTarget {
  spec: Omit<TargetSpec, 'name'>;
  pid: number;
}

/**
 * Loads an endpoint and its ceiling from one load process, in alternating slices, and splits the
 * CPU each server and the database used over the requests each target got.
 */
async function loadPair(endpoint: PairTarget, ceiling: PairTarget): Promise<{ endpoint: Measured; ceiling: Measured }> {
  const targets: Record<string, PairTarget> = { endpoint, ceiling };
  const spec: LoadSpec = {
    targets: Object.entries(targets).map(([name, t]) => ({ name, ...t.spec })),
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    warmupSeconds: settings.warmupSeconds,
    slices: settings.slices,
  };
  const dbPid = databasePid();
  const cpu: Record<string, { server: number; db: number; started: { server: number | null; db: number | null } }> = {};
  for (const name of Object.keys(targets)) cpu[name] = { server: 0, db: 0, started: { server: null, db: null } };
  const output = await runNode(['--import', 'tsx', 'bench/load.ts'], { BENCH_SPEC: JSON.stringify(spec) }, (line) => {
    const [event, name] = line.split(' ');
    const target = targets[name];
    if (!target || (event !== 'start' && event !== 'stop')) return;
    const now = { server: readCpuMs(target.pid), db: dbPid ? readCpuMs(dbPid) : null };
    if (event === 'start') cpu[name].started = now;
    else {
      cpu[name].server += (now.server ?? 0) - (cpu[name].started.server ?? 0);
      cpu[name].db += (now.db ?? 0) - (cpu[name].started.db ?? 0);
    }
  });
  const results = JSON.parse(output.trim().split('\n').pop() ?? '') as Record<string, LoadResult>;
  const measured = (name: string): Measured => {
    const result = results[name];
    const per = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.requests));
    return { ...result, cpu: { serverUsPerRequest: per(cpu[name].server), databaseUsPerRequest: dbPid ? per(cpu[name].db) : null, loaderUsPerRequest: per(result.loaderCpuMs) } };
  };
  return { endpoint: measured('endpoint'), ceiling: measured('ceiling') };
}

/** The private MariaDB's pid (scripts/db.sh), when the bench runs on it; null for another server. */
function databasePid(): number | null {
  if (process.env.DATABASE_URL) return null;
  try {
    return Number(fs.readFileSync(path.join(PROJECT_ROOT, '.data', 'mariadb-run', 'mariadb.pid'), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const endpoints = ENDPOINTS.filter((e) => !only || only.includes(e.name));
  const serverUrl = serverDatabaseUrl();
  const databaseUrl = benchDatabaseUrl(serverUrl);
  const pinPepper = reuseData ? readPepper() : randomBytes(24).toString('hex');
  let counts: GeneratedCounts | null = null;
  if (!reuseData) {
    let started = Date.now();
    log(`re-creating database ${new URL(databaseUrl).pathname.slice(1)} and migrating it`);
    await recreateBenchDatabase(serverUrl);
    log('generating data');
    started = Date.now();
    const pool = createPool(databaseUrl, { connectionLimit: 1 });
    try {
      counts = await generateBenchData(pool, pinPepper, new Date());
    } finally {
      await pool.end();
    }
    writePepper(pinPepper);
    log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
  }

  const purchaseIds = await purchaseIdStarts(databaseUrl);

  log('building the API (npm run build)');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });

  const smtp = await startSmtpSink();
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iba-bench-mail-'));
  const baseEnv = { DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: String(settings.poolSize) };

  // the API
  const apiEnv = {
    ...baseEnv,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(32).toString('hex'),
    PIN_PEPPER: pinPepper,
    SMTP_URL: smtp.url,
    MAIL_OUTBOX_DIR: mailDir,
    APP_BASE_URL: 'https://bench.example.com',
  };
  const results: Partial<Record<BodyKind, Measured & { peakRssBytes: number }>> = {};
  const ceilingResults: Partial<Record<BodyKind, Measured>> = {};
  let api: ServerProcess | null = null;
  let sampler: RssSampler | null = null;
  let apiPeakRss = 0;
  const profileDir = path.join(PROJECT_ROOT, 'bench', 'results', 'profiles');
  let adminStart = 0;
  try {
    for (const endpoint of endpoints) {
      if (!api || profile) {
        const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${endpoint.name}.cpuprofile`] : [];
        api = await startServerProcess([...nodeArgs, ...startFlags(), 'dist/server.js'], apiEnv, await freePort());
        sampler = new RssSampler(api.child.pid ?? 0);
      }
      // The ceiling runs beside the API and the two are loaded in alternating slices, so both see the
      // same machine (on a shared box other programs come and go; two runs minutes apart would
      // measure that instead).
      const ceilingDef = CEILINGS[endpoint.ceiling];
      const ceilingServer = await startServerProcess(['--import', 'tsx', ceilingDef.file], { ...baseEnv, NODE_ENV: 'production' }, await freePort());
      sampler?.mark();
      log(`${endpoint.name} against ceiling ${endpoint.ceiling} (${ceilingDef.description})`);
      let pair: { endpoint: Measured; ceiling: Measured };
      try {
        pair = await loadPair(
          { spec: { url: api.url, path: endpoint.path, body: endpoint.name, purchaseIdStart: purchaseIds.api, adminStart }, pid: api.child.pid ?? 0 },
          { spec: { url: ceilingServer.url, path: '/ceiling', body: ceilingDef.body, purchaseIdStart: purchaseIds.ceiling, adminStart: 0 }, pid: ceilingServer.child.pid ?? 0 },
        );
      } finally {
        await ceilingServer.stop();
      }
      const result = pair.endpoint;
      ceilingResults[endpoint.name] = pair.ceiling;
      if (endpoint.name === 'verify-totp') adminStart += Math.ceil(result.requests * 1.5) + 100;
      results[endpoint.name] = { ...result, peakRssBytes: sampler?.peakSinceMark ?? 0 };
      if (profile) {
        await api.stop();
        apiPeakRss = Math.max(apiPeakRss, sampler?.peak ?? 0);
        sampler?.stop();
        api = null;
      }
    }
  } finally {
    if (api) {
      apiPeakRss = Math.max(apiPeakRss, sampler?.peak ?? 0);
      sampler?.stop();
      await api.stop();
    }
    await smtp.close();
    fs.rmSync(mailDir, { recursive: true, force: true });
  }

  const report = buildReport(endpoints, results, ceilingResults, apiPeakRss, counts, databaseUrl);
  printReport(report);
  const mariadbVersion = await serverVersion(databaseUrl);
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify({ ...report, machine: { ...report.machine, mariadb: mariadbVersion } }, null, 2)}\n`);
  log(`written ${path.relative(PROJECT_ROOT, file)}${profile ? `; CPU profiles in ${path.relative(PROJECT_ROOT, profileDir)}` : ''}`);
  if (report.targets.some((t) => !t.pass)) process.exitCode = 1;
}

interface Row {
  endpoint: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  cpuUsPerRequest: CpuSplit;
  ceiling: string;
  ratioToCeiling: number | null;
  peakRssMb: number | null;
}

function buildReport(
  endpoints: EndpointDef[],
  results: Partial<Record<BodyKind, Measured & { peakRssBytes: number }>>,
  ceilings: Partial<Record<BodyKind, Measured>>,
  apiPeakRss: number,
  counts: GeneratedCounts | null,
  databaseUrl: string,
) {
  const rows: Row[] = [];
  for (const endpoint of endpoints) {
    const result = results[endpoint.name];
    const ceiling = ceilings[endpoint.name];
    if (!result) continue;
    if (ceiling) rows.push(toRow(`  ceiling ${endpoint.ceiling}`, ceiling, CEILINGS[endpoint.ceiling].description, null, null));
    const ratio = ceiling && ceiling.requestsPerSecond > 0 ? result.requestsPerSecond / ceiling.requestsPerSecond : null;
    rows.push(toRow(endpoint.name, result, `ceiling ${endpoint.ceiling}`, ratio, result.peakRssBytes / MB));
  }

  const targets: { target: string; measured: string; pass: boolean }[] = [];
  const row = (name: string) => rows.find((r) => r.endpoint === name);
  for (const [name, min] of [['validate-pin', TARGETS.pkRatio], ['get-member', TARGETS.pkRatio], ['create-booking', TARGETS.insertRatio]] as const) {
    const r = row(name);
    if (!r) continue;
    targets.push({ target: `${name} >= ${min * 100}% of its ceiling`, measured: r.ratioToCeiling === null ? 'n/a' : `${(r.ratioToCeiling * 100).toFixed(1)}%`, pass: (r.ratioToCeiling ?? 0) >= min });
  }
  for (const endpoint of endpoints.filter((e) => e.partner)) {
    const r = row(endpoint.name);
    const ceiling = ceilings[endpoint.name];
    const context = ceiling ? ` (its ceiling's p99: ${ceiling.latencyP99} ms)` : '';
    if (r) targets.push({ target: `${endpoint.name} p99 < ${TARGETS.p99Ms} ms`, measured: `${r.latencyP99Ms} ms${context}`, pass: r.latencyP99Ms < TARGETS.p99Ms });
  }
  targets.push({ target: `API peak RSS < ${TARGETS.rssBytes / MB} MB`, measured: `${(apiPeakRss / MB).toFixed(1)} MB`, pass: apiPeakRss > 0 && apiPeakRss < TARGETS.rssBytes });
  const apiRows = rows.filter((r) => !r.endpoint.includes('ceiling'));
  const errorCount = apiRows.reduce((sum, r) => sum + r.errors + r.non2xx, 0);
  targets.push({ target: 'zero errors and zero non-2xx on every endpoint', measured: String(errorCount), pass: errorCount === 0 && apiRows.length > 0 });

  return {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryMb: Math.round(os.totalmem() / MB), node: process.version, mariadb: '' },
    settings: { ...settings, database: new URL(databaseUrl).pathname.slice(1) },
    data: counts,
    apiPeakRssMb: Number((apiPeakRss / MB).toFixed(1)),
    rows,
    targets,
  };
}

function toRow(endpoint: string, r: Measured, ceiling: string, ratio: number | null, rssMb: number | null): Row {
  return {
    endpoint,
    requestsPerSecond: Math.round(r.requestsPerSecond),
    latencyP50Ms: r.latencyP50,
    latencyP99Ms: r.latencyP99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    statusCodes: r.statusCodes,
    cpuUsPerRequest: r.cpu,
    ceiling,
    ratioToCeiling: ratio === null ? null : Number(ratio.toFixed(3)),
    peakRssMb: rssMb === null ? null : Number(rssMb.toFixed(1)),
  };
}

function printReport(report: ReturnType<typeof buildReport>): void {
  const header = ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'ratio', 'vs', 'peak RSS MB', 'CPU µs/req server+db+load'];
  const lines = report.rows.map((r) => [
    r.endpoint,
    String(r.requestsPerSecond),
    String(r.latencyP50Ms),
    String(r.latencyP99Ms),
    String(r.errors),
    String(r.non2xx),
    r.ratioToCeiling === null ? '' : `${(r.ratioToCeiling * 100).toFixed(1)}%`,
    r.ratioToCeiling === null ? '' : r.ceiling.replace('ceiling ', ''),
    r.peakRssMb === null ? '' : String(r.peakRssMb),
    `${r.cpuUsPerRequest.serverUsPerRequest ?? '?'}+${r.cpuUsPerRequest.databaseUsPerRequest ?? '?'}+${r.cpuUsPerRequest.loaderUsPerRequest}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [
    '',
    `${report.machine.cpus} CPUs (${report.machine.cpuModel}), node ${report.machine.node}; ${report.settings.connections} connections, ${report.settings.durationSeconds} s each (in ${report.settings.slices} slices alternating with the ceiling) after ${report.settings.warmupSeconds} s warm-up, pool ${report.settings.poolSize}`,
    format(header),
    format(widths.map((w) => '-'.repeat(w))),
    ...lines.map(format),
    '',
    `API peak RSS (whole run): ${report.apiPeakRssMb} MB`,
    '',
    ...report.targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.measured}`),
    '',
  ];
  process.stdout.write(out.join('\n'));
}

/** Purchase ids above every existing one of the bench connector, so --reuse-data runs never collide with earlier ones. */
async function purchaseIdStarts(databaseUrl: string): Promise<{ api: number; ceiling: number }> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT COALESCE(MAX(purchase_id), 0) AS max FROM bookings WHERE connector_id IS NOT NULL');
    const next = Number(rows[0]?.max ?? 0) + 1;
    // the insert ceiling writes bookings without a connector, outside the unique key, so any start will do
    return { api: Math.max(API_PURCHASE_ID_START, next), ceiling: API_PURCHASE_ID_START };
  } finally {
    await connection.end();
  }
}

async function serverVersion(databaseUrl: string): Promise<string> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    return String(rows[0]?.v ?? '');
  } finally {
    await connection.end();
  }
}

/** The node flags of `npm start` (package.json), so the bench runs the API exactly as production starts it. */
function startFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node' || words[words.length - 1] !== 'dist/server.js') throw new Error(`npm start is not "node [flags] dist/server.js": ${pkg.scripts.start}`);
  return words.slice(1, -1);
}

/** --reuse-data needs the pepper the data was generated with; it is kept beside the (git-ignored) database. */
const pepperFile = path.join(PROJECT_ROOT, '.data', 'bench-pin-pepper');
function writePepper(pepper: string): void {
  fs.mkdirSync(path.dirname(pepperFile), { recursive: true });
  fs.writeFileSync(pepperFile, pepper, { mode: 0o600 });
}
function readPepper(): string {
  if (!fs.existsSync(pepperFile)) throw new Error('--reuse-data: no earlier bench data (run npm run bench once without it)');
  return fs.readFileSync(pepperFile, 'utf8').trim();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
