/**
 * npm run bench: fresh bench database with a year of generated data, the built API started as
 * `npm start` starts it, ceiling servers beside it, autocannon from a separate process against each
 * pair, one table with the ratios, the targets checked, and bench/results/latest.json written.
 * Options:
 *   --duration=10  --warmup=3  --connections=50  --pool=<DATABASE_POOL_SIZE>  --slices=5
 *   --only=validate-pin,get-member   run a subset (row names as in the table)
 *   --reuse-data                     keep the existing iba_bench database (faster when iterating)
 *   --allow-busy                     measure although the machine is busy (the table says so, loudly)
 *   --profile                        run each endpoint on its own API process with node --cpu-prof,
 *                                    its ceiling too; profiles in bench/results/profiles/ (git-ignored)
 *   --soak[=600]                     the soak instead (bench/soak.ts): the check-in mix at half the
 *                                    maximum rate for that many seconds, heap and RSS slopes
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { buildApi, countRequestLines, type DeployedApi, type DeployedApiSettings, startCommand, startDeployedApi } from './lib/deployed-api';
import { sampleMachineLoad, type MachineLoad, percent, readCpuTimes, TICKS_PER_SECOND } from './lib/machine-load';
import { log, numberOption, option } from './lib/options';
import { flightTotalMismatches, lastOutboxId, removeCeilingBookings, waitForEmails, type EmailDelivery } from './lib/outcome-checks';
import { freePort, readCpuMs, readTreeCpuMs, RssSampler, runNode, type ServerProcess, startServerProcess } from './lib/processes';
import { databasePid, prepareBenchData, purchaseIdStarts, serverVersion } from './lib/setup';
import { startSmtpSink } from './lib/smtp-sink';
import { bringDatabaseToSteadyState } from './lib/database-steady-state';
import { PARTNER_PATHS } from './lib/bench-data';
import type { BodyKind, LoadResult, LoadSpec, TargetSpec } from './load';
import { runSoak } from './soak';

type CeilingName = 'json' | 'hmac-pk' | 'insert' | 'bare-pk';

interface EndpointDef {
  /** the row's name (and what --only matches) */
  name: string;
  body: BodyKind;
  path: string;
  ceiling: CeilingName;
  /** API worker processes (WEB_CONCURRENCY), and as many ceiling processes */
  workers: number;
  /** the ratio to its ceiling the row must reach; null: shown, not judged */
  minRatio: number | null;
  /** partner rows carry the p99 target */
  partner: boolean;
}

const ENDPOINTS: EndpointDef[] = [
  { name: 'validate-pin', body: 'validate-pin', path: PARTNER_PATHS.validatePin, ceiling: 'hmac-pk', workers: 1, minRatio: 0.85, partner: true },
  // the same check-in signed the two other ways: the price of the replay store and of the fresh connector read
  { name: 'validate-pin:timestamped', body: 'validate-pin:timestamped', path: PARTNER_PATHS.validatePin, ceiling: 'hmac-pk', workers: 1, minRatio: null, partner: true },
  { name: 'validate-pin:oauth', body: 'validate-pin:oauth', path: PARTNER_PATHS.validatePin, ceiling: 'hmac-pk', workers: 1, minRatio: null, partner: true },
  { name: 'get-member', body: 'get-member', path: PARTNER_PATHS.getMember, ceiling: 'hmac-pk', workers: 1, minRatio: 0.85, partner: true },
  { name: 'create-booking', body: 'create-booking', path: PARTNER_PATHS.createBooking, ceiling: 'insert', workers: 1, minRatio: 0.65, partner: true },
  { name: 'verify-totp', body: 'verify-totp', path: '/api/auth/verify-totp', ceiling: 'json', workers: 1, minRatio: null, partner: false },
  // the check-in lane runs without Express: how far the API is from the same work on bare node:http
  { name: 'validate-pin:bare-ceiling', body: 'validate-pin', path: PARTNER_PATHS.validatePin, ceiling: 'bare-pk', workers: 1, minRatio: null, partner: false },
  // both cores: two API workers (node:cluster) against a two-process ceiling
  { name: 'validate-pin:2-workers', body: 'validate-pin', path: PARTNER_PATHS.validatePin, ceiling: 'hmac-pk', workers: 2, minRatio: 0.85, partner: true },
];

const CEILINGS: Record<CeilingName, { file: string; body: BodyKind; description: string }> = {
  json: { file: 'bench/ceilings/json.ts', body: 'validate-pin', description: 'bare Express route answering JSON' },
  'hmac-pk': { file: 'bench/ceilings/hmac-pk.ts', body: 'validate-pin', description: 'Express + HMAC check + one primary-key read (mysql2)' },
  insert: { file: 'bench/ceilings/insert.ts', body: 'create-booking', description: 'Express + HMAC check + two INSERTs in one transaction' },
  'bare-pk': { file: 'bench/ceilings/bare-pk.ts', body: 'validate-pin', description: 'bare node:http (no Express) + HMAC check + one primary-key read' },
};

const TARGETS = { p99ToCeiling: 1.5, rssBytesPerProcess: 256 * 1024 * 1024, emailWaitSeconds: 120 };
const MB = 1024 * 1024;

const settings = {
  durationSeconds: numberOption('duration', 10),
  warmupSeconds: Number(option('warmup') ?? 3),
  connections: numberOption('connections', 50),
  poolSize: numberOption('pool', Number(process.env.DATABASE_POOL_SIZE ?? 10)),
  slices: numberOption('slices', 5),
};
const only = option('only')?.split(',');
const profile = option('profile') === 'true';
const reuseData = option('reuse-data') === 'true';
const allowBusy = option('allow-busy') === 'true';
const soak = option('soak');

/** CPU per request (µs) of each process during the measured slices. */
interface CpuSplit {
  /** the API's processes (primary and workers) or the ceiling's */
  serverUsPerRequest: number;
  databaseUsPerRequest: number | null;
  loaderUsPerRequest: number;
  /** share of all the machine's CPU time that processes outside the bench used meanwhile */
  otherProcessesShare: number | null;
}

type Measured = LoadResult & { cpu: CpuSplit };

interface PairTarget {
  spec: Omit<TargetSpec, 'name'>;
  server: ServerProcess;
}

/** CPU counters read at the start and end of every measured slice. */
interface CpuSnapshot {
  servers: Record<string, number>;
  database: number | null;
  machineBusyTicks: number | null;
  machineTotalTicks: number | null;
  benchMs: number;
}

/**
 * Loads an endpoint and its ceiling from one load process, in alternating slices, and splits the
 * CPU each server and the database used over the requests each target got. What the whole machine
 * used beyond the bench's own processes in those slices is the share other programs took.
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
  const pids = Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, t.server.pids()]));
  const snapshot = (): CpuSnapshot => {
    const machine = readCpuTimes();
    const bench = process.cpuUsage();
    return {
      servers: Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, readTreeCpuMs(list)])),
      database: dbPid ? readCpuMs(dbPid) : null,
      machineBusyTicks: machine?.busy ?? null,
      machineTotalTicks: machine?.total ?? null,
      benchMs: (bench.user + bench.system) / 1000,
    };
  };
  const totals: Record<string, { own: number; other: number; db: number; busy: number; total: number; bench: number }> = {};
  const started: Record<string, CpuSnapshot> = {};
  for (const name of Object.keys(targets)) totals[name] = { own: 0, other: 0, db: 0, busy: 0, total: 0, bench: 0 };
  const output = await runNode(['--import', 'tsx', 'bench/load.ts'], { BENCH_SPEC: JSON.stringify(spec) }, (line) => {
    const [event, name] = line.split(' ');
    if (!targets[name] || (event !== 'start' && event !== 'stop')) return;
    const now = snapshot();
    if (event === 'start') {
      started[name] = now;
      return;
    }
    const from = started[name];
    const sum = totals[name];
    for (const server of Object.keys(now.servers)) {
      const used = now.servers[server] - from.servers[server];
      if (server === name) sum.own += used;
      else sum.other += used;
    }
    sum.db += (now.database ?? 0) - (from.database ?? 0);
    sum.busy += (now.machineBusyTicks ?? 0) - (from.machineBusyTicks ?? 0);
    sum.total += (now.machineTotalTicks ?? 0) - (from.machineTotalTicks ?? 0);
    sum.bench += now.benchMs - from.benchMs;
  });
  const results = JSON.parse(output.trim().split('\n').pop() ?? '') as Record<string, LoadResult>;
  const measured = (name: string): Measured => {
    const result = results[name];
    const sum = totals[name];
    const per = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.requests));
    const tickMs = 1000 / TICKS_PER_SECOND;
    const ours = sum.own + sum.other + sum.db + result.loaderCpuMs + sum.bench;
    const others = sum.total > 0 ? Math.max(0, sum.busy * tickMs - ours) / (sum.total * tickMs) : null;
    return {
      ...result,
      cpu: {
        serverUsPerRequest: per(sum.own),
        databaseUsPerRequest: dbPid ? per(sum.db) : null,
        loaderUsPerRequest: per(result.loaderCpuMs),
        otherProcessesShare: others === null ? null : Number(others.toFixed(3)),
      },
    };
  };
  return { endpoint: measured('endpoint'), ceiling: measured('ceiling') };
}

interface ApiRun {
  api: DeployedApi;
  sampler: RssSampler;
  requests: number;
}

async function main(): Promise<void> {
  const endpoints = ENDPOINTS.filter((e) => !only || only.includes(e.name));
  if (only && endpoints.length !== only.length) throw new Error(`--only: unknown rows ${only.filter((n) => !ENDPOINTS.some((e) => e.name === n)).join(', ')}; rows: ${ENDPOINTS.map((e) => e.name).join(', ')}`);
  if (fs.existsSync(path.join(PROJECT_ROOT, '.env'))) log('note: the API reads .env in the checkout; anything there (LOG_LEVEL!) applies to the measured API too');

  log('checking that the machine is quiet (5 s)');
  const before = await sampleMachineLoad(5, true);
  refuseWhenBusy(before, 'before starting');

  const data = await prepareBenchData(reuseData);
  log('building the API (npm run build)');
  buildApi();

  const smtp = await startSmtpSink();
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iba-bench-mail-'));
  const apiSettings: DeployedApiSettings = { databaseUrl: data.databaseUrl, poolSize: settings.poolSize, pinPepper: data.pinPepper, smtpUrl: smtp.url, mailDir };
  try {
    if (soak !== undefined) {
      await bringDatabaseToSteadyState(data.databaseUrl);
      const code = await runSoak(apiSettings, {
        soakSeconds: soak === 'true' ? 600 : Number(soak),
        burstSeconds: settings.durationSeconds,
        warmupSeconds: settings.warmupSeconds,
        connections: settings.connections,
        toleranceMbPerMinute: numberOption('soak-tolerance', 0.5),
        allowBusy,
        machineLoadBefore: before,
        refuseWhenBusy,
      });
      process.exitCode = code;
      return;
    }
    await runTable(endpoints, apiSettings, data, before, smtp.received);
  } finally {
    await smtp.close();
    fs.rmSync(mailDir, { recursive: true, force: true });
  }
}

function refuseWhenBusy(load: MachineLoad, when: string): void {
  if (!load.busy) return;
  const message = `the machine is busy ${when}: ${load.reasons.join('; ')}`;
  if (!allowBusy) {
    log(`${message}.\nEvery ratio would drift towards 1 (the shared CPUs limit the ceiling as much as the API). Wait for a quiet machine, or pass --allow-busy for a smoke run (the table is then marked).`);
    process.exit(2);
  }
  log(`WARNING: ${message}; measuring anyway (--allow-busy), the figures are not comparable`);
}

const DATABASE_SETTLED_SHARE = 0.05;
const DATABASE_SETTLE_TIMEOUT_MS = 300_000;

/**
 * After the data is generated (or a previous run's bookings), MariaDB keeps working for a while
 * (flushing dirty pages, purging undo logs): the first rows would share the CPUs with it. Waits until
 * the private server uses under 5 % of one CPU over 2 s (at most 5 minutes; a server of
 * DATABASE_URL cannot be watched).
 */
async function waitForDatabaseToSettle(): Promise<void> {
  const pid = databasePid();
  if (!pid) return;
  const started = Date.now();
  for (;;) {
    const before = readCpuMs(pid) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const share = ((readCpuMs(pid) ?? 0) - before) / 2000;
    if (share < DATABASE_SETTLED_SHARE) {
      log(`the database is idle (${percent(share)} of a CPU) after ${Math.round((Date.now() - started) / 1000)} s`);
      return;
    }
    if (Date.now() - started > DATABASE_SETTLE_TIMEOUT_MS) {
      log(`the database still uses ${percent(share)} of a CPU after 5 minutes: measuring anyway`);
      return;
    }
    log(`waiting for the database to settle (${percent(share)} of a CPU: flushing and purging after the data generation)`);
  }
}

async function runTable(endpoints: EndpointDef[], apiSettings: DeployedApiSettings, data: Awaited<ReturnType<typeof prepareBenchData>>, before: MachineLoad, received: () => number) {
  const purchaseIds = await purchaseIdStarts(data.databaseUrl);
  await bringDatabaseToSteadyState(data.databaseUrl);
  await waitForDatabaseToSettle();
  log('checking again before measuring (3 s, CPU only: the load average still carries the data generation)');
  const beforeMeasuring = await sampleMachineLoad(3, false);
  refuseWhenBusy(beforeMeasuring, 'before measuring');

  const results: Record<string, Measured & { peakRssProcessBytes: number; peakRssTotalBytes: number }> = {};
  const ceilingResults: Record<string, Measured> = {};
  let email: EmailDelivery | null = null;
  let mismatches: number | null = null;
  const requestLogs: { api: string; infoLines: number; requests: number }[] = [];
  const profileDir = path.join(PROJECT_ROOT, 'bench', 'results', 'profiles');
  let current: (ApiRun & { workers: number }) | null = null;
  let apiPeakRssProcess = 0;
  let adminStart = 0;
  const stopApi = async () => {
    if (!current) return;
    current.sampler.stop();
    apiPeakRssProcess = Math.max(apiPeakRssProcess, current.sampler.peakProcess);
    await current.api.stop();
    const count = countRequestLines(current.api.logFile);
    requestLogs.push({ api: path.relative(PROJECT_ROOT, current.api.logFile), infoLines: count.infoLines, requests: current.requests });
    current = null;
  };

  try {
    for (const endpoint of endpoints) {
      if (profile && endpoint.workers > 1) {
        log(`${endpoint.name}: skipped with --profile (each worker would write its own profile)`);
        continue;
      }
      if (!current || profile || current.workers !== endpoint.workers) {
        await stopApi();
        const label = profile ? `api-${endpoint.name.replace(/:/g, '-')}` : `api-${endpoint.workers}-worker${endpoint.workers > 1 ? 's' : ''}`;
        const nodeFlags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${endpoint.name.replace(/:/g, '-')}.cpuprofile`] : [];
        const api = await startDeployedApi(apiSettings, label, endpoint.workers, { nodeFlags });
        current = { api, sampler: new RssSampler(api), requests: 0, workers: endpoint.workers };
      }
      const run = current;
      // The ceiling runs beside the API and the two are loaded in alternating slices, so both see the
      // same machine (on a shared box other programs come and go; two runs minutes apart would
      // measure that instead).
      const ceilingDef = CEILINGS[endpoint.ceiling];
      const ceilingServer = await startServerProcess(
        // the ceiling's own thread and tsx's loader thread each write a profile: a folder per row keeps both
        [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, `ceiling-${endpoint.name.replace(/:/g, '-')}`)}`] : []), '--import', 'tsx', ceilingDef.file],
        { DATABASE_URL: data.databaseUrl, DATABASE_POOL_SIZE: String(settings.poolSize), NODE_ENV: 'production', CEILING_WORKERS: String(endpoint.workers) },
        await freePort(),
        { processes: endpoint.workers > 1 ? endpoint.workers + 1 : 1 },
      );
      run.sampler.mark();
      const outboxBefore = endpoint.body === 'create-booking' ? await lastOutboxId(data.databaseUrl) : 0;
      log(`${endpoint.name} (${endpoint.workers} worker${endpoint.workers > 1 ? 's' : ''}) against ceiling ${endpoint.ceiling}${endpoint.workers > 1 ? ` ×${endpoint.workers}` : ''} (${ceilingDef.description})`);
      let pair: { endpoint: Measured; ceiling: Measured };
      try {
        pair = await loadPair(
          { spec: { url: run.api.url, path: endpoint.path, body: endpoint.body, purchaseIdStart: purchaseIds.api, adminStart }, server: run.api },
          { spec: { url: ceilingServer.url, path: '/ceiling', body: ceilingDef.body, purchaseIdStart: purchaseIds.ceiling, adminStart: 0 }, server: ceilingServer },
        );
      } finally {
        await ceilingServer.stop();
      }
      if (endpoint.body === 'create-booking') {
        purchaseIds.api += Math.ceil(pair.endpoint.requests * 2) + 100_000;
        purchaseIds.ceiling += Math.ceil(pair.ceiling.requests * 2) + 100_000;
        log(`waiting for the outbox to send the bookings' e-mails (up to ${TARGETS.emailWaitSeconds} s)`);
        email = await waitForEmails(data.databaseUrl, outboxBefore, TARGETS.emailWaitSeconds);
        log(`e-mails: ${email.sent} of ${email.queued} sent (${received()} received by the SMTP sink so far), ${email.failed} failed`);
        await removeCeilingBookings(data.databaseUrl);
        mismatches = await flightTotalMismatches(data.databaseUrl);
      }
      if (endpoint.body === 'verify-totp') adminStart += Math.ceil(pair.endpoint.requests * 1.5) + 100;
      run.requests += pair.endpoint.requests;
      ceilingResults[endpoint.name] = pair.ceiling;
      results[endpoint.name] = { ...pair.endpoint, peakRssProcessBytes: run.sampler.peakProcessSinceMark, peakRssTotalBytes: run.sampler.peakTotalSinceMark };
    }
  } finally {
    await stopApi();
  }

  const report = buildReport(endpoints, results, ceilingResults, {
    apiPeakRssProcess,
    counts: data.counts,
    databaseUrl: data.databaseUrl,
    machineLoad: { before, beforeMeasuring, allowBusy },
    email,
    mismatches,
    requestLogs,
  });
  printReport(report);
  const mariadb = await serverVersion(data.databaseUrl);
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify({ ...report, machine: { ...report.machine, mariadb } }, null, 2)}\n`);
  log(`written ${path.relative(PROJECT_ROOT, file)}${profile ? `; CPU profiles in ${path.relative(PROJECT_ROOT, profileDir)}` : ''}`);
  if (report.targets.some((t) => !t.pass)) process.exitCode = 1;
}

interface Row {
  endpoint: string;
  workers: number;
  requestsPerSecond: number;
  requests: number;
  distinctMembers: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  cpuUsPerRequest: CpuSplit;
  ceiling: string;
  ratioToCeiling: number | null;
  /** largest single API process, and all of them together (primary and workers) */
  peakRssMb: { process: number; total: number } | null;
}

interface RunFacts {
  apiPeakRssProcess: number;
  counts: unknown;
  databaseUrl: string;
  machineLoad: { before: MachineLoad; beforeMeasuring: MachineLoad; allowBusy: boolean };
  email: EmailDelivery | null;
  mismatches: number | null;
  requestLogs: { api: string; infoLines: number; requests: number }[];
}

function buildReport(endpoints: EndpointDef[], results: Record<string, Measured & { peakRssProcessBytes: number; peakRssTotalBytes: number }>, ceilings: Record<string, Measured>, facts: RunFacts) {
  const rows: Row[] = [];
  for (const endpoint of endpoints) {
    const result = results[endpoint.name];
    const ceiling = ceilings[endpoint.name];
    if (!result) continue;
    const ceilingName = `ceiling ${endpoint.ceiling}${endpoint.workers > 1 ? ` ×${endpoint.workers}` : ''}`;
    if (ceiling) rows.push(toRow(`  ${ceilingName}`, endpoint.workers, ceiling, CEILINGS[endpoint.ceiling].description, null, null));
    const ratio = ceiling && ceiling.requestsPerSecond > 0 ? result.requestsPerSecond / ceiling.requestsPerSecond : null;
    rows.push(toRow(endpoint.name, endpoint.workers, result, ceilingName, ratio, { process: result.peakRssProcessBytes / MB, total: result.peakRssTotalBytes / MB }));
  }

  const targets: { target: string; measured: string; pass: boolean }[] = [];
  const row = (name: string) => rows.find((r) => r.endpoint === name);
  for (const endpoint of endpoints) {
    const r = row(endpoint.name);
    if (!r) continue;
    if (endpoint.minRatio !== null) {
      targets.push({
        target: `${endpoint.name} >= ${endpoint.minRatio * 100}% of ${r.ceiling}`,
        measured: r.ratioToCeiling === null ? 'n/a' : `${(r.ratioToCeiling * 100).toFixed(1)}%`,
        pass: (r.ratioToCeiling ?? 0) >= endpoint.minRatio,
      });
    }
    const ceiling = ceilings[endpoint.name];
    if (endpoint.partner && ceiling) {
      const limit = TARGETS.p99ToCeiling * ceiling.latencyP99;
      targets.push({
        target: `${endpoint.name} p99 <= ${TARGETS.p99ToCeiling} × its ceiling's p99`,
        measured: `${r.latencyP99Ms} ms against ${limit.toFixed(1)} ms (${(r.latencyP99Ms / Math.max(0.1, ceiling.latencyP99)).toFixed(2)} ×)`,
        pass: r.latencyP99Ms <= limit,
      });
    }
  }
  const apiRows = rows.filter((r) => !r.endpoint.startsWith('  '));
  const errorCount = apiRows.reduce((sum, r) => sum + r.errors + r.non2xx, 0);
  targets.push({ target: 'zero errors and zero non-2xx on every endpoint', measured: String(errorCount), pass: errorCount === 0 && apiRows.length > 0 });
  targets.push({
    target: `API peak RSS <= ${TARGETS.rssBytesPerProcess / MB} MB per process at ${settings.connections} connections`,
    measured: `${(facts.apiPeakRssProcess / MB).toFixed(1)} MB`,
    pass: facts.apiPeakRssProcess > 0 && facts.apiPeakRssProcess <= TARGETS.rssBytesPerProcess,
  });
  const logged = facts.requestLogs.reduce((sum, l) => sum + l.infoLines, 0);
  const answered = facts.requestLogs.reduce((sum, l) => sum + l.requests, 0);
  targets.push({ target: 'request logs on at info: a line for every request measured', measured: `${logged} lines for ${answered} measured requests (+ warm-up)`, pass: logged >= answered && answered > 0 });
  if (facts.email) {
    const e = facts.email;
    targets.push({
      target: "create-booking: every booking's e-mail sent within the run",
      measured: `${e.sent} of ${e.queued} sent${e.drainedSecondsAfterLoad === null ? '' : `, the last ${e.drainedSecondsAfterLoad} s after the load`}${e.failed ? `, ${e.failed} failed` : ''}`,
      pass: e.queued > 0 && e.sent === e.queued,
    });
  }
  if (facts.mismatches !== null) {
    targets.push({ target: 'flight totals equal the logbook sums after the bookings', measured: `${facts.mismatches} members differ`, pass: facts.mismatches === 0 });
  }

  const { before, beforeMeasuring, allowBusy: overridden } = facts.machineLoad;
  const busy = before.busy || beforeMeasuring.busy;
  return {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryMb: Math.round(os.totalmem() / MB), node: process.version, mariadb: '' },
    machineLoad: { busy, overridden: busy && overridden, before, beforeMeasuring },
    api: {
      command: startCommand().join(' '),
      environment: 'NODE_ENV=production, WEB_CONCURRENCY per row, LOG_LEVEL unset (info), stdout and stderr appended to a file',
      requestLogs: facts.requestLogs,
    },
    settings: { ...settings, database: new URL(facts.databaseUrl).pathname.slice(1), members: 'uniformly random over all 100,000 generated members' },
    data: facts.counts,
    apiPeakRssMb: Number((facts.apiPeakRssProcess / MB).toFixed(1)),
    emails: facts.email,
    flightTotalMismatches: facts.mismatches,
    rows,
    targets,
  };
}

function toRow(endpoint: string, workers: number, r: Measured, ceiling: string, ratio: number | null, rssMb: { process: number; total: number } | null): Row {
  return {
    endpoint,
    workers,
    requestsPerSecond: Math.round(r.requestsPerSecond),
    requests: r.requests,
    distinctMembers: r.distinctMembers,
    latencyP50Ms: r.latencyP50,
    latencyP99Ms: r.latencyP99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    statusCodes: r.statusCodes,
    cpuUsPerRequest: r.cpu,
    ceiling,
    ratioToCeiling: ratio === null ? null : Number(ratio.toFixed(3)),
    peakRssMb: rssMb === null ? null : { process: Number(rssMb.process.toFixed(1)), total: Number(rssMb.total.toFixed(1)) },
  };
}

function printReport(report: ReturnType<typeof buildReport>): void {
  const header = ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'ratio', 'members', 'RSS MB', 'CPU µs/req: server', 'db', 'loader', 'others'];
  const lines = report.rows.map((r) => [
    r.endpoint,
    String(r.requestsPerSecond),
    String(r.latencyP50Ms),
    String(r.latencyP99Ms),
    String(r.errors),
    String(r.non2xx),
    r.ratioToCeiling === null ? '' : `${(r.ratioToCeiling * 100).toFixed(1)}%`,
    String(r.distinctMembers),
    r.peakRssMb === null ? '' : r.workers > 1 ? `${r.peakRssMb.process} (${r.peakRssMb.total} all)` : String(r.peakRssMb.process),
    String(r.cpuUsPerRequest.serverUsPerRequest),
    String(r.cpuUsPerRequest.databaseUsPerRequest ?? '?'),
    String(r.cpuUsPerRequest.loaderUsPerRequest),
    r.cpuUsPerRequest.otherProcessesShare === null ? '?' : percent(r.cpuUsPerRequest.otherProcessesShare),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const { machineLoad } = report;
  const describe = (load: MachineLoad) =>
    `load average ${load.loadAverage.join(' / ')}, CPU busy ${load.busyShare === null ? '?' : percent(load.busyShare)} (steal ${load.stealShare === null ? '?' : percent(load.stealShare)}) over ${load.sampleSeconds} s`;
  const banner = machineLoad.busy
    ? [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '!!  MEASURED ON A BUSY MACHINE (--allow-busy): these figures are NOT comparable  !!',
        ...[...machineLoad.before.reasons, ...machineLoad.beforeMeasuring.reasons].map((reason) => `!!  ${reason}`),
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      ]
    : [];
  const out = [
    ...banner,
    '',
    `${report.machine.cpus} CPUs (${report.machine.cpuModel}), node ${report.machine.node}; ${report.settings.connections} connections, ${report.settings.durationSeconds} s each (in ${report.settings.slices} slices alternating with the ceiling) after ${report.settings.warmupSeconds} s warm-up, pool ${report.settings.poolSize}`,
    `API: ${report.api.command}, ${report.api.environment}`,
    `machine before: ${describe(machineLoad.before)}; before measuring: ${describe(machineLoad.beforeMeasuring)}`,
    `members: ${report.settings.members} ("members" = distinct members the measured requests named); others = CPU share of processes outside the bench`,
    format(header),
    format(widths.map((w) => '-'.repeat(w))),
    ...lines.map(format),
    '',
    ...report.targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.measured}`),
    ...banner,
    '',
  ];
  process.stdout.write(out.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
