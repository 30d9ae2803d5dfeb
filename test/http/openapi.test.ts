import type { App, Feature } from '../../src/app';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
let document: OpenApiDocument;
beforeAll(async () => {
  t = await createTestContext();
  document = (await t.request().get('/api/openapi.json').expect(200)).body;
});
afterAll(() => t.close());

interface Operation {
  operationId?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; contact?: object; license?: { name: string } };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, object> };
}

interface Layer {
  rawPath?: string | string[];
  slash?: boolean;
  name: string;
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/**
 * Everything the app answers, read from the check-in lane's routes and Express's own routing table, whichever way it was mounted:
 * "METHOD /path" for each route of every router (nested ones too), and "MOUNT /path" for middleware
 * mounted under a path of its own (Swagger UI). Catch-all routes (a wildcard path for every method)
 * are the 404 answers, not operations.
 */
function mountedRoutes(app: App): string[] {
  const routes: string[] = [];
  for (const feature of app.express.locals.features as Feature[]) {
    if ('laneRoutes' in feature) for (const route of feature.laneRoutes) routes.push(`${route.method} ${route.path}`);
  }
  const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
  const visit = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const paths = [layer.route?.path ?? layer.rawPath ?? '/'].flat();
      for (const path of paths) {
        if (layer.route) {
          for (const method of Object.keys(layer.route.methods)) {
            if (method === '_all' && /[*]/.test(path)) continue;
            routes.push(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${openApiPath(prefix + path)}`);
          }
        } else if (layer.handle.stack) {
          visit(layer.handle.stack, layer.slash ? prefix : prefix + path);
        } else if (!layer.slash) {
          routes.push(`MOUNT ${openApiPath(prefix + path)}`);
        }
      }
    }
  };
  visit((app.express as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(routes)];
}

const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

describe('GET /api/openapi.json', () => {
  it('serves an OpenAPI 3 document with contact, licence and a relative server URL', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBeTruthy();
    expect(document.info.contact).toMatchObject({ name: expect.stringContaining('IBA') });
    expect(document.info.license?.name).toMatch(/^Proprietary/);
    // relative: Swagger UI's "Try it out" calls whatever host the page was opened from
    expect(document.servers.map((server) => server.url)).toEqual(['/']);
  });

  it('describes every route the app mounts, and nothing it does not answer', () => {
    const described = new Set(operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    const mounted = mountedRoutes(t.app);
    expect(mounted).toEqual(expect.arrayContaining(['GET /health', 'POST /api/external/fuse-metrix/validate-pin', 'GET /api/external/fuse-metrix/op/{id}', 'MOUNT /api/docs']));
    const undescribed = mounted.filter((route) => {
      const [method, path] = route.split(' ');
      if (method === 'MOUNT') return ![...described].some((operation) => operation === `GET ${path}` || operation.startsWith(`GET ${path}/`));
      return !described.has(route);
    });
    expect(undescribed).toEqual([]);
    // the other way round: every operation is a mounted route (the runbook's trailing-slash spelling and Swagger UI's page are the two extra spellings)
    const extraSpellings = ['GET /api/external/fuse-metrix/op/', 'GET /api/docs/'];
    expect([...described].filter((operation) => !mounted.includes(operation) && !extraSpellings.includes(operation))).toEqual([]);
  });

  it('gives every operation an operationId, a description and a declared tag', () => {
    const declaredTags = new Map(document.tags.map((tag) => [tag.name, tag.description]));
    for (const [, description] of declaredTags) expect(description).toBeTruthy();
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, operationId: operation.operationId, description: Boolean(operation.description) }).toEqual({ where, operationId: expect.stringMatching(/^[a-zA-Z]+$/), description: true });
      expect({ where, tags: operation.tags?.filter((tag) => declaredTags.has(tag)) }).toEqual({ where, tags: [expect.any(String)] });
    }
  });

  it('declares security on every operation: none on the public ones, the JWT (token header or Bearer) on the admin ones', () => {
    const publicOperations = operations().filter(({ operation }) => operation.security?.length === 0).map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(publicOperations.sort()).toEqual(
      [
        'GET /health',
        'GET /health/live',
        'GET /health/ready',
        'POST /api/auth/login',
        'POST /api/auth/totp/setup',
        'POST /api/auth/totp/verify-setup',
        'POST /api/auth/verify-totp',
        'POST /api/auth/verify-otp',
        'GET /flight-time/{token}',
        'POST /flight-time/{token}',
        'GET /api/openapi.json',
        'GET /api/docs/',
      ].sort(),
    );
    for (const { operation } of operations()) expect(operation.security).toBeDefined();
    const admin = operations().filter(({ path }) => path.startsWith('/api/external/fuse-metrix/op'));
    expect(admin.length).toBeGreaterThanOrEqual(12);
    for (const { operation } of admin) expect(operation.security).toEqual([{ adminToken: [] }, { adminBearer: [] }]);
    expect(document.components.securitySchemes.adminBearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }));
    expect(document.paths['/api/oauth/token'].post.security).toEqual([{ PartnerClientBasic: [] }, {}]);
  });

  it("describes the runbook's GET /op/ (trailing slash) as the connector list, not as /op/{id}", () => {
    const runbookList = document.paths['/api/external/fuse-metrix/op/'].get as Operation & { responses: Record<string, unknown> };
    const list = document.paths['/api/external/fuse-metrix/op'].get as Operation & { responses: Record<string, unknown> };
    expect(runbookList.responses).toEqual(list.responses);
    expect(Object.keys(document.paths['/api/external/fuse-metrix/op/'])).toEqual(['get']);
  });
});

describe('GET /api/docs', () => {
  it('serves the interactive Swagger UI', async () => {
    const res = await t.request().get('/api/docs/').redirects(1);
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});
