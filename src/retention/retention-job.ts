import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { ensureLeaseTable, releaseLease, tryAcquireLease } from '../db/lease';
import { isMissingTableError } from '../db/errors';
import type { Pool } from '../db/pool';
import type { Logger } from '../logger';
import { recordRetentionDeletions } from '../metrics/metrics';
import { type RetentionConfig, type RetentionReport, runRetention } from './retention.service';

export const RETENTION_LEASE = 'retention';

export interface RetentionJobOptions {
  pool: Pool;
  config: RetentionConfig & Pick<Config, 'RETENTION_INTERVAL_MINUTES'>;
  logger: Logger;
  clock: Clock;
  /** Who this process is in the leases table (default: host, pid and a random tag). */
  holder?: string;
}

/**
 * Runs retention every RETENTION_INTERVAL_MINUTES in one API process at a time. Every process ticks;
 * the one that takes the lease (held for one interval and not released after a pass) does the work,
 * so across any number of processes and database nodes a pass runs about once per interval.
 */
export class RetentionJob {
  readonly holder: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;

  constructor(private readonly options: RetentionJobOptions) {
    this.holder = options.holder ?? `${os.hostname().slice(0, 80)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  private get intervalMs(): number {
    return this.options.config.RETENTION_INTERVAL_MINUTES * 60_000;
  }

  /** Starts ticking; the first tick comes within a minute, at a random moment so processes started together spread out. */
  start(): void {
    this.stopped = false;
    this.schedule(Math.floor(Math.random() * Math.min(this.intervalMs, 60_000)));
  }

  /** Stops ticking, waits for a pass in flight, and hands the lease back so another process can take over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await releaseLease(this.options.pool, RETENTION_LEASE, this.holder).catch(() => undefined);
  }

  /** One tick: the pass's report when this process holds the lease, null when another one does. */
  async runOnce(): Promise<RetentionReport | null> {
    const { pool, config, logger, clock } = this.options;
    if (!(await this.tryAcquire())) return null;
    const report = await runRetention(pool, config, clock());
    recordRetentionDeletions(report);
    if (Object.values(report).some((deleted) => deleted > 0)) logger.info({ deleted: report }, 'retention pass deleted expired rows');
    return report;
  }

  /** The lease, creating its table first on a database that has none (migration 033 normally made it). */
  private async tryAcquire(): Promise<boolean> {
    const { pool, clock } = this.options;
    try {
      return await tryAcquireLease(pool, RETENTION_LEASE, this.holder, this.intervalMs, clock());
    } catch (error) {
      if (!isMissingTableError(error)) throw error;
      await ensureLeaseTable(pool);
      return tryAcquireLease(pool, RETENTION_LEASE, this.holder, this.intervalMs, clock());
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'retention pass failed; will retry at the next interval'))
        .finally(() => {
          this.running = null;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
