import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config';
import { createLogDestination, createLogger, exitOnUncaughtException, flushLogs } from './logger';
import { serveClusterMetrics } from './metrics/cluster-metrics';

/** A worker killed this long after the primary passed on SIGTERM/SIGINT (the workers' own grace is 10 s). */
const STOP_TIMEOUT_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 30_000;
const RESTART_WINDOW_MS = 60_000;

/**
 * The primary process of `count` API workers (node:cluster). Each worker is a whole API process with
 * its own pool, outbox worker and retention timer (all state is in the database, so they behave as
 * one); the primary only accepts connections and hands them to the workers in turn.
 *
 * - The first worker starts alone; the others once it serves. A worker that fails before serving
 *   (database unreachable, port taken) stops the whole service with exit code 1, as a single process
 *   would: starting it again would only repeat the failure.
 * - A worker that dies after serving is replaced, at once for the first death in a minute and after a
 *   doubling delay (up to 30 s) while they keep dying.
 * - SIGTERM/SIGINT is passed to every worker, which shuts down gracefully; the primary exits when all
 *   have, 0 when every one stopped cleanly.
 * - /metrics answers for all workers together (metrics/cluster-metrics.ts).
 */
export function runPrimary(config: Pick<Config, 'LOG_LEVEL'>, count: number): void {
  const output = createLogDestination();
  const logger = createLogger(config, output).child({ role: 'primary' });
  exitOnUncaughtException(logger, output);

  const alive = new Map<number, Worker>();
  const served = new Set<number>();
  const deaths: number[] = [];
  let stopping = false;
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | null = null;

  const fork = () => {
    const worker = cluster.fork();
    alive.set(worker.id, worker);
    // a message to a worker that is just dying fails; that must not take the primary down
    worker.on('error', (error) => logger.warn({ err: error, workerPid: worker.process.pid }, 'could not talk to a worker'));
  };

  const finish = () => {
    if (killTimer) clearTimeout(killTimer);
    logger.info({ exitCode }, exitCode === 0 ? 'all workers stopped cleanly' : 'all workers stopped, not all cleanly');
    void flushLogs(output).then(() => process.exit(exitCode));
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: alive.size }, 'shutting down: passing the signal to every worker');
    for (const worker of alive.values()) worker.process.kill(signal);
    killTimer = setTimeout(() => {
      for (const worker of alive.values()) worker.process.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    if (alive.size === 0) finish();
  };

  let othersStarted = false;
  cluster.on('listening', (worker) => {
    served.add(worker.id);
    if (othersStarted || stopping) return;
    othersStarted = true;
    for (let i = 1; i < count; i++) fork();
  });

  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker.id);
    const hadServed = served.delete(worker.id);
    const pid = worker.process.pid;
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (alive.size === 0) finish();
      return;
    }
    // before the service has ever served, a worker that cannot start (configuration, database) means
    // none can: stop. Later, a replacement that cannot start yet (the database is away) is retried.
    if (!hadServed && !othersStarted) {
      logger.error({ workerPid: pid, code, signal }, 'a worker failed before serving: stopping');
      exitCode = 1;
      stop('SIGTERM');
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths[0] < now - RESTART_WINDOW_MS) deaths.shift();
    const delay = deaths.length <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (deaths.length - 2));
    logger.error({ workerPid: pid, code, signal, restartInMs: delay }, 'a worker died: starting a new one');
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });

  // a scrape of /metrics reaches one worker, which asks here for every worker's figures
  serveClusterMetrics();
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info({ workers: count }, `starting ${count} API worker processes`);
  fork();
}
