import type { Router } from 'express';
import type { Feature } from '../../src/app';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every method + path mounted by the app's feature routers, read from Express's own route table. */
function mountedRoutes(): string[] {
  const features = t.app.locals.features as Feature[];
  const routes: string[] = [];
  for (const { router } of features) {
    for (const layer of (router as Router & { stack: RouteLayer[] }).stack) {
      if (!layer.route) continue;
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          routes.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
        }
      }
    }
  }
  return routes;
}

describe('GET /api/openapi.json', () => {
  it('serves an OpenAPI 3 document', async () => {
    const res = await t.request().get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.info.title).toBeTruthy();
  });

  it('documents every mounted route', async () => {
    const res = await t.request().get('/api/openapi.json');
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(res.body.paths as Record<string, object>)) {
      for (const method of Object.keys(operations)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const mounted = mountedRoutes();
    expect(mounted.length).toBeGreaterThan(0);
    expect(mounted.filter((route) => !documented.has(route))).toEqual([]);
  });
});

describe('GET /api/docs', () => {
  it('serves the interactive Swagger UI', async () => {
    const res = await t.request().get('/api/docs/').redirects(1);
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});
