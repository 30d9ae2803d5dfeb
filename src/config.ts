import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { mailDomainOf } from './mail/addresses';

/** The only module that reads process.env. Everything else receives a Config. */

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Development defaults for secrets: convenient locally, refused when NODE_ENV=production. */
export const DEVELOPMENT_SECRETS = {
  JWT_SECRET: 'dev-only-jwt-secret-do-not-use-in-production',
  PIN_PEPPER: 'dev-only-pin-pepper-do-not-use-in-production',
} as const;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** "10.0.0.0/8, 127.0.0.1, ::1/128": addresses or address/prefix ranges, IPv4 or IPv6. */
const addressRanges = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .refine((entries) => entries.every(isAddressRange), 'must be a comma-separated list of addresses or CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1/32');

function isAddressRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const optionalSecret = (minLength: number) =>
  z
    .string()
    .min(minLength, `must be at least ${minLength} characters`)
    .optional()
    .or(z.literal('').transform(() => undefined));

const mysqlUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'mysql:' || url.protocol === 'mariadb:') && url.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must look like mysql://user:password@host:port/database');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: mysqlUrl,
    DATABASE_POOL_SIZE: positiveInt(10),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEVELOPMENT_SECRETS.JWT_SECRET),
    JWT_EXPIRES_IN_SECONDS: positiveInt(12 * 60 * 60),
    PIN_PEPPER: z.string().min(16, 'must be at least 16 characters').default(DEVELOPMENT_SECRETS.PIN_PEPPER),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    // its domain also names every Message-ID, so it must be one address with a real domain
    MAIL_FROM: z
      .string()
      .refine((value) => mailDomainOf(value) !== null, 'must be one address with a domain, e.g. IBA Logbook <no-reply@tunnelflight.com>')
      .default('IBA Logbook <no-reply@tunnelflight.com>'),
    MAIL_OUTBOX_DIR: z.string().default(path.join(PROJECT_ROOT, '.data', 'outbox')),
    MAIL_POLL_INTERVAL_MS: positiveInt(1000),
    MAIL_MAX_ATTEMPTS: positiveInt(200),
    MAIL_MAX_AGE_HOURS: positiveInt(48),
    APP_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    FLYER_CURRENCY_DAYS: positiveInt(180),
    FLIGHT_TIME_LINK_TTL_DAYS: positiveInt(30),
    CONNECTOR_SECRET_OVERLAP_HOURS: positiveInt(24),
    PARTNER_SIGNATURE_WINDOW_SECONDS: positiveInt(300),
    BOOKING_MAX_PAST_DAYS: positiveInt(7),
    BOOKING_MAX_FUTURE_DAYS: positiveInt(1),
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: positiveInt(300),
    JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    TOTP_ISSUER: z.string().min(1).default('IBA'),
    METRICS_TOKEN: optionalSecret(32),
    METRICS_ALLOW_CIDRS: addressRanges,
    RETENTION_INTERVAL_MINUTES: positiveInt(60),
    RETENTION_SENT_MAIL_DAYS: positiveInt(30),
    RETENTION_FAILED_MAIL_DAYS: positiveInt(30),
    RETENTION_EXPIRED_LINK_DAYS: positiveInt(30),
    RETENTION_EMAIL_CODE_HOURS: positiveInt(24),
    RETENTION_ATTEMPT_COUNTER_HOURS: positiveInt(24),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // worker processes (see workerCount); unset: one per core in production, one in development and tests
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional().or(z.literal('').transform(() => undefined)),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    for (const [name, devValue] of Object.entries(DEVELOPMENT_SECRETS)) {
      if (env[name as keyof typeof DEVELOPMENT_SECRETS] === devValue) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is the development default; set a real secret in production' });
      }
    }
    if (!env.APP_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['APP_BASE_URL'], message: 'is required in production (it builds e-mailed links)' });
    }
  });

export type Config = Omit<z.infer<typeof envSchema>, 'APP_BASE_URL'> & { APP_BASE_URL: string };

export class ConfigError extends Error {}

/** Parses an environment (process.env by default) into a typed Config, or throws one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = readProcessEnv()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    const problem = env[name] === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
    throw new ConfigError(`Invalid configuration: ${name} ${problem}`);
  }
  const config = parsed.data;
  return { ...config, APP_BASE_URL: (config.APP_BASE_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '') };
}

/** How many API worker processes to run: WEB_CONCURRENCY, or one per core in production and one in development and tests. */
export function workerCount(config: Pick<Config, 'WEB_CONCURRENCY' | 'NODE_ENV'>): number {
  return config.WEB_CONCURRENCY ?? (config.NODE_ENV === 'production' ? os.availableParallelism() : 1);
}

/** process.env, with a .env file in the project root loaded first when there is one. */
function readProcessEnv(): Record<string, string | undefined> {
  const dotEnv = path.join(PROJECT_ROOT, '.env');
  if (fs.existsSync(dotEnv)) process.loadEnvFile(dotEnv);
  return process.env;
}
