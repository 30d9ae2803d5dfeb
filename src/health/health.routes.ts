import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { jsonContent, type OpenAPIRegistry, statusFailureSchema } from '../http/openapi';
import { rateLimit } from '../http/rate-limit';
import { isDatabaseReachable } from './health.model';

export function createHealthRouter({ pool, config }: { pool: Pool; config: Pick<Config, 'RATE_LIMIT_HEALTH_PER_MINUTE'> }): Router {
  const router = Router();
  // generous: load balancers probe it every few seconds from a handful of addresses
  const limit = rateLimit(pool, { name: 'health', perMinute: config.RATE_LIMIT_HEALTH_PER_MINUTE });
  router.get('/health', limit, async (_req, res) => {
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
      429: { description: 'More than RATE_LIMIT_HEALTH_PER_MINUTE probes from this address in a minute (Retry-After)', ...jsonContent(statusFailureSchema) },
      503: { description: 'The database does not answer', ...jsonContent(statusFailureSchema) },
    },
  });
}
