import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import { latestMigrationVersion } from '../db/migrate';
import type { Pool } from '../db/pool';
import { bodyParserFailures, jsonContent, type OpenAPIRegistry, PUBLIC, statusFailureSchema } from '../http/openapi';
import { rateLimit } from '../http/rate-limit';
import { isDatabaseReachable, readAppliedMigrationVersion } from './health.model';

/**
 * /health (the original check, its answer unchanged), and the probes an orchestrator wants:
 * /health/live says the process answers (no database: a database outage must not get every process
 * restarted), /health/ready that it can serve (database reachable, schema migrated at least as far as
 * this code expects; a newer schema is fine, as during a rolling upgrade).
 */
export function createHealthRouter({ pool, config }: { pool: Pool; config: Pick<Config, 'RATE_LIMIT_HEALTH_PER_MINUTE'> }): Router {
  const expectedVersion = latestMigrationVersion();
  const router = Router();
  // generous: load balancers probe every few seconds from a handful of addresses
  const limit = rateLimit(pool, { name: 'health', perMinute: config.RATE_LIMIT_HEALTH_PER_MINUTE });
  // counted in memory: a database that hangs must not hold up (and so restart) every process
  const liveLimit = rateLimit(pool, { name: 'health-live', perMinute: config.RATE_LIMIT_HEALTH_PER_MINUTE, inProcess: true });

  router.get('/health', limit, async (_req, res) => {
    if (await isDatabaseReachable(pool)) {
      res.json({ status: true, database: 'up' });
    } else {
      res.status(503).json({ status: false, message: 'Database unavailable', database: 'down' });
    }
  });

  router.get('/health/live', liveLimit, (_req, res) => {
    res.json({ status: true });
  });

  router.get('/health/ready', limit, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const applied = await readAppliedMigrationVersion(pool);
    if (applied === null) {
      res.status(503).json({ status: false, message: 'Database unavailable', database: 'down' });
    } else if (applied < expectedVersion) {
      res.status(503).json({
        status: false,
        message: `Database schema is at version ${applied}, this code needs ${expectedVersion}: run the migrations`,
        database: 'up',
        schemaVersion: applied,
        expectedSchemaVersion: expectedVersion,
      });
    } else {
      res.json({ status: true, database: 'up', schemaVersion: applied, expectedSchemaVersion: expectedVersion });
    }
  });

  return router;
}

export function describeHealthRoutes(registry: OpenAPIRegistry): void {
  const tag = registry.registerTag('Health', 'Probes for load balancers and orchestrators; open to anyone, no credentials.');
  const base = { method: 'get' as const, tags: [tag], security: PUBLIC };
  const rateLimited = {
    description: 'More than RATE_LIMIT_HEALTH_PER_MINUTE probes from this address in a minute',
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } },
    ...jsonContent(statusFailureSchema),
  };
  registry.registerPath({
    ...base,
    path: '/health',
    operationId: 'health',
    summary: 'Liveness and database reachability',
    description: 'The original health check, its answer unchanged: 200 when the database answers within 2 s, 503 when it does not.',
    responses: {
      200: { description: 'The API and its database answer', ...jsonContent(z.object({ status: z.literal(true), database: z.literal('up') })) },
      429: rateLimited,
      ...bodyParserFailures(),
      503: { description: 'The database does not answer', ...jsonContent(statusFailureSchema) },
    },
  });
  registry.registerPath({
    ...base,
    path: '/health/live',
    operationId: 'liveness',
    summary: 'Liveness probe: the process answers (the database is not asked)',
    description: 'Never asks the database, so a database outage does not get every API process restarted.',
    responses: { 200: { description: 'The process is alive', ...jsonContent(z.object({ status: z.literal(true) })) }, 429: rateLimited, ...bodyParserFailures() },
  });
  const versions = { schemaVersion: z.number().int(), expectedSchemaVersion: z.number().int() };
  registry.registerPath({
    ...base,
    path: '/health/ready',
    operationId: 'readiness',
    summary: 'Readiness probe: the database answers and its schema is migrated at least as far as this code expects',
    description: 'A schema newer than the code counts as ready, as during a rolling upgrade where the new code migrated first.',
    responses: {
      200: {
        description: 'Ready to serve',
        ...jsonContent(z.object({ status: z.literal(true), database: z.literal('up'), ...versions }).openapi({ example: { status: true, database: 'up', schemaVersion: 33, expectedSchemaVersion: 33 } })),
      },
      429: rateLimited,
      ...bodyParserFailures(),
      503: {
        description: 'The database does not answer (database: down), or migrations are pending (database: up, with both versions)',
        ...jsonContent(
          statusFailureSchema
            .extend({ database: z.enum(['up', 'down']), schemaVersion: z.number().int().optional(), expectedSchemaVersion: z.number().int().optional() })
            .openapi({
              example: {
                status: false,
                message: 'Database schema is at version 32, this code needs 33: run the migrations',
                database: 'up',
                schemaVersion: 32,
                expectedSchemaVersion: 33,
              },
            }),
        ),
      },
    },
  });
}
