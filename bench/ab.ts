/**
 * A/B of two builds of the API, for a change too small for the table's run-to-run noise: both run as
 * `npm start` runs them (deployed environment, request logs at info, stdout to a file) side by side,
 * loaded in alternating slices from one load process, so both see the same machine. Prints req/s and
 * the CPU each API process used per request (the steadier figure).
 *
 *   npx tsx bench/ab.ts <dist-a> <dist-b> [--rows=validate-pin,get-member] [--duration=20] [--slices=10]
 *
 * Build each variant with `npx tsc -p tsconfig.build.json --outDir <dir>` (or copy dist/). Uses the
 * database `npm run bench` generated (run it once first).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { PARTNER_PATHS } from './lib/bench-data';
import { deployedEnvironment, LOG_DIR, type DeployedApiSettings } from './lib/deployed-api';
import { log, numberOption, option } from './lib/options';
import { freePort, readRss, readTreeCpuMs, runNode, type ServerProcess, startServerProcess } from './lib/processes';
import { prepareBenchData } from './lib/setup';
import { startSmtpSink } from './lib/smtp-sink';
import type { BodyKind, LoadResult, LoadSpec } from './load';

const [distA, distB] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (!distA || !distB) throw new Error('usage: bench/ab.ts <dist-a> <dist-b> [--rows=validate-pin,get-member]');
const rows = (option('rows') ?? 'validate-pin,get-member').split(',') as BodyKind[];
const paths: Partial<Record<BodyKind, string>> = { 'validate-pin': PARTNER_PATHS.validatePin, 'get-member': PARTNER_PATHS.getMember };

async function startVariant(dist: string, label: string, settings: DeployedApiSettings, nodeFlags: string | undefined): Promise<ServerProcess> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `ab-${label}.log`);
  fs.rmSync(logFile, { force: true });
  const flags = nodeFlags?.split(' ') ?? [];
  return startServerProcess([...flags, path.join(dist, 'server.js')], deployedEnvironment(settings, 1), await freePort(), { logFile });
}

async function main(): Promise<void> {
  const data = await prepareBenchData(true);
  const smtp = await startSmtpSink();
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iba-ab-mail-'));
  const settings: DeployedApiSettings = { databaseUrl: data.databaseUrl, poolSize: 10, pinPepper: data.pinPepper, smtpUrl: smtp.url, mailDir };
  const servers = { A: await startVariant(path.resolve(PROJECT_ROOT, distA), 'A', settings, option('a-flags')), B: await startVariant(path.resolve(PROJECT_ROOT, distB), 'B', settings, option('b-flags')) };
  try {
    for (const row of rows) {
      const spec: LoadSpec = {
        targets: Object.entries(servers).map(([name, server]) => ({ name, url: server.url, path: paths[row] ?? '', body: row, purchaseIdStart: 0, adminStart: 0 })),
        connections: 50,
        durationSeconds: numberOption('duration', 20),
        warmupSeconds: 3,
        slices: numberOption('slices', 10),
      };
      const cpu: Record<string, number> = { A: 0, B: 0 };
      let startedAt = 0;
      const output = await runNode(['--import', 'tsx', 'bench/load.ts'], { BENCH_SPEC: JSON.stringify(spec) }, (line) => {
        const [event, name] = line.split(' ');
        if (!(name in servers)) return;
        const used = readTreeCpuMs(servers[name as 'A' | 'B'].pids());
        if (event === 'start') startedAt = used;
        if (event === 'stop') cpu[name] += used - startedAt;
      });
      const results = JSON.parse(output.trim().split('\n').pop() ?? '') as Record<string, LoadResult>;
      for (const name of ['A', 'B']) {
        const r = results[name];
        log(`${row} ${name}: ${Math.round(r.requestsPerSecond)} req/s, p99 ${r.latencyP99} ms, ${Math.round((cpu[name] * 1000) / r.requests)} µs CPU per request, ${r.non2xx} non-2xx, ${r.errors} errors, RSS now ${Math.round((readRss(servers[name as 'A' | 'B'].pid) ?? 0) / 1048576)} MB`);
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    await smtp.close();
    fs.rmSync(mailDir, { recursive: true, force: true });
  }
}

void main();
