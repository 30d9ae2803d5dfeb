/**
 * The load generator, run as its own process so its CPU is not the API's: reads a LoadSpec from the
 * BENCH_SPEC environment variable, warms up, loads for durationSeconds with autocannon, and prints the
 * autocannon summary as one JSON line on stdout.
 */
import autocannon from 'autocannon';
import { generateSync } from 'otplib';
import {
  ADMIN_MEMBER_ID_BASE,
  ADMIN_PASSWORD,
  adminUsername,
  BENCH_CONNECTOR,
  FM_TUNNEL_ID_BASE,
  MEMBER_COUNT,
  pinFor,
  signBody,
  TUNNEL_COUNT,
  totpSecretFor,
} from './lib/bench-data';

export type BodyKind = 'validate-pin' | 'get-member' | 'create-booking' | 'verify-totp';

export interface LoadSpec {
  url: string;
  path: string;
  body: BodyKind;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** First purchase id to use (unique per run); each request takes the next one. */
  purchaseIdStart: number;
  /** First admin index for verify-totp; each request takes the next admin, so no code is ever replayed. */
  adminStart: number;
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
}

const randomMember = () => 1 + Math.floor(Math.random() * MEMBER_COUNT);

function bodyBuilder(spec: LoadSpec): () => { body: string; headers: Record<string, string> } {
  let purchaseId = spec.purchaseIdStart;
  let admin = spec.adminStart;
  const signed = (payload: object, extra: Record<string, string> = {}) => {
    const body = JSON.stringify(payload);
    return {
      body,
      headers: { 'content-type': 'application/json', 'client-id': BENCH_CONNECTOR.clientId, token: signBody(BENCH_CONNECTOR.secret, body), ...extra },
    };
  };
  switch (spec.body) {
    case 'validate-pin':
      return () => {
        const memberId = randomMember();
        return signed({ member_id: memberId, member_pin: pinFor(memberId) });
      };
    case 'get-member':
      return () => signed({ member_id: randomMember() });
    case 'create-booking':
      return () => {
        const now = Math.floor(Date.now() / 1000);
        return signed({
          member_id: randomMember(),
          purchase_id: purchaseId++,
          purchase_date: now - 86_400,
          flight_date: now,
          minutes_booked: 2 + (purchaseId % 14),
          product_id: 12893,
          tunnel_id: FM_TUNNEL_ID_BASE + 1 + (purchaseId % TUNNEL_COUNT),
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

function run(spec: LoadSpec, seconds: number, build: () => { body: string; headers: Record<string, string> }): Promise<autocannon.Result> {
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: spec.path,
        setupRequest: (request) => ({ ...request, ...build() }),
      },
    ],
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_SPEC ?? '') as LoadSpec;
  const build = bodyBuilder(spec);
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds, build);
  const result = await run(spec, spec.durationSeconds, build);
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (stats as { count: number }).count;
  const summary: LoadResult = {
    requestsPerSecond: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
