import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { type DeployedApiSettings, startCommand, startDeployedApi } from './lib/deployed-api';
import { type MachineLoad, sampleMachineLoad } from './lib/machine-load';
import { log } from './lib/options';
import { lastOutboxId, waitForEmails } from './lib/outcome-checks';
import { readRss, runNode } from './lib/processes';
import { purchaseIdStarts } from './lib/setup';
import type { LoadResult, LoadSpec } from './load';

/**
 * npm run bench -- --soak[=600]: does the API's memory stay flat under steady load? One API process
 * (as `npm start` runs it, WEB_CONCURRENCY=1) gets the check-in mix (validate-pin, get-member,
 * create-booking for one member per round): first as fast as it answers for --duration seconds (its
 * maximum rate), then at half that rate for the soak. Every 2 s the bench reads the process's RSS
 * (/proc) and its V8 heap (nodejs_heap_size_used_bytes from /metrics, as Prometheus would). Growth is
 * the slope of a straight line fitted through per-window figures (60 s windows) after the first fifth of the soak: the heap's
 * lowest value in each window in which a full collection ran (what survives garbage collection; the
 * sawtooth between collections is not growth, and a window without a full collection has no floor:
 * its lowest value still holds old garbage) and the RSS's mean. Passes when both slopes are within the tolerance (MB per minute) and
 * no request failed. Writes bench/results/soak.json.
 */

export interface SoakOptions {
  soakSeconds: number;
  burstSeconds: number;
  warmupSeconds: number;
  connections: number;
  toleranceMbPerMinute: number;
  allowBusy: boolean;
  machineLoadBefore: MachineLoad;
  refuseWhenBusy: (load: MachineLoad, when: string) => void;
}

interface Sample {
  seconds: number;
  rssMb: number;
  heapUsedMb: number | null;
  /** Full (mark-compact) collections so far (nodejs_gc_duration_seconds_count{kind="major"}). */
  fullCollections: number | null;
}

const SAMPLE_MS = 2000;
const WARM_UP_SHARE = 0.2;
const MB = 1024 * 1024;

export async function runSoak(apiSettings: DeployedApiSettings, options: SoakOptions): Promise<number> {
  const purchaseIds = await purchaseIdStarts(apiSettings.databaseUrl);
  log('checking again before measuring (3 s, CPU only)');
  const beforeMeasuring = await sampleMachineLoad(3, false);
  options.refuseWhenBusy(beforeMeasuring, 'before measuring');

  const metricsToken = randomBytes(24).toString('hex');
  const api = await startDeployedApi(apiSettings, 'api-soak', 1, { extraEnv: { METRICS_TOKEN: metricsToken } });
  const target = { name: 'check-in', url: api.url, path: '', body: 'check-in' as const, adminStart: 0 };
  let burst: LoadResult;
  let soak: LoadResult;
  const samples: Sample[] = [];
  let outboxBefore = 0;
  try {
    log(`check-in mix as fast as the API answers, ${options.burstSeconds} s (after ${options.warmupSeconds} s warm-up)`);
    burst = await load({ targets: [{ ...target, purchaseIdStart: purchaseIds.api }], connections: options.connections, durationSeconds: options.burstSeconds, warmupSeconds: options.warmupSeconds, slices: 1 });
    const rate = Math.max(1, Math.floor(burst.requestsPerSecond / 2));
    log(`maximum ${Math.round(burst.requestsPerSecond)} req/s; soaking at ${rate} req/s for ${options.soakSeconds} s`);
    outboxBefore = await lastOutboxId(apiSettings.databaseUrl);

    const started = Date.now();
    const timer = setInterval(() => {
      void sample(api.pid, api.url, metricsToken, (Date.now() - started) / 1000).then((s) => s && samples.push(s));
    }, SAMPLE_MS);
    try {
      soak = await load({
        targets: [{ ...target, purchaseIdStart: purchaseIds.api + burst.requests + 1_000_000 }],
        connections: options.connections,
        durationSeconds: options.soakSeconds,
        warmupSeconds: 0,
        slices: 1,
        rate,
      });
    } finally {
      clearInterval(timer);
    }
  } finally {
    await api.stop();
  }
  const email = await waitForEmails(apiSettings.databaseUrl, outboxBefore, 60);

  const windowSeconds = options.soakSeconds >= 300 ? 60 : Math.max(4, Math.round(options.soakSeconds / 6));
  // the first fifth is warm-up (V8 grows its heap to the load's working size), not growth
  const windows = perWindow(samples, windowSeconds).filter((w) => w.midMinutes * 60 - windowSeconds / 2 >= options.soakSeconds * WARM_UP_SHARE);
  const heapSlope = slope(windows.filter((w) => w.heapMinMb !== null).map((w) => [w.midMinutes, w.heapMinMb as number]));
  const rssSlope = slope(windows.map((w) => [w.midMinutes, w.rssMeanMb]));
  const failures = soak.errors + soak.timeouts + soak.non2xx;
  const tolerance = options.toleranceMbPerMinute;
  const checks = [
    { target: `heap growth <= ${tolerance} MB/min (lowest heap per ${windowSeconds} s window with a full collection)`, measured: heapSlope === null ? 'n/a' : `${heapSlope.toFixed(3)} MB/min`, pass: heapSlope !== null && heapSlope <= tolerance },
    { target: `RSS growth <= ${tolerance} MB/min (mean RSS per ${windowSeconds} s window)`, measured: rssSlope === null ? 'n/a' : `${rssSlope.toFixed(3)} MB/min`, pass: rssSlope !== null && rssSlope <= tolerance },
    { target: 'zero errors and zero non-2xx during the soak', measured: String(failures), pass: failures === 0 },
  ];
  const busy = options.machineLoadBefore.busy || beforeMeasuring.busy;
  const report = {
    generatedAt: new Date().toISOString(),
    machineLoad: { busy, overridden: busy && options.allowBusy, before: options.machineLoadBefore, beforeMeasuring },
    api: { command: startCommand().join(' '), environment: 'NODE_ENV=production, WEB_CONCURRENCY=1, LOG_LEVEL unset (info), stdout to a file' },
    mix: 'validate-pin, get-member, create-booking for one member per round, members uniformly random over 100,000',
    maximum: { requestsPerSecond: Math.round(burst.requestsPerSecond), seconds: options.burstSeconds },
    soak: {
      seconds: options.soakSeconds,
      rate: Math.max(1, Math.floor(burst.requestsPerSecond / 2)),
      requestsPerSecond: Math.round(soak.requestsPerSecond),
      latencyP50Ms: soak.latencyP50,
      latencyP99Ms: soak.latencyP99,
      statusCodes: soak.statusCodes,
      distinctMembers: soak.distinctMembers,
    },
    emails: email,
    slopesMbPerMinute: { heap: heapSlope, rss: rssSlope },
    windows,
    samples,
    targets: checks,
  };
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'soak.json');
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

  const first = windows[0];
  const last = windows[windows.length - 1];
  const floors = windows.filter((w) => w.heapMinMb !== null);
  process.stdout.write(
    [
      '',
      ...(busy ? ['!!  MEASURED ON A BUSY MACHINE (--allow-busy): not comparable  !!', ...[...options.machineLoadBefore.reasons, ...beforeMeasuring.reasons].map((r) => `!!  ${r}`)] : []),
      `soak: ${report.soak.requestsPerSecond} req/s (half of the maximum ${report.maximum.requestsPerSecond}) for ${options.soakSeconds} s, p50 ${soak.latencyP50} ms, p99 ${soak.latencyP99} ms, ${soak.requests} requests`,
      first && last
        ? `heap (lowest per window with a full collection: ${floors.length} of ${windows.length}) ${floors[0]?.heapMinMb?.toFixed(1)} → ${floors[floors.length - 1]?.heapMinMb?.toFixed(1)} MB, RSS (mean per window) ${first.rssMeanMb.toFixed(1)} → ${last.rssMeanMb.toFixed(1)} MB, over ${windows.length} windows of ${windowSeconds} s after the first fifth`
        : 'too few samples for a slope',
      ...(options.soakSeconds < 300 ? [`(a soak under 5 minutes is a smoke test: the heap's garbage-collection cycle is longer than its ${windowSeconds} s windows)`] : []),
      `slopes: heap ${heapSlope?.toFixed(3) ?? 'n/a'} MB/min, RSS ${rssSlope?.toFixed(3) ?? 'n/a'} MB/min; e-mails ${email.sent} of ${email.queued} sent`,
      ...checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.measured}`),
      '',
    ].join('\n'),
  );
  log(`written ${path.relative(PROJECT_ROOT, file)}`);
  return checks.every((c) => c.pass) ? 0 : 1;
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const output = await runNode(['--import', 'tsx', 'bench/load.ts'], { BENCH_SPEC: JSON.stringify(spec) });
  const results = JSON.parse(output.trim().split('\n').pop() ?? '') as Record<string, LoadResult>;
  return results[spec.targets[0].name];
}

async function sample(pid: number, url: string, token: string, seconds: number): Promise<Sample | null> {
  const rss = readRss(pid);
  if (rss === null) return null;
  let heapUsedMb: number | null = null;
  let fullCollections: number | null = null;
  try {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const heap = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(text);
    heapUsedMb = heap ? Number(heap[1]) / MB : null;
    const major = /^nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)$/m.exec(text);
    fullCollections = major ? Number(major[1]) : null;
  } catch {
    // a missed scrape leaves a gap
  }
  return { seconds: Number(seconds.toFixed(1)), rssMb: Number((rss / MB).toFixed(2)), heapUsedMb: heapUsedMb === null ? null : Number(heapUsedMb.toFixed(2)), fullCollections };
}

interface Window {
  midMinutes: number;
  /** null when no full collection ran in the window */
  heapMinMb: number | null;
  fullCollections: number;
  rssMeanMb: number;
}

function perWindow(samples: Sample[], windowSeconds: number): Window[] {
  const groups = new Map<number, Sample[]>();
  for (const s of samples) {
    const index = Math.floor(s.seconds / windowSeconds);
    groups.set(index, [...(groups.get(index) ?? []), s]);
  }
  let collectionsBefore: number | null = null;
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, group]) => {
      const heaps = group.map((s) => s.heapUsedMb).filter((h): h is number => h !== null);
      const counts = group.map((s) => s.fullCollections).filter((c): c is number => c !== null);
      const collectionsAfter = counts.length ? Math.max(...counts) : collectionsBefore;
      const fullCollections = collectionsAfter === null ? 0 : collectionsAfter - (collectionsBefore ?? Math.min(...counts));
      collectionsBefore = collectionsAfter;
      return {
        midMinutes: Number((((index + 0.5) * windowSeconds) / 60).toFixed(3)),
        heapMinMb: heaps.length && fullCollections > 0 ? Math.min(...heaps) : null,
        fullCollections,
        rssMeanMb: Number((group.reduce((sum, s) => sum + s.rssMb, 0) / group.length).toFixed(2)),
      };
    });
}

/** Least-squares slope of y over x; null with fewer than two points. */
function slope(points: number[][]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  if (sxx === 0) return null;
  return points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / sxx;
}
