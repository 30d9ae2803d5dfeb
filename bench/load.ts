/**
 * The load generator, run as its own process so its CPU is not the server's. Reads a LoadSpec from
 * BENCH_SPEC: one or two targets (an endpoint and its ceiling). Warms each up, then loads them in
 * alternating slices (A B A B ...) until each has had durationSeconds, so both see the same machine
 * even when other programs come and go on it. Prints "start <target>" / "stop <target>" around every
 * measured slice (the bench reads the servers' CPU counters there) and finally one JSON line with a
 * LoadResult per target.
 */
import autocannon from 'autocannon';
import { signBody } from '../src/connectors/hmac';
import { signTimestamped } from '../src/partner/timestamped-signature';
import { generateSync } from 'otplib';
import {
  ADMIN_MEMBER_ID_BASE,
  ADMIN_PASSWORD,
  adminUsername,
  BENCH_CONNECTOR,
  FM_TUNNEL_ID_BASE,
  MEMBER_COUNT,
  pinFor,
  TUNNEL_COUNT,
  totpSecretFor,
} from './lib/bench-data';

export type BodyKind = 'validate-pin' | 'validate-pin:timestamped' | 'validate-pin:oauth' | 'get-member' | 'create-booking' | 'verify-totp';

export interface TargetSpec {
  name: string;
  url: string;
  path: string;
  body: BodyKind;
  /** First purchase id to use; each create-booking request takes the next one, so all are unique. */
  purchaseIdStart: number;
  /** First admin index for verify-totp; each request takes the next admin, so no code is ever replayed. */
  adminStart: number;
}

export interface LoadSpec {
  targets: TargetSpec[];
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** How many alternating slices the measured duration is cut into. */
  slices: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** CPU the load process itself used while measuring this target (user + system), in ms. */
  loaderCpuMs: number;
}

type Built = { body: string; headers: Record<string, string> };

const randomMember = () => 1 + Math.floor(Math.random() * MEMBER_COUNT);

/**
 * Members in turn from a random start: a timestamped signature covers body and second, so the same
 * member twice in one second would be (rightly) refused as a replay; check-ins are spread like that too.
 */
function memberSequence(): () => number {
  let next = Math.floor(Math.random() * MEMBER_COUNT);
  return () => 1 + (next++ % MEMBER_COUNT);
}

/** An access token for the bench connector from the API's own token endpoint (valid 5 minutes, longer than a target's run). */
async function accessToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: BENCH_CONNECTOR.clientId, client_secret: BENCH_CONNECTOR.secret }),
  });
  const answer = (await response.json()) as { access_token?: string };
  if (!answer.access_token) throw new Error(`no access token from ${baseUrl}: ${JSON.stringify(answer)}`);
  return answer.access_token;
}

async function bodyBuilder(target: TargetSpec): Promise<() => Built> {
  let purchaseId = target.purchaseIdStart;
  let admin = target.adminStart;
  const signed = (payload: object): Built => {
    const body = JSON.stringify(payload);
    return {
      body,
      headers: { 'content-type': 'application/json', 'client-id': BENCH_CONNECTOR.clientId, token: signBody(BENCH_CONNECTOR.secret, body) },
    };
  };
  switch (target.body) {
    case 'validate-pin':
      return () => {
        const memberId = randomMember();
        return signed({ member_id: memberId, member_pin: pinFor(memberId) });
      };
    case 'validate-pin:timestamped': {
      const nextMember = memberSequence();
      return () => {
        const memberId = nextMember();
        const payload = { member_id: memberId, member_pin: pinFor(memberId) };
        const ts = String(Math.floor(Date.now() / 1000));
        const signature = signTimestamped(BENCH_CONNECTOR.secret, { body: payload, query: {}, url: target.path, ts });
        return {
          body: JSON.stringify(payload),
          headers: { 'content-type': 'application/json', 'x-api-key': BENCH_CONNECTOR.clientId, 'x-timestamp': ts, 'x-signature': signature },
        };
      };
    }
    case 'validate-pin:oauth': {
      const authorization = `Bearer ${await accessToken(target.url)}`;
      return () => {
        const memberId = randomMember();
        return { body: JSON.stringify({ member_id: memberId, member_pin: pinFor(memberId) }), headers: { 'content-type': 'application/json', authorization } };
      };
    }
    case 'get-member':
      return () => signed({ member_id: randomMember() });
    case 'create-booking':
      return () => {
        const now = Math.floor(Date.now() / 1000);
        const id = purchaseId++;
        return signed({
          member_id: randomMember(),
          purchase_id: id,
          purchase_date: now - 86_400,
          flight_date: now,
          minutes_booked: 2 + (id % 14),
          product_id: 12893,
          tunnel_id: FM_TUNNEL_ID_BASE + 1 + (id % TUNNEL_COUNT),
          checkin_time: now,
        });
      };
    case 'verify-totp':
      return () => {
        const index = admin++;
        const body = JSON.stringify({
          username: adminUsername(index),
          password: ADMIN_PASSWORD,
          member_id: ADMIN_MEMBER_ID_BASE + index,
          code: generateSync({ secret: totpSecretFor(index) }),
        });
        return { body, headers: { 'content-type': 'application/json', platform: 'ios' } };
      };
  }
}

interface Tally {
  latencies: number[];
  seconds: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  cpuMicros: number;
}

function run(target: TargetSpec, connections: number, seconds: number, build: () => Built, tally?: Tally): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const instance = autocannon(
      {
        url: target.url,
        connections,
        duration: seconds,
        requests: [{ method: 'POST', path: target.path, setupRequest: (request) => ({ ...request, ...build() }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        if (tally) {
          tally.seconds += (Date.now() - started) / 1000;
          tally.errors += result.errors;
          tally.timeouts += result.timeouts;
          tally.non2xx += result.non2xx;
        }
        resolve();
      },
    );
    if (tally) {
      instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        tally.latencies.push(responseTime);
        tally.statusCodes[statusCode] = (tally.statusCodes[statusCode] ?? 0) + 1;
      });
    }
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_SPEC ?? '') as LoadSpec;
  const builders = await Promise.all(spec.targets.map(bodyBuilder));
  const tallies: Tally[] = spec.targets.map(() => ({ latencies: [], seconds: 0, errors: 0, timeouts: 0, non2xx: 0, statusCodes: {}, cpuMicros: 0 }));
  if (spec.warmupSeconds > 0) {
    for (const [i, target] of spec.targets.entries()) await run(target, spec.connections, spec.warmupSeconds, builders[i]);
  }
  const sliceSeconds = spec.durationSeconds / spec.slices;
  for (let slice = 0; slice < spec.slices; slice++) {
    for (const [i, target] of spec.targets.entries()) {
      process.stdout.write(`start ${target.name}\n`);
      const cpuBefore = process.cpuUsage();
      await run(target, spec.connections, sliceSeconds, builders[i], tallies[i]);
      const cpu = process.cpuUsage(cpuBefore);
      tallies[i].cpuMicros += cpu.user + cpu.system;
      process.stdout.write(`stop ${target.name}\n`);
    }
  }
  const results: Record<string, LoadResult> = {};
  for (const [i, target] of spec.targets.entries()) {
    const tally = tallies[i];
    const sorted = Float64Array.from(tally.latencies).sort();
    results[target.name] = {
      requestsPerSecond: tally.latencies.length / tally.seconds,
      latencyP50: percentile(Array.from(sorted), 50),
      latencyP99: percentile(Array.from(sorted), 99),
      latencyMax: Math.round((sorted[sorted.length - 1] ?? 0) * 10) / 10,
      requests: tally.latencies.length,
      errors: tally.errors,
      timeouts: tally.timeouts,
      non2xx: tally.non2xx,
      statusCodes: tally.statusCodes,
      loaderCpuMs: Math.round(tally.cpuMicros / 1000),
    };
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
