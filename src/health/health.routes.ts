import { Router } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool';
import { jsonContent, type OpenAPIRegistry, statusFailureSchema } from '../http/openapi';
import { isDatabaseReachable } from './health.model';

export function createHealthRouter(pool: Pool): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    if (await isDatabaseReachable(pool)) {
      res.json({ status: true, database: 'up' });
    } else {
      res.status(503).json({ status: false, message: 'Database unavailable', database: 'down' });
    }
  });
  return router;
}

export function describeHealthRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/health',
    summary: 'Liveness and database reachability',
    tags: ['Health'],
    responses: {
      200: { description: 'The API and its database answer', ...jsonContent(z.object({ status: z.literal(true), database: z.literal('up') })) },
      503: { description: 'The database does not answer', ...jsonContent(statusFailureSchema) },
    },
  });
}
