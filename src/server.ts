import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { systemClock } from './clock';
import { runPrimary } from './cluster-primary';
import { ConfigError, loadConfig, workerCount } from './config';
import { createPool, type Pool } from './db/pool';
import { createLogDestination, createLogger, exitOnUncaughtException, flushLogs } from './logger';
import { OutboxWorker } from './mail/outbox-worker';
import { createMailTransport } from './mail/transport';
import { RetentionJob } from './retention/retention-job';

/**
 * Entry point: config, then either the primary of WEB_CONCURRENCY workers (cluster-primary.ts) or one
 * API process: pool, outbox worker, retention job, listen, graceful shutdown.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const workers = workerCount(config);
  if (cluster.isPrimary && workers > 1) return runPrimary(config, workers);

  const logOutput = createLogDestination();
  const logger = createLogger(config, logOutput);
  exitOnUncaughtException(logger, logOutput);
  const pool = createPool(config.DATABASE_URL, { connectionLimit: config.DATABASE_POOL_SIZE });
  await assertDatabaseReachable(pool, config.DATABASE_URL);

  const app = createApp({ config, pool, logger, clock: systemClock });
  const transport = createMailTransport(config, logger);
  const outboxWorker = new OutboxWorker({
    pool,
    transport,
    logger,
    clock: systemClock,
    pollIntervalMs: config.MAIL_POLL_INTERVAL_MS,
    maxAttempts: config.MAIL_MAX_ATTEMPTS,
    maxAgeMs: config.MAIL_MAX_AGE_HOURS * 3_600_000,
  });
  const retentionJob = new RetentionJob({ pool, config, logger, clock: systemClock });
  const server = createServer(
    {
      // a client gets this long to send its headers, and its whole request (slowloris), then 408 and closed
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      // how often those two are checked (Node's default, 30 s, would let a slow client stay 50 s)
      connectionsCheckingInterval: 1000,
      // longer than the usual load balancer idle timeout (60 s), so the balancer closes idle connections first
      keepAliveTimeout: 65_000,
    },
    app,
  );
  // connections beyond this are closed at once rather than queued behind the rest
  server.maxConnections = config.HTTP_MAX_CONNECTIONS;
  // the port is taken or not ours: the crash handler logs why and exits 1
  server.once('error', (error) => {
    throw error;
  });
  server.listen(config.PORT, () => {
    const { port } = server.address() as AddressInfo;
    logger.info({ port, baseUrl: config.APP_BASE_URL, environment: config.NODE_ENV }, `IBA API listening on port ${port}`);
    outboxWorker.start();
    retentionJob.start();
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    stopServer(server)
      .then(() => Promise.all([outboxWorker.stop(), retentionJob.stop()]))
      .then(() => transport.close())
      .then(() => pool.end())
      .then(() => {
        logger.info('stopped cleanly');
        return flushLogs(logOutput);
      })
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Stops accepting connections and lets requests in flight finish. Keep-alive sockets that fall idle
 * are closed as they do (not left for keepAliveTimeout); whatever is still busy after the grace
 * period is cut.
 */
function stopServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    server.close((error) => {
      clearInterval(idleSweep);
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

async function assertDatabaseReachable(pool: Pool, databaseUrl: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const url = new URL(databaseUrl);
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    await pool.end().catch(() => undefined);
    throw new ConfigError(`Invalid configuration: DATABASE_URL cannot be reached (${url.hostname}:${url.port || 3306}${url.pathname}): ${reason}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Failed to start: ${(error as Error).message}`);
  process.exit(1);
});
