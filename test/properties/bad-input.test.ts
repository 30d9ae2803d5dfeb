import { createHmac } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Router } from 'express';
import fc from 'fast-check';
import type { Feature } from '../../src/app';
import { createConnector, type CreatedConnector } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Bad input at scale: thousands of generated bodies, headers, query strings and path parameters at
 * every mounted route. Every answer must be a 4xx in the route's JSON envelope (the flight-time pages
 * answer 404/410 HTML instead), nothing may crash the process, and the heap must not grow.
 */

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Routes that answer 200 to anything by design (health probes, the API's own documentation). */
const OPEN_ROUTES = [/^\/health(\/live|\/ready)?$/, /^\/api\/openapi\.json$/, /^\/api\/docs/];
const FLIGHT_TIME_PAGE = /^\/flight-time\//;
const PARTNER = /^\/api\/external\/fuse-metrix(?!\/op(\/|$))/i;
const OAUTH = /^\/api\/oauth(\/|$)/i;
const LEAKS = /\bat .+:\d+:\d+|node_modules|\bSELECT\b|\bINSERT\b|\bUPDATE\b.+\bSET\b|ER_[A-Z_]+|sqlMessage|<\/?script/;

interface Route {
  method: string;
  path: string;
}

let t: TestContext;
let server: Server;
let baseUrl: string;
let connector: CreatedConnector;
const crashes: unknown[] = [];
const onCrash = (error: unknown) => crashes.push(error);

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  server = http.createServer(t.app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});

afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
});

interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every method + path the app mounts, from Express's own route table (so new routes are covered without listing them). */
function mountedRoutes(): Route[] {
  const routes: Route[] = [];
  for (const feature of t.app.express.locals.features as Feature[]) {
    if ('laneRoutes' in feature) {
      for (const { method, path } of feature.laneRoutes) routes.push({ method, path });
      continue;
    }
    for (const layer of (feature.router as Router & { stack: RouteLayer[] }).stack) {
      if (!layer.route) continue;
      for (const path of Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]) {
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) routes.push({ method: method.toUpperCase(), path });
      }
    }
  }
  return routes;
}

const printable = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')), maxLength: 80 });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e21, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 2 ** 32, 2 ** 64, 1.5, 1744131450000),
);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  weirdNumber,
  fc.string(),
  fc.constantFrom('', ' ', '0', '-1', '1e3', '60649', "1' OR '1'='1", '1; DROP TABLE members', '<script>alert(1)</script>', '💥', '\u0000', 'null', 'NaN', '__proto__'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }),
);

/** The field names the routes read, so generated bodies reach the validators and the services, not only the parser. */
const FIELDS = [
  'member_id', 'member_pin', 'purchase_id', 'purchase_date', 'flight_date', 'minutes_booked', 'product_id', 'tunnel_id', 'checkin_time',
  'username', 'password', 'code', 'email', 'id', 'minutes', 'minutes_flown', 'flight_time', '__proto__', 'constructor',
];
const fieldObject = fc.dictionary(fc.constantFrom(...FIELDS), weirdValue, { maxKeys: FIELDS.length });

/** Well-typed values for every field (unknown members, wrong passwords, made-up codes), to reach the services' own refusals. */
const unixSeconds = fc.integer({ min: 1_600_000_000, max: 1_900_000_000 });
const plausibleObject = fc.record({
  member_id: fc.integer({ min: 1, max: 2 ** 31 }),
  member_pin: fc.stringMatching(/^\d{5,6}$/),
  purchase_id: fc.integer({ min: 1, max: 2 ** 31 }),
  purchase_date: unixSeconds,
  flight_date: unixSeconds,
  minutes_booked: fc.integer({ min: 1, max: 60 }),
  product_id: fc.integer({ min: 1, max: 99999 }),
  tunnel_id: fc.integer({ min: 1, max: 99999 }),
  checkin_time: unixSeconds,
  username: fc.string({ minLength: 1, maxLength: 30 }),
  password: fc.string({ minLength: 1, maxLength: 30 }),
  code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^[A-Z0-9]{8}$/)),
  email: fc.string({ maxLength: 20 }),
  id: fc.integer({ min: 1, max: 2 ** 31 }),
  minutes: fc.integer({ min: -5, max: 500 }).map(String),
});

/** A body as bytes plus the content type it claims to be. */
const body = fc.oneof(
  fieldObject.map((o) => JSON.stringify(o)),
  plausibleObject.map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"member_id":', '[]', 'null', '"x"', '{"member_id": 1}garbage', 'member_id=1&member_pin=12345', '\u0000\u0001'),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=utf-16', 'multipart/form-data'),
    'client-id': fc.oneof(printable, fc.constant('')),
    clientid: printable,
    token: fc.oneof(hex64, printable),
    authorization: fc.oneof(hex64.map((h) => `Bearer ${h}`), printable, fc.constant('Bearer ')),
    platform: fc.oneof(fc.constant('ios'), printable),
  },
  { requiredKeys: [] },
);

const pathParam = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('0', '-1', '1.5', '99999999999999999999', 'abc', '..', '%00', '%E0%A4%A', "1'--", 'null'),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
);
const queryString = fc
  .dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ minLength: 1, maxLength: 8 })), fc.oneof(fc.string({ maxLength: 20 }), weirdNumber.map(String)), { maxKeys: 4 })
  .map((q) => new URLSearchParams(q).toString());

interface Sent {
  route: Route;
  method: string;
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** A request at the route: its method (or a wrong one), params filled in, any query, headers and body; sometimes correctly signed. */
const requestFor = (route: Route) =>
  fc
    .record({
      method: fc.oneof({ weight: 4, arbitrary: fc.constant(route.method) }, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH')),
      params: fc.array(pathParam, { minLength: 5, maxLength: 5 }),
      query: fc.oneof(fc.constant(''), queryString),
      headers,
      body,
      signed: fc.constantFrom('no', 'yes', 'yes', 'wrong-token'),
    })
    .map(({ method, params, query, headers: h, body: b, signed }): Sent => {
      let i = 0;
      const path = route.path.replace(/:(\w+)/g, () => params[i++ % params.length]);
      const sentHeaders: Record<string, string> = { ...h };
      if (signed !== 'no') {
        sentHeaders['client-id'] = connector.clientId;
        const signedText = signed === 'yes' ? b : `${b} `;
        sentHeaders.token = createHmac('sha256', connector.secret).update(signedText).digest('hex');
      }
      return { route, method, url: `${path}${query ? `?${query}` : ''}`, body: method === 'GET' || method === 'HEAD' ? '' : b, headers: sentHeaders };
    });

/** Which statuses each route answered, to show the generated input got past the parser and the signature check. */
const seen = new Map<string, Set<number>>();

async function send(request: Sent): Promise<{ status: number; contentType: string; text: string }> {
  const response = await fetch(baseUrl + request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body === '' ? undefined : request.body,
  });
  const key = `${request.route.method} ${request.route.path}`;
  if (!seen.has(key)) seen.set(key, new Set());
  seen.get(key)!.add(response.status);
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

function checkAnswer(request: Sent, answer: { status: number; contentType: string; text: string }): void {
  const where = `${request.method} ${request.url} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  // what the server sees: fetch resolves dot segments the way any client does
  const pathOnly = new URL(request.url, baseUrl).pathname;
  if (OPEN_ROUTES.some((r) => r.test(decodeURIComponentSafe(pathOnly))) && request.method === 'GET') {
    if (answer.status >= 500) throw new Error(`5xx on an open route: ${where}`);
    return;
  }
  if (answer.status < 400 || answer.status >= 500) throw new Error(`expected a 4xx: ${where}`);
  if (LEAKS.test(answer.text)) throw new Error(`internals leaked: ${where}`);
  if (FLIGHT_TIME_PAGE.test(pathOnly) && /text\/html/.test(answer.contentType)) {
    if (![400, 404, 410, 422].includes(answer.status)) throw new Error(`flight-time page answered ${answer.status}: ${where}`);
    return;
  }
  if (!/application\/json/.test(answer.contentType)) throw new Error(`not JSON (${answer.contentType}): ${where}`);
  const parsed = JSON.parse(answer.text) as Record<string, unknown>;
  if (OAUTH.test(pathOnly)) {
    // RFC 6749 §5.2: {"error": code, "error_description": text}
    if (typeof parsed.error !== 'string' || typeof parsed.error_description !== 'string') throw new Error(`wrong envelope (want error + error_description): ${where}`);
    return;
  }
  const key = PARTNER.test(pathOnly) ? 'valid' : 'status';
  if (parsed[key] !== false || typeof parsed.message !== 'string' || parsed.message.length === 0) throw new Error(`wrong envelope (want ${key}: false + message): ${where}`);
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

describe('generated bad input at every route', () => {
  it('mounts the routes this test is meant to reach', () => {
    const routes = mountedRoutes().map((r) => `${r.method} ${r.path}`);
    expect(routes).toContain('GET /health');
    expect(routes.length).toBeGreaterThan(0);
  });

  it('answers made-up paths under every prefix with a 404 in the right envelope', async () => {
    const made = fc
      .record({
        prefix: fc.constantFrom('/api/external/fuse-metrix/', '/api/external/fuse-metrix/op/', '/api/auth/', '/api/', '/', '/API/External/Fuse-Metrix/'),
        rest: fc.array(pathParam, { minLength: 1, maxLength: 3 }),
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        body,
        headers,
      })
      .filter(({ prefix, rest }) => !mountedRoutes().some((r) => new RegExp(`^${r.path.replace(/:\w+/g, '[^/]+')}$`, 'i').test(prefix + rest.join('/'))));
    await fc.assert(
      fc.asyncProperty(made, async ({ prefix, rest, method, body: b, headers: h }) => {
        const request: Sent = { route: { method, path: prefix }, method, url: prefix + rest.join('/'), body: method === 'GET' ? '' : b, headers: h };
        checkAnswer(request, await send(request));
      }),
      { numRuns: 500 },
    );
  });

  it('answers every generated request with a 4xx in the right envelope, stays up, and does not grow its heap', async () => {
    const routes = mountedRoutes();
    const runs = Math.max(200, Math.ceil(6000 / routes.length));
    const exercise = async (numRuns: number, seed?: number) => {
      for (const route of routes) {
        await fc.assert(
          fc.asyncProperty(requestFor(route), async (request) => {
            checkAnswer(request, await send(request));
          }),
          { numRuns, seed, endOnFailure: true },
        );
      }
    };

    // warm-up: compiled templates, prepared statements, pooled connections, JIT
    await exercise(50, 1);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;

    await exercise(runs);

    collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    expect(crashes).toEqual([]);
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
    // the input reached every layer: parser (400), signature (403/404), validation and services (422), sign-in (401)
    const statuses = (route: string) => [...(seen.get(route) ?? [])];
    for (const path of ['validate-pin', 'get-member', 'create-booking']) {
      expect(statuses(`POST /api/external/fuse-metrix/${path}`)).toEqual(expect.arrayContaining([400, 403, 404, 422]));
    }
    expect(statuses('POST /api/auth/verify-totp')).toEqual(expect.arrayContaining([401, 422]));
    // thousands of requests: a leak of even a few hundred bytes each would show; 8 MB is noise headroom
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
    // generous: on a loaded 2-core machine this run has taken over 120 s; the test is about answers, not speed
  }, 300_000);
});
