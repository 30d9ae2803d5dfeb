import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { mailDomainOf } from './mail/addresses';

/** The only module that reads process.env. Everything else receives a Config. */

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * Development defaults for secrets. They exist only when NODE_ENV is `development` or `test`; with
 * any other NODE_ENV, or none, the process refuses to start without real values (fail closed).
 */
export const DEVELOPMENT_SECRETS = {
  JWT_SECRET: 'dev-only-jwt-secret-do-not-use-in-production',
  PIN_PEPPER: 'dev-only-pin-pepper-do-not-use-in-production',
  SECRETS_KEY: '322e21f84d5ee8b5186486fa5a0bff21e10411a9b28d314945621b769208fca3',
} as const;

/** NODE_ENV values that get development defaults. Anything else, unset included, is production. */
const DEVELOPMENT_MODES = ['development', 'test'] as const;
export type RunMode = (typeof DEVELOPMENT_MODES)[number] | 'production';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

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
    .optional();

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

/** A 32-byte AES key written as 64 hex digits or as base64 (standard or URL-safe). */
function parseEncryptionKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value, 'base64');
    if (key.length === 32) return key;
  }
  return null;
}

const KEY_FORMAT = 'must be 32 random bytes written as 64 hex digits or base64, e.g. from: openssl rand -base64 32';
const encryptionKey = z.string().transform((value, ctx) => {
  const key = parseEncryptionKey(value);
  if (!key) {
    ctx.addIssue({ code: 'custom', message: KEY_FORMAT });
    return z.NEVER;
  }
  return key;
});
const encryptionKeyList = z.string().transform((value, ctx) => {
  const keys = value.split(',').map((part) => part.trim()).filter(Boolean).map(parseEncryptionKey);
  if (keys.some((key) => key === null)) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of keys that each ${KEY_FORMAT.replace(/^must /, '')}` });
    return z.NEVER;
  }
  return keys as Buffer[];
});

const booleanFlag = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).transform((value) => ['true', '1', 'yes'].includes(value));

/**
 * Which proxies may tell us the client's address (X-Forwarded-For): `false` (none, the default), a
 * number of hops, or addresses/subnets/names that proxy-addr knows (`loopback`, `10.0.0.0/8`, ...).
 * `true` is refused: it would let any client choose the address the rate limits and throttles key on.
 */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  const text = value.trim();
  if (text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'true') {
    ctx.addIssue({ code: 'custom', message: 'must not be true (any client could then pick its own address); give the number of proxies in front of the API or their addresses' });
    return z.NEVER;
  }
  const list = text.split(',').map((part) => part.trim()).filter(Boolean);
  try {
    proxyAddr.compile(list);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `must be false, a number of proxies, or addresses/subnets (${(error as Error).message})` });
    return z.NEVER;
  }
  return list;
});

const corsOrigins = z.string().transform((value, ctx) => {
  const origins = value.split(',').map((part) => part.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, '')) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of origins like https://admin.tunnelflight.com ("${origin}" is not one)` });
      return z.NEVER;
    }
  }
  return origins.map((origin) => origin.replace(/\/$/, ''));
});

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The schema for one run mode. Secrets come first, so a process started with no environment at all
 * names the first missing secret. Outside development they have no default and may not be the
 * development value.
 */
function environmentSchema(mode: RunMode) {
  const development = mode !== 'production';
  const secret = (name: keyof typeof DEVELOPMENT_SECRETS, minLength: number) => {
    const field = z.string().min(minLength, `must be at least ${minLength} characters`);
    return development
      ? field.default(DEVELOPMENT_SECRETS[name])
      : field.refine((value) => value !== DEVELOPMENT_SECRETS[name], 'is the development default; set a real secret outside development');
  };
  const secretsKey = development
    ? encryptionKey.default(Buffer.from(DEVELOPMENT_SECRETS.SECRETS_KEY, 'hex'))
    : z
        .string()
        .refine((value) => parseEncryptionKey(value)?.toString('hex') !== DEVELOPMENT_SECRETS.SECRETS_KEY, 'is the development default; set a real key outside development')
        .pipe(encryptionKey);
  const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
  const smtpUrl = z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://');

  return z.object({
    NODE_ENV: z.string().optional(),
    JWT_SECRET: secret('JWT_SECRET', 32),
    PIN_PEPPER: secret('PIN_PEPPER', 16),
    SECRETS_KEY: secretsKey,
    SECRETS_OLD_KEYS: encryptionKeyList.default([]),
    APP_BASE_URL: development
      ? httpUrl.optional()
      : httpUrl.refine((value) => !LOCAL_HOSTS.has(new URL(value).hostname), 'points at this machine; set the public URL e-mailed links should use'),
    SMTP_URL: development ? smtpUrl.optional() : smtpUrl,
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: mysqlUrl,
    DATABASE_POOL_SIZE: positiveInt(10),
    JWT_EXPIRES_IN_SECONDS: positiveInt(12 * 60 * 60),
    ADMIN_JWT_EXPIRES_IN_SECONDS: positiveInt(60 * 60),
    // at most 5 minutes: a value meant in milliseconds would otherwise accept expired tokens for hours
    JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    // its domain also names every Message-ID, so it must be one address with a real domain
    MAIL_FROM: z
      .string()
      .refine((value) => mailDomainOf(value) !== null, 'must be one address with a domain, e.g. IBA Logbook <no-reply@tunnelflight.com>')
      .default('IBA Logbook <no-reply@tunnelflight.com>'),
    MAIL_OUTBOX_DIR: z.string().default(path.join(PROJECT_ROOT, '.data', 'outbox')),
    MAIL_POLL_INTERVAL_MS: positiveInt(1000),
    MAIL_MAX_ATTEMPTS: positiveInt(200),
    MAIL_MAX_AGE_HOURS: positiveInt(48),
    FLYER_CURRENCY_DAYS: positiveInt(180),
    FLIGHT_TIME_LINK_TTL_DAYS: positiveInt(30),
    CONNECTOR_SECRET_OVERLAP_HOURS: positiveInt(24),
    PARTNER_SIGNATURE_WINDOW_SECONDS: positiveInt(300),
    BOOKING_MAX_PAST_DAYS: positiveInt(7),
    BOOKING_MAX_FUTURE_DAYS: positiveInt(1),
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: positiveInt(300),
    TOTP_ISSUER: z.string().min(1).default('IBA'),
    METRICS_TOKEN: optionalSecret(32),
    METRICS_ALLOW_CIDRS: addressRanges,
    RETENTION_INTERVAL_MINUTES: positiveInt(60),
    RETENTION_SENT_MAIL_DAYS: positiveInt(30),
    RETENTION_FAILED_MAIL_DAYS: positiveInt(30),
    RETENTION_EXPIRED_LINK_DAYS: positiveInt(30),
    RETENTION_EMAIL_CODE_HOURS: positiveInt(24),
    RETENTION_ATTEMPT_COUNTER_HOURS: positiveInt(24),
    TRUST_PROXY: trustProxy.default(false),
    CORS_ORIGINS: corsOrigins.default([]),
    DOCS_ENABLED: booleanFlag.default(development),
    RATE_LIMIT_SIGN_IN_PER_MINUTE: positiveInt(10),
    RATE_LIMIT_PAGES_PER_MINUTE: positiveInt(30),
    RATE_LIMIT_DOCS_PER_MINUTE: positiveInt(60),
    RATE_LIMIT_OAUTH_TOKEN_PER_MINUTE: positiveInt(30),
    PARTNER_RATE_LIMIT_PER_MINUTE: positiveInt(6000),
    PARTNER_AUTH_FAILURES_PER_MINUTE: positiveInt(120),
    PARTNER_WRONG_PIN_SPIKE_PER_MINUTE: positiveInt(30),
    RATE_LIMIT_HEALTH_PER_MINUTE: positiveInt(600),
    SIGN_IN_FREE_FAILURES: positiveInt(3),
    SIGN_IN_FREE_FAILURES_PER_ADDRESS: positiveInt(20),
    // failures are forgotten an hour after the last one, so a longer delay would never be waited out: it would be forgotten first
    SIGN_IN_MAX_DELAY_SECONDS: z.coerce.number().int().positive().max(3600).default(15 * 60),
    ARGON2_MAX_WAITING: nonNegativeInt(32),
    HTTP_HEADERS_TIMEOUT_MS: positiveInt(20_000),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
    HTTP_MAX_CONNECTIONS: positiveInt(1000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // worker processes (see workerCount); unset: one per core in production, one in development and tests
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  });
}

type ParsedEnvironment = z.infer<ReturnType<typeof environmentSchema>>;

export type Config = Omit<ParsedEnvironment, 'NODE_ENV' | 'APP_BASE_URL'> & {
  /** `development` or `test` when NODE_ENV says so; `production` for any other value and when unset. */
  NODE_ENV: RunMode;
  APP_BASE_URL: string;
};

export class ConfigError extends Error {}

/** True only when NODE_ENV is exactly `development` or `test`: the only modes with default secrets, demo data and logged links. */
export function isDevelopmentMode(config: Pick<Config, 'NODE_ENV'>): boolean {
  return config.NODE_ENV !== 'production';
}

/** Parses an environment (process.env by default) into a typed Config, or throws one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = readProcessEnv()): Config {
  // an empty value (SMTP_URL= in .env) means unset
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const mode: RunMode = (DEVELOPMENT_MODES as readonly string[]).includes(given.NODE_ENV ?? '') ? (given.NODE_ENV as RunMode) : 'production';
  const parsed = environmentSchema(mode).safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    const missing = given[name] === undefined && issue.code === 'invalid_type';
    const problem = missing ? (mode === 'production' ? 'is required (NODE_ENV is not development or test, so there is no default)' : 'is required') : issue.message;
    throw new ConfigError(`Invalid configuration: ${name} ${problem}`);
  }
  const config = parsed.data;
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  }
  const currentKeyHex = config.SECRETS_KEY.toString('hex');
  if (config.SECRETS_OLD_KEYS.some((key) => key.toString('hex') === currentKeyHex)) {
    throw new ConfigError('Invalid configuration: SECRETS_OLD_KEYS must not contain SECRETS_KEY itself');
  }
  return {
    ...config,
    NODE_ENV: mode,
    APP_BASE_URL: (config.APP_BASE_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, ''),
  };
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
