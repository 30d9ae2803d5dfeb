/**
 * The load generator, run as its own process so its CPU is not the server's. Reads a LoadSpec from
 * BENCH_SPEC: one or two targets (an endpoint and its ceiling). Warms each up, then loads them in
 * alternating slices (A B A B ...) until each has had durationSeconds, so both see the same machine
 * even when other programs come and go on it. Prints "start <target>" / "stop <target>" around every
 * measured slice (the bench reads the servers' CPU counters there) and finally one JSON line with a
 * LoadResult per target. With a rate (the soak), each target is loaded once at that many requests per
 * second in all, for durationSeconds.
 *
 * Members are drawn uniformly from all MEMBER_COUNT (100,000) generated members, so a run of 10,000
 * requests touches about 9,500 different members and one of 30,000 about 26,000: check-ins are
 * spread over many members, never a hot few rows in the database's cache.
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
  PARTNER_PATHS,
  pinFor,
  TUNNEL_COUNT,
  totpSecretFor,
} from './lib/bench-data';

export type BodyKind = 'validate-pin' | 'validate-pin:timestamped' | 'validate-pin:oauth' | 'get-member' | 'create-booking' | 'verify-totp' | 'check-in';

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
  /** Requests per second in all (autocannon's overallRate): the soak's steady load instead of as many as the server answers. */
  rate?: number;
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
  /** How many different members the measured requests named. */
  distinctMembers: number;
}

type Built = { body: string; headers: Record<string, string> };
/** One request of a target: its path and how to build each request to it (context is autocannon's, one per connection). */
type RequestPlan = { path: string; build: (context: CheckInContext) => Built };
interface CheckInContext {
  memberId?: number;
}

/** Every member id a target's requests named (uniformly drawn from all generated members). */
const membersSeen = new Map<string, Set<number>>();
let currentTarget = '';
function named(memberId: number): number {
  membersSeen.get(currentTarget)?.add(memberId);
  return memberId;
}

const randomMember = () => named(1 + Math.floor(Math.random() * MEMBER_COUNT));

/**
 * Members in turn from a random start: a timestamped signature covers body and second, so the same
 * member twice in one second would be (rightly) refused as a replay; check-ins are spread like that too.
 */
function memberSequence(): () => number {
  let next = Math.floor(Math.random() * MEMBER_COUNT);
  return () => named(1 + (next++ % MEMBER_COUNT));
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

async function requestPlans(target: TargetSpec): Promise<RequestPlan[]> {
  let purchaseId = target.purchaseIdStart;
  let admin = target.adminStart;
  const signed = (payload: object): Built => {
    const body = JSON.stringify(payload);
    return {
      body,
      headers: { 'content-type': 'application/json', 'client-id': BENCH_CONNECTOR.clientId, token: signBody(BENCH_CONNECTOR.secret, body) },
    };
  };
  const booking = (memberId: number): Built => {
    const now = Math.floor(Date.now() / 1000);
    const id = purchaseId++;
    return signed({
      member_id: memberId,
      purchase_id: id,
      purchase_date: now - 86_400,
      flight_date: now,
      minutes_booked: 2 + (id % 14),
      product_id: 12893,
      tunnel_id: FM_TUNNEL_ID_BASE + 1 + (id % TUNNEL_COUNT),
      checkin_time: now,
    });
  };
  const one = (build: RequestPlan['build']): RequestPlan[] => [{ path: target.path, build }];
  switch (target.body) {
    case 'validate-pin':
      return one(() => {
        const memberId = randomMember();
        return signed({ member_id: memberId, member_pin: pinFor(memberId) });
      });
    case 'validate-pin:timestamped': {
      const nextMember = memberSequence();
      return one(() => {
        const memberId = nextMember();
        const payload = { member_id: memberId, member_pin: pinFor(memberId) };
        const ts = String(Math.floor(Date.now() / 1000));
        const signature = signTimestamped(BENCH_CONNECTOR.secret, { body: payload, query: {}, url: target.path, ts });
        return {
          body: JSON.stringify(payload),
          headers: { 'content-type': 'application/json', 'x-api-key': BENCH_CONNECTOR.clientId, 'x-timestamp': ts, 'x-signature': signature },
        };
      });
    }
    case 'validate-pin:oauth': {
      const authorization = `Bearer ${await accessToken(target.url)}`;
      return one(() => {
        const memberId = randomMember();
        return { body: JSON.stringify({ member_id: memberId, member_pin: pinFor(memberId) }), headers: { 'content-type': 'application/json', authorization } };
      });
    }
    case 'get-member':
      return one(() => signed({ member_id: randomMember() }));
    case 'create-booking':
      return one(() => booking(randomMember()));
    case 'check-in':
      // a tunnel's check-in: the PIN, the member's record, then the booking, for one member per round
      return [
        {
          path: PARTNER_PATHS.validatePin,
          build: (context) => {
            const memberId = (context.memberId = randomMember());
            return signed({ member_id: memberId, member_pin: pinFor(memberId) });
          },
        },
        { path: PARTNER_PATHS.getMember, build: (context) => signed({ member_id: context.memberId ?? randomMember() }) },
        { path: PARTNER_PATHS.createBooking, build: (context) => booking(context.memberId ?? randomMember()) },
      ];
    case 'verify-totp':
      return one(() => {
        const index = admin++;
        const body = JSON.stringify({
          username: adminUsername(index),
          password: ADMIN_PASSWORD,
          member_id: ADMIN_MEMBER_ID_BASE + index,
          code: generateSync({ secret: totpSecretFor(index) }),
        });
        return { body, headers: { 'content-type': 'application/json', platform: 'ios' } };
      });
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

function run(target: TargetSpec, connections: number, seconds: number, plans: RequestPlan[], tally?: Tally, rate?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const instance = autocannon(
      {
        url: target.url,
        connections,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
        requests: plans.map((plan) => ({
          method: 'POST',
          path: plan.path,
          setupRequest: (request, context) => ({ ...request, ...plan.build(context as CheckInContext) }),
        })),
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
  const plans = await Promise.all(spec.targets.map(requestPlans));
  const tallies: Tally[] = spec.targets.map(() => ({ latencies: [], seconds: 0, errors: 0, timeouts: 0, non2xx: 0, statusCodes: {}, cpuMicros: 0 }));
  if (spec.warmupSeconds > 0) {
    for (const [i, target] of spec.targets.entries()) await run(target, spec.connections, spec.warmupSeconds, plans[i], undefined, spec.rate);
  }
  // the soak runs once at its rate; the comparison alternates slices
  const slices = spec.rate ? 1 : spec.slices;
  const sliceSeconds = spec.durationSeconds / slices;
  for (let slice = 0; slice < slices; slice++) {
    for (const [i, target] of spec.targets.entries()) {
      currentTarget = target.name;
      if (!membersSeen.has(target.name)) membersSeen.set(target.name, new Set());
      process.stdout.write(`start ${target.name}\n`);
      const cpuBefore = process.cpuUsage();
      await run(target, spec.connections, sliceSeconds, plans[i], tallies[i], spec.rate);
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
      distinctMembers: membersSeen.get(target.name)?.size ?? 0,
    };
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
