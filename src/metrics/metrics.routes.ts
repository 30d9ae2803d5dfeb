import { Router } from 'express';
import { Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { type Pool, poolUsage } from '../db/pool';
import { HttpError } from '../http/errors';
import { jsonContent, type OpenAPIRegistry, statusFailureSchema } from '../http/openapi';
import { readOutboxStats } from '../mail/outbox-stats.model';
import { metricsAccess } from './metrics-access';
import { clusterMetrics, contributeToClusterMetrics, inClusterWorker } from './cluster-metrics';
import { processRegistry } from './metrics';

export const METRICS_PATH = '/metrics';

/** A scrape waits at most this long for the database; the outbox figures are NaN when it did not answer. */
const DATABASE_READ_TIMEOUT_MS = 2000;

export interface MetricsRouterDeps {
  config: Pick<Config, 'METRICS_TOKEN' | 'METRICS_ALLOW_CIDRS'>;
  pool: Pool;
  clock: Clock;
}

/**
 * GET /metrics in Prometheus text format: the process's event metrics and, read at scrape time, the
 * state of this app's pool and of the outbox (two index-only queries). Under a cluster primary
 * (WEB_CONCURRENCY > 1) the event metrics and the pool figures are those of every worker together
 * (cluster-metrics.ts); the outbox figures are the database's, read once.
 */
export function createMetricsRouter(deps: MetricsRouterDeps): Router {
  const poolRegistry = new Registry();
  const outboxRegistry = new Registry();
  const gauge = (registry: Registry, name: string, help: string, labelNames: string[] = [], collect?: (this: Gauge) => void) =>
    new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
  // read whenever the figures are gathered (also when the primary collects them from every worker)
  gauge(poolRegistry, 'iba_db_pool_connections', 'Database connections by state: in_use (lent to a query or transaction) or idle (of all workers together)', ['state'], function () {
    const usage = poolUsage(deps.pool);
    this.set({ state: 'in_use' }, usage.inUse);
    this.set({ state: 'idle' }, usage.idle);
  });
  gauge(poolRegistry, 'iba_db_pool_waiting_requests', 'Requests waiting for a database connection because all are in use', [], function () {
    this.set(poolUsage(deps.pool).waiting);
  });
  gauge(poolRegistry, 'iba_db_pool_limit', 'The pool size (DATABASE_POOL_SIZE, times the workers)', [], function () {
    this.set(poolUsage(deps.pool).limit);
  });
  const databaseUp = gauge(outboxRegistry, 'iba_database_up', '1 when the scrape read the outbox figures from the database within 2 s, else 0');
  const outboxQueued = gauge(outboxRegistry, 'iba_outbox_queued_messages', 'E-mails waiting to be sent (not sent, not parked)');
  const outboxOldestAge = gauge(outboxRegistry, 'iba_outbox_oldest_queued_age_seconds', 'Age of the oldest e-mail waiting to be sent; 0 when none waits');
  const outboxFailed = gauge(outboxRegistry, 'iba_outbox_failed_messages', 'E-mails parked as failed, waiting for an admin to re-queue them');
  const clustered = inClusterWorker();
  if (clustered) contributeToClusterMetrics([processRegistry, poolRegistry]);

  const router = Router();
  router.get(METRICS_PATH, metricsAccess(deps.config), async (req, res) => {
    // the pool first, before this scrape's own query borrows a connection
    const processFigures = clustered
      ? await clusterMetrics().catch((error: unknown) => {
          req.log?.warn({ err: error }, 'the cluster primary did not hand over the workers\' metrics');
          throw new HttpError(503, 'The metrics of the other API workers did not arrive, please retry');
        })
      : (await poolRegistry.metrics()) + (await processRegistry.metrics());

    const stats = await withTimeout(readOutboxStats(deps.pool, DATABASE_READ_TIMEOUT_MS), DATABASE_READ_TIMEOUT_MS).catch(() => null);
    databaseUp.set(stats ? 1 : 0);
    outboxQueued.set(stats ? stats.queued : NaN);
    outboxFailed.set(stats ? stats.failed : NaN);
    outboxOldestAge.set(stats ? (stats.oldestQueuedAt ? Math.max(0, (deps.clock().getTime() - stats.oldestQueuedAt.getTime()) / 1000) : 0) : NaN);

    res.setHeader('Cache-Control', 'no-store');
    res.type(processRegistry.contentType).send(joinExpositions(processFigures, await outboxRegistry.metrics()));
  });
  return router;
}

/** Two blocks of the text format, one after the other (each metric appears in one of them only). */
function joinExpositions(first: string, second: string): string {
  return first.endsWith('\n') || first === '' ? first + second : `${first}\n${second}`;
}

/** Rejects when the promise has not settled within ms (waiting for a free pool connection included). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  // a late answer (or error) of the abandoned read must not surface as an unhandled rejection
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function describeMetricsRoutes(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN, when the operator set one',
  });
  const tag = registry.registerTag('Operations', 'Prometheus metrics for operators; closed until configured.');
  const failure = (description: string) => ({ description, ...jsonContent(statusFailureSchema) });
  registry.registerPath({
    method: 'get',
    path: METRICS_PATH,
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Latency and status per route, e-mails sent/failed/parked, outbox depth and oldest age, lockouts, partner signature failures per connector, ' +
      'database pool, event-loop lag and memory. Closed unless configured: METRICS_ALLOW_CIDRS admits source addresses, METRICS_TOKEN a bearer ' +
      'token; with both set a scrape needs both.',
    tags: [tag],
    // with METRICS_ALLOW_CIDRS alone, the address admits a scrape without a token
    security: [{ metricsToken: [] }, {}],
    responses: {
      200: { description: 'The metrics', content: { 'text/plain': { schema: z.string().openapi({ example: 'iba_outbox_queued_messages 0' }) } } },
      401: failure('METRICS_TOKEN is set and the request has no or a wrong bearer token'),
      403: failure('Metrics are not configured, or the address is outside METRICS_ALLOW_CIDRS'),
    },
  });
}
